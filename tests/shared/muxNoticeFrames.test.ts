import { describe, expect, it } from 'vitest';
import { MalformedFrameError, readMuxFrame, writeNoticeFrame, writeNoticeSeenFrame, writeNoticesHeldFrame } from '../../shared/protocol/muxMessages';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1 ');

describe('notice and noticeSeen frames', () => {
  it.each([
    ['a notice', writeNoticeFrame(1, '{}'), '06 01 02 7b 7d'],
    ['a notice with a two-byte seq', writeNoticeFrame(300, 'a'), '06 ac 02 01 61'],
    ['a noticeSeen', writeNoticeSeenFrame(1), '07 01'],
    ['a noticeSeen with a two-byte seq', writeNoticeSeenFrame(300), '07 ac 02'],
    ['a noticesHeld', writeNoticesHeldFrame(3), '08 03'],
  ])('writes %s as the grammar says', (_what, bytes, expected) => {
    expect(toHex(bytes)).toBe(expected);
  });

  it.each([
    ['notice', '06 01 02 7b 7d', { type: 'notice', seq: 1, json: '{}' }],
    ['noticeSeen', '07 ac 02', { type: 'noticeSeen', seq: 300 }],
    ['noticesHeld', '08 ac 02', { type: 'noticesHeld', seq: 300 }],
  ])('reads %s', (_what, bytes, frame) => {
    expect(readMuxFrame(hex(bytes))).toEqual(frame);
  });

  it.each([
    ['a notice without its json', '06 01'],
    ['a notice with a truncated json', '06 01 05 7b 7d'],
    ['a noticeSeen without its seq', '07'],
    ['trailing bytes after a noticeSeen', '07 01 00'],
    ['a noticesHeld without its seq', '08'],
  ])('refuses %s as malformed', (_what, bytes) => {
    expect(() => readMuxFrame(hex(bytes))).toThrow(MalformedFrameError);
  });
});
