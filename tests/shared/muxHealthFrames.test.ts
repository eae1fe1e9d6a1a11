import { describe, expect, it } from 'vitest';
import { MalformedFrameError, readMuxFrame, writeHeartbeatFrame, writeSendLogFrame, writeSendLogRequestFrame } from '../../shared/protocol/muxMessages';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1 ');

describe('heartbeat, sendLogRequest and sendLog frames', () => {
  it.each([
    ['a heartbeat', writeHeartbeatFrame('{}'), '0e 02 7b 7d'],
    ['a sendLogRequest', writeSendLogRequestFrame(1), '0f 01'],
    ['a sendLogRequest with a two-byte id', writeSendLogRequestFrame(300), '0f ac 02'],
    ['a sendLog', writeSendLogFrame(1, '{}'), '10 01 02 7b 7d'],
  ])('writes %s as the grammar says', (_what, bytes, expected) => {
    expect(toHex(bytes)).toBe(expected);
  });

  it.each([
    ['heartbeat', '0e 02 7b 7d', { type: 'heartbeat', json: '{}' }],
    ['sendLogRequest', '0f ac 02', { type: 'sendLogRequest', requestId: 300 }],
    ['sendLog', '10 01 02 7b 7d', { type: 'sendLog', requestId: 1, json: '{}' }],
  ])('reads %s', (_what, bytes, frame) => {
    expect(readMuxFrame(hex(bytes))).toEqual(frame);
  });

  it.each([
    ['a heartbeat without its json', '0e'],
    ['a heartbeat with a truncated json', '0e 05 7b 7d'],
    ['a sendLogRequest without its id', '0f'],
    ['trailing bytes after a sendLogRequest', '0f 01 00'],
    ['a sendLog without its json', '10 01'],
  ])('refuses %s as malformed', (_what, bytes) => {
    expect(() => readMuxFrame(hex(bytes))).toThrow(MalformedFrameError);
  });
});
