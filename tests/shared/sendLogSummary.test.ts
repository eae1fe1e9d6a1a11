/**
 * The send log's summary (what a device reports with every heartbeat) as a
 * pure function of its attempts, and the relay's reading of a device's
 * claims: heartbeats and whole logs, every field checked.
 */
import { describe, expect, it } from 'vitest';
import { ClaimError } from '../../shared/health/claims';
import { readHeartbeat, type DeviceHeartbeat } from '../../shared/health/heartbeat';
import { readSendLog, summarizeSendLog, type SendAttempt } from '../../shared/health/sendLog';

const NOW = 1_000_000_000_000;
const MIN = 60_000;
const HOUR = 60 * MIN;

let nextId = 0;
/** An attempt sent `ago` ms before NOW. */
const attempt = (ago: number, patch: Partial<SendAttempt> = {}): SendAttempt => ({
  id: nextId++,
  doc: 'record:R-1',
  changeNo: 1,
  bytes: 100,
  changeAt: NOW - ago,
  sentAt: NOW - ago,
  result: 'acked',
  resultAt: NOW - ago + 50,
  timedOutAt: null,
  code: null,
  reason: null,
  ...patch,
});
const counts = (acked = 0, waiting = 0, timedOut = 0, refused = 0, disconnected = 0) => ({ acked, waiting, timedOut, refused, disconnected });

describe('summarizeSendLog', () => {
  it.each<[string, SendAttempt[], ReturnType<typeof summarizeSendLog>]>([
    ['an empty log', [], { attempts: 0, lastHour: counts(), lastDay: counts(), oldestUnacked: null, lastRefusal: null }],
    [
      'acked attempts inside and outside the hour and the day',
      [attempt(5 * MIN), attempt(2 * HOUR), attempt(25 * HOUR)],
      { attempts: 3, lastHour: counts(1), lastDay: counts(2), oldestUnacked: null, lastRefusal: null },
    ],
    [
      'an attempt exactly an hour old counts for the day only',
      [attempt(HOUR)],
      { attempts: 1, lastHour: counts(), lastDay: counts(1), oldestUnacked: null, lastRefusal: null },
    ],
    [
      'waiting attempts: the oldest unacked is the one sent first, sent or timed out',
      [
        attempt(1 * MIN, { doc: 'record:R-2', changeNo: 7, result: 'sent', resultAt: null }),
        attempt(3 * MIN, { doc: 'record:R-3', changeNo: 2, result: 'timedOut', resultAt: NOW - 2 * MIN, timedOutAt: NOW - 2 * MIN }),
      ],
      { attempts: 2, lastHour: counts(0, 2, 1), lastDay: counts(0, 2, 1), oldestUnacked: { doc: 'record:R-3', changeNo: 2, sentAt: NOW - 3 * MIN }, lastRefusal: null },
    ],
    [
      'a timed-out attempt acked later counts as acked and as timed out',
      [attempt(10 * MIN, { timedOutAt: NOW - 9 * MIN })],
      { attempts: 1, lastHour: counts(1, 0, 1), lastDay: counts(1, 0, 1), oldestUnacked: null, lastRefusal: null },
    ],
    [
      'the last refusal is the one answered last, whatever the order held',
      [
        attempt(30 * MIN, { result: 'refused', resultAt: NOW - 1 * MIN, code: 3, reason: 'auditor may not write', changeNo: 4 }),
        attempt(20 * MIN, { result: 'refused', resultAt: NOW - 19 * MIN, code: 2, reason: 'too large' }),
      ],
      { attempts: 2, lastHour: counts(0, 0, 0, 2), lastDay: counts(0, 0, 0, 2), oldestUnacked: null, lastRefusal: { doc: 'record:R-1', changeNo: 4, code: 3, reason: 'auditor may not write', at: NOW - MIN } },
    ],
    [
      'disconnected attempts are neither waiting nor acked',
      [attempt(2 * MIN, { result: 'disconnected' }), attempt(MIN, { result: 'sent', resultAt: null, changeNo: 2 })],
      { attempts: 2, lastHour: counts(0, 1, 0, 0, 1), lastDay: counts(0, 1, 0, 0, 1), oldestUnacked: { doc: 'record:R-1', changeNo: 2, sentAt: NOW - MIN }, lastRefusal: null },
    ],
  ])('%s', (_what, attempts, expected) => {
    expect(summarizeSendLog(attempts, NOW)).toEqual(expected);
  });
});

const heartbeat = (patch: Record<string, unknown> = {}): Record<string, unknown> => ({
  pending: 3,
  docsWithPending: 1,
  openDocs: 4,
  notSavedOnDevice: 0,
  stuckCount: 1,
  stuck: [{ doc: 'record:R-1', reason: 'relay has not acknowledged 3 changes for 30 s' }],
  lastError: null,
  sendLog: summarizeSendLog([attempt(MIN)], NOW),
  at: NOW,
  ...patch,
});

describe('readHeartbeat', () => {
  it('reads a heartbeat as the device sent it, and drops fields it does not know', () => {
    const read: DeviceHeartbeat = readHeartbeat(JSON.stringify({ ...heartbeat(), user: 'someone-else', device: 'x' }));
    expect(read).toEqual(heartbeat());
    expect(read).not.toHaveProperty('user');
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '{"pending":', /not JSON/],
    ['an array', '[1,2]', /must be an object/],
    ['too long', JSON.stringify(heartbeat({ junk: 'x'.repeat(17_000) })), /at most 16384/],
    ['a negative count', JSON.stringify(heartbeat({ pending: -1 })), /pending must be a whole number/],
    ['a fractional count', JSON.stringify(heartbeat({ pending: 1.5 })), /pending must be a whole number/],
    ['a count as a string', JSON.stringify(heartbeat({ openDocs: '4' })), /openDocs must be a whole number/],
    ['more stuck documents listed than counted', JSON.stringify(heartbeat({ stuckCount: 0 })), /stuckCount/],
    ['21 stuck documents', JSON.stringify(heartbeat({ stuckCount: 21, stuck: Array.from({ length: 21 }, () => ({ doc: 'd', reason: 'r' })) })), /at most 20/],
    ['a stuck reason over 500 characters', JSON.stringify(heartbeat({ stuck: [{ doc: 'd', reason: 'r'.repeat(501) }] })), /stuck\[0\]\.reason must be at most 500/],
    ['a last error without a time', JSON.stringify(heartbeat({ lastError: { message: 'x' } })), /lastError\.at/],
    ['no send-log summary', JSON.stringify(heartbeat({ sendLog: undefined })), /sendLog must be an object/],
    ['a send-log count over 1,000', JSON.stringify(heartbeat({ sendLog: { ...summarizeSendLog([], NOW), lastHour: counts(1001) } })), /lastHour\.acked/],
    ['no device clock', JSON.stringify(heartbeat({ at: undefined })), /at must be a whole number/],
  ])('refuses %s', (_what, json, message) => {
    expect(() => readHeartbeat(json)).toThrow(ClaimError);
    expect(() => readHeartbeat(json)).toThrow(message);
  });
});

describe('readSendLog', () => {
  it('reads every attempt field by field', () => {
    const attempts = [attempt(MIN), attempt(0, { result: 'refused', code: 3, reason: 'no', changeAt: null })];
    expect(readSendLog(JSON.stringify({ attempts }))).toEqual(attempts);
  });

  it.each<[string, unknown, RegExp]>([
    ['no list', {}, /attempts must be an array/],
    ['1,001 attempts', { attempts: Array.from({ length: 1001 }, () => attempt(0)) }, /at most 1000/],
    ['an unknown result', { attempts: [attempt(0, { result: 'maybe' as never })] }, /attempts\[0\]\.result must be one of/],
    ['a document name over 200 characters', { attempts: [attempt(0), attempt(0, { doc: 'd'.repeat(201) })] }, /attempts\[1\]\.doc/],
    ['a code beyond 65535', { attempts: [attempt(0, { code: 70_000 })] }, /code/],
    ['an attempt that is not an object', { attempts: [7] }, /attempts\[0\] must be an object/],
  ])('refuses %s', (_what, body, message) => {
    expect(() => readSendLog(JSON.stringify(body))).toThrow(message);
  });
});
