import { describe, expect, it } from 'vitest';
import { fieldConflicts, fieldHead, fieldHistory, type Entry } from '../../shared/model';
import { a, b, c, edit } from './entryBuilders';

describe('fieldConflicts', () => {
  it.each<[string, Entry[], string[]]>([
    ['no edits', [], []],
    ['one edit', [edit(a(1), 'supplier', null, 'ACME', null)], []],
    ['a chain of edits', [edit(a(1), 'notes', null, 'x', null), edit(b(1), 'notes', 'x', 'y', 'a:1'), edit(a(2), 'notes', 'y', 'z', 'b:1')], []],
    ['two devices, same base, different values', [edit(a(1), 'notes', null, 'x', null), edit(b(1), 'notes', 'x', 'y', 'a:1'), edit(c(1), 'notes', 'x', 'z', 'a:1')], ['field:notes@a:1: b:1, c:1']],
    ['first edits of a never-set field', [edit(a(1), 'dock', null, '3', null), edit(b(1), 'dock', null, '4', null)], ['field:dock@initial: a:1, b:1']],
    ['two devices setting the same value agree', [edit(a(1), 'dock', null, '3', null), edit(b(1), 'dock', null, '3', null)], []],
    ['one device, two values on one base is not a conflict between devices', [edit(a(1), 'dock', null, '3', null), edit(a(2), 'dock', null, '4', null)], []],
    ['different fields never conflict', [edit(a(1), 'dock', null, '3', null), edit(b(1), 'notes', null, '4', null)], []],
    ['A -> B -> A is history, not a conflict', [edit(a(1), 'po', null, 'A', null), edit(b(1), 'po', 'A', 'B', 'a:1'), edit(c(1), 'po', 'B', 'A', 'b:1'), edit(a(2), 'po', 'A', 'C', 'c:1')], []],
    ['three candidates, oldest first', [edit(a(1, 30), 'dock', null, '1', null), edit(b(1, 10), 'dock', null, '2', null), edit(c(1, 20), 'dock', null, '3', null)], ['field:dock@initial: b:1, c:1, a:1']],
    ['two conflicts, sorted by field', [edit(a(1), 'supplier', null, 'S1', null), edit(b(1), 'supplier', null, 'S2', null), edit(a(2), 'dock', null, '1', null), edit(b(2), 'dock', null, '2', null)], ['field:dock@initial: a:2, b:2', 'field:supplier@initial: a:1, b:1']],
  ])('%s', (_name, entries, expected) => {
    expect(fieldConflicts(entries).map((f) => `${f.key}: ${f.candidates.map((e) => e.id).join(', ')}`)).toEqual(expected);
  });

  it('keeps both sides and where they started from', () => {
    const [conflict] = fieldConflicts([edit(a(1), 'notes', null, 'x', null), edit(b(1), 'notes', 'x', 'y', 'a:1'), edit(c(1), 'notes', 'x', 'z', 'a:1')]);
    expect(conflict).toMatchObject({ field: 'notes', base: 'a:1', from: 'x' });
    expect(conflict?.candidates.map((e) => e.to)).toEqual(['y', 'z']);
  });
});

describe('fieldHead', () => {
  const x = edit(a(1), 'notes', null, 'x', null);
  const y = edit(b(1), 'notes', 'x', 'y', 'a:1');
  const z = edit(c(1), 'notes', 'x', 'z', 'a:1');
  it.each<[string, Entry[], string | null, string | null]>([
    ['never set', [], null, null],
    ['the only edit', [x], 'x', 'a:1'],
    ['the latest of a chain', [x, y], 'y', 'b:1'],
    ['after a conflict: the head holding the current value', [x, y, z], 'z', 'c:1'],
    ['after a conflict, the other side', [x, y, z], 'y', 'b:1'],
    ['a value no edit set', [x], 'q', null],
    ['a value repeated in history: the head, not the old edit', [x, y, edit(a(2), 'notes', 'y', 'x', 'b:1')], 'x', 'a:2'],
    ['edits of other fields are ignored', [edit(a(1), 'dock', null, 'x', null)], 'x', null],
  ])('%s', (_name, entries, current, head) => {
    expect(fieldHead(entries, 'notes', current)).toBe(head);
  });
});

describe('fieldHistory', () => {
  it('lists one field oldest first, or all fields', () => {
    const log = [edit(a(2), 'notes', 'x', 'y', 'a:1'), edit(b(1), 'dock', null, '1', null), edit(a(1), 'notes', null, 'x', null)];
    expect(fieldHistory(log, 'notes').map((e) => e.id)).toEqual(['a:1', 'a:2']);
    expect(fieldHistory(log).map((e) => e.id)).toEqual(['a:1', 'b:1', 'a:2']);
  });
});
