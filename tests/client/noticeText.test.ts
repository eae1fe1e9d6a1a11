import { describe, expect, it } from 'vitest';
import { BANNER_MAX_AGE_MS, bannerNotices, noticeTitle } from '../../client/app/lib/notices/noticeText';
import type { DeviceNotice, LocalRead } from '../../client/app/lib/notices/NoticeStore';
import type { NoticeBody } from '../../shared/model/notice';

const NOW = 10 * BANNER_MAX_AGE_MS;
const n = (seq: number, body: NoticeBody, extra: Partial<DeviceNotice> = {}): DeviceNotice => ({ seq, at: NOW - 1000, user: 'sue', device: 'sue-laptop', body, ...extra });
const danger: NoticeBody = { kind: 'safety', severity: 'danger', text: 'spill' };
const info: NoticeBody = { kind: 'safety', severity: 'info', text: 'drill' };
const hold: NoticeBody = { kind: 'hold', item: 'X-100', lot: 'L-7', text: 'recall' };
const viewer = { user: 'ann', device: 'ann-phone', now: NOW, activeHoldSeqs: new Set([3]) };

describe('bannerNotices', () => {
  it.each<[string, DeviceNotice[], number[], number[]]>([
    ['unread notices, most urgent first, then newest', [n(1, info), n(2, danger), n(3, hold), n(4, danger)], [], [4, 2, 3, 1]],
    ['a notice read on this device is gone', [n(1, danger), n(2, danger)], [2], [1]],
    ['the viewer\'s own notice from this device asks nothing', [n(1, danger, { user: 'ann', device: 'ann-phone' }), n(2, danger, { user: 'ann', device: 'ann-tablet' })], [], [2]],
    ['an old alert heard late is not news', [n(1, danger, { at: NOW - BANNER_MAX_AGE_MS - 1 }), n(2, danger, { at: NOW - BANNER_MAX_AGE_MS })], [], [2]],
    ['an old hold still in force asks to be read; a released one does not', [n(3, hold, { at: 0 }), n(5, hold, { at: 0 })], [], [3]],
  ])('%s', (_what, notices, read, seqs) => {
    const reads = new Map<number, LocalRead>(read.map((seq) => [seq, { seq, at: 0, confirmed: false }]));
    expect(bannerNotices(notices, reads, viewer).map((x) => x.seq)).toEqual(seqs);
  });
});

describe('noticeTitle', () => {
  it.each<[string, NoticeBody, string]>([
    ['danger with a zone', { kind: 'safety', severity: 'danger', text: 'x', zone: 'aisle 4' }, 'Danger · aisle 4'],
    ['warning', { kind: 'safety', severity: 'warning', text: 'x' }, 'Warning'],
    ['a hold on bins', { kind: 'hold', item: 'X-100', lot: 'L-7', bins: ['A-1', 'A-2'], text: 'x' }, 'Quality hold: X-100 lot L-7 in A-1, A-2'],
    ['a release of a known hold', { kind: 'release', hold: 3, text: 'x' }, 'Hold released: X-100 lot L-7'],
    ['a release of a hold this device does not hold', { kind: 'release', hold: 9, text: 'x' }, 'Hold 9 released'],
  ])('%s', (_what, body, title) => {
    expect(noticeTitle(body, (seq) => (seq === 3 ? n(3, hold) : undefined))).toBe(title);
  });
});
