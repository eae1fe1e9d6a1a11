/**
 * A stand-in for the relay's review of field edits, for the shown-value
 * tests: each batch of entries that arrives is decided as RecordReviewer
 * does (resolutions first, then the field conflicts derived from every entry
 * so far), with the pure rules of shared/review.
 */
import type { Role } from '../../shared/auth/roles';
import { fieldConflicts, type Entry, type EntryOf } from '../../shared/model';
import { applyReviewEvent, emptyReviewState, type ReviewState } from '../../shared/review';

export const FIELD_ROLES: Record<string, Role> = { 'user-a': 'crew', 'user-b': 'crew', 'user-c': 'crew', 'user-d': 'crew', sue: 'supervisor' };

/** The review state after `batch` arrives at a relay that holds `before` and decided `state`. */
export function relayDecides(state: ReviewState, before: readonly Entry[], batch: readonly Entry[], now = 0): ReviewState {
  const all = [...before, ...batch];
  let next = state;
  for (const entry of batch) {
    if (entry.kind === 'resolution') next = applyReviewEvent(next, { type: 'resolution', entry, now }, FIELD_ROLES);
  }
  if (!batch.some((e) => e.kind === 'fieldEdit')) return next;
  for (const c of fieldConflicts(all)) {
    const candidates = c.candidates.map((e) => ({ proposalId: e.id, user: e.user, device: e.device, at: e.at, value: e.to }));
    next = applyReviewEvent(next, { type: 'fieldConflict', input: { name: c.field, base: c.base, from: c.from, candidates }, now }, FIELD_ROLES);
  }
  return next;
}

/** The review of entries arriving one by one, in order. */
export function relayReview(entries: readonly Entry[]): ReviewState {
  let state = emptyReviewState('record:R1', 'receipt');
  entries.forEach((entry, i) => (state = relayDecides(state, entries.slice(0, i), [entry])));
  return state;
}

/** A supervisor's resolution entry: choose candidate `chosen`, or enter `{ value, note }`. */
export function settle(id: string, conflictId: string, chosen: string | { value: string; note: string }, at = 100): EntryOf<'resolution'> {
  const [device, seq] = id.split(':') as [string, string];
  return { id, kind: 'resolution', user: 'sue', device, at, seq: Number(seq), record: 'record:R1', conflictId, chosen } as EntryOf<'resolution'>;
}
