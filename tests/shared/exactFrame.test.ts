import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as encoding from 'lib0/encoding';
import { ExactFrame, utf8Length, varBytesLength, varStringLength, varUintLength } from '../../shared/protocol/exactFrame';
import { readMuxFrame, writeAckFrame, writeChangeFrame, writeDocFrame } from '../../shared/protocol/muxMessages';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1 ');

describe('doc, change and ack frames', () => {
  it.each([
    ['a doc frame', writeDocFrame('a', hex('00 01 00')), '00 01 61 03 00 01 00'],
    ['a change frame', writeChangeFrame('a', 1, hex('00 00')), '01 01 61 01 02 00 00'],
    ['a change frame past one var-uint byte', writeChangeFrame('a', 300, hex('')), '01 01 61 ac 02 00'],
    ['an ack frame', writeAckFrame('a', 127), '02 01 61 7f'],
    ['an ack frame of a name in two-byte UTF-8', writeAckFrame('é', 128), '02 02 c3 a9 80 01'],
  ])('%s', (_what, frame, bytes) => {
    expect(toHex(frame)).toBe(bytes);
  });

  it('reads back what it writes', () => {
    expect(readMuxFrame(writeChangeFrame('record:R-1', 2 ** 40, hex('01 02')))).toEqual({ type: 'change', doc: 'record:R-1', changeNo: 2 ** 40, update: hex('01 02') });
  });
});

/** The same fields through lib0's encoder. */
function lib0Bytes(n: number, s: string, data: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, n);
  encoding.writeVarString(e, s);
  encoding.writeVarUint8Array(e, data);
  return encoding.toUint8Array(e);
}

describe('ExactFrame', () => {
  it("writes lib0's bytes for any number, string (lone surrogates too) and byte array", () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.string({ unit: 'binary', maxLength: 40 }), fc.uint8Array({ maxLength: 300 }), (n, s, data) => {
        const name = utf8Length(s);
        const frame = new ExactFrame(varUintLength(n) + varStringLength(name) + varBytesLength(data)).varUint(n).varString(s, name).varBytes(data).done();
        expect(frame).toEqual(lib0Bytes(n, s, data));
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['ascii', 'record:R-1', 10],
    ['two-byte', 'é', 2],
    ['three-byte', '€', 3],
    ['a surrogate pair', '😀', 4],
    ['a lone high surrogate (written as U+FFFD)', '\ud800', 3],
    ['a lone low surrogate', '\udc00x', 4],
  ])('counts the UTF-8 bytes of %s', (_what, s, bytes) => {
    expect(utf8Length(s)).toBe(bytes);
    expect(new TextEncoder().encode(s).byteLength).toBe(bytes);
  });

  it('refuses to hand out a frame it did not fill', () => {
    expect(() => new ExactFrame(3).varUint(1).done()).toThrow(/1 of its 3 bytes/);
  });
});
