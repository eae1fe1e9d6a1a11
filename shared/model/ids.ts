/**
 * Identifiers of the record model, as branded strings. Each brand has one
 * checker (`isX`) and one converter (`toX`) that throws a clear error, so an
 * unchecked string never reaches a document name or an entry.
 */

/** Stable id of an entry: `<device>:<seq>`, made on the device, never changed after sync. */
export type EntryId = string & { readonly __brand: 'EntryId' };

/** Id of a record (a receipt or a count sheet); its document is `record:<id>`. */
export type RecordId = string & { readonly __brand: 'RecordId' };

/** Id of a site (a building); its document is `site:<site>`. */
export type SiteId = string & { readonly __brand: 'SiteId' };

/** Id of a device, as enrolled. It appears in every entry id the device makes. */
export type DeviceId = string & { readonly __brand: 'DeviceId' };

// No ':' or '/' in the parts, so `record:<id>` and `<device>:<seq>` split unambiguously. Lengths are
// checked before and apart from the patterns: bounded repeats such as {1,64} make a pattern markedly
// slower in V8, and the relay checks the ids of every entry it receives.
const TOKEN_MAX = 64;
const RECORD_ID_MAX = 120;
/** Sequence numbers of up to 15 digits are safe integers; 16 digits may be, more never are. */
const SEQ_MAX_DIGITS = 16;
const ENTRY_ID_MAX = TOKEN_MAX + 1 + SEQ_MAX_DIGITS;
const NOT_TOKEN_CHAR = /[^A-Za-z0-9._-]/;
const ENTRY_ID = /^[A-Za-z0-9._-]+:(?:0|[1-9][0-9]*)$/;

/** 1 to `maxLength` of `A-Z a-z 0-9 . _ -`, never two dots in a row. */
function isToken(value: unknown, maxLength: number): value is string {
  if (typeof value !== 'string' || value.length < 1 || value.length > maxLength) return false;
  return !NOT_TOKEN_CHAR.test(value) && !value.includes('..');
}

/** Digits after the colon of an entry id that passed ENTRY_ID: at most 16, and a safe integer. */
function isSeqOf(entryId: string, colon: number): boolean {
  const digits = entryId.length - colon - 1;
  if (digits < SEQ_MAX_DIGITS) return true;
  return digits === SEQ_MAX_DIGITS && Number.isSafeInteger(Number(entryId.slice(colon + 1)));
}

function fail(what: string, value: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : typeof value;
  throw new Error(`invalid ${what}: ${shown}`);
}

/** True when `value` is a device id: 1-64 of `A-Z a-z 0-9 . _ -` (a UUID fits). */
export function isDeviceId(value: unknown): value is DeviceId {
  return isToken(value, TOKEN_MAX);
}

/** Returns `value` as a DeviceId or throws. */
export function toDeviceId(value: unknown): DeviceId {
  return isDeviceId(value) ? value : fail('device id', value);
}

/** True when `value` is a site id: 1-64 of `A-Z a-z 0-9 . _ -`. */
export function isSiteId(value: unknown): value is SiteId {
  return isToken(value, TOKEN_MAX);
}

/** Returns `value` as a SiteId or throws. */
export function toSiteId(value: unknown): SiteId {
  return isSiteId(value) ? value : fail('site id', value);
}

/** True when `value` is a record id: 1-120 of `A-Z a-z 0-9 . _ -`. */
export function isRecordId(value: unknown): value is RecordId {
  return isToken(value, RECORD_ID_MAX);
}

/** Returns `value` as a RecordId or throws. */
export function toRecordId(value: unknown): RecordId {
  return isRecordId(value) ? value : fail('record id', value);
}

/** True when `value` has the shape `<device>:<seq>`. */
export function isEntryId(value: unknown): value is EntryId {
  if (typeof value !== 'string' || value.length > ENTRY_ID_MAX || !ENTRY_ID.test(value) || value.includes('..')) return false;
  const colon = value.indexOf(':');
  return colon <= TOKEN_MAX && isSeqOf(value, colon);
}

/** Returns `value` as an EntryId or throws. */
export function toEntryId(value: unknown): EntryId {
  return isEntryId(value) ? value : fail('entry id', value);
}

/** The id of the entry `device` makes with sequence number `seq`. */
export function entryId(device: string, seq: number): EntryId {
  return toEntryId(`${device}:${seq}`);
}
