/**
 * The record list's row of a record, derived from the record document alone
 * (its meta and descriptive fields). The relay writes these rows into the
 * site document; devices show the same title for records they hold before
 * the relay's row reaches them.
 */
import type { RecordKind } from './recordLayout';
import type { RecordFieldValues, RecordMeta } from './readRecord';
import type { RecordIndexEntry } from './siteDocs';

/** Longest title a row carries (the site document refuses longer ones). */
const TITLE_MAX = 200;

/** What the record list shows for a record: its header fields in a line. */
export function recordTitle(kind: RecordKind, fields: Partial<Record<string, string>>): string {
  const parts =
    kind === 'receipt'
      ? [fields.supplier, fields.po && poText(fields.po), fields.dock && `dock ${fields.dock}`]
      : [fields.zone && `zone ${fields.zone}`];
  const title = parts.filter(Boolean).join(', ');
  return (title || (kind === 'receipt' ? 'Goods receipt' : 'Count sheet')).slice(0, TITLE_MAX);
}

/** A PO number as people read it: "PO 4711", and "PO-4711" as typed, never "PO PO-4711". */
function poText(po: string): string {
  return /^P\.?O\b/i.test(po) ? po : `PO ${po}`;
}

/** The site index row a record with this meta and these fields calls for. */
export function recordIndexRow(meta: RecordMeta, fields: RecordFieldValues): RecordIndexEntry {
  return {
    id: meta.id,
    kind: meta.kind,
    title: recordTitle(meta.kind, fields),
    site: meta.site,
    createdAt: meta.createdAt,
    createdBy: meta.createdBy,
  };
}

/** True when the row the site lists (`held`, undefined when none) is not `wanted`, so it must be written. */
export function indexRowNeedsWrite(held: RecordIndexEntry | undefined, wanted: RecordIndexEntry): boolean {
  if (held === undefined) return true;
  return (
    held.id !== wanted.id ||
    held.kind !== wanted.kind ||
    held.title !== wanted.title ||
    held.site !== wanted.site ||
    held.createdAt !== wanted.createdAt ||
    held.createdBy !== wanted.createdBy
  );
}
