/**
 * Decodes a Yjs update (format v1) into the structs and delete set
 * `Y.decodeUpdate` gives, with the same values, reading short ASCII strings
 * (keys, entry ids, SKUs, names: nearly every string a crew's entry holds)
 * straight from the bytes. lib0 hands every string to `TextDecoder` through a
 * fresh subarray: a native call and an object per string, several per line,
 * which was about a sixth of the relay's thread in the throughput bench. Anything
 * else (non-ASCII, long, or a length past the end) goes to lib0's own
 * reader, so errors and edge cases are lib0's.
 */
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';

/** Longer strings go to lib0 (TextDecoder checks long runs of bytes faster than a loop). */
const LONGEST_FAST_STRING = 256;

/**
 * Node's method behind `buffer.toString('latin1', start, end)`. It takes any
 * Uint8Array and makes a flat string in one native call, with no view
 * allocated. (Building the string a character at a time in JavaScript makes a
 * chain of cons strings, about 220 bytes for a 20-character id against 49.)
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;

/** lib0's `readVarString`, without a view or TextDecoder when the string is short and ASCII (ASCII is Latin-1 too). */
export function readVarString(decoder: decoding.Decoder): string {
  const from = decoder.pos;
  const length = decoding.readVarUint(decoder);
  const bytes = decoder.arr;
  const start = decoder.pos;
  const end = start + length;
  if (length <= LONGEST_FAST_STRING && end <= bytes.length) {
    let i = start;
    while (i < end && bytes[i]! <= 0x7f) i++;
    if (i === end) {
      decoder.pos = end;
      return latin1Slice.call(bytes, start, end);
    }
  }
  decoder.pos = from;
  return decoding.readVarString(decoder);
}

/** lib0's `readAny` (same table, same order of reads), with its strings read by `readVarString` above. */
export function readAny(decoder: decoding.Decoder): unknown {
  const read = readAnyByType[127 - decoding.readUint8(decoder)];
  // lib0 throws a TypeError for a type byte outside its table; so does this.
  if (read === undefined) throw new TypeError('unknown type of an encoded value');
  return read(decoder);
}

const readAnyByType: readonly ((decoder: decoding.Decoder) => unknown)[] = [
  () => undefined, // 127
  () => null, // 126
  decoding.readVarInt, // 125
  decoding.readFloat32, // 124
  decoding.readFloat64, // 123
  decoding.readBigInt64, // 122
  () => false, // 121
  () => true, // 120
  readVarString, // 119
  (decoder) => {
    // 118: an object. Assigned as lib0 does (a key "__proto__" included), so the value is the one every device decodes.
    const length = decoding.readVarUint(decoder);
    const object: Record<string, unknown> = {};
    for (let i = 0; i < length; i++) {
      const key = readVarString(decoder);
      object[key] = readAny(decoder);
    }
    return object;
  },
  (decoder) => {
    // 117: an array.
    const length = decoding.readVarUint(decoder);
    const array: unknown[] = [];
    for (let i = 0; i < length; i++) array.push(readAny(decoder));
    return array;
  },
  decoding.readVarUint8Array, // 116
];

/** Yjs's v1 update decoder with the string reads above. */
class UpdateDecoder extends Y.UpdateDecoderV1 {
  override readString(): string {
    return readVarString(this.restDecoder);
  }

  override readKey(): string {
    return readVarString(this.restDecoder);
  }

  override readAny(): unknown {
    return readAny(this.restDecoder);
  }
}

/** What `Y.decodeUpdate(update)` returns, decoded faster. Throws where it throws. */
export function decodeUpdate(update: Uint8Array): ReturnType<typeof Y.decodeUpdate> {
  return Y.decodeUpdateV2(update, UpdateDecoder as unknown as typeof Y.UpdateDecoderV2);
}
