/** The Site health screen's words for send-log attempts, summaries and device reports. */
import { describe, expect, it } from 'vitest';
import { attemptResultText, countsText, pendingText, summaryLines, syncStateText } from '../../client/app/lib/sendLogText';
import type { DeviceHeartbeat } from '../../shared/health/heartbeat';
import { summarizeSendLog, type SendAttempt } from '../../shared/health/sendLog';

const attempt = (patch: Partial<SendAttempt>): SendAttempt => ({
  id: 1,
  doc: 'record:R-1',
  changeNo: 7,
  bytes: 300,
  changeAt: 1_000,
  sentAt: 1_000,
  result: 'acked',
  resultAt: 1_200,
  timedOutAt: null,
  code: null,
  reason: null,
  ...patch,
});

describe('attemptResultText', () => {
  it.each<[string, Partial<SendAttempt>, string]>([
    ['acked', {}, 'acknowledged after 0.2 s'],
    ['acked after a time-out', { timedOutAt: 31_000, resultAt: 46_000 }, 'timed out after 30 s, then acknowledged after 45 s'],
    ['waiting', { result: 'sent', resultAt: null }, 'sent, no answer yet'],
    ['timed out', { result: 'timedOut', timedOutAt: 31_000, resultAt: 31_000 }, 'timed out after 30 s, no answer yet'],
    ['refused', { result: 'refused', code: 3, reason: 'auditor may not write' }, 'refused: permission denied: auditor may not write (code 3)'],
    ['cut off', { result: 'disconnected', resultAt: 4_000 }, 'connection lost before an answer after 3.0 s; sent again on the next connection'],
  ])('%s', (_what, patch, text) => {
    expect(attemptResultText(attempt(patch))).toBe(text);
  });
});

describe('countsText', () => {
  it.each([
    [{ acked: 0, waiting: 0, timedOut: 0, refused: 0, disconnected: 0 }, 'no attempts'],
    [{ acked: 12, waiting: 1, timedOut: 0, refused: 0, disconnected: 0 }, '12 acknowledged, 1 waiting'],
    [{ acked: 0, waiting: 0, timedOut: 2, refused: 1, disconnected: 3 }, '2 timed out, 1 refused, 3 cut off by a lost connection'],
  ])('%j reads "%s"', (counts, text) => {
    expect(countsText(counts)).toBe(text);
  });
});

const report = (patch: Partial<DeviceHeartbeat>): DeviceHeartbeat => ({
  pending: 0,
  docsWithPending: 0,
  openDocs: 3,
  notSavedOnDevice: 0,
  stuckCount: 0,
  stuck: [],
  lastError: null,
  sendLog: summarizeSendLog([], 0),
  at: 0,
  ...patch,
});

describe('a device report in words', () => {
  it.each<[Partial<DeviceHeartbeat>, string, string]>([
    [{}, 'nothing waiting: all on the relay', 'syncing normally'],
    [{ pending: 1, docsWithPending: 1 }, '1 change waiting in 1 record', 'syncing normally'],
    [{ pending: 5, docsWithPending: 2, notSavedOnDevice: 1, stuckCount: 2 }, '5 changes waiting in 2 records; 1 record not yet saved on the device', 'stuck: 2 records'],
  ])('%j', (patch, pending, state) => {
    expect(pendingText(report(patch))).toBe(pending);
    expect(syncStateText(report(patch))).toBe(state);
  });

  it('names the oldest unacknowledged attempt and the last refusal', () => {
    const lines = summaryLines(summarizeSendLog([attempt({ result: 'sent', resultAt: null }), attempt({ id: 2, result: 'refused', code: 2, reason: 'too big', changeNo: 8 })], 2_000));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('Last hour: 1 waiting, 1 refused.');
    expect(lines[2]).toMatch(/^Oldest unacknowledged: change 7 of record:R-1, sent /);
    expect(lines[3]).toMatch(/^Last refusal: change 8 of record:R-1, .*: document too large: too big \(code 2\)\.$/);
    expect(lines[4]).toBe('2 attempts in the log.');
  });
});
