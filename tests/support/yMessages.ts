/** Hand-built y-websocket messages and readers for relay tests. */
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';

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
