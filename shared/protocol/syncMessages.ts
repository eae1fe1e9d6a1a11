/**
 * The y-websocket messages both sides build: y-protocols' sync family inside
 * the y-websocket envelope (PROTOCOL.md section 1). Reading them stays with
 * each side; building them is written once here.
 */
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import type * as Y from 'yjs';

/** y-websocket message types. */
export const YMessage = { sync: 0, awareness: 1, auth: 2, queryAwareness: 3 } as const;

/** A sync message of `syncType` (step 1: a state vector; step 2 or update: an update) carrying `payload`. */
export function syncMessage(syncType: number, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, YMessage.sync);
  encoding.writeVarUint(e, syncType);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

/** Sync step 1 with `doc`'s state vector: "send me what I lack". */
export function syncStep1Of(doc: Y.Doc): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, YMessage.sync);
  syncProtocol.writeSyncStep1(e, doc);
  return encoding.toUint8Array(e);
}
