/**
 * The small steps every review rule is made of: log a decision, record an
 * outcome, set a value, store a conflict. Each returns a new state and leaves
 * its input untouched, so the rules stay pure.
 */
import type { Role } from '../auth/roles';
import type { EntryBase, ReviewValue } from './reviewEntries';
import {
  countKey,
  holdKey,
  statusKey,
  withKey,
  type Candidate,
  type Conflict,
  type Decision,
  type Outcome,
  type ReviewState,
} from './ReviewState';

/** Who sent an entry, as the relay authenticated them. */
export interface Actor {
  readonly user: string;
  readonly role: Role;
}

/** A decision before it has its place in the log. */
export type DecisionInput = Omit<Decision, 'n' | 'revision'>;

/** Appends a decision to the log, stamped with the state's revision. */
export function logDecision(state: ReviewState, d: DecisionInput): ReviewState {
  const decision = withoutUndefined({ n: state.log.length + 1, ...d, revision: state.revision }) as Decision;
  return { ...state, log: [...state.log, decision] };
}

/** The log fields that say which entry a decision was about. */
export function entryFields(entry: EntryBase, role?: Role): Pick<Decision, 'entryId' | 'user' | 'role' | 'device' | 'entryAt'> {
  return { entryId: entry.id, user: entry.user, role, device: entry.device, entryAt: entry.at };
}

/** Records the outcome of entry `id`. */
export function setOutcome(state: ReviewState, id: string, outcome: Outcome): ReviewState {
  return { ...state, outcomes: withKey(state.outcomes, id, withoutUndefined(outcome) as Outcome) };
}

/** Stores (adds or replaces) a conflict. */
export function putConflict(state: ReviewState, conflict: Conflict): ReviewState {
  return { ...state, conflicts: withKey(state.conflicts, conflict.id, withoutUndefined(conflict) as Conflict) };
}

/**
 * Sets the value of `key` and bumps the revision. `where` names the bin and
 * item for an accepted count; descriptive keys hold no value in the state.
 */
export function setValue(state: ReviewState, key: string, value: ReviewValue, where?: { bin: string; item: string }): ReviewState {
  const next = { ...state, revision: state.revision + 1 };
  if (key === statusKey) return { ...next, status: String(value) };
  if (key === holdKey) return { ...next, hold: value === true };
  if (where && key === countKey(where.bin, where.item)) {
    return { ...next, acceptedCounts: withKey(state.acceptedCounts, key, { bin: where.bin, item: where.item, count: Number(value) }) };
  }
  return next;
}

/**
 * Refuses an entry: its outcome says why, and the log keeps the refusal.
 * `role` is omitted when the relay does not know the user.
 */
export function refuseEntry(
  state: ReviewState,
  entry: EntryBase & { kind: 'proposal' | 'resolution' },
  role: Role | undefined,
  reason: string,
  now: number,
): ReviewState {
  const next = setOutcome(state, entry.id, { result: 'refused', reason, revision: state.revision, decidedAt: now });
  return logDecision(next, { at: now, event: entry.kind, ...entryFields(entry, role), result: 'refused', reason });
}

/** The candidate a proposal or other entry contributes to a conflict. */
export function candidateOf(entry: EntryBase, value: ReviewValue, source: Candidate['source']): Candidate {
  return { proposalId: entry.id, source, user: entry.user, device: entry.device, at: entry.at, value };
}

/** How a value reads in a reason: "received", "on hold", "12". */
export function describeValue(key: string, value: ReviewValue): string {
  if (key === holdKey) return value === true ? 'on hold' : 'released';
  return value === null ? 'unset' : String(value);
}

/** A shallow copy without undefined properties: Y.Map values and JSON must agree. */
export function withoutUndefined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}
