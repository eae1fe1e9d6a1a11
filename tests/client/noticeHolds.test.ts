import { describe, expect, it } from 'vitest';
import { dueReminders } from '../../client/app/lib/notices/BackgroundAlerts';
import { activeHolds, anyHeld, holdOn, type ActiveHold, type HeldGoodsQuery } from '../../client/app/lib/notices/holds';
import type { NoticeBody } from '../../shared/model/notice';

const n = (seq: number, body: NoticeBody) => ({ seq, at: seq * 1000, user: 'sue', body });
const hold = (item: string, lot: string, bins?: string[]): ActiveHold => ({ seq: 1, item, lot, ...(bins && { bins }), text: 'recall', user: 'sue', at: 0 });

describe('activeHolds', () => {
  it.each<[string, Parameters<typeof activeHolds>, (number | null)[]]>([
    ['no notices, no holds', [[]], []],
    ['a hold is active', [[n(1, { kind: 'hold', item: 'X', lot: 'L', text: 't' })]], [1]],
    ['a release ends its hold only', [[n(1, { kind: 'hold', item: 'X', lot: 'L', text: 't' }), n(2, { kind: 'hold', item: 'Y', lot: 'L', text: 't' }), n(3, { kind: 'release', hold: 1, text: 'ok' })]], [2]],
    ['safety alerts hold nothing', [[n(1, { kind: 'safety', severity: 'danger', text: 'spill' })]], []],
    [
      'a hold and a release still waiting on this device apply at once',
      [[n(1, { kind: 'hold', item: 'X', lot: 'L', text: 't' })], [{ at: 5, user: 'sue', body: { kind: 'release', hold: 1, text: 'ok' } }, { at: 6, user: 'sue', body: { kind: 'hold', item: 'Z', lot: 'L', text: 't' } }]],
      [null],
    ],
  ])('%s', (_what, args, seqs) => {
    expect(activeHolds(...args).map((h) => h.seq)).toEqual(seqs);
  });
});

describe('holdOn: is this line, count or scan held?', () => {
  it.each<[string, ActiveHold[], HeldGoodsQuery, boolean]>([
    ['same item and lot', [hold('X-100', 'L-7')], { items: ['X-100'], lot: 'L-7' }, true],
    ['another lot of the item', [hold('X-100', 'L-7')], { items: ['X-100'], lot: 'L-8' }, false],
    ['the lot of another item', [hold('X-100', 'L-7')], { items: ['X-200'], lot: 'L-7' }, false],
    ['typed in another case with spaces', [hold('X-100', 'L-7')], { items: [' x-100 '], lot: 'l-7 ' }, true],
    ['the hold names the barcode, the line the SKU and its barcode', [hold('4006381333931', 'L-7')], { items: ['X-100', '4006381333931'], lot: 'L-7' }, true],
    ['a line without a lot', [hold('X-100', 'L-7')], { items: ['X-100'] }, false],
    ['an empty lot', [hold('X-100', 'L-7')], { items: ['X-100'], lot: '  ' }, false],
    ['a hold on bins: a receipt line (no bin) of the lot', [hold('X-100', 'L-7', ['A-1'])], { items: ['X-100'], lot: 'L-7' }, true],
    ['a hold on bins: the lot in another bin', [hold('X-100', 'L-7', ['A-1'])], { items: ['X-100'], lot: 'L-7', bin: 'B-2' }, false],
    ['a hold on bins: the lot in a held bin', [hold('X-100', 'L-7', ['A-1', 'A-2'])], { items: ['X-100'], lot: 'L-7', bin: 'a-2' }, true],
    ['a count (no lot) in a held bin', [hold('X-100', 'L-7', ['A-1'])], { items: ['X-100'], bin: 'A-1' }, true],
    ['a count (no lot) in another bin', [hold('X-100', 'L-7', ['A-1'])], { items: ['X-100'], bin: 'A-9' }, false],
    ['a count (no lot) when the hold names no bins', [hold('X-100', 'L-7')], { items: ['X-100'], bin: 'A-1' }, false],
    ['no holds at all', [], { items: ['X-100'], lot: 'L-7' }, false],
    ['the second of two holds', [hold('Y', 'L'), hold('X-100', 'L-7')], { items: ['X-100'], lot: 'L-7' }, true],
  ])('%s: %s', (_what, holds, query, held) => {
    expect(holdOn(holds, query) !== null).toBe(held);
    expect(anyHeld(holds, [{ items: ['nothing'] }, query])).toBe(held);
  });
});

describe('dueReminders: system notifications while the tab is hidden', () => {
  const alert = (seq: number) => ({ seq, at: 0, user: 'sue', device: null, body: { kind: 'safety', severity: 'danger', text: 'spill' } as NoticeBody });
  const minute = 60_000;
  it.each<[string, boolean, [number, number][], number, number[]]>([
    ['a visible page shows none (the banner is on screen)', false, [], 0, []],
    ['a hidden page shows each notice never shown', true, [], 0, [1, 2]],
    ['one shown 4 minutes ago waits', true, [[1, 0], [2, 0]], 4 * minute, []],
    ['one shown 5 minutes ago is shown again', true, [[1, 0], [2, 3 * minute]], 5 * minute, [1]],
  ])('%s', (_what, hidden, shown, now, seqs) => {
    expect(dueReminders([alert(1), alert(2)], new Map(shown), now, hidden).map((n) => n.seq)).toEqual(seqs);
  });
});
