/**
 * The two entries devices append to a record's log to take part in review:
 * a proposal ("receipt R: open -> received, based on review revision 3") and
 * a supervisor's resolution of a conflict. Entries come from devices, so they
 * are untrusted: `parseProposal` and `parseResolution` check every field and
 * return a fresh object holding only the known ones.
 *
 * A proposal parsed by shared/model's `parseEntry` passes here too; these
 * types narrow it per field for the review rules.
 */
import { ProposalField } from '../model/entry';

/** A JSON primitive: what a reviewed field or a conflict candidate can hold. */
export type ReviewValue = string | number | boolean | null;

/** Fields every log entry carries (PRODUCT.md rule 3). */
export interface EntryBase {
  /** Stable id made on the device. */
  id: string;
  /** The author's user id. */
  user: string;
  /** The authoring device. */
  device: string;
  /** The device's local time, ms since epoch. */
  at: number;
  /** Per-device sequence number. */
  seq: number;
}

interface ProposalCommon extends EntryBase {
  kind: 'proposal';
  /**
   * The record the proposal is about. Optional because the entry lives in the
   * record's own document; when present it must match (a copied entry is refused).
   */
  record?: string;
  /** The proposer's reason, shown beside the outcome. */
  note?: string;
  /** The review revision the proposer saw when proposing. */
  baseRevision: number;
}

/** Proposes a new record status. */
export interface StatusProposal extends ProposalCommon {
  field: 'status';
  value: string;
}

/** Proposes the accepted quantity of one item in one bin. */
export interface AcceptedCountProposal extends ProposalCommon {
  field: 'acceptedCount';
  bin: string;
  item: string;
  value: number;
}

/** Proposes putting the record on hold (`true`) or releasing it (`false`). */
export interface HoldProposal extends ProposalCommon {
  field: 'hold';
  value: boolean;
}

/** A device's proposal to change a critical field. */
export type ProposalEntry = StatusProposal | AcceptedCountProposal | HoldProposal;

/** A value entered by the supervisor instead of choosing a candidate. */
export interface EnteredValue {
  value: ReviewValue;
  /** Why this value: required, it is what the auditor reads later. */
  note: string;
}

/** A supervisor's decision on a conflict. */
export interface ResolutionEntry extends EntryBase {
  kind: 'resolution';
  /** When present, must name the record whose review map holds the conflict. */
  record?: string;
  conflictId: string;
  /** A candidate's id, or a value entered with a note. */
  chosen: string | EnteredValue;
}

/** Thrown for a malformed entry; the message names the field at fault. */
export class ReviewEntryError extends Error {
  override name = 'ReviewEntryError';
}

const MAX_ID = 200;
const MAX_TEXT = 4000;

type Obj = Record<string, unknown>;

function fail(what: string, field: string, expected: string, got: unknown): never {
  const shown = JSON.stringify(got)?.slice(0, 60) ?? String(got);
  throw new ReviewEntryError(`${what}.${field} must be ${expected}, got ${shown}`);
}

function objectOf(what: string, x: unknown): Obj {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    throw new ReviewEntryError(`${what} must be an object, got ${x === null ? 'null' : typeof x}`);
  }
  return x as Obj;
}

function idIn(what: string, o: Obj, field: string): string {
  const v = o[field];
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID) {
    fail(what, field, `a non-empty string of at most ${MAX_ID} characters`, v);
  }
  return v;
}

function countIn(what: string, o: Obj, field: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(what, field, 'a non-negative integer', v);
  return v;
}

function timeIn(what: string, o: Obj, field: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(what, field, 'a non-negative finite number', v);
  return v;
}

function textIn(what: string, o: Obj, field: string): string {
  const v = o[field];
  if (typeof v !== 'string' || v.length > MAX_TEXT) fail(what, field, `a string of at most ${MAX_TEXT} characters`, v);
  return v;
}

function entryBase(what: string, o: Obj, kind: string): EntryBase {
  if (o.kind !== kind) fail(what, 'kind', JSON.stringify(kind), o.kind);
  return {
    id: idIn(what, o, 'id'),
    user: idIn(what, o, 'user'),
    device: idIn(what, o, 'device'),
    at: timeIn(what, o, 'at'),
    seq: countIn(what, o, 'seq'),
  };
}

/** Checks that `v` is a JSON primitive a reviewed value may hold. */
export function parseReviewValue(what: string, field: string, v: unknown): ReviewValue {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.length <= MAX_TEXT) return v;
  return fail(what, field, `a string (at most ${MAX_TEXT} characters), finite number, boolean or null`, v);
}

/** Validates a proposal entry; throws ReviewEntryError naming the bad field. */
export function parseProposal(x: unknown): ProposalEntry {
  const what = 'proposal';
  const o = objectOf(what, x);
  const base = entryBase(what, o, 'proposal');
  const common: ProposalCommon = { ...base, kind: 'proposal', baseRevision: countIn(what, o, 'baseRevision') };
  if (o.record !== undefined) common.record = idIn(what, o, 'record');
  if (o.note !== undefined) common.note = textIn(what, o, 'note');
  switch (o.field) {
    case 'status':
      return { ...common, field: 'status', value: idIn(what, o, 'value') };
    case 'acceptedCount':
      return { ...common, field: 'acceptedCount', bin: idIn(what, o, 'bin'), item: idIn(what, o, 'item'), value: countIn(what, o, 'value') };
    case 'hold':
      if (typeof o.value !== 'boolean') fail(what, 'value', 'a boolean for field "hold"', o.value);
      return { ...common, field: 'hold', value: o.value };
    default:
      return fail(what, 'field', `one of ${Object.values(ProposalField).join(', ')}`, o.field);
  }
}

/** Validates a resolution entry; throws ReviewEntryError naming the bad field. */
export function parseResolution(x: unknown): ResolutionEntry {
  const what = 'resolution';
  const o = objectOf(what, x);
  const base = entryBase(what, o, 'resolution');
  const conflictId = idIn(what, o, 'conflictId');
  let chosen: string | EnteredValue;
  if (typeof o.chosen === 'string') {
    chosen = idIn(what, o, 'chosen');
  } else {
    const c = objectOf(`${what}.chosen`, o.chosen);
    const note = c.note;
    if (typeof note !== 'string' || note.trim().length === 0 || note.length > MAX_TEXT) {
      fail(what, 'chosen.note', 'a non-empty note when entering a value', note);
    }
    chosen = { value: parseReviewValue(what, 'chosen.value', c.value), note };
  }
  const entry: ResolutionEntry = { ...base, kind: 'resolution', conflictId, chosen };
  if (o.record !== undefined) entry.record = idIn(what, o, 'record');
  return entry;
}

/** True when `x` is a well-formed proposal entry. */
export function isProposal(x: unknown): x is ProposalEntry {
  try {
    parseProposal(x);
    return true;
  } catch {
    return false;
  }
}

/** True when `x` is a well-formed resolution entry. */
export function isResolution(x: unknown): x is ResolutionEntry {
  try {
    parseResolution(x);
    return true;
  } catch {
    return false;
  }
}
