/**
 * How a held record's summary is stored: with the state vector of its stored
 * state in the same value (one IndexedDB write per record fewer; a shift
 * start of 5,000 records made 15,000 puts, each a cost on a phone's main
 * thread). The value is a marker byte (1, which JSON never starts with), the
 * vector as lib0 var-length bytes, then the summary as UTF-8 JSON. A value
 * written before is the JSON alone, its vector kept under its own key.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { RecordSummary } from '../../../shared/summary/recordSummary';

const WITH_VECTOR = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The stored value of a summary and the state vector of the state it is of. */
export function writeSummaryValue(summary: RecordSummary, vector: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, WITH_VECTOR);
  encoding.writeVarUint8Array(e, vector);
  encoding.writeUint8Array(e, encoder.encode(JSON.stringify(summary)));
  return encoding.toUint8Array(e);
}

/** A stored summary value read back (vector null for a value written before vectors joined it); throws if unreadable. */
export function readSummaryValue(value: Uint8Array): { summary: RecordSummary; vector: Uint8Array | null } {
  if (value[0] !== WITH_VECTOR) return { summary: JSON.parse(decoder.decode(value)) as RecordSummary, vector: null };
  const d = decoding.createDecoder(value);
  decoding.readUint8(d);
  const vector = decoding.readVarUint8Array(d);
  return { summary: JSON.parse(decoder.decode(value.subarray(d.pos))) as RecordSummary, vector };
}

/** Only the state vector of a stored summary value (null when it has none or does not read): the summary is not parsed. */
export function readSummaryVector(value: Uint8Array): Uint8Array | null {
  if (value[0] !== WITH_VECTOR) return null;
  try {
    const d = decoding.createDecoder(value);
    decoding.readUint8(d);
    return decoding.readVarUint8Array(d);
  } catch {
    return null;
  }
}
