/**
 * A supervisor settles a conflict by choosing a candidate or entering a value
 * with a note. The resolution is recorded (who, when, what was chosen, what
 * was set aside), the value takes effect with a new revision, and every
 * candidate proposal's outcome becomes `resolved`, so each proposer learns
 * whether their value was chosen.
 */
import { canResolveConflicts } from '../auth/roles';
import type { ResolutionEntry, ReviewValue } from './reviewEntries';
import { currentValue, type Candidate, type Conflict, type ConflictResolution, type ReviewState } from './ReviewState';
import { entryFields, logDecision, putConflict, refuseEntry, setOutcome, setValue, type Actor } from './stateUpdates';
import { isStatusOf } from './transitions';

/**
 * Applies resolution entry `r` sent by `resolver` at time `now`, returning the
 * next state. Refusals (not a supervisor, unknown or already resolved
 * conflict, unknown candidate, a value the field cannot hold) are recorded as
 * the resolution's outcome. Pure and deterministic.
 */
export function resolve(state: ReviewState, r: ResolutionEntry, resolver: Actor, now: number): ReviewState {
  if (Object.hasOwn(state.outcomes, r.id)) return state;
  const conflict = Object.hasOwn(state.conflicts, r.conflictId) ? state.conflicts[r.conflictId] : undefined;
  const refusal = refusalOf(state, r, resolver, conflict);
  if (refusal || !conflict) return refuseEntry(state, r, resolver.role, refusal ?? 'unknown conflict', now);

  const chosenId = typeof r.chosen === 'string' ? r.chosen : null;
  const value = chosenId === null ? (r.chosen as { value: ReviewValue }).value : (findCandidate(conflict, chosenId) as Candidate).value;
  const from = conflict.field === 'descriptive' ? null : currentValue(state, conflict.key);
  let next = setValue(state, conflict.key, value, conflict.bin !== undefined && conflict.item !== undefined ? { bin: conflict.bin, item: conflict.item } : undefined);

  const resolution: ConflictResolution = {
    resolutionId: r.id,
    by: r.user,
    device: r.device,
    at: r.at,
    decidedAt: now,
    chosen: chosenId,
    value,
    setAside: conflict.candidates.filter((c) => c.proposalId !== chosenId).map((c) => c.proposalId),
    note: typeof r.chosen === 'string' ? null : r.chosen.note,
  };
  next = putConflict(next, { ...conflict, status: 'resolved', resolution });
  next = markCandidates(next, conflict, chosenId, r.user, now);
  next = setOutcome(next, r.id, { result: 'applied', conflictId: conflict.id, revision: next.revision, decidedAt: now });
  return logDecision(next, {
    at: now,
    event: 'resolution',
    ...entryFields(r, resolver.role),
    result: 'applied',
    key: conflict.key,
    from,
    to: value,
    conflictId: conflict.id,
  });
}

function refusalOf(state: ReviewState, r: ResolutionEntry, resolver: Actor, conflict: Conflict | undefined): string | null {
  if (r.user !== resolver.user) return `resolution is signed by ${r.user} but was sent by ${resolver.user}`;
  if (r.record !== undefined && r.record !== state.record) return `resolution is for record ${r.record}, not ${state.record}`;
  if (!canResolveConflicts(resolver.role)) return `${resolver.role} may not resolve conflicts`;
  if (!conflict) return `there is no conflict ${r.conflictId}`;
  if (conflict.status === 'resolved') {
    return `conflict ${conflict.id} was already resolved by ${conflict.resolution?.by ?? 'someone'}`;
  }
  if (typeof r.chosen === 'string') {
    return findCandidate(conflict, r.chosen) ? null : `${r.chosen} is not a candidate of conflict ${conflict.id}`;
  }
  return valueRefusal(state, conflict, r.chosen.value);
}

/** Why `value` cannot be entered for the conflict's field, or null. */
function valueRefusal(state: ReviewState, conflict: Conflict, value: ReviewValue): string | null {
  switch (conflict.field) {
    case 'status':
      return isStatusOf(state.kind, value) ? null : `${JSON.stringify(value)} is not a ${state.kind} status`;
    case 'hold':
      return typeof value === 'boolean' ? null : 'a hold is true or false';
    case 'acceptedCount':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? null : 'an accepted count is a non-negative integer';
    case 'descriptive':
      return typeof value === 'string' || value === null ? null : 'a descriptive field holds text';
  }
}

function findCandidate(conflict: Conflict, id: string): Candidate | undefined {
  return conflict.candidates.find((c) => c.proposalId === id);
}

function markCandidates(state: ReviewState, conflict: Conflict, chosenId: string | null, by: string, now: number): ReviewState {
  let next = state;
  for (const c of conflict.candidates) {
    const held = Object.hasOwn(next.outcomes, c.proposalId) ? next.outcomes[c.proposalId] : undefined;
    if (c.source !== 'proposal' || !held) continue;
    const chosen = c.proposalId === chosenId;
    next = setOutcome(next, c.proposalId, {
      result: 'resolved',
      reason: chosen ? `chosen by ${by}` : `set aside by ${by}`,
      conflictId: conflict.id,
      chosen,
      revision: next.revision,
      decidedAt: now,
    });
  }
  return next;
}

