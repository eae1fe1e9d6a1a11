import { describe, expect, it } from 'vitest';
import { openDiscrepancyConflict, openFieldConflict, type DerivedCandidate } from '../../shared/review/openConflict';
import { resolve } from '../../shared/review/resolve';
import { emptyReviewState, fieldConflictKey, type ReviewState } from '../../shared/review/ReviewState';
import { decide } from '../../shared/review/decide';
import { deepFreeze, proposal, resolution, sup } from './fixtures';

const count = (id: string, user: string, value: number): DerivedCandidate => ({ proposalId: id, user, device: `${user}-phone`, at: 100, value });
const ann12 = count('d1:1', 'ann', 12);
const bob11 = count('d2:1', 'bob', 11);
const cat12 = count('d3:1', 'cat', 12);
const sheet = () => deepFreeze(emptyReviewState('C-1', 'count'));

describe('openDiscrepancyConflict', () => {
  it('opens a conflict keeping every count with who and when', () => {
    const s = openDiscrepancyConflict(sheet(), { bin: 'A', item: 'X', candidates: [ann12, bob11] }, 7);
    expect(s.conflicts.c1).toEqual({
      id: 'c1',
      field: 'acceptedCount',
      key: '["A","X"]',
      bin: 'A',
      item: 'X',
      origin: 'discrepancy',
      baseRevision: 0,
      baseValue: null,
      openedAt: 7,
      candidates: [
        { ...ann12, source: 'count' },
        { ...bob11, source: 'count' },
      ],
      status: 'open',
    });
    expect(s.log).toEqual([{ n: 1, at: 7, event: 'discrepancy', result: 'opened', key: '["A","X"]', conflictId: 'c1', revision: 0 }]);
    expect(s.revision).toBe(0);
  });

  // name, candidates of the first call, candidates of the second call, candidate values of c1 after both
  it.each<[string, DerivedCandidate[], DerivedCandidate[], number[] | undefined]>([
    ['does nothing when counts agree', [ann12, cat12], [ann12, cat12], undefined],
    ['does nothing with a single count', [ann12], [ann12], undefined],
    ['is idempotent when called again with the same counts', [ann12, bob11], [ann12, bob11], [12, 11]],
    ['adds a new count to the open conflict', [ann12, bob11], [ann12, bob11, cat12], [12, 11, 12]],
    ['ignores a duplicate id within one call', [ann12, bob11, ann12], [], [12, 11]],
  ])('%s', (_name, first, second, values) => {
    let s = openDiscrepancyConflict(sheet(), { bin: 'A', item: 'X', candidates: first }, 1);
    const afterFirst = s;
    s = openDiscrepancyConflict(s, { bin: 'A', item: 'X', candidates: second }, 2);
    expect(s.conflicts.c1?.candidates.map((c) => c.value)).toEqual(values);
    if (second.every((c) => first.includes(c))) expect(s).toBe(afterFirst);
  });

  it('after a resolution, opens a new conflict only for a late count that disagrees', () => {
    let s = openDiscrepancyConflict(sheet(), { bin: 'A', item: 'X', candidates: [ann12, bob11] }, 1);
    const r = resolution(sup, 'c1', ann12.proposalId);
    s = resolve(s, r, sup, 2);
    expect(s.acceptedCounts['["A","X"]']?.count).toBe(12);
    const agreeing = openDiscrepancyConflict(s, { bin: 'A', item: 'X', candidates: [ann12, bob11, cat12] }, 3);
    expect(agreeing).toBe(s);
    const late = count('d4:1', 'dan', 9);
    s = openDiscrepancyConflict(s, { bin: 'A', item: 'X', candidates: [ann12, bob11, cat12, late] }, 4);
    expect(s.conflicts.c2?.candidates.map((c) => [c.source, c.value])).toEqual([
      ['resolution', 12],
      ['count', 12],
      ['count', 9],
    ]);
    expect(s.conflicts.c2).toMatchObject({ baseRevision: 1, baseValue: 12, status: 'open' });
  });

  it('takes a supervisor proposal for the pair as one more candidate while the discrepancy is open', () => {
    const s0 = openDiscrepancyConflict(sheet(), { bin: 'A', item: 'X', candidates: [ann12, bob11] }, 1);
    const p = proposal(sup, 0, { field: 'acceptedCount', bin: 'A', item: 'X', value: 12 });
    const s1 = decide(s0, p, sup, 2);
    expect(s1.outcomes[p.id]).toMatchObject({ result: 'conflict', conflictId: 'c1' });
    expect(s1.conflicts.c1?.candidates.at(-1)).toMatchObject({ proposalId: p.id, source: 'proposal', value: 12 });
    expect(s1.acceptedCounts).toEqual({});
  });

  it.each([
    ['not an array', 'x'],
    ['a candidate without id', [{ user: 'a', device: 'd', at: 1, value: 1 }]],
    ['a negative count', [{ ...ann12, value: -1 }]],
    ['a text count', [{ ...ann12, value: '12' }]],
  ])('throws on %s', (_name, candidates) => {
    expect(() => openDiscrepancyConflict(sheet(), { bin: 'A', item: 'X', candidates: candidates as never }, 1)).toThrow(/discrepancy: candidate/);
  });
});

describe('openFieldConflict', () => {
  const edit = (id: string, user: string, value: string): DerivedCandidate => ({ proposalId: id, user, device: `${user}-phone`, at: 5, value });
  const receipt = (): ReviewState => deepFreeze(emptyReviewState('R-1', 'receipt'));

  it('opens a conflict about a descriptive field, keyed by field and base edit', () => {
    const s = openFieldConflict(receipt(), { name: 'dock', base: 'd1:4', from: 'Dock 1', candidates: [edit('d1:5', 'ann', 'Dock 2'), edit('d2:9', 'bob', 'Dock 3')] }, 8);
    expect(s.conflicts.c1).toMatchObject({ field: 'descriptive', key: fieldConflictKey('dock', 'd1:4'), name: 'dock', origin: 'fieldEdits', baseValue: 'Dock 1', status: 'open' });
    expect(s.conflicts.c1?.candidates.map((c) => c.value)).toEqual(['Dock 2', 'Dock 3']);
  });

  it('records the resolution without touching reviewed values', () => {
    let s = openFieldConflict(receipt(), { name: 'supplier', base: null, from: null, candidates: [edit('d1:1', 'ann', 'ACME'), edit('d2:1', 'bob', 'Acme Ltd')] }, 1);
    s = resolve(s, resolution(sup, 'c1', { value: 'ACME Ltd', note: 'from the delivery note' }), sup, 2);
    expect(s.conflicts.c1?.resolution).toMatchObject({ chosen: null, value: 'ACME Ltd', note: 'from the delivery note' });
    expect(s.status).toBe('open');
    expect(s.revision).toBe(1);
  });

  it('refuses to resolve it to a number', () => {
    let s = openFieldConflict(receipt(), { name: 'dock', base: null, from: null, candidates: [edit('d1:1', 'ann', '1'), edit('d2:1', 'bob', '2')] }, 1);
    const r = resolution(sup, 'c1', { value: 3, note: 'x' });
    s = resolve(s, r, sup, 2);
    expect(s.outcomes[r.id]?.reason).toMatch(/descriptive field holds text/);
  });
});
