/**
 * The y-websocket messages a SyncedDoc exchanges with the relay inside `doc`
 * frames: it sends its sync step 1 to subscribe and reads the relay's sync
 * step 1, step 2, updates and auth denials. Awareness is not used by the sync
 * core and is skipped.
 */
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import type * as Y from 'yjs';
import { YMessage, syncStep1Of } from '../../shared/protocol/syncMessages';


/** What one relay message means to a document. */
export type RelayDocMessage =
  | { kind: 'stateVector'; stateVector: Uint8Array }
  | { kind: 'update'; update: Uint8Array; syncStep2: boolean }
  | { kind: 'denied'; reason: string }
  | { kind: 'ignored' };

/** The subscription message: sync step 1 with the document's state vector. */
export const writeSubscription: (doc: Y.Doc) => Uint8Array = syncStep1Of;

/** Reads one relay message; throws on malformed bytes. */
export function readRelayDocMessage(message: Uint8Array): RelayDocMessage {
  const decoder = decoding.createDecoder(message);
  const type = decoding.readVarUint(decoder);
  if (type === YMessage.auth) {
    decoding.readVarUint(decoder);
    return { kind: 'denied', reason: decoding.readVarString(decoder) };
  }
  if (type !== YMessage.sync) return { kind: 'ignored' };
  const step = decoding.readVarUint(decoder);
  const payload = decoding.readVarUint8Array(decoder);
  switch (step) {
    case syncProtocol.messageYjsSyncStep1:
      return { kind: 'stateVector', stateVector: payload };
    case syncProtocol.messageYjsSyncStep2:
      return { kind: 'update', update: payload, syncStep2: true };
    case syncProtocol.messageYjsUpdate:
      return { kind: 'update', update: payload, syncStep2: false };
    default:
      throw new Error(`unknown sync message type ${step}`);
  }
}
