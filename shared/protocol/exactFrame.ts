/**
 * Builds a frame of lib0-encoded fields (var uints, var strings, byte arrays
 * with their length) in one buffer of its exact size. lib0's growing encoder
 * starts at 100 bytes, adds buffers as it fills and copies them all into a
 * last one: three or four allocations and two copies of a forwarded change,
 * for every change the relay acknowledges and forwards. The bytes are the
 * same as lib0's (tests/shared/exactFrame.test.ts).
 */

const utf8 = new TextEncoder();

/** Bytes of `n` (a non-negative safe integer) as a lib0 var uint. */
export function varUintLength(n: number): number {
  let bytes = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 128);
    bytes++;
  }
  return bytes;
}

/** Bytes of `s` in UTF-8 as TextEncoder writes it (a lone surrogate becomes U+FFFD: 3 bytes). */
export function utf8Length(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // the pair's two code units become four bytes
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/** A var string's bytes in a frame: its length prefix and its UTF-8. */
export function varStringLength(utf8Bytes: number): number {
  return varUintLength(utf8Bytes) + utf8Bytes;
}

/** A byte array's bytes in a frame: its length prefix and itself. */
export function varBytesLength(bytes: Uint8Array): number {
  return varUintLength(bytes.byteLength) + bytes.byteLength;
}

/** Writes fields into a frame whose size was worked out beforehand; `done` checks it was. */
export class ExactFrame {
  readonly bytes: Uint8Array;
  private at = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }

  varUint(n: number): this {
    const bytes = this.bytes;
    while (n > 0x7f) {
      bytes[this.at++] = 0x80 | (n & 0x7f);
      n = Math.floor(n / 128);
    }
    bytes[this.at++] = n;
    return this;
  }

  /** Writes `s`, whose UTF-8 takes `utf8Bytes` bytes (`utf8Length`), with its length. */
  varString(s: string, utf8Bytes: number): this {
    this.varUint(utf8Bytes);
    if (utf8Bytes === s.length) {
      // ASCII (every document name Tally makes): no encoder call.
      const bytes = this.bytes;
      for (let i = 0; i < s.length; i++) bytes[this.at + i] = s.charCodeAt(i);
    } else utf8.encodeInto(s, this.bytes.subarray(this.at, this.at + utf8Bytes));
    this.at += utf8Bytes;
    return this;
  }

  varBytes(data: Uint8Array): this {
    this.varUint(data.byteLength);
    this.bytes.set(data, this.at);
    this.at += data.byteLength;
    return this;
  }

  /** The frame; throws when what was written is not the size it was made for. */
  done(): Uint8Array {
    if (this.at !== this.bytes.byteLength) throw new Error(`frame holds ${this.at} of its ${this.bytes.byteLength} bytes`);
    return this.bytes;
  }
}
