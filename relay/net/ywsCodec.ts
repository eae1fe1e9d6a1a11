/**
 * The y-websocket protocol as the relay's endpoints speak it (PROTOCOL.md
 * section 1): an inbound message read into what it asks of a room, and what a
 * room hands a peer encoded as messages. `/sync/<doc>` sends these as they
 * are; `/mux` wraps each in a `doc` frame.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as authProtocol from 'y-protocols/auth';
import * as syncProtocol from 'y-protocols/sync';
import { YMessage, syncMessage } from '../../shared/protocol/syncMessages';
import type { Broadcast } from '../sync/RoomPeer';

/** What one inbound y-websocket message asks for. */
export type YwsRequest =
  /** Sync step 1: the updates the sender's state vector lacks. */
  | { readonly kind: 'missing'; readonly stateVector: Uint8Array }
  /** Sync step 2 or update: a change to apply. */
  | { readonly kind: 'update'; readonly update: Uint8Array }
  | { readonly kind: 'awareness'; readonly update: Uint8Array }
  | { readonly kind: 'queryAwareness' }
  /** Auth messages only flow relay -> client; a client's is ignored. */
  | { readonly kind: 'ignored' };

/** Thrown for a y-websocket message of a type the relay does not know. */
export class UnknownMessageTypeError extends Error {}

/**
 * Reads one y-websocket message. Throws on malformed bytes (decoding errors)
 * and UnknownMessageTypeError; the caller closes the socket.
 */
export function readYwsMessage(message: Uint8Array): YwsRequest {
  const decoder = decoding.createDecoder(message);
  const type = decoding.readVarUint(decoder);
  switch (type) {
    case YMessage.sync: {
      const syncType = decoding.readVarUint(decoder);
      switch (syncType) {
        case syncProtocol.messageYjsSyncStep1:
          return { kind: 'missing', stateVector: decoding.readVarUint8Array(decoder) };
        case syncProtocol.messageYjsSyncStep2:
        case syncProtocol.messageYjsUpdate:
          return { kind: 'update', update: decoding.readVarUint8Array(decoder) };
        default:
          throw new UnknownMessageTypeError(`unknown sync message type ${syncType}`);
      }
    }
    case YMessage.awareness:
      return { kind: 'awareness', update: decoding.readVarUint8Array(decoder) };
    case YMessage.queryAwareness:
      return { kind: 'queryAwareness' };
    case YMessage.auth:
      return { kind: 'ignored' };
    default:
      throw new UnknownMessageTypeError(`unknown y-websocket message type ${type}`);
  }
}

/** True for a sync step 1, which a room answers from its stored bytes alone (`DocRoom.runOnRead`). */
export function needsOnlyStoredBytes(message: Uint8Array): boolean {
  return message.length >= 2 && message[0] === YMessage.sync && message[1] === syncProtocol.messageYjsSyncStep1;
}

/**
 * The answer to a sync step 1: everything but the last missing update as
 * plain updates, the last as the step 2 that tells the client it is in sync
 * (by then it has all of them); an empty step 2 when nothing is missing.
 */
export function stepOneAnswer(missing: readonly Uint8Array[]): Uint8Array[] {
  if (missing.length === 0) return [syncMessage(syncProtocol.messageYjsSyncStep2, EMPTY_UPDATE)];
  return missing.map((part, i) => syncMessage(i === missing.length - 1 ? syncProtocol.messageYjsSyncStep2 : syncProtocol.messageYjsUpdate, part));
}

/** Sync step 1 carrying `stateVector`. */
export function stepOneMessage(stateVector: Uint8Array): Uint8Array {
  return syncMessage(syncProtocol.messageYjsSyncStep1, stateVector);
}

/** A forwarded update, encoded once per broadcast. */
export function updateMessage(update: Uint8Array, shared: Broadcast): Uint8Array {
  return shared.as('yws', () => syncMessage(syncProtocol.messageYjsUpdate, update));
}

/** An awareness message carrying `update` (encoded once per broadcast when `shared` is given). */
export function awarenessMessage(update: Uint8Array, shared?: Broadcast): Uint8Array {
  const make = (): Uint8Array => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, YMessage.awareness);
    encoding.writeVarUint8Array(e, update);
    return encoding.toUint8Array(e);
  };
  return shared ? shared.as('yws', make) : make();
}

/** y-protocols' "permission denied" auth message, how a stock client hears a refusal. */
export function permissionDeniedMessage(reason: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, YMessage.auth);
  authProtocol.writePermissionDenied(e, reason);
  return encoding.toUint8Array(e);
}

/** An update with no structs and no deletions. */
const EMPTY_UPDATE = new Uint8Array([0, 0]);
