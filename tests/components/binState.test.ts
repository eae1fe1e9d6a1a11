import { describe, expect, it } from 'vitest';
import type { Role } from '../../shared/auth/roles';
import { currentCounts, discrepancies, type Entry } from '../../shared/model';
import { applyReviewEvent, emptyReviewState, type ReviewEvent, type ReviewState } from '../../shared/review';
import { binState } from '../../client/app/lib/binState';
import { count, recount } from '../shared/entryBuilders';

const roles: Record<string, Role> = { 'user-a': 'crew', 'user-b': 'crew', sue: 'supervisor' };
const ten = count({ device: 'a', seq: 1 }, 'A-01', 'SKU-1', 10);
const twelve = count({ device: 'b', seq: 1 }, 'A-01', 'SKU-1', 12);
const again = recount({ device: 'b', seq: 2 }, 'A-01', 'SKU-1', 'counts disagree');

/** The relay's review after the counts in `entries`, then `more` events. */
function review(entries: Entry[], ...more: ReviewEvent[]): ReviewState {
  let state = emptyReviewState('record:R1', 'count');
  for (const d of discrepancies(entries)) {
    const candidates = d.candidates.map((c) => ({ proposalId: c.id, user: c.user, device: c.device, at: c.at, value: c.qty }));
    state = applyReviewEvent(state, { type: 'discrepancy', input: { bin: d.bin, item: d.item, candidates }, now: 10 }, roles);
  }
  for (const e of more) state = applyReviewEvent(state, e, roles);
  return state;
}
const choose = (chosen: string | { value: number; note: string }): ReviewEvent => ({
  type: 'resolution',
  entry: { id: 's:1', kind: 'resolution', user: 'sue', device: 's', at: 20, seq: 1, record: 'record:R1', conflictId: 'c1', chosen },
  now: 20,
});
const propose = (value: number): ReviewEvent => ({
  type: 'proposal',
  entry: { id: 's:2', kind: 'proposal', user: 'sue', device: 's', at: 30, seq: 2, record: 'record:R1', field: 'acceptedCount', bin: 'A-01', item: 'SKU-1', value, baseRevision: 0 },
  now: 30,
});

describe('binState', () => {
  it.each<[string, Entry[], ReviewState | null, { state: string; disputed: boolean; choices: (number | string)[]; decided?: object | null }]>([
    ['one count, nothing decided: accepting proposes', [ten], review([ten]), { state: 'counted', disputed: false, choices: [10] }],
    ['counts disagree, the relay opened a conflict: accepting resolves it', [ten, twelve], review([ten, twelve]), { state: 'discrepancy', disputed: true, choices: ['10 resolves c1', '12 resolves c1'] }],
    ['counts disagree before the relay saw them: accepting proposes', [ten, twelve], null, { state: 'discrepancy', disputed: true, choices: [10, 12] }],
    ['after a recount request the supervisor can still decide', [ten, twelve, again], review([ten, twelve]), { state: 'recount', disputed: true, choices: ['10 resolves c1', '12 resolves c1'] }],
    ['decided by choosing a count', [ten, twelve, again], review([ten, twelve], choose('b:1')), { state: 'decided', disputed: false, choices: [], decided: { count: 12, by: 'sue', note: null } }],
    ['decided by entering a count', [ten, twelve], review([ten, twelve], choose({ value: 11, note: 'weighed' })), { state: 'decided', disputed: false, choices: [10, 12], decided: { count: 11, by: 'sue', note: 'weighed' } }],
    ['accepted by a proposal', [ten], review([ten], propose(10)), { state: 'decided', disputed: false, choices: [], decided: { count: 10, by: 'sue', note: null } }],
  ])('%s', (_name, entries, rev, expected) => {
    const [c] = currentCounts(entries);
    const s = binState(c!, rev);
    expect(s.state).toBe(expected.state);
    expect(s.disputed).toBe(expected.disputed);
    expect(s.choices.map((x) => (x.resolve ? `${x.qty} resolves ${x.resolve.conflictId}` : x.qty))).toEqual(expected.choices);
    if (expected.decided !== undefined) expect(s.decided).toEqual(expected.decided);
  });

  it('offers no second choice once this device sent a decision', () => {
    const [c] = currentCounts([ten, twelve]);
    expect(binState(c!, review([ten, twelve]), new Set(['c1']))).toMatchObject({ sent: true, choices: [], disputed: true });
  });
});
