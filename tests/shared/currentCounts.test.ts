import { describe, expect, it } from 'vitest';
import { currentCounts, discrepancies, type Entry } from '../../shared/model';
import { a, b, c, count, recount, reversal } from './entryBuilders';

/** The derived state of one pair, reduced to what the table compares. */
interface Expect {
  qty: number | null;
  discrepancy: boolean;
  candidates: string[]; // "user=qty"
  recountRequested: boolean;
}

function summary(entries: Entry[]): Record<string, Expect> {
  return Object.fromEntries(
    currentCounts(entries).map((pair) => [
      `${pair.bin}/${pair.item}`,
      {
        qty: pair.qty,
        discrepancy: pair.discrepancy,
        candidates: pair.candidates.map((cand) => `${cand.user}=${cand.qty}`),
        recountRequested: pair.recountRequested,
      },
    ]),
  );
}

const agreed = (qty: number, ...candidates: string[]): Expect => ({ qty, discrepancy: false, candidates, recountRequested: false });
const disputed = (...candidates: string[]): Expect => ({ qty: null, discrepancy: true, candidates, recountRequested: false });
const pending: Expect = { qty: null, discrepancy: false, candidates: [], recountRequested: true };

describe('currentCounts', () => {
  it.each<[string, Entry[], Record<string, Expect>]>([
    ['an empty log', [], {}],
    ['one count', [count(a(1), 'B1', 'X', 12)], { 'B1/X': agreed(12, 'user-a=12') }],
    ['a zero count is a count', [count(a(1), 'B1', 'X', 0)], { 'B1/X': agreed(0, 'user-a=0') }],
    ['two counters agree', [count(a(1), 'B1', 'X', 12), count(b(1), 'B1', 'X', 12)], { 'B1/X': agreed(12, 'user-a=12', 'user-b=12') }],
    ['two counters disagree: no count wins', [count(a(1), 'B1', 'X', 12), count(b(1), 'B1', 'X', 10)], { 'B1/X': disputed('user-a=12', 'user-b=10') }],
    ['a counter who counts again corrects themselves', [count(a(1), 'B1', 'X', 12), count(a(2), 'B1', 'X', 10)], { 'B1/X': agreed(10, 'user-a=10') }],
    ['latest by time, not by seq', [count(a(5, 100), 'B1', 'X', 12), count(a(6, 50), 'B1', 'X', 10)], { 'B1/X': agreed(12, 'user-a=12') }],
    ['same time: the higher seq is later', [count(a(1, 7), 'B1', 'X', 1), count(a(2, 7), 'B1', 'X', 2)], { 'B1/X': agreed(2, 'user-a=2') }],
    ['a disagreement settles when a counter recounts to agree', [count(a(1), 'B1', 'X', 12), count(b(1), 'B1', 'X', 10), count(b(2), 'B1', 'X', 12)], { 'B1/X': agreed(12, 'user-a=12', 'user-b=12') }],
    ['a reversed count does not count', [count(a(1), 'B1', 'X', 12), count(b(1), 'B1', 'X', 10), reversal(b(2), 'b:1')], { 'B1/X': agreed(12, 'user-a=12') }],
    ['reversing the latest count brings back the previous one', [count(a(1), 'B1', 'X', 12), count(a(2), 'B1', 'X', 99), reversal(a(3), 'a:2')], { 'B1/X': agreed(12, 'user-a=12') }],
    ['all counts reversed: the pair is absent', [count(a(1), 'B1', 'X', 12), reversal(a(2), 'a:1')], {}],
    ['bins and items are kept apart', [count(a(1), 'B1', 'X', 1), count(b(1), 'B2', 'X', 2), count(c(1), 'B1', 'Y', 3)], { 'B1/X': agreed(1, 'user-a=1'), 'B1/Y': agreed(3, 'user-c=3'), 'B2/X': agreed(2, 'user-b=2') }],
    ['a recount request with no newer count: blind recount pending', [count(a(1), 'B1', 'X', 12), count(b(1), 'B1', 'X', 10), recount(c(5), 'B1', 'X')], { 'B1/X': pending }],
    ['a recount request before any count', [recount(c(1), 'B1', 'X')], { 'B1/X': pending }],
    ['a newer count ends the recount: older counts are history', [count(a(1), 'B1', 'X', 12), count(b(1), 'B1', 'X', 10), recount(c(5), 'B1', 'X'), count(b(6), 'B1', 'X', 11)], { 'B1/X': agreed(11, 'user-b=11') }],
    ['counters can disagree again after a recount', [count(a(1), 'B1', 'X', 12), recount(c(5), 'B1', 'X'), count(a(6), 'B1', 'X', 11), count(b(6), 'B1', 'X', 13)], { 'B1/X': disputed('user-a=11', 'user-b=13') }],
    ['only the latest recount request starts the round', [recount(c(1), 'B1', 'X'), count(a(2), 'B1', 'X', 3), recount(c(3), 'B1', 'X')], { 'B1/X': pending }],
    ['a reversed recount request is withdrawn', [count(a(1), 'B1', 'X', 12), recount(c(5), 'B1', 'X'), reversal(c(6), 'c:5')], { 'B1/X': agreed(12, 'user-a=12') }],
    ['a count answering the request ends it though its clock lags', [count(a(1, 50), 'B1', 'X', 12), recount(c(1, 100), 'B1', 'X'), count(b(1, 40), 'B1', 'X', 11, 'c:1')], { 'B1/X': agreed(11, 'user-b=11') }],
    ['a count answering an older request does not end a newer one', [recount(c(1, 10), 'B1', 'X'), recount(c(2, 20), 'B1', 'X'), count(b(1, 15), 'B1', 'X', 11, 'c:1')], { 'B1/X': pending }],
    ['a count of another pair does not end a recount', [recount(c(1), 'B1', 'X'), count(a(2), 'B1', 'Y', 3)], { 'B1/X': pending, 'B1/Y': agreed(3, 'user-a=3') }],
  ])('%s', (_name, entries, expected) => {
    expect(summary(entries)).toEqual(expected);
  });

  it('keeps every candidate of a discrepancy with who, where, when and which entry', () => {
    const [pair] = currentCounts([count(a(1, 100), 'B1', 'X', 12), count(b(4, 90), 'B1', 'X', 10)]);
    expect(pair?.candidates).toEqual([
      { user: 'user-a', device: 'a', qty: 12, at: 100, id: 'a:1' },
      { user: 'user-b', device: 'b', qty: 10, at: 90, id: 'b:4' },
    ]);
  });

  it('keeps the latest recount request', () => {
    const [pair] = currentCounts([recount(c(1), 'B1', 'X', 'first'), recount(c(2), 'B1', 'X', 'second')]);
    expect(pair?.recountRequest?.reason).toBe('second');
  });

  it('counts one person on two devices as one counter', () => {
    const one = { user: 'ana' };
    const [pair] = currentCounts([count({ ...a(1), ...one }, 'B1', 'X', 4), count({ ...b(2), ...one }, 'B1', 'X', 5)]);
    expect(pair).toMatchObject({ qty: 5, discrepancy: false, candidates: [{ user: 'ana', device: 'b', qty: 5 }] });
  });
});

describe('discrepancies', () => {
  it('lists only disputed pairs', () => {
    const log = [count(a(1), 'B1', 'X', 1), count(b(1), 'B1', 'X', 2), count(a(2), 'B2', 'X', 1)];
    expect(discrepancies(log).map((p) => `${p.bin}/${p.item}`)).toEqual(['B1/X']);
  });
});
