/**
 * Typed reads of a record document: plain snapshots out of the Y types, and
 * one observer for changes. Malformed content (from a client that bypassed
 * the writers) is skipped and counted, never thrown at the UI.
 */
import type * as Y from 'yjs';
import { isDeviceId, isRecordId, isSiteId, type DeviceId, type RecordId, type SiteId } from './ids';
import { RecordFields, RecordKind, recordTypes, type FieldName } from './recordLayout';
import { tryParseEntry } from './parseEntry';
import type { Entry } from './entry';

/** The `meta` map of a record, set once when the record is created. */
export interface RecordMeta {
  readonly kind: RecordKind;
  readonly id: RecordId;
  readonly site: SiteId;
  /** Creation time on the creating device, ms since epoch. */
  readonly createdAt: number;
  /** User id of the creator. */
  readonly createdBy: string;
  /** Device the record was created on. */
  readonly createdDevice: DeviceId;
}

/** Current values of a record's descriptive fields (absent = never set). */
export type RecordFieldValues = Partial<Record<FieldName, string>>;

/** A plain snapshot of a record document. */
export interface RecordSnapshot {
  /** null until the record's creation has reached this document. */
  readonly meta: RecordMeta | null;
  readonly fields: RecordFieldValues;
  /** Valid entries in document order (identical on every converged replica). */
  readonly entries: readonly Entry[];
  /** How many items of the log were malformed and skipped. */
  readonly rejected: number;
}

/** What changed in one transaction, for `observeRecord` listeners. */
export interface RecordChange {
  readonly meta: boolean;
  readonly fields: boolean;
  readonly entries: boolean;
  /** True when the change was made on this replica (not applied from an update). */
  readonly local: boolean;
}

// Raw log items are immutable, so each is parsed once; null marks a malformed one.
const parsed = new WeakMap<object, Entry | null>();

/**
 * Marks `entry`, a parsed entry about to be pushed to a log as it is, as
 * valid: Yjs hands the same object back when the log is read, which then
 * need not be parsed again (on a scan, in the same frame).
 */
export function knownValid(entry: Entry): void {
  parsed.set(entry, entry);
}

function parseCached(raw: unknown): Entry | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  let entry = parsed.get(raw);
  if (entry === undefined) {
    entry = tryParseEntry(raw) ?? null;
    parsed.set(raw, entry);
  }
  return entry ?? undefined;
}

function readEntries(doc: Y.Doc): { entries: Entry[]; rejected: number } {
  const entries: Entry[] = [];
  let rejected = 0;
  for (const raw of recordTypes(doc).entries.toArray()) {
    const entry = parseCached(raw);
    if (entry) entries.push(entry);
    else rejected++;
  }
  return { entries, rejected };
}

/** The valid entries of a record's log, in document order. */
export function entriesOf(doc: Y.Doc): Entry[] {
  return readEntries(doc).entries;
}

/** The record's meta, or null when it is missing or malformed. */
export function readMeta(doc: Y.Doc): RecordMeta | null {
  const meta = recordTypes(doc).meta;
  const kind = meta.get('kind');
  const id = meta.get('id');
  const site = meta.get('site');
  const createdAt = meta.get('createdAt');
  const createdBy = meta.get('createdBy');
  const createdDevice = meta.get('createdDevice');
  if (kind !== RecordKind.receipt && kind !== RecordKind.count) return null;
  if (!isRecordId(id) || !isSiteId(site) || !isDeviceId(createdDevice)) return null;
  if (!Number.isSafeInteger(createdAt) || typeof createdBy !== 'string') return null;
  return { kind, id, site, createdAt: createdAt as number, createdBy, createdDevice };
}

/** Current descriptive field values of the record's kind (string values only). */
export function readFields(doc: Y.Doc): RecordFieldValues {
  const meta = readMeta(doc);
  const fields = recordTypes(doc).fields;
  const out: RecordFieldValues = {};
  if (!meta) return out;
  for (const name of RecordFields[meta.kind]) {
    const value = fields.get(name);
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/** A plain snapshot of the whole record. */
export function readRecord(doc: Y.Doc): RecordSnapshot {
  const { entries, rejected } = readEntries(doc);
  return { meta: readMeta(doc), fields: readFields(doc), entries, rejected };
}

/**
 * Calls `listener` after every transaction that changed the record's meta,
 * fields or entries (once per transaction, however much it changed). Returns
 * the unsubscribe function.
 */
export function observeRecord(doc: Y.Doc, listener: (change: RecordChange) => void): () => void {
  const { meta, fields, entries } = recordTypes(doc);
  const onTransaction = (tr: Y.Transaction): void => {
    const changed: ReadonlyMap<unknown, unknown> = tr.changed;
    const change: RecordChange = {
      meta: changed.has(meta),
      fields: changed.has(fields),
      entries: changed.has(entries),
      local: tr.local,
    };
    if (change.meta || change.fields || change.entries) listener(change);
  };
  doc.on('afterTransaction', onTransaction);
  return () => doc.off('afterTransaction', onTransaction);
}
