/**
 * The relay's rule for one proposal (PRODUCT.md rule 5). In order:
 *
 * 1. An entry already decided is left alone (re-sent entries are harmless).
 * 2. Refused outright: signed by someone else, for another record, based on a
 *    revision the relay never made, or a value the proposer's role may never ask for.
 * 3. "No change" from its own base: a no-op `applied` when that is also the
 *    current value, otherwise refused.
 * 4. Refused when the change from its base is not an allowed transition for the role.
 * 5. While the field is in an open conflict, the proposal joins it as a candidate.
 * 6. Fresh (the field has not changed since its base): applied, revision + 1.
 * 7. Stale but agreeing with the current value: a no-op `applied`.
 * 8. Stale and disagreeing: a conflict between the value that holds (with the
 *    entry that set it) and this proposal.
 *
 * Staleness is judged per field: a proposal for bin A is not stale because
 * the hold changed since it was made.
 */
import type { ProposalEntry, ReviewValue } from './reviewEntries';
import {
  countKey,
  currentValue,
  holdKey,
  lastChange,
  nextConflictId,
  openConflictFor,
  sameValue,
  statusKey,
  valueAt,
  type Candidate,
  type Conflict,
  type Decision,
  type ReviewState,
} from './ReviewState';
import {
  candidateOf,
  describeValue,
  entryFields,
  logDecision,
  putConflict,
  refuseEntry,
  setOutcome,
  setValue,
  type Actor,
} from './stateUpdates';
import { changeRefusal, proposalRefusal } from './transitions';

/** The state key a proposal targets. */
export function proposalKey(p: ProposalEntry): string {
  if (p.field === 'acceptedCount') return countKey(p.bin, p.item);
  return p.field === 'hold' ? holdKey : statusKey;
}

/**
 * Decides one proposal sent by `proposer` (as authenticated by the relay) at
 * time `now`, returning the next state. Pure and deterministic.
 */
export function decide(state: ReviewState, p: ProposalEntry, proposer: Actor, now: number): ReviewState {
  if (Object.hasOwn(state.outcomes, p.id)) return state;
  const refusal = basicRefusal(state, p, proposer);
  if (refusal) return refuseEntry(state, p, proposer.role, refusal, now);

  const key = proposalKey(p);
  const current = currentValue(state, key);
  const base = valueAt(state, key, p.baseRevision);
  const conflict = openConflictFor(state, key);
  if (sameValue(p.value, base)) {
    if (!conflict && sameValue(p.value, current)) return applyNoop(state, p, proposer, now, `already ${describeValue(key, current)}: nothing changed`);
    return refuseEntry(state, p, proposer.role, `proposes no change from the value it was based on (${describeValue(key, base)})`, now);
  }
  const bad = changeRefusal(proposer.role, state.kind, p.field, base, p.value);
  if (bad) return refuseEntry(state, p, proposer.role, bad, now);
  if (conflict) return joinConflict(state, conflict, p, proposer, now);

  const changedAt = lastChange(state, key)?.revision ?? 0;
  if (changedAt <= p.baseRevision) return apply(state, p, proposer, now, key, current);
  if (sameValue(p.value, current)) {
    return applyNoop(state, p, proposer, now, `stale (based on revision ${p.baseRevision}) but agrees with the current value: nothing changed`);
  }
  return openProposalConflict(state, p, proposer, now, key, base, current);
}

function basicRefusal(state: ReviewState, p: ProposalEntry, proposer: Actor): string | null {
  if (p.user !== proposer.user) return `proposal is signed by ${p.user} but was sent by ${proposer.user}`;
  if (p.record !== undefined && p.record !== state.record) return `proposal is for record ${p.record}, not ${state.record}`;
  if (p.baseRevision > state.revision) {
    return `based on revision ${p.baseRevision}, but the review is only at revision ${state.revision}`;
  }
  return proposalRefusal(proposer.role, state.kind, p.field, p.value);
}

function apply(state: ReviewState, p: ProposalEntry, proposer: Actor, now: number, key: string, from: ReviewValue): ReviewState {
  const where = p.field === 'acceptedCount' ? { bin: p.bin, item: p.item } : undefined;
  let next = setValue(state, key, p.value, where);
  next = setOutcome(next, p.id, { result: 'applied', revision: next.revision, decidedAt: now });
  return logDecision(next, { at: now, event: 'proposal', ...entryFields(p, proposer.role), result: 'applied', key, from, to: p.value });
}

function applyNoop(state: ReviewState, p: ProposalEntry, proposer: Actor, now: number, reason: string): ReviewState {
  const next = setOutcome(state, p.id, { result: 'applied', reason, revision: state.revision, decidedAt: now });
  return logDecision(next, { at: now, event: 'proposal', ...entryFields(p, proposer.role), result: 'applied', reason, key: proposalKey(p) });
}

function joinConflict(state: ReviewState, conflict: Conflict, p: ProposalEntry, proposer: Actor, now: number): ReviewState {
  const joined: Conflict = { ...conflict, candidates: [...conflict.candidates, candidateOf(p, p.value, 'proposal')] };
  return markInConflict(putConflict(state, joined), p, proposer, now, conflict.id, 'joins the open conflict');
}

function openProposalConflict(
  state: ReviewState,
  p: ProposalEntry,
  proposer: Actor,
  now: number,
  key: string,
  base: ReviewValue,
  current: ReviewValue,
): ReviewState {
  // Stale means the field changed after p's base, so a decision that set it exists.
  const setBy = lastChange(state, key) as Decision;
  const incumbent = incumbentCandidate(setBy, current);
  const conflict: Conflict = {
    id: nextConflictId(state),
    field: p.field,
    key,
    ...(p.field === 'acceptedCount' ? { bin: p.bin, item: p.item } : {}),
    origin: 'proposals',
    baseRevision: p.baseRevision,
    baseValue: base,
    openedAt: now,
    candidates: [incumbent, candidateOf(p, p.value, 'proposal')],
    status: 'open',
  };
  let next = putConflict(state, conflict);
  const held = next.outcomes[incumbent.proposalId];
  if (incumbent.source === 'proposal' && held) {
    next = setOutcome(next, incumbent.proposalId, { ...held, conflictId: conflict.id });
  }
  return markInConflict(next, p, proposer, now, conflict.id, 'opens a conflict with the value that holds');
}

function incumbentCandidate(setBy: Decision, value: ReviewValue): Candidate {
  return {
    proposalId: setBy.entryId ?? `decision-${setBy.n}`,
    source: setBy.event === 'resolution' ? 'resolution' : 'proposal',
    user: setBy.user ?? 'relay',
    device: setBy.device ?? 'relay',
    at: setBy.entryAt ?? setBy.at,
    value,
  };
}

function markInConflict(state: ReviewState, p: ProposalEntry, proposer: Actor, now: number, conflictId: string, reason: string): ReviewState {
  const next = setOutcome(state, p.id, { result: 'conflict', reason, conflictId, revision: state.revision, decidedAt: now });
  return logDecision(next, {
    at: now,
    event: 'proposal',
    ...entryFields(p, proposer.role),
    result: 'conflict',
    reason,
    key: proposalKey(p),
    conflictId,
  });
}
