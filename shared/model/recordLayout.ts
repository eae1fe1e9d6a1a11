/**
 * The layout of a record document, defined once. A record (a goods receipt or
 * a count sheet) is one Y.Doc with these top-level types:
 *
 * - `meta`    Y.Map: kind, id, site, createdAt, createdBy, createdDevice (set once)
 * - `fields`  Y.Map: descriptive last-writer-wins fields (every edit is audited in `entries`)
 * - `entries` Y.Array: the append-only log of immutable plain-object entries
 * - `review`  Y.Map: written by the relay alone (status, holds, conflicts)
 *
 * Only the modules in shared/model touch these types; everyone else goes
 * through the named writers and readers.
 */
import * as Y from 'yjs';
import { toDocName, type DocName } from '../protocol/docNames';
import { isRecordId, type RecordId } from './ids';

/** Names of the top-level types of a record document. */
export const RecordRoot = {
  meta: 'meta',
  fields: 'fields',
  entries: 'entries',
  review: 'review',
} as const;

/** A top-level type name of a record document. */
export type RecordRoot = (typeof RecordRoot)[keyof typeof RecordRoot];

/** Top-level types that only the relay writes; an update from a device that touches them is refused. */
export const RELAY_ONLY_ROOTS: readonly RecordRoot[] = Object.freeze([RecordRoot.review]);

/** Top-level types devices may write. Anything else in a device's update is not part of a record. */
export const DEVICE_ROOTS: readonly RecordRoot[] = Object.freeze([
  RecordRoot.meta,
  RecordRoot.fields,
  RecordRoot.entries,
]);

/** The kinds of record. */
export const RecordKind = {
  receipt: 'receipt',
  count: 'count',
} as const;

/** A kind of record. */
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

/** Descriptive (last-writer-wins, audited) fields of each kind of record. */
export const RecordFields = {
  receipt: ['supplier', 'po', 'dock', 'notes'],
  count: ['zone', 'notes'],
} as const satisfies Record<RecordKind, readonly string[]>;

/** A descriptive field of a goods receipt. */
export type ReceiptField = (typeof RecordFields.receipt)[number];
/** A descriptive field of a count sheet. */
export type CountField = (typeof RecordFields.count)[number];
/** Any descriptive field. */
export type FieldName = ReceiptField | CountField;

/** Every descriptive field name, whatever the kind. */
export const FIELD_NAMES: readonly FieldName[] = Object.freeze([
  ...new Set<FieldName>([...RecordFields.receipt, ...RecordFields.count]),
]);

/** True when `name` is a descriptive field of some kind of record. */
export function isFieldName(name: unknown): name is FieldName {
  return typeof name === 'string' && (FIELD_NAMES as readonly string[]).includes(name);
}

/** True when `field` belongs to records of `kind`. */
export function isFieldOf(kind: RecordKind, field: string): field is FieldName {
  return (RecordFields[kind] as readonly string[]).includes(field);
}

/** The name prefix of every record document (the one place it is spelled). */
export const RECORD_PREFIX = 'record:';

/** The document name of a record: `record:<id>`. */
export function recordDocName(recordId: RecordId): DocName {
  return toDocName(RECORD_PREFIX + recordId);
}

/** The record id of a record document name, or undefined when `name` is not one. */
export function recordIdOfDocName(name: string): RecordId | undefined {
  if (!name.startsWith(RECORD_PREFIX)) return undefined;
  const id = name.slice(RECORD_PREFIX.length);
  return isRecordId(id) ? id : undefined;
}

/**
 * The raw top-level types of a record document. For shared/model only: other
 * modules use the writers and readers, which keep the layout's invariants.
 */
export interface RecordTypes {
  meta: Y.Map<unknown>;
  fields: Y.Map<unknown>;
  entries: Y.Array<unknown>;
}

/** Gets (creating on first use) the device-writable types of a record document. */
export function recordTypes(doc: Y.Doc): RecordTypes {
  return {
    meta: doc.getMap(RecordRoot.meta),
    fields: doc.getMap(RecordRoot.fields),
    entries: doc.getArray(RecordRoot.entries),
  };
}
