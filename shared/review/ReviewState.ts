/**
 * The review map as plain data: what the relay has decided about a record's
 * critical fields, every proposal's outcome, every conflict, and the log of
 * decisions. The rules (`decide`, `resolve`, `openDiscrepancyConflict`,
 * `openFieldConflict`) map one ReviewState to the next; `reviewMap.ts` copies
 * it into the record's `review` Y.Map.
 *
 * Canonical form: keyed collections keep their keys sorted, so two equal
 * states are equal byte for byte under JSON.stringify, whichever way they
 * were built (live, replayed, or read back from a Y.Map).
 */
import type { Role } from '../auth/roles';
import type { ProposalField } from '../model/entry';
import type { ReviewValue } from './reviewEntries';
import { initialStatus, type RecordKind } from './transitions';

/** What became of a proposal (or a resolution entry). */
export type OutcomeResult = 'applied' | 'refused' | 'conflict' | 'resolved';

/** The outcome of one entry, keyed by its id in `ReviewState.outcomes`. */
export interface Outcome {
  readonly result: OutcomeResult;
  /** Why: the refusal reason, or what an `applied` no-op or a resolution meant. */
  readonly reason?: string;
  /** The conflict the proposal is (or was) a candidate in. */
  readonly conflictId?: string;
  /** For `resolved`: true when this proposal's value is the one the supervisor chose. */
  readonly chosen?: boolean;
  /** The review revision after this decision. */
  readonly revision: number;
  /** When the relay decided (the `now` it was given), ms since epoch. */
  readonly decidedAt?: number;
}

/** The kinds of entry a candidate can come from. */
export type CandidateSource = 'proposal' | 'resolution' | 'count' | 'fieldEdit';

/** One side of a conflict, with who proposed it and when. */
export interface Candidate {
  /** The entry that carried this value: a proposal, a count, a field edit, or a resolution. */
  readonly proposalId: string;
  /** What kind of entry `proposalId` is. */
  readonly source: CandidateSource;
  readonly user: string;
  readonly device: string;
  /** The device time of that entry. */
  readonly at: number;
  readonly value: ReviewValue;
}

/** What a conflict is about: a critical field, or a descriptive field (rule 4). */
export type ConflictField = ProposalField | 'descriptive';

/** How a conflict was settled. */
export interface ConflictResolution {
  /** The resolution entry. */
  readonly resolutionId: string;
  /** The supervisor's user id and device. */
  readonly by: string;
  readonly device: string;
  /** When the supervisor resolved (device time of the resolution entry). */
  readonly at: number;
  /** When the relay recorded it. */
  readonly decidedAt: number;
  /** The chosen candidate's id, or null when the supervisor entered a value. */
  readonly chosen: string | null;
  /** The value that now holds. */
  readonly value: ReviewValue;
  /** Ids of the candidates not chosen. */
  readonly setAside: readonly string[];
  /** The supervisor's note (required when a value was entered). */
  readonly note: string | null;
}

/** A disagreement the relay will not settle by itself. */
export interface Conflict {
  /** `c1`, `c2`, ...: assigned in decision order, so replay gives the same ids. */
  readonly id: string;
  readonly field: ConflictField;
  /** The state key it is about: see `statusKey`, `holdKey`, `countKey`, `fieldConflictKey`. */
  readonly key: string;
  /** For accepted counts. */
  readonly bin?: string;
  readonly item?: string;
  /** For descriptive fields: the field's name. */
  readonly name?: string;
  /** What raised it: stale proposals, a count discrepancy, or concurrent field edits. */
  readonly origin: 'proposals' | 'discrepancy' | 'fieldEdits';
  /** The review revision the disagreeing sides started from. */
  readonly baseRevision: number;
  /** The value they started from (null when unset or unknown). */
  readonly baseValue: ReviewValue;
  readonly openedAt: number;
  /** Every candidate ever added, in arrival order; never removed. */
  readonly candidates: readonly Candidate[];
  readonly status: 'open' | 'resolved';
  readonly resolution?: ConflictResolution;
}

/** The accepted quantity of one item in one bin. */
export interface AcceptedCount {
  readonly bin: string;
  readonly item: string;
  readonly count: number;
}

/** What triggered a decision. */
export type DecisionEvent = 'proposal' | 'resolution' | 'discrepancy' | 'fieldConflict';

/** One line of the decision log: the review map's own history, append-only. */
export interface Decision {
  /** Position in the log, from 1. */
  readonly n: number;
  /** When the relay decided (the `now` it was given). */
  readonly at: number;
  readonly event: DecisionEvent;
  /** The deciding entry (proposal or resolution), with its author, role and device time. */
  readonly entryId?: string;
  readonly user?: string;
  readonly role?: Role;
  readonly device?: string;
  readonly entryAt?: number;
  readonly result: OutcomeResult | 'opened' | 'joined';
  readonly reason?: string;
  readonly key?: string;
  /** Present exactly when the decision set a value (and so bumped the revision). */
  readonly from?: ReviewValue;
  readonly to?: ReviewValue;
  readonly conflictId?: string;
  /** The review revision after this decision. */
  readonly revision: number;
}

/** Everything the relay has decided about one record. */
export interface ReviewState {
  readonly format: 1;
  /** The record's document name (`record:<id>`), as proposals name it. */
  readonly record: string;
  readonly kind: RecordKind;
  /** Counts decisions that set a value; proposals name the revision they saw. */
  readonly revision: number;
  readonly status: string;
  readonly hold: boolean;
  /** Keyed by `countKey(bin, item)`. */
  readonly acceptedCounts: Readonly<Record<string, AcceptedCount>>;
  /** Keyed by entry id: every proposal and resolution the relay has seen. */
  readonly outcomes: Readonly<Record<string, Outcome>>;
  readonly conflicts: Readonly<Record<string, Conflict>>;
  readonly log: readonly Decision[];
}

/** The review state of a record nobody has proposed anything for yet; `record` is its document name. */
export function emptyReviewState(record: string, kind: RecordKind): ReviewState {
  return {
    format: 1,
    record,
    kind,
    revision: 0,
    status: initialStatus(kind),
    hold: false,
    acceptedCounts: {},
    outcomes: {},
    conflicts: {},
    log: [],
  };
}

/** State key of the record status. */
export const statusKey = 'status';
/** State key of the quality hold. */
export const holdKey = 'hold';

/** State key of the accepted count of (bin, item); the same key shared/model uses for the pair. */
export function countKey(bin: string, item: string): string {
  return JSON.stringify([bin, item]);
}

/** Conflict key of concurrent edits of descriptive field `name` made on the same base edit. */
export function fieldConflictKey(name: string, base: string | null): string {
  return `field:${name}@${base ?? 'initial'}`;
}

/** The value `key` holds now (null for an accepted count never set). */
export function currentValue(state: ReviewState, key: string): ReviewValue {
  if (key === statusKey) return state.status;
  if (key === holdKey) return state.hold;
  return state.acceptedCounts[key]?.count ?? null;
}

/** The value `key` held before any decision. */
export function initialValue(state: ReviewState, key: string): ReviewValue {
  if (key === statusKey) return initialStatus(state.kind);
  if (key === holdKey) return false;
  return null;
}

/** The latest decision that set `key` at or before `revision`, if any. */
export function lastChange(state: ReviewState, key: string, revision = state.revision): Decision | undefined {
  for (let i = state.log.length - 1; i >= 0; i--) {
    const d = state.log[i] as Decision;
    if (d.key === key && d.to !== undefined && d.revision <= revision) return d;
  }
  return undefined;
}

/** The value `key` held at `revision`. */
export function valueAt(state: ReviewState, key: string, revision: number): ReviewValue {
  const d = lastChange(state, key, revision);
  return d ? (d.to as ReviewValue) : initialValue(state, key);
}

/** The open conflict about `key`, if there is one (at most one is open per key). */
export function openConflictFor(state: ReviewState, key: string): Conflict | undefined {
  return Object.values(state.conflicts).find((c) => c.key === key && c.status === 'open');
}

/** Every conflict ever raised about `key`, oldest first. */
export function conflictsFor(state: ReviewState, key: string): Conflict[] {
  return Object.values(state.conflicts)
    .filter((c) => c.key === key)
    .sort((a, b) => conflictNumber(a.id) - conflictNumber(b.id));
}

/** The id the next conflict gets. */
export function nextConflictId(state: ReviewState): string {
  return `c${Object.keys(state.conflicts).length + 1}`;
}

function conflictNumber(id: string): number {
  return Number(id.slice(1));
}

/** True when two reviewed values are the same. */
export function sameValue(a: ReviewValue, b: ReviewValue): boolean {
  return a === b;
}

/** `record` with `key` set to `value`, keys kept in sorted order (the canonical form). */
export function withKey<T>(record: Readonly<Record<string, T>>, key: string, value: T): Record<string, T> {
  return sortedRecord({ ...record, [key]: value });
}

/** A copy of `record` with its keys inserted in sorted order. */
export function sortedRecord<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  // defineProperty, not assignment: an entry id such as "__proto__" must stay a plain key.
  for (const k of Object.keys(record).sort()) {
    Object.defineProperty(out, k, { value: record[k], enumerable: true, writable: true, configurable: true });
  }
  return out;
}
