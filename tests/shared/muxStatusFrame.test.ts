/**
 * The `status` frame with and without the store identity appended
 * (PROTOCOL.md §2): the bytes of both, and what a reader refuses.
 */
import { describe, expect, it } from 'vitest';
import { MalformedFrameError, readMuxFrame, writeStatusFrame } from '../../shared/protocol/muxMessages';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1 ');

describe('status frames', () => {
  it.each([
    ['storage ok, no identity (as before identities)', writeStatusFrame(true, 'ok'), '05 01 02 6f 6b'],
    ['storage failing, no identity', writeStatusFrame(false, 'E'), '05 00 01 45'],
    ['storage ok with the store identity appended', writeStatusFrame(true, 'ok', 'ab12'), '05 01 02 6f 6b 04 61 62 31 32'],
    ['an empty detail with the identity', writeStatusFrame(true, '', 'x'), '05 01 00 01 78'],
  ])('writes %s as the grammar says', (_what, bytes, expected) => {
    expect(toHex(bytes)).toBe(expected);
  });

  it.each([
    ['without the identity', '05 01 02 6f 6b', { type: 'status', storageOk: true, detail: 'ok' }],
    ['with the identity', '05 01 02 6f 6b 04 61 62 31 32', { type: 'status', storageOk: true, detail: 'ok', store: 'ab12' }],
    ['failing storage with the identity', '05 00 01 45 01 78', { type: 'status', storageOk: false, detail: 'E', store: 'x' }],
  ])('reads a status %s', (_what, bytes, frame) => {
    expect(readMuxFrame(hex(bytes))).toEqual(frame);
  });

  it('reads back what it writes, identity or not', () => {
    for (const store of [undefined, '0123456789abcdef0123456789abcdef']) {
      const frame = readMuxFrame(writeStatusFrame(true, 'storage ok', store));
      expect(frame).toEqual(store === undefined ? { type: 'status', storageOk: true, detail: 'storage ok' } : { type: 'status', storageOk: true, detail: 'storage ok', store });
    }
  });

  it.each([
    ['a status without its detail', '05 01'],
    ['a truncated detail', '05 01 05 6f 6b'],
    ['a truncated identity', '05 01 02 6f 6b 04 61 62'],
    ['a byte after the identity', '05 01 02 6f 6b 01 78 00'],
  ])('refuses %s as malformed', (_what, bytes) => {
    expect(() => readMuxFrame(hex(bytes))).toThrow(MalformedFrameError);
  });
});
