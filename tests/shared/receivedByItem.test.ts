import { describe, expect, it } from 'vitest';
import { receivedByItem, totalReceived, type Entry } from '../../shared/model';
import { a, b, c, comment, count, line, mapToObject, reversal } from './entryBuilders';

describe('receivedByItem', () => {
  it.each<[string, Entry[], Record<string, number>, string[]]>([
    ['an empty log', [], {}, []],
    ['one line', [line(a(1), 'X', 50)], { X: 50 }, []],
    ['two devices receiving the same item add up', [line(a(1), 'X', 50), line(b(1), 'X', 30)], { X: 80 }, []],
    ['items are kept apart', [line(a(1), 'X', 5), line(a(2), 'Y', 7), line(b(1), 'X', 1)], { X: 6, Y: 7 }, []],
    ['a reversed line no longer counts', [line(a(1), 'X', 50), line(b(1), 'X', 30), reversal(b(2), 'a:1')], { X: 30 }, []],
    ['reversing the same line twice subtracts once', [line(a(1), 'X', 50), line(a(2), 'X', 3), reversal(a(3), 'a:1'), reversal(b(1), 'a:1')], { X: 3 }, []],
    ['an item whose every line is reversed is absent', [line(a(1), 'X', 5), reversal(a(2), 'a:1'), line(a(3), 'Y', 1)], { Y: 1 }, []],
    ['a reversal of an unknown id is ignored and reported', [line(a(1), 'X', 5), reversal(b(1), 'c:9')], { X: 5 }, ['b:1']],
    ['a reversal of a reversal does not bring the line back', [line(a(1), 'X', 5), reversal(a(2), 'a:1'), reversal(b(1), 'a:2')], {}, []],
    ['counts, comments and reversals of them do not count', [count(a(1), 'B1', 'X', 9), comment(a(2), 'hi'), reversal(a(3), 'a:2')], {}, []],
    ['the correction pattern: reverse and re-enter', [line(a(1), 'X', 50), reversal(a(2), 'a:1', 'typo'), line(a(3), 'X', 5)], { X: 5 }, []],
    ['a repeated entry is counted once', [line(a(1), 'X', 50), line(b(1), 'X', 30), line(a(1), 'X', 50)], { X: 80 }, []],
  ])('%s', (_name, entries, totals, unknown) => {
    const result = receivedByItem(entries);
    expect(mapToObject(result.totals)).toEqual(totals);
    expect(result.unknownReversals.map((r) => r.id)).toEqual(unknown);
  });

  it('lists the live line ids of each item, sorted', () => {
    const result = receivedByItem([line(b(1), 'X', 1), line(a(1), 'X', 2), line(c(1), 'X', 3), reversal(c(2), 'c:1')]);
    expect(mapToObject(result.lines)).toEqual({ X: ['a:1', 'b:1'] });
  });

  it('sorts items, whatever the order of the log', () => {
    const result = receivedByItem([line(a(1), 'Z', 1), line(a(2), 'A', 1), line(a(3), 'M', 1)]);
    expect([...result.totals.keys()]).toEqual(['A', 'M', 'Z']);
  });

  it('reads an array again after it grew (derivations are kept per array, guarded by its length)', () => {
    const entries = [line(a(1), 'X', 50)];
    expect(mapToObject(receivedByItem(entries).totals)).toEqual({ X: 50 });
    entries.push(line(b(1), 'X', 30), line(a(1), 'X', 50));
    expect(mapToObject(receivedByItem(entries).totals)).toEqual({ X: 80 });
  });

  it('picks the same copy of a repeated id whatever the order (a hostile repeat cannot double or flip)', () => {
    const honest = line(a(1), 'X', 50);
    const forged = line(a(1), 'X', 500);
    expect(receivedByItem([honest, forged]).totals).toEqual(receivedByItem([forged, honest]).totals);
  });
});

describe('totalReceived', () => {
  it.each<[Entry[], number]>([
    [[], 0],
    [[line(a(1), 'X', 50), line(b(1), 'Y', 30)], 80],
    [[line(a(1), 'X', 50), line(b(1), 'Y', 30), reversal(a(2), 'b:1')], 50],
  ])('case %#', (entries, total) => {
    expect(totalReceived(entries)).toBe(total);
  });
});
