import { describe, expect, it } from 'vitest';
import { lineEntries, liveEntries, liveLines, reversalIndex, type Entry } from '../../shared/model';
import { a, b, comment, count, edit, line, proposal, reversal } from './entryBuilders';

describe('reversalIndex', () => {
  it.each<[string, Entry[], Record<string, string[]>, string[], string[]]>([
    ['nothing reversed', [line(a(1), 'X', 1)], {}, [], []],
    ['one reversal', [line(a(1), 'X', 1), reversal(b(1), 'a:1')], { 'a:1': ['b:1'] }, [], []],
    ['two reversals of one entry', [line(a(1), 'X', 1), reversal(b(1), 'a:1'), reversal(a(2), 'a:1')], { 'a:1': ['a:2', 'b:1'] }, [], []],
    ['unknown target', [reversal(b(1), 'a:1')], {}, ['b:1'], []],
    ['reversal of a reversal', [line(a(1), 'X', 1), reversal(a(2), 'a:1'), reversal(a(3), 'a:2')], { 'a:1': ['a:2'] }, [], ['a:3']],
    ['reversal of a field edit', [edit(a(1), 'notes', null, 'x', null), reversal(a(2), 'a:1')], {}, [], ['a:2']],
    ['reversal of a proposal', [proposal(a(1), 'received'), reversal(a(2), 'a:1')], {}, [], ['a:2']],
    ['reversible kinds', [count(a(1), 'B', 'X', 1), comment(a(2), 'x'), reversal(a(3), 'a:1'), reversal(a(4), 'a:2')], { 'a:1': ['a:3'], 'a:2': ['a:4'] }, [], []],
  ])('%s', (_name, entries, reversed, unknown, invalid) => {
    const index = reversalIndex(entries);
    expect(Object.fromEntries([...index.reversed].map(([id, rs]) => [id, rs.map((r) => r.id)]))).toEqual(reversed);
    expect(index.unknown.map((r) => r.id)).toEqual(unknown);
    expect(index.invalid.map((r) => r.id)).toEqual(invalid);
  });
});

describe('liveEntries, lineEntries, liveLines', () => {
  const log = [line(a(1), 'X', 1), line(b(1), 'Y', 2), comment(a(2), 'c'), reversal(a(3), 'b:1'), edit(a(4), 'notes', null, 'n', null)];

  it.each<[string, (entries: Entry[]) => Entry[], string[]]>([
    ['liveEntries keeps uncancelled reversible entries', liveEntries, ['a:1', 'a:2']],
    ['lineEntries keeps every line', lineEntries, ['a:1', 'b:1']],
    ['liveLines keeps uncancelled lines', liveLines, ['a:1']],
  ])('%s', (_name, fn, ids) => {
    expect(fn(log).map((e) => e.id)).toEqual(ids);
  });
});
