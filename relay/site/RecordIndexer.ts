/**
 * Keeps one record's row in the site's record index true, for a record
 * document loaded on the relay: the row is derived from the record's meta and
 * descriptive fields (`recordIndexRow`), and written when the record is
 * loaded with its row missing or stale (a record made before the relay wrote
 * rows, or whose row was lost) and whenever its meta or fields change. Only
 * records of the relay's own site are listed. Devices never write rows.
 *
 * The title uses the fields as every screen shows them (shared/review
 * `shownFields`): a supervisor's decision on a field retitles the row,
 * though the record's fields map still holds one side of the conflict.
 */
import * as Y from 'yjs';
import { entriesOf, readFields, readMeta } from '../../shared/model/readRecord';
import { RecordRoot } from '../../shared/model/recordLayout';
import { indexRowNeedsWrite, recordIndexRow } from '../../shared/model/recordIndexRow';
import { indexRecord, lookupRecord, type RecordIndexEntry } from '../../shared/model/siteDocs';
import { readReviewState } from '../../shared/review/reviewMap';
import { shownFields } from '../../shared/review/shownField';
import type { AcceptedChange } from '../sync/applyJudged';
import type { SiteDocWriter } from './SiteDocWriter';

/** Follows one record document; see the module comment. */
export class RecordIndexer {
  private readonly meta: Y.Map<unknown>;
  private readonly fields: Y.Map<unknown>;
  private readonly review: Y.Map<unknown>;
  /** The row last handed to the writer, so unrelated field edits (notes) cost no site write. */
  private lastRow: RecordIndexEntry | undefined;

  constructor(
    private readonly doc: Y.Doc,
    private readonly writer: SiteDocWriter,
  ) {
    this.meta = doc.getMap(RecordRoot.meta);
    this.fields = doc.getMap(RecordRoot.fields);
    this.review = doc.getMap(RecordRoot.review);
    this.index();
  }

  /** Re-indexes after an accepted change; `reviewed`: the reviewer wrote the review map after it. */
  accepted(change: AcceptedChange, reviewed: boolean): void {
    const decided = (reviewed || change.changed.has(this.review)) && this.hasFieldConflicts();
    if (change.changed.has(this.meta) || change.changed.has(this.fields) || decided) this.index();
  }

  /** True when the review map holds a conflict about a descriptive field (open or settled). */
  private hasFieldConflicts(): boolean {
    const conflicts = this.review.get('conflicts');
    if (!(conflicts instanceof Y.Map)) return false;
    for (const c of conflicts.values()) if ((c as { field?: unknown } | null)?.field === 'descriptive') return true;
    return false;
  }

  private index(): void {
    const meta = readMeta(this.doc);
    if (!meta || meta.site !== this.writer.site) return;
    const stored = readFields(this.doc);
    // Without a field conflict the shown values are the stored ones: no need to read the log.
    const fields = this.hasFieldConflicts() ? shownFields(meta.kind, { fields: stored, entries: entriesOf(this.doc) }, readReviewState(this.review)) : stored;
    const row = recordIndexRow(meta, fields);
    if (this.lastRow && !indexRowNeedsWrite(this.lastRow, row)) return;
    this.lastRow = row;
    // The site document decides whether its row is current: another relay
    // process, a restore or an old device may have written it.
    this.writer.write('record index', (site) => {
      if (indexRowNeedsWrite(lookupRecord(site, row.id), row)) indexRecord(site, meta, row.title);
    });
  }
}
