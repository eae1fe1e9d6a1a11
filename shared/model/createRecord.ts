/**
 * Creating records: the meta of a new receipt or count sheet and its first
 * field values (each audited like any later edit), in one transaction.
 */
import type * as Y from 'yjs';
import type { Author } from './author';
import { toRecordId, toSiteId } from './ids';
import { RecordKind, RecordFields, recordTypes, type CountField, type FieldName, type ReceiptField } from './recordLayout';
import { readMeta, type RecordMeta } from './readRecord';
import { makeEntry } from './appendEntry';

/** What a new goods receipt starts with. */
export interface NewReceipt extends Partial<Record<ReceiptField, string>> {
  /** A unique record id, made on the device (a UUID is fine). */
  id: string;
  site: string;
}

/** What a new count sheet starts with. */
export interface NewCountSheet extends Partial<Record<CountField, string>> {
  /** A unique record id, made on the device (a UUID is fine). */
  id: string;
  site: string;
}

function createRecord(
  doc: Y.Doc,
  author: Author,
  kind: RecordKind,
  init: { id: string; site: string } & Partial<Record<FieldName, string>>,
): RecordMeta {
  const { meta, fields, entries } = recordTypes(doc);
  if (meta.size > 0) throw new Error(`document already holds a record (${String(meta.get('id'))})`);
  const values: RecordMeta = {
    kind,
    id: toRecordId(init.id),
    site: toSiteId(init.site),
    createdAt: author.now(),
    createdBy: author.user,
    createdDevice: author.device,
  };
  // Every entry is made (and validated) before anything is written: no half-created record.
  const edits = RecordFields[kind]
    .filter((field) => init[field])
    .map((field) => makeEntry(doc, author, 'fieldEdit', { field, from: null, to: init[field] as string, base: null }));
  doc.transact(() => {
    for (const [key, value] of Object.entries(values)) meta.set(key, value);
    for (const edit of edits) fields.set(edit.field, edit.to);
    entries.push(edits);
  });
  const created = readMeta(doc);
  if (!created) throw new Error('record meta did not read back'); // unreachable: values were checked
  return created;
}

/** Creates a goods receipt in the empty document `doc`. Throws when `doc` already holds a record. */
export function createReceipt(doc: Y.Doc, author: Author, init: NewReceipt): RecordMeta {
  return createRecord(doc, author, RecordKind.receipt, init);
}

/** Creates a count sheet in the empty document `doc`. Throws when `doc` already holds a record. */
export function createCountSheet(doc: Y.Doc, author: Author, init: NewCountSheet): RecordMeta {
  return createRecord(doc, author, RecordKind.count, init);
}
