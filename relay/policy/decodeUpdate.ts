/**
 * Decodes a Yjs update (format v1) into the structs and delete set
 * `Y.decodeUpdate` gives, with the same values, faster:
 *
 * - short ASCII strings (keys, entry ids, SKUs, names: nearly every string a
 *   crew's entry holds) are sliced straight from the bytes. lib0 hands every
 *   string to `TextDecoder` through a fresh subarray: a native call and an
 *   object per string, several per line, about a sixth of the relay's thread
 *   in the throughput bench. Anything else (non-ASCII, long, or a length past
 *   the end) goes to lib0's own reader, so errors and edge cases are lib0's;
 * - an `UpdateReader` remembers the object keys it read last.
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

/** How many object keys an `UpdateReader` remembers by default (entries and fields have a few dozen names in all). */
const REMEMBERED_KEYS = 256;
/** Keys longer than this are not remembered. */
const LONGEST_REMEMBERED_KEY = 32;

export interface UpdateReaderOptions {
  /** Slots of the table of object keys read last (a power of two; 0 remembers none). Default 256. */
  rememberedKeys?: number;
}

/**
 * Decodes Yjs updates (format v1) as `Y.decodeUpdate` does, faster. It
 * remembers the object keys it read last (`id`, `kind`, `qty`...: the same
 * few in every entry) in a small table and hands out the same string again:
 * a fresh key string must be looked up in V8's string table before it names
 * a property, and then it is garbage (0.7 us and nine strings of a receipt
 * line). One reader serves every room of a relay.
 */
export class UpdateReader {
  /** Keys by a hash of their bytes; a slot holds the last key that hashed to it. */
  private readonly keys: (string | undefined)[];
  private readonly keySlotMask: number;
  /** Yjs's v1 decoder with this reader's string and value reads (Yjs makes one per update from the class). */
  private readonly decoderClass: typeof Y.UpdateDecoderV2;

  constructor(options: UpdateReaderOptions = {}) {
    const slots = options.rememberedKeys ?? REMEMBERED_KEYS;
    if (slots !== 0 && (slots & (slots - 1)) !== 0) throw new RangeError(`rememberedKeys must be a power of two or 0, not ${slots}`);
    this.keys = new Array<string | undefined>(slots);
    this.keySlotMask = slots - 1;
    const reader = this;
    this.decoderClass = class extends Y.UpdateDecoderV1 {
      override readString(): string {
        return readVarString(this.restDecoder);
      }

      override readKey(): string {
        return reader.readKey(this.restDecoder);
      }

      override readAny(): unknown {
        return reader.readAny(this.restDecoder);
      }
    } as unknown as typeof Y.UpdateDecoderV2;
  }

  /** What `Y.decodeUpdate(update)` returns. Throws where it throws. */
  decode(update: Uint8Array): ReturnType<typeof Y.decodeUpdate> {
    return Y.decodeUpdateV2(update, this.decoderClass);
  }

  /** lib0's `readAny`: the same types, the same order of reads, the same values. */
  readAny(decoder: decoding.Decoder): unknown {
    switch (decoding.readUint8(decoder)) {
      case 127:
        return undefined;
      case 126:
        return null;
      case 125:
        return decoding.readVarInt(decoder);
      case 124:
        return decoding.readFloat32(decoder);
      case 123:
        return decoding.readFloat64(decoder);
      case 122:
        return decoding.readBigInt64(decoder);
      case 121:
        return false;
      case 120:
        return true;
      case 119:
        return readVarString(decoder);
      case 118: {
        // Assigned as lib0 does (a key "__proto__" included), so the value is the one every device decodes.
        const length = decoding.readVarUint(decoder);
        const object: Record<string, unknown> = {};
        for (let i = 0; i < length; i++) {
          const key = this.readKey(decoder);
          object[key] = this.readAny(decoder);
        }
        return object;
      }
      case 117: {
        const length = decoding.readVarUint(decoder);
        const array: unknown[] = [];
        for (let i = 0; i < length; i++) array.push(this.readAny(decoder));
        return array;
      }
      case 116:
        return decoding.readVarUint8Array(decoder);
      default:
        // lib0 throws a TypeError for a type byte outside its table; so does this.
        throw new TypeError('unknown type of an encoded value');
    }
  }

  /** `readVarString` of a key: the remembered string when the bytes are a key read before. */
  readKey(decoder: decoding.Decoder): string {
    const from = decoder.pos;
    const length = decoding.readVarUint(decoder);
    const bytes = decoder.arr;
    const start = decoder.pos;
    const end = start + length;
    if (this.keySlotMask >= 0 && length <= LONGEST_REMEMBERED_KEY && end <= bytes.length) {
      let hash = length;
      let i = start;
      for (; i < end; i++) {
        const byte = bytes[i]!;
        if (byte > 0x7f) break;
        hash = (Math.imul(hash, 31) + byte) | 0;
      }
      if (i === end) {
        decoder.pos = end;
        const slot = hash & this.keySlotMask;
        const known = this.keys[slot];
        if (known !== undefined && sameAscii(known, bytes, start, length)) return known;
        const key = latin1Slice.call(bytes, start, end);
        this.keys[slot] = key;
        return key;
      }
    }
    decoder.pos = from;
    return readVarString(decoder);
  }
}

/** Whether `text` is the `length` ASCII bytes of `bytes` from `start`. */
function sameAscii(text: string, bytes: Uint8Array, start: number, length: number): boolean {
  if (text.length !== length) return false;
  for (let i = 0; i < length; i++) if (text.charCodeAt(i) !== bytes[start + i]) return false;
  return true;
}

/** A reader that remembers no keys, for callers without a relay's reader (tests, one-off checks). */
const PLAIN_READER = new UpdateReader({ rememberedKeys: 0 });

/** What `Y.decodeUpdate(update)` returns, decoded faster (by `reader`, default one that remembers no keys). */
export function decodeUpdate(update: Uint8Array, reader: UpdateReader = PLAIN_READER): ReturnType<typeof Y.decodeUpdate> {
  return reader.decode(update);
}
