import { describe, expect, it } from 'vitest';
import { decide } from '../../shared/review/decide';
import { resolve } from '../../shared/review/resolve';
import type { EnteredValue } from '../../shared/review/reviewEntries';
import { emptyReviewState, type ReviewState } from '../../shared/review/ReviewState';
import type { Actor } from '../../shared/review/stateUpdates';
import { admin, auditor, crew, deepFreeze, proposal, resolution, status, sup, sup2 } from './fixtures';

const submitted = status(crew, 0, 'submitted');
const accepted = status(sup, 1, 'accepted');
const recount = status(sup2, 1, 'recount');

/** A count sheet with conflict c1: accepted (applied) against recount (stale). */
function withConflict(): ReviewState {
  let s = emptyReviewState('R-1', 'count');
  s = decide(s, submitted, crew, 1);
  s = decide(s, accepted, sup, 2);
  s = decide(s, recount, sup2, 3);
  return deepFreeze(s);
}

describe('resolve', () => {
  it('chooses a candidate: value, revision, record, and every candidate outcome', () => {
    const r = resolution(sup, 'c1', recount.id);
    const s = resolve(withConflict(), r, sup, 50);
    expect(s.status).toBe('recount');
    expect(s.revision).toBe(3);
    expect(s.conflicts.c1).toMatchObject({
      status: 'resolved',
      resolution: { resolutionId: r.id, by: 'sue', device: r.device, at: r.at, decidedAt: 50, chosen: recount.id, value: 'recount', setAside: [accepted.id], note: null },
    });
    expect(s.outcomes[recount.id]).toEqual({ result: 'resolved', reason: 'chosen by sue', conflictId: 'c1', chosen: true, revision: 3, decidedAt: 50 });
    expect(s.outcomes[accepted.id]).toMatchObject({ result: 'resolved', reason: 'set aside by sue', chosen: false });
    expect(s.outcomes[r.id]).toMatchObject({ result: 'applied', conflictId: 'c1', revision: 3 });
    expect(s.log.at(-1)).toMatchObject({ event: 'resolution', result: 'applied', key: 'status', from: 'accepted', to: 'recount', conflictId: 'c1', role: 'supervisor' });
  });

  it('enters a value with a note, setting every candidate aside', () => {
    const r = resolution(admin, 'c1', { value: 'submitted', note: 'both wrong, still counting' });
    const s = resolve(withConflict(), r, admin, 50);
    expect(s.status).toBe('submitted');
    expect(s.conflicts.c1?.resolution).toMatchObject({ chosen: null, value: 'submitted', setAside: [accepted.id, recount.id], note: 'both wrong, still counting' });
    expect([s.outcomes[accepted.id]?.chosen, s.outcomes[recount.id]?.chosen]).toEqual([false, false]);
  });

  // name, resolver, chosen, conflict id, reason
  it.each<[string, Actor, string | EnteredValue, string, RegExp]>([
    ['crew', crew, accepted.id, 'c1', /crew may not resolve conflicts/],
    ['an auditor', auditor, accepted.id, 'c1', /auditor may not resolve conflicts/],
    ['an unknown conflict', sup, accepted.id, 'c9', /there is no conflict c9/],
    ['a non-candidate', sup, submitted.id, 'c1', /is not a candidate of conflict c1/],
    ['a value the field cannot hold', sup, { value: 'closed', note: 'x' }, 'c1', /"closed" is not a count status/],
  ])('refuses a resolution by or with %s', (_name, by, chosen, conflictId, reason) => {
    const before = withConflict();
    const r = resolution(by, conflictId, chosen);
    const s = resolve(before, r, by, 50);
    expect(s.outcomes[r.id]).toMatchObject({ result: 'refused', revision: before.revision, decidedAt: 50 });
    expect(s.outcomes[r.id]?.reason).toMatch(reason);
    expect(s.conflicts).toBe(before.conflicts);
    expect(s.status).toBe(before.status);
  });

  it('refuses a resolution signed by someone else', () => {
    const r = resolution(sup, 'c1', accepted.id);
    expect(resolve(withConflict(), r, sup2, 50).outcomes[r.id]?.reason).toMatch(/signed by sue but was sent by sam/);
  });

  it('refuses a second resolution of the same conflict, naming the first resolver', () => {
    const s1 = resolve(withConflict(), resolution(sup, 'c1', accepted.id), sup, 50);
    const late = resolution(sup2, 'c1', recount.id);
    const s2 = resolve(s1, late, sup2, 60);
    expect(s2.outcomes[late.id]).toMatchObject({ result: 'refused', reason: 'conflict c1 was already resolved by sue' });
    expect(s2.status).toBe('accepted');
  });

  it('ignores a resolution it has already decided', () => {
    const r = resolution(sup, 'c1', accepted.id);
    const s1 = resolve(withConflict(), r, sup, 50);
    expect(resolve(s1, r, sup, 60)).toBe(s1);
  });

  it('lets a resolved field take fresh proposals again, and a stale one conflicts with the resolution', () => {
    const r = resolution(sup, 'c1', recount.id);
    let s = resolve(withConflict(), r, sup, 50);
    const again = status(crew, 3, 'submitted');
    s = decide(s, again, crew, 51);
    expect(s.outcomes[again.id]?.result).toBe('applied');
    const stale = proposal(sup2, 3, { field: 'status', value: 'accepted' });
    s = decide(s, stale, sup2, 52);
    expect(s.outcomes[stale.id]?.reason).toMatch(/cannot go from recount to accepted/);
  });

  it('sets an accepted count from a count conflict', () => {
    let s = emptyReviewState('R-1', 'count');
    const a = proposal(sup, 0, { field: 'acceptedCount', value: 10 });
    const b = proposal(sup2, 0, { field: 'acceptedCount', value: 12 });
    s = decide(decide(s, a, sup, 1), b, sup2, 2);
    s = resolve(s, resolution(sup, 'c1', b.id), sup, 3);
    expect(s.acceptedCounts['["A-01","SKU-1"]']).toEqual({ bin: 'A-01', item: 'SKU-1', count: 12 });
  });
});
