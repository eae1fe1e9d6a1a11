/**
 * Conflicts the relay raises from derived data rather than from a proposal:
 * count discrepancies (two counters, same bin and item, different
 * quantities) and concurrent edits of a descriptive field from the same
 * starting value (rule 4). The relay may call these again whenever the
 * derived data changes: candidates already seen are ignored, so a repeated
 * call changes nothing.
 *
 * For one key: with an open conflict, new candidates join it. With none yet,
 * a conflict opens when the new candidates disagree among themselves. After a
 * resolution, a late candidate that disagrees with the resolved value opens a
 * new conflict against it.
 */
import type { ReviewValue } from './reviewEntries';
import {
  conflictsFor,
  countKey,
  currentValue,
  fieldConflictKey,
  nextConflictId,
  openConflictFor,
  sameValue,
  type Candidate,
  type Conflict,
  type ReviewState,
} from './ReviewState';
import { logDecision, putConflict } from './stateUpdates';

/** A candidate as the relay derives it: the entry's id, author, device time and value. */
export type DerivedCandidate = Omit<Candidate, 'source'>;

/** Input of `openDiscrepancyConflict`: each counter's count of one bin and item. */
export interface DiscrepancyInput {
  bin: string;
  item: string;
  /** One per count entry; `value` is the counted quantity. */
  candidates: readonly DerivedCandidate[];
}

/** Input of `openFieldConflict`: edits of one descriptive field made on the same base. */
export interface FieldConflictInput {
  /** The field's name (supplier, dock, ...). */
  name: string;
  /** The field edit both sides started from; null when the field had never been set. */
  base: string | null;
  /** The value both sides started from. */
  from: string | null;
  /** One per field edit; `value` is the value it set. */
  candidates: readonly DerivedCandidate[];
}

/**
 * Raises or extends the discrepancy conflict of (bin, item) at time `now`.
 * Pure. Throws TypeError for malformed candidates (a bug in the caller's
 * derivation, not a device's doing: entries are validated before this).
 */
export function openDiscrepancyConflict(state: ReviewState, input: DiscrepancyInput, now: number): ReviewState {
  const key = countKey(input.bin, input.item);
  const candidates = checkCandidates('discrepancy', input.candidates, 'count', isCount);
  return raise(state, now, candidates, {
    event: 'discrepancy',
    key,
    field: 'acceptedCount',
    where: { bin: input.bin, item: input.item },
    origin: 'discrepancy',
    baseValue: currentValue(state, key),
  });
}

/**
 * Raises or extends the conflict of concurrent edits of a descriptive field
 * at time `now`. Pure. Throws TypeError for malformed candidates.
 */
export function openFieldConflict(state: ReviewState, input: FieldConflictInput, now: number): ReviewState {
  const candidates = checkCandidates('field conflict', input.candidates, 'fieldEdit', isText);
  return raise(state, now, candidates, {
    event: 'fieldConflict',
    key: fieldConflictKey(input.name, input.base),
    field: 'descriptive',
    where: { name: input.name },
    origin: 'fieldEdits',
    baseValue: input.from,
  });
}

interface Target {
  event: 'discrepancy' | 'fieldConflict';
  key: string;
  field: Conflict['field'];
  where: { bin: string; item: string } | { name: string };
  origin: Conflict['origin'];
  baseValue: ReviewValue;
}

function raise(state: ReviewState, now: number, candidates: Candidate[], t: Target): ReviewState {
  const history = conflictsFor(state, t.key);
  const seen = new Set(history.flatMap((c) => c.candidates.map((k) => k.proposalId)));
  const fresh = candidates.filter((c, i) => !seen.has(c.proposalId) && candidates.findIndex((d) => d.proposalId === c.proposalId) === i);
  if (fresh.length === 0) return state;

  const open = openConflictFor(state, t.key);
  if (open) {
    const next = putConflict(state, { ...open, candidates: [...open.candidates, ...fresh] });
    return logDecision(next, { at: now, event: t.event, result: 'joined', key: t.key, conflictId: open.id });
  }
  const settled = history.at(-1)?.resolution;
  let sides: Candidate[];
  if (settled) {
    if (fresh.every((c) => sameValue(c.value, settled.value))) return state;
    const incumbent: Candidate = { proposalId: settled.resolutionId, source: 'resolution', user: settled.by, device: settled.device, at: settled.at, value: settled.value };
    sides = [incumbent, ...fresh];
  } else {
    if (new Set(fresh.map((c) => JSON.stringify(c.value))).size < 2) return state;
    sides = fresh;
  }
  const conflict: Conflict = {
    id: nextConflictId(state),
    field: t.field,
    key: t.key,
    ...t.where,
    origin: t.origin,
    baseRevision: state.revision,
    baseValue: settled ? settled.value : t.baseValue,
    openedAt: now,
    candidates: sides,
    status: 'open',
  };
  return logDecision(putConflict(state, conflict), { at: now, event: t.event, result: 'opened', key: t.key, conflictId: conflict.id });
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isText(v: unknown): v is string | null {
  return v === null || typeof v === 'string';
}

function checkCandidates(what: string, list: unknown, source: Candidate['source'], valueOk: (v: unknown) => boolean): Candidate[] {
  if (!Array.isArray(list)) throw new TypeError(`${what}: candidates must be an array`);
  return list.map((c: unknown, i) => {
    const o = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
    const ok =
      typeof o.proposalId === 'string' &&
      o.proposalId.length > 0 &&
      typeof o.user === 'string' &&
      typeof o.device === 'string' &&
      typeof o.at === 'number' &&
      Number.isFinite(o.at) &&
      valueOk(o.value);
    if (!ok) throw new TypeError(`${what}: candidate ${i} must be {proposalId, user, device, at, value} with a valid value`);
    return { proposalId: o.proposalId, source, user: o.user, device: o.device, at: o.at, value: o.value } as Candidate;
  });
}
