/**
 * The runtime validator of entries. Everything that reaches a record's log
 * passes through `parseEntry`: the writers before they append, the readers
 * when they read, the relay before it accepts a device's update.
 */
import { entryId, isDeviceId, isEntryId } from './ids';
import { isFieldName } from './recordLayout';
import { EntryKind, EntryLimits, ProposalField, type Entry, type EntryKind as Kind } from './entry';

/** Thrown by `parseEntry`; `path` names the offending key ('' for the entry itself). */
export class InvalidEntryError extends Error {
  override readonly name = 'InvalidEntryError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`invalid entry: ${path ? `${path} ` : ''}${problem}`);
  }
}

/** Returns an error message, or undefined when the value is fine. */
type Check = (value: unknown) => string | undefined;

interface KeySpec {
  readonly check: Check;
  readonly optional?: boolean;
}

const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_BUT_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f]/;

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}

/** A key-like string: item, bin, lot, user, photo id. Trimmed, no control characters. */
const key: Check = (v) => {
  if (typeof v !== 'string') return `must be a string (got ${describe(v)})`;
  if (v.length === 0 || v.length > EntryLimits.shortText) return `must be 1-${EntryLimits.shortText} characters`;
  if (v.trim() !== v) return `must not start or end with spaces (got ${describe(v)})`;
  if (CONTROL.test(v)) return 'must not contain control characters';
  return undefined;
};

/** Human text; newlines allowed. */
const text =
  (min: number, max: number): Check =>
  (v) => {
    if (typeof v !== 'string') return `must be a string (got ${describe(v)})`;
    if (v.trim().length < min || v.length > max) return `must be ${min}-${max} characters`;
    if (CONTROL_BUT_NEWLINE.test(v)) return 'must not contain control characters';
    return undefined;
  };

const integer =
  (min: number, max: number): Check =>
  (v) =>
    Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max
      ? undefined
      : `must be an integer from ${min} to ${max} (got ${describe(v)})`;

const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? undefined : `must be one of ${values.join(', ')} (got ${describe(v)})`;

const entryIdCheck: Check = (v) => (isEntryId(v) ? undefined : `must be an entry id <device>:<seq> (got ${describe(v)})`);
const nullable =
  (check: Check): Check =>
  (v) =>
    v === null ? undefined : check(v);

const reason = text(1, EntryLimits.shortText);
const longText = text(0, EntryLimits.longText);
const scalar: Check = (v) =>
  typeof v === 'string' || typeof v === 'boolean' || Number.isFinite(v) ? undefined : `must be a string, number or boolean (got ${describe(v)})`;

const enteredValue: Check = (v) => {
  if (!isPlainObject(v)) return `must be a candidate id or {value, note} (got ${describe(v)})`;
  const extra = Object.keys(v).find((name) => name !== 'value' && name !== 'note');
  if (extra !== undefined) return `has an unknown key ${describe(extra)}`;
  const problem = v.value === null ? undefined : typeof v.value === 'string' ? longText(v.value) : scalar(v.value);
  if (problem) return `value ${problem}`;
  const note = text(1, EntryLimits.longText)(v.note);
  return note ? `note ${note}` : undefined;
};

const HEADER: Readonly<Record<string, KeySpec>> = {
  id: { check: entryIdCheck },
  kind: { check: oneOf(Object.values(EntryKind)) },
  user: { check: key },
  device: { check: (v) => (isDeviceId(v) ? undefined : `must be a device id (got ${describe(v)})`) },
  at: { check: integer(0, 8.64e15) },
  seq: { check: integer(0, Number.MAX_SAFE_INTEGER) },
};

const BODY: { readonly [K in Kind]: Readonly<Record<string, KeySpec>> } = {
  line: {
    item: { check: key },
    qty: { check: integer(1, EntryLimits.maxQty) },
    lot: { check: key, optional: true },
    note: { check: longText, optional: true },
  },
  reversal: { reverses: { check: entryIdCheck }, reason: { check: reason } },
  count: {
    bin: { check: key },
    item: { check: key },
    qty: { check: integer(0, EntryLimits.maxQty) },
    answers: { check: entryIdCheck, optional: true },
  },
  recountRequest: { bin: { check: key }, item: { check: key }, reason: { check: reason } },
  comment: { text: { check: text(1, EntryLimits.longText) } },
  photo: { photoId: { check: key }, caption: { check: longText, optional: true } },
  fieldEdit: {
    field: { check: (v) => (isFieldName(v) ? undefined : `must be a descriptive field (got ${describe(v)})`) },
    from: { check: nullable(longText) },
    to: { check: longText },
    base: { check: nullable(entryIdCheck) },
  },
  proposal: {
    record: { check: key, optional: true },
    field: { check: oneOf(Object.values(ProposalField)) },
    value: { check: scalar },
    baseRevision: { check: integer(0, Number.MAX_SAFE_INTEGER) },
    bin: { check: key, optional: true },
    item: { check: key, optional: true },
    note: { check: longText, optional: true },
  },
  resolution: {
    record: { check: key, optional: true },
    conflictId: { check: key },
    chosen: { check: (v) => (typeof v === 'string' ? key(v) : enteredValue(v)) },
  },
};

/** Rules that span keys, per kind; run after every key passed. */
const REFINE: { readonly [K in Kind]?: (e: Record<string, unknown>) => InvalidEntryError | undefined } = {
  reversal: (e) => (e.reverses === e.id ? new InvalidEntryError('reverses', 'must name another entry') : undefined),
  proposal: (e) => {
    const needsBinItem = e.field === ProposalField.acceptedCount;
    if (needsBinItem !== (e.bin !== undefined) || needsBinItem !== (e.item !== undefined)) {
      return new InvalidEntryError('bin', needsBinItem ? 'and item are required for acceptedCount' : 'and item are only for acceptedCount');
    }
    const problem =
      e.field === ProposalField.status
        ? key(e.value)
        : e.field === ProposalField.hold
          ? typeof e.value === 'boolean' ? undefined : 'must be a boolean for hold'
          : integer(0, EntryLimits.maxQty)(e.value);
    return problem ? new InvalidEntryError('value', problem) : undefined;
  },
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Copies the keys of `spec` from `input` into `out`, checking each; undefined optional keys are dropped. */
function take(input: Record<string, unknown>, spec: Readonly<Record<string, KeySpec>>, out: Record<string, unknown>): void {
  for (const [name, { check, optional }] of Object.entries(spec)) {
    const value = input[name];
    if (value === undefined) {
      if (optional) continue;
      throw new InvalidEntryError(name, 'is missing');
    }
    const problem = check(value);
    if (problem) throw new InvalidEntryError(name, problem);
    out[name] = value;
  }
}

/**
 * Validates an untrusted value as an entry and returns a frozen copy holding
 * exactly the entry's keys in canonical order. Throws `InvalidEntryError`
 * naming the first bad key: unknown keys, wrong types, out-of-range numbers,
 * an id that is not `${device}:${seq}`, cross-key rules.
 */
export function parseEntry(input: unknown): Entry {
  if (!isPlainObject(input)) throw new InvalidEntryError('', `must be a plain object (got ${describe(input)})`);
  const out: Record<string, unknown> = {};
  take(input, HEADER, out);
  const kind = out.kind as Kind;
  const body = BODY[kind];
  take(input, body, out);
  for (const name of Object.keys(input)) {
    if (!Object.hasOwn(HEADER, name) && !Object.hasOwn(body, name) && input[name] !== undefined) {
      throw new InvalidEntryError(name, `is not a key of a ${kind} entry`);
    }
  }
  if (out.id !== entryId(out.device as string, out.seq as number)) {
    throw new InvalidEntryError('id', `must be ${describe(`${String(out.device)}:${String(out.seq)}`)} (got ${describe(out.id)})`);
  }
  const refined = REFINE[kind]?.(out);
  if (refined) throw refined;
  if (isPlainObject(out.chosen)) out.chosen = Object.freeze({ value: out.chosen.value, note: out.chosen.note });
  return Object.freeze(out) as unknown as Entry;
}

/** Like `parseEntry`, but returns undefined instead of throwing. */
export function tryParseEntry(input: unknown): Entry | undefined {
  try {
    return parseEntry(input);
  } catch (error) {
    if (error instanceof InvalidEntryError) return undefined;
    throw error;
  }
}
