/**
 * The runtime validator of entries. Everything that reaches a record's log
 * passes through `parseEntry`: the writers before they append, the readers
 * when they read, the relay before it accepts a device's update.
 *
 * The relay runs it on every entry it receives, so it is written to be cheap:
 * each kind's keys are read and copied by name, which keeps the object shapes
 * fixed (looping over a table of key names made V8 several times slower), and
 * a bad entry comes back as a `Rejection` instead of an exception, so
 * `tryParseEntry` never throws and catches.
 */
import { isDeviceId, isEntryId } from './ids';
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

/** What is wrong with an input: the `path` and `problem` of the `InvalidEntryError` it is refused with. */
class Rejection {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {}
}

/** Returns an error message, or undefined when the value is fine. */
type Check = (value: unknown) => string | undefined;

/** A plain object: the input, or the entry being built from it. */
type Fields = Record<string, unknown>;

const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_BUT_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f]/;

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}

function isPlainObject(value: unknown): value is Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
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

const oneOf = (values: readonly string[]): Check => {
  const allowed: ReadonlySet<unknown> = new Set(values);
  return (v) => (typeof v === 'string' && allowed.has(v) ? undefined : `must be one of ${values.join(', ')} (got ${describe(v)})`);
};

const nullable =
  (check: Check): Check =>
  (v) =>
    v === null ? undefined : check(v);

const entryId: Check = (v) => (isEntryId(v) ? undefined : `must be an entry id <device>:<seq> (got ${describe(v)})`);
const deviceId: Check = (v) => (isDeviceId(v) ? undefined : `must be a device id (got ${describe(v)})`);
const kindName = oneOf(Object.values(EntryKind));
const time = integer(0, 8.64e15);
const sequence = integer(0, Number.MAX_SAFE_INTEGER);
const receivedQty = integer(1, EntryLimits.maxQty);
const countedQty = integer(0, EntryLimits.maxQty);
const photoBytes = integer(1, EntryLimits.maxPhotoBytes);
const photoSide = integer(1, EntryLimits.maxPhotoSide);
const reason = text(1, EntryLimits.shortText);
const longText = text(0, EntryLimits.longText);
const requiredText = text(1, EntryLimits.longText);
const longTextOrNull = nullable(longText);
const entryIdOrNull = nullable(entryId);
const fieldName: Check = (v) => (isFieldName(v) ? undefined : `must be a descriptive field (got ${describe(v)})`);
const proposalField = oneOf(Object.values(ProposalField));
const scalar: Check = (v) =>
  typeof v === 'string' || typeof v === 'boolean' || Number.isFinite(v) ? undefined : `must be a string, number or boolean (got ${describe(v)})`;

const enteredValue: Check = (v) => {
  if (!isPlainObject(v)) return `must be a candidate id or {value, note} (got ${describe(v)})`;
  for (const name of Object.keys(v)) {
    if (name !== 'value' && name !== 'note') return `has an unknown key ${describe(name)}`;
  }
  const problem = v.value === null ? undefined : typeof v.value === 'string' ? longText(v.value) : scalar(v.value);
  if (problem) return `value ${problem}`;
  const note = requiredText(v.note);
  return note ? `note ${note}` : undefined;
};
const chosen: Check = (v) => (typeof v === 'string' ? key(v) : enteredValue(v));

/** Key `name`, whose value is `value`, must be set and pass `check`. */
function required(name: string, value: unknown, check: Check): Rejection | undefined {
  if (value === undefined) return new Rejection(name, 'is missing');
  const problem = check(value);
  return problem ? new Rejection(name, problem) : undefined;
}

/** Key `name` may be left out (or undefined); when set, its value must pass `check`. */
function optional(name: string, value: unknown, check: Check): Rejection | undefined {
  return value === undefined ? undefined : required(name, value, check);
}

/**
 * The keys every entry starts with, checked in canonical order, so the first
 * bad key is the one named. `ownId` says the id is `${device}:${seq}`; then a
 * valid id proves the device id valid too (an entry id holds one ':', after its
 * device id), which saves a second look at each of its characters.
 */
function checkHeader(e: Fields, ownId: boolean): Rejection | undefined {
  return (
    required('id', e.id, entryId) ??
    required('kind', e.kind, kindName) ??
    required('user', e.user, key) ??
    (ownId ? undefined : required('device', e.device, deviceId)) ??
    required('at', e.at, time) ??
    required('seq', e.seq, sequence)
  );
}

/** One kind's own keys: `check` them in canonical order, then `copy` them after the header. */
interface Body {
  readonly check: (e: Fields) => Rejection | undefined;
  /** Copies the keys (optional ones only when set) in canonical order. */
  readonly copy: (e: Fields, out: Fields) => void;
}

const BODY: { readonly [K in Kind]: Body } = {
  line: {
    check: (e) =>
      required('item', e.item, key) ??
      required('qty', e.qty, receivedQty) ??
      optional('lot', e.lot, key) ??
      optional('note', e.note, longText),
    copy: (e, out) => {
      out.item = e.item;
      out.qty = e.qty;
      if (e.lot !== undefined) out.lot = e.lot;
      if (e.note !== undefined) out.note = e.note;
    },
  },
  reversal: {
    check: (e) => required('reverses', e.reverses, entryId) ?? required('reason', e.reason, reason),
    copy: (e, out) => {
      out.reverses = e.reverses;
      out.reason = e.reason;
    },
  },
  count: {
    check: (e) =>
      required('bin', e.bin, key) ??
      required('item', e.item, key) ??
      required('qty', e.qty, countedQty) ??
      optional('answers', e.answers, entryId),
    copy: (e, out) => {
      out.bin = e.bin;
      out.item = e.item;
      out.qty = e.qty;
      if (e.answers !== undefined) out.answers = e.answers;
    },
  },
  recountRequest: {
    check: (e) => required('bin', e.bin, key) ?? required('item', e.item, key) ?? required('reason', e.reason, reason),
    copy: (e, out) => {
      out.bin = e.bin;
      out.item = e.item;
      out.reason = e.reason;
    },
  },
  comment: {
    check: (e) => required('text', e.text, requiredText),
    copy: (e, out) => {
      out.text = e.text;
    },
  },
  photo: {
    check: (e) =>
      required('photoId', e.photoId, key) ??
      optional('thumbId', e.thumbId, key) ??
      optional('bytes', e.bytes, photoBytes) ??
      optional('width', e.width, photoSide) ??
      optional('height', e.height, photoSide) ??
      optional('caption', e.caption, longText) ??
      optional('line', e.line, entryId) ??
      optional('bin', e.bin, key),
    copy: (e, out) => {
      out.photoId = e.photoId;
      if (e.thumbId !== undefined) out.thumbId = e.thumbId;
      if (e.bytes !== undefined) out.bytes = e.bytes;
      if (e.width !== undefined) out.width = e.width;
      if (e.height !== undefined) out.height = e.height;
      if (e.caption !== undefined) out.caption = e.caption;
      if (e.line !== undefined) out.line = e.line;
      if (e.bin !== undefined) out.bin = e.bin;
    },
  },
  fieldEdit: {
    check: (e) =>
      required('field', e.field, fieldName) ??
      required('from', e.from, longTextOrNull) ??
      required('to', e.to, longText) ??
      required('base', e.base, entryIdOrNull),
    copy: (e, out) => {
      out.field = e.field;
      out.from = e.from;
      out.to = e.to;
      out.base = e.base;
    },
  },
  proposal: {
    check: (e) =>
      optional('record', e.record, key) ??
      required('field', e.field, proposalField) ??
      required('value', e.value, scalar) ??
      required('baseRevision', e.baseRevision, sequence) ??
      optional('bin', e.bin, key) ??
      optional('item', e.item, key) ??
      optional('note', e.note, longText),
    copy: (e, out) => {
      if (e.record !== undefined) out.record = e.record;
      out.field = e.field;
      out.value = e.value;
      out.baseRevision = e.baseRevision;
      if (e.bin !== undefined) out.bin = e.bin;
      if (e.item !== undefined) out.item = e.item;
      if (e.note !== undefined) out.note = e.note;
    },
  },
  resolution: {
    check: (e) =>
      optional('record', e.record, key) ??
      required('conflictId', e.conflictId, key) ??
      required('chosen', e.chosen, chosen),
    copy: (e, out) => {
      if (e.record !== undefined) out.record = e.record;
      out.conflictId = e.conflictId;
      // An entered value is copied too, so the entry is frozen all the way down.
      out.chosen = isPlainObject(e.chosen) ? Object.freeze({ value: e.chosen.value, note: e.chosen.note }) : e.chosen;
    },
  },
};

/** Rules that span keys, per kind; run after every key passed. */
const REFINE: { readonly [K in Kind]?: (e: Fields) => Rejection | undefined } = {
  reversal: (e) => (e.reverses === e.id ? new Rejection('reverses', 'must name another entry') : undefined),
  proposal: (e) => {
    const needsBinItem = e.field === ProposalField.acceptedCount;
    if (needsBinItem !== (e.bin !== undefined) || needsBinItem !== (e.item !== undefined)) {
      return new Rejection('bin', needsBinItem ? 'and item are required for acceptedCount' : 'and item are only for acceptedCount');
    }
    const problem =
      e.field === ProposalField.status
        ? key(e.value)
        : e.field === ProposalField.hold
          ? typeof e.value === 'boolean' ? undefined : 'must be a boolean for hold'
          : countedQty(e.value);
    return problem ? new Rejection('value', problem) : undefined;
  },
};

/** A key of `input` that `entry` did not take is unknown, unless it is undefined. */
function unknownKey(input: Fields, entry: Fields): Rejection | undefined {
  for (const name of Object.keys(input)) {
    if (!Object.hasOwn(entry, name) && input[name] !== undefined) {
      return new Rejection(name, `is not a key of a ${String(entry.kind)} entry`);
    }
  }
  return undefined;
}

/** True when `id` is `${device}:${seq}`, whatever their types; compared piece by piece, which is cheaper than building that string. */
function isIdOf(id: unknown, device: unknown, seq: unknown): boolean {
  if (typeof id !== 'string' || typeof device !== 'string' || typeof seq !== 'number') return false;
  const colon = device.length;
  return id[colon] === ':' && id.slice(colon + 1) === String(seq) && id.slice(0, colon) === device;
}

/** The id must be `${device}:${seq}` (both passed their checks, so that string is itself a valid id). */
function wrongId(entry: Fields): Rejection {
  return new Rejection('id', `must be ${describe(`${entry.device as string}:${entry.seq as number}`)} (got ${describe(entry.id)})`);
}

/** The checks and the copy of `parseEntry`, returning what is wrong instead of throwing it. */
function parse(input: unknown): Entry | Rejection {
  if (!isPlainObject(input)) return new Rejection('', `must be a plain object (got ${describe(input)})`);
  const ownId = isIdOf(input.id, input.device, input.seq);
  const badHeader = checkHeader(input, ownId);
  if (badHeader) return badHeader;
  const kind = input.kind as Kind;
  const body = BODY[kind];
  const badBody = body.check(input);
  if (badBody) return badBody;
  const entry: Fields = { id: input.id, kind, user: input.user, device: input.device, at: input.at, seq: input.seq };
  body.copy(input, entry);
  return (
    unknownKey(input, entry) ??
    (ownId ? undefined : wrongId(entry)) ??
    REFINE[kind]?.(entry) ??
    (Object.freeze(entry) as unknown as Entry)
  );
}

/**
 * Validates an untrusted value as an entry and returns a frozen copy holding
 * exactly the entry's keys in canonical order. Throws `InvalidEntryError`
 * naming the first bad key: unknown keys, wrong types, out-of-range numbers,
 * an id that is not `${device}:${seq}`, cross-key rules.
 */
export function parseEntry(input: unknown): Entry {
  const result = parse(input);
  if (result instanceof Rejection) throw new InvalidEntryError(result.path, result.problem);
  return result;
}

/** Like `parseEntry`, but returns undefined instead of throwing. */
export function tryParseEntry(input: unknown): Entry | undefined {
  const result = parse(input);
  return result instanceof Rejection ? undefined : result;
}
