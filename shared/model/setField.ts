/**
 * Edits of descriptive fields: the value goes into the `fields` map (last
 * writer wins) and an audit entry goes into the log, in one transaction, so
 * no edit is ever lost from history.
 */
import type * as Y from 'yjs';
import type { Author } from './author';
import { makeEntry, requireRecord } from './appendEntry';
import { fieldHead } from './fieldConflicts';
import { isFieldOf, recordTypes, type FieldName } from './recordLayout';
import { entriesOf } from './readRecord';
import type { FieldEditEntry } from './entry';
import type { EntryId } from './ids';

/** Where an edit starts: the value the editor saw and the edit (or decision) that set it. */
export interface FieldStart {
  readonly from: string | null;
  readonly base: string | null;
}

/**
 * Sets descriptive field `field` of the record to `value` and appends a
 * `fieldEdit` entry {field, from, to, base} in the same transaction. Returns
 * the audit entry, or null when the field already holds `value` (nothing to
 * record). Throws when the record does not exist, the field does not belong
 * to its kind, or the value is invalid.
 *
 * `start` is what the editor saw (shared/review's `editField` passes the
 * shown value, which a supervisor's decision may have set); without it the
 * edit starts from the fields map.
 */
export function setField(doc: Y.Doc, author: Author, field: FieldName, value: string, start?: FieldStart): FieldEditEntry | null {
  const meta = requireRecord(doc);
  if (!isFieldOf(meta.kind, field)) throw new Error(`a ${meta.kind} record has no field ${JSON.stringify(field)}`);
  const { fields } = recordTypes(doc);
  const current = fields.get(field);
  const from = start ? start.from : typeof current === 'string' ? current : null;
  if (from === value) return null;
  const base = start ? (start.base as EntryId | null) : fieldHead(entriesOf(doc), field, from);
  const edit = makeEntry(doc, author, 'fieldEdit', { field, from, to: value, base });
  doc.transact(() => {
    fields.set(field, value);
    recordTypes(doc).entries.push([edit]);
  });
  return edit;
}
