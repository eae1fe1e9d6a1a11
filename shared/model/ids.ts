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

// No ':' or '/' in the parts, so `record:<id>` and `<device>:<seq>` split unambiguously.
const TOKEN = /^[A-Za-z0-9._-]{1,64}$/;
const RECORD_ID = /^[A-Za-z0-9._-]{1,120}$/;
const ENTRY_ID = /^([A-Za-z0-9._-]{1,64}):(0|[1-9][0-9]{0,15})$/;

function isToken(value: unknown, pattern: RegExp): value is string {
  return typeof value === 'string' && pattern.test(value) && !value.includes('..');
}

function fail(what: string, value: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : typeof value;
  throw new Error(`invalid ${what}: ${shown}`);
}

/** True when `value` is a device id: 1-64 of `A-Z a-z 0-9 . _ -` (a UUID fits). */
export function isDeviceId(value: unknown): value is DeviceId {
  return isToken(value, TOKEN);
}

/** Returns `value` as a DeviceId or throws. */
export function toDeviceId(value: unknown): DeviceId {
  return isDeviceId(value) ? value : fail('device id', value);
}

/** True when `value` is a site id: 1-64 of `A-Z a-z 0-9 . _ -`. */
export function isSiteId(value: unknown): value is SiteId {
  return isToken(value, TOKEN);
}

/** Returns `value` as a SiteId or throws. */
export function toSiteId(value: unknown): SiteId {
  return isSiteId(value) ? value : fail('site id', value);
}

/** True when `value` is a record id: 1-120 of `A-Z a-z 0-9 . _ -`. */
export function isRecordId(value: unknown): value is RecordId {
  return isToken(value, RECORD_ID);
}

/** Returns `value` as a RecordId or throws. */
export function toRecordId(value: unknown): RecordId {
  return isRecordId(value) ? value : fail('record id', value);
}

/** True when `value` has the shape `<device>:<seq>`. */
export function isEntryId(value: unknown): value is EntryId {
  return isToken(value, ENTRY_ID) && Number.isSafeInteger(Number(value.slice(value.lastIndexOf(':') + 1)));
}

/** Returns `value` as an EntryId or throws. */
export function toEntryId(value: unknown): EntryId {
  return isEntryId(value) ? value : fail('entry id', value);
}

/** The id of the entry `device` makes with sequence number `seq`. */
export function entryId(device: string, seq: number): EntryId {
  return toEntryId(`${device}:${seq}`);
}
