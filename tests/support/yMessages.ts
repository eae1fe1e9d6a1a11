/** Hand-built y-websocket messages and readers for relay tests. */
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import { readAwarenessUpdate } from '../../shared/protocol/awarenessUpdate';

export function syncStep1(stateVector: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep1);
  encoding.writeVarUint8Array(e, stateVector);
  return encoding.toUint8Array(e);
}

export function syncStep2(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

export function syncUpdate(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, syncProtocol.messageYjsUpdate);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

/** Reads a y-websocket sync message: its sync type and payload, or undefined for other messages. */
export function readSync(msg: Uint8Array): { syncType: number; payload: Uint8Array } | undefined {
  try {
    const d = decoding.createDecoder(msg);
    if (decoding.readVarUint(d) !== 0) return undefined;
    const syncType = decoding.readVarUint(d);
    return { syncType, payload: decoding.readVarUint8Array(d) };
  } catch {
    return undefined;
  }
}

/** One entry of a hand-built awareness update; `state` is any JSON value (null removes). */
export interface AwarenessEntryInput {
  clientId: number;
  clock: number;
  state: unknown;
}

/** An awareness update (y-protocols' encoding, written by hand): varUint(count), then per entry id, clock, JSON. */
export function awarenessUpdate(entries: readonly AwarenessEntryInput[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const { clientId, clock, state } of entries) {
    encoding.writeVarUint(e, clientId);
    encoding.writeVarUint(e, clock);
    encoding.writeVarString(e, JSON.stringify(state));
  }
  return encoding.toUint8Array(e);
}

/** A y-websocket awareness message (type 1) carrying `entries`. */
export function awarenessMessage(entries: readonly AwarenessEntryInput[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint8Array(e, awarenessUpdate(entries));
  return encoding.toUint8Array(e);
}

/** A y-websocket query-awareness message (type 3): "send me every state". */
export function queryAwarenessMessage(): Uint8Array {
  return new Uint8Array([3]);
}

/** Reads an awareness update's entries (states parsed), or undefined for bytes that are not one. */
export function readAwarenessEntries(update: Uint8Array): AwarenessEntryInput[] | undefined {
  try {
    return readAwarenessUpdate(update).map(({ clientId, clock, state }) => ({ clientId, clock, state: JSON.parse(new TextDecoder().decode(state)) }));
  } catch {
    return undefined;
  }
}

/** Reads a y-websocket awareness message (type 1) into its entries, or undefined for other messages. */
export function readAwarenessMessage(msg: Uint8Array): AwarenessEntryInput[] | undefined {
  try {
    const d = decoding.createDecoder(msg);
    if (decoding.readVarUint(d) !== 1) return undefined;
    return readAwarenessEntries(decoding.readVarUint8Array(d));
  } catch {
    return undefined;
  }
}
