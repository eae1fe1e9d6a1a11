/**
 * The y-protocols awareness update, read into its entries so the relay can
 * judge each one before applying any (PROTOCOL.md section 1, "Presence"):
 *
 *   update = varUint(count) entry*
 *   entry  = varUint(clientID) varUint(clock) varString(JSON state)
 *
 * A state stays the bytes it arrived as: its size is judged without decoding
 * it, and writing an entry back gives exactly what y-protocols wrote (a
 * varString is a varUint8Array of UTF-8 bytes).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** One client's presence in an awareness update. */
export interface AwarenessEntry {
  /** The awareness client id (the sender's Y.Doc clientID for stock clients). */
  clientId: number;
  /** Increases with every change of that client's state; y-protocols ignores older ones. */
  clock: number;
  /** The state as UTF-8 JSON bytes; `null` (the JSON) removes the client's state. */
  state: Uint8Array;
}

/** Reads an awareness update. Throws on truncated bytes (not on bad JSON: the states stay unread). */
export function readAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    entries.push({ clientId, clock, state: decoding.readVarUint8Array(decoder) });
  }
  return entries;
}

/** Writes `entries` as an awareness update, byte for byte as y-protocols would. */
export function writeAwarenessUpdate(entries: readonly AwarenessEntry[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(e, entry.clientId);
    encoding.writeVarUint(e, entry.clock);
    encoding.writeVarUint8Array(e, entry.state);
  }
  return encoding.toUint8Array(e);
}
