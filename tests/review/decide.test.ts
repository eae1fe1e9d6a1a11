import { describe, expect, it } from 'vitest';
import { decide } from '../../shared/review/decide';
import type { ProposalEntry } from '../../shared/review/reviewEntries';
import { emptyReviewState, type ReviewState } from '../../shared/review/ReviewState';
import type { Actor } from '../../shared/review/stateUpdates';
import type { RecordKind } from '../../shared/review/transitions';
import { admin, auditor, crew, crew2, deepFreeze, proposal, status, sup, sup2 } from './fixtures';

type Step = [Actor, ProposalEntry];

function run(kind: RecordKind, steps: Step[]): ReviewState {
  return steps.reduce((s, [actor, p], i) => decide(deepFreeze(s), p, actor, 5_000 + i), emptyReviewState('R-1', kind));
}

interface Expect {
  result: 'applied' | 'refused' | 'conflict';
  reason?: RegExp;
  status?: string;
  hold?: boolean;
  revision: number;
}

describe('decide', () => {
  // name, kind, history, the proposal under test, what must come of it
  it.each<[string, RecordKind, Step[], Step, Expect]>([
    ['applies a crew receipt to received', 'receipt', [], [crew, status(crew, 0, 'received')], { result: 'applied', status: 'received', revision: 1 }],
    ['applies a supervisor close after received', 'receipt', [[crew, status(crew, 0, 'received')]], [sup, status(sup, 1, 'closed')], { result: 'applied', status: 'closed', revision: 2 }],
    ['lets an admin close', 'receipt', [[crew, status(crew, 0, 'received')]], [admin, status(admin, 1, 'closed')], { result: 'applied', status: 'closed', revision: 2 }],
    ['refuses a crew close', 'receipt', [[crew, status(crew, 0, 'received')]], [crew, status(crew, 1, 'closed')], { result: 'refused', reason: /crew may not set a receipt to closed/, status: 'received', revision: 1 }],
    ['refuses anything from an auditor', 'receipt', [], [auditor, status(auditor, 0, 'received')], { result: 'refused', reason: /auditor may not propose changes/, status: 'open', revision: 0 }],
    ['refuses skipping a step', 'receipt', [], [sup, status(sup, 0, 'closed')], { result: 'refused', reason: /a receipt cannot go from open to closed/, revision: 0 }],
    ['refuses a status of the other kind', 'count', [], [sup, status(sup, 0, 'received')], { result: 'refused', reason: /"received" is not a count status/, revision: 0 }],
    ['refuses a base from the future', 'receipt', [], [crew, status(crew, 4, 'received')], { result: 'refused', reason: /based on revision 4, but the review is only at revision 0/, revision: 0 }],
    ['refuses a proposal signed by someone else', 'receipt', [], [crew2, status(crew, 0, 'received')], { result: 'refused', reason: /signed by ann but was sent by bob/, status: 'open', revision: 0 }],
    ['refuses a proposal for another record', 'receipt', [], [crew, { ...status(crew, 0, 'received'), record: 'R-2' }], { result: 'refused', reason: /for record R-2, not R-1/, revision: 0 }],
    ['applies a fresh same value as a no-op', 'receipt', [[crew, status(crew, 0, 'received')]], [crew2, status(crew2, 1, 'received')], { result: 'applied', reason: /already received: nothing changed/, revision: 1 }],
    ['applies a stale agreeing proposal as a no-op', 'receipt', [[crew, status(crew, 0, 'received')]], [crew2, status(crew2, 0, 'received')], { result: 'applied', reason: /stale \(based on revision 0\) but agrees with the current value/, status: 'received', revision: 1 }],
    ['turns a stale disagreeing proposal into a conflict', 'count', [[crew, status(crew, 0, 'submitted')], [sup, status(sup, 1, 'accepted')]], [sup2, status(sup2, 1, 'recount')], { result: 'conflict', reason: /opens a conflict/, status: 'accepted', revision: 2 }],
    ['refuses a stale proposal that was invalid from its own base', 'receipt', [[crew, status(crew, 0, 'received')]], [sup, status(sup, 0, 'closed')], { result: 'refused', reason: /cannot go from open to closed/, status: 'received', revision: 1 }],
    ['refuses a stale proposal that repeats its base', 'count', [[crew, status(crew, 0, 'submitted')], [sup, status(sup, 1, 'recount')]], [crew2, status(crew2, 1, 'submitted')], { result: 'refused', reason: /no change from the value it was based on \(submitted\)/, status: 'recount', revision: 2 }],
    ['judges staleness per field', 'count', [[sup, proposal(sup, 0, { field: 'hold', value: true })]], [crew, status(crew, 0, 'submitted')], { result: 'applied', status: 'submitted', hold: true, revision: 2 }],
    ['refuses a crew hold', 'receipt', [], [crew, proposal(crew, 0, { field: 'hold', value: true })], { result: 'refused', reason: /crew may not put a record on hold/, hold: false, revision: 0 }],
    ['applies a supervisor hold and release', 'receipt', [[sup, proposal(sup, 0, { field: 'hold', value: true })]], [sup, proposal(sup, 1, { field: 'hold', value: false })], { result: 'applied', hold: false, revision: 2 }],
    ['refuses a crew accepted count', 'count', [], [crew, proposal(crew, 0, { field: 'acceptedCount', value: 3 })], { result: 'refused', reason: /crew may not decide accepted counts/, revision: 0 }],
  ])('%s', (_name, kind, history, [actor, p], expected) => {
    const before = run(kind, history);
    const after = decide(deepFreeze(before), p, actor, 9_000);
    const outcome = after.outcomes[p.id];
    expect(outcome?.result).toBe(expected.result);
    if (expected.reason) expect(outcome?.reason).toMatch(expected.reason);
    expect(outcome?.decidedAt).toBe(9_000);
    expect(after.revision).toBe(expected.revision);
    if (expected.status) expect(after.status).toBe(expected.status);
    if (expected.hold !== undefined) expect(after.hold).toBe(expected.hold);
    expect(after.log.at(-1)).toMatchObject({ n: before.log.length + 1, at: 9_000, event: 'proposal', entryId: p.id, result: expected.result });
  });

  it('ignores a proposal it has already decided (re-sent entries)', () => {
    const p = status(crew, 0, 'received');
    const once = decide(emptyReviewState('R-1', 'receipt'), p, crew, 1);
    expect(decide(once, p, crew, 2)).toBe(once);
  });

  it('keeps both sides of a conflict with who and when, and marks the applied side', () => {
    const first = status(sup, 1, 'accepted');
    const late = status(sup2, 1, 'recount');
    const s = run('count', [[crew, status(crew, 0, 'submitted')], [sup, first], [sup2, late]]);
    const conflict = s.conflicts.c1;
    expect(conflict).toMatchObject({ id: 'c1', field: 'status', key: 'status', origin: 'proposals', baseRevision: 1, baseValue: 'submitted', status: 'open' });
    expect(conflict?.candidates).toEqual([
      { proposalId: first.id, source: 'proposal', user: 'sue', device: first.device, at: first.at, value: 'accepted' },
      { proposalId: late.id, source: 'proposal', user: 'sam', device: late.device, at: late.at, value: 'recount' },
    ]);
    expect(s.outcomes[first.id]).toMatchObject({ result: 'applied', conflictId: 'c1' });
    expect(s.outcomes[late.id]).toMatchObject({ result: 'conflict', conflictId: 'c1' });
  });

  it('adds later proposals for the field to the open conflict, even fresh or agreeing ones', () => {
    const s0 = run('count', [[crew, status(crew, 0, 'submitted')], [sup, status(sup, 1, 'accepted')], [sup2, status(sup2, 1, 'recount')]]);
    const agreeing = status(admin, 1, 'accepted');
    const s1 = decide(s0, agreeing, admin, 10);
    expect(s1.outcomes[agreeing.id]).toMatchObject({ result: 'conflict', conflictId: 'c1' });
    expect(s1.conflicts.c1?.candidates.map((c) => c.value)).toEqual(['accepted', 'recount', 'accepted']);
    expect(s1.status).toBe('accepted');
    expect(Object.keys(s1.conflicts)).toEqual(['c1']);
  });

  it('opens separate conflicts per bin and item', () => {
    const a = (by: Actor, base: number, value: number, bin: string) => proposal(by, base, { field: 'acceptedCount', value, bin });
    const s = run('count', [
      [sup, a(sup, 0, 10, 'A')],
      [sup, a(sup, 0, 20, 'B')],
      [sup2, a(sup2, 0, 11, 'A')],
      [sup2, a(sup2, 1, 21, 'B')],
    ]);
    expect(s.acceptedCounts).toEqual({ '["A","SKU-1"]': { bin: 'A', item: 'SKU-1', count: 10 }, '["B","SKU-1"]': { bin: 'B', item: 'SKU-1', count: 20 } });
    expect(Object.values(s.conflicts).map((c) => [c.bin, c.candidates.map((k) => k.value)])).toEqual([
      ['A', [10, 11]],
      ['B', [20, 21]],
    ]);
  });
});
