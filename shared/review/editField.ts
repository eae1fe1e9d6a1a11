/**
 * Editing a descriptive field from what the screen shows. The shown value may
 * come from a supervisor's decision the fields map does not hold, so the edit
 * names that decision as its base: it is then an ordinary edit made with
 * knowledge of the decision, not a new conflict (see shownField.ts).
 */
import type * as Y from 'yjs';
import type { Author } from '../model/author';
import type { FieldEditEntry } from '../model/entry';
import { entriesOf, readFields } from '../model/readRecord';
import { RecordRoot, type FieldName } from '../model/recordLayout';
import { setField } from '../model/setField';
import { readReviewState } from './reviewMap';
import { shownField } from './shownField';

/**
 * Sets `field` to `value`, starting from its shown value. Returns the audit
 * entry, or null when the field already shows `value`. Throws as `setField` does.
 */
export function editField(doc: Y.Doc, author: Author, field: FieldName, value: string): FieldEditEntry | null {
  const review = readReviewState(doc.getMap(RecordRoot.review));
  const shown = shownField({ field, entries: entriesOf(doc), review, stored: readFields(doc)[field] ?? null });
  return setField(doc, author, field, value, { from: shown.value, base: shown.base });
}
