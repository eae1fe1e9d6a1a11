/** Which held records a device lets go of: old, unused, and nothing pending. */
import { describe, expect, it } from 'vitest';
import { recordsToForget } from '../../client/app/lib/heldWindow';
import type { RecordSummary } from '../../shared/summary/recordSummary';

const DAY = 24 * 60 * 60 * 1000;
const NOW = 100 * DAY;
const summary = (id: string, createdDaysAgo: number, changedDaysAgo: number, pending = 0): RecordSummary =>
  ({ id, createdAt: NOW - createdDaysAgo * DAY, lastChangeAt: NOW - changedDaysAgo * DAY, pending }) as RecordSummary;

describe('recordsToForget', () => {
  it.each<[string, RecordSummary, string[], boolean]>([
    ['created and changed within the window', summary('a', 3, 1), [], false],
    ['created long ago, changed this week', summary('b', 45, 2), [], false],
    ['created and last changed long ago', summary('c', 45, 40), [], true],
    ['old but open on screen', summary('d', 45, 40), ['d'], false],
    ['old but with work the relay lacks', summary('e', 45, 40, 2), [], false],
    ['just inside the window', summary('f', 29, 29), [], false],
  ])('%s', (_what, s, inUse, forgotten) => {
    expect(recordsToForget([s], { now: NOW, windowMs: 30 * DAY, inUse: new Set(inUse) })).toEqual(forgotten ? [s.id] : []);
  });
});
