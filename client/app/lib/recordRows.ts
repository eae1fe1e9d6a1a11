/**
 * The record list as pure data: the site's index merged with the records this
 * device holds, each with its status, hold, open conflicts and sync state,
 * newest first. The relay writes the index; a record made here whose row has
 * not arrived still shows, titled from its own header (as is every record
 * this device holds, so a header edit shows at once); a record the index
 * names but this device does not hold shows as "not on this device yet".
 */
import { recordTitle, type RecordIndexEntry, type RecordKind } from '../../../shared/model';
import type { RecordView } from './RecordSource';
import { openConflicts, statusOf, syncLabels, type SyncLabel } from './recordState';

/** One row of the record list. */
export interface RecordRow {
  readonly id: string;
  readonly kind: RecordKind;
  readonly title: string;
  readonly createdAt: number;
  readonly createdBy: string;
  /** The device holds this record's document. */
  readonly onDevice: boolean;
  readonly status: string;
  readonly hold: boolean;
  readonly openConflicts: number;
  /** Changes the relay has not acknowledged yet. */
  readonly pending: number;
  /** Most urgent first. */
  readonly labels: readonly SyncLabel[];
}

/** The rows of the record list, newest first. */
export function recordRows(index: readonly RecordIndexEntry[], held: ReadonlyMap<string, RecordView>): RecordRow[] {
  const indexed = new Map<string, RecordIndexEntry>(index.map((r) => [r.id, r]));
  const ids = new Set<string>([...indexed.keys(), ...held.keys()]);
  const rows: RecordRow[] = [];
  for (const id of ids) {
    const view = held.get(id);
    const row = indexed.get(id);
    const kind = view?.meta?.kind ?? row?.kind;
    if (!kind) {
      if (view) rows.push(placeholderRow(id, view));
      continue;
    }
    const review = view?.review ?? null;
    rows.push({
      id,
      kind,
      // A held record's own header is never older than the relay's row for it.
      title: view?.meta ? recordTitle(kind, view.fields) : (row?.title ?? id),
      createdAt: view?.meta?.createdAt ?? row?.createdAt ?? 0,
      createdBy: view?.meta?.createdBy ?? row?.createdBy ?? '',
      onDevice: view !== undefined,
      status: statusOf(kind, review),
      hold: review?.hold ?? false,
      openConflicts: openConflicts(review).length,
      pending: view?.sync.pending ?? 0,
      labels: syncLabels(view?.sync ?? null, review),
    });
  }
  return rows.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
}

/** A held record whose creation has not reached this device yet. */
function placeholderRow(id: string, view: RecordView): RecordRow {
  return {
    id,
    kind: 'receipt',
    title: `${id} (loading)`,
    createdAt: 0,
    createdBy: '',
    onDevice: true,
    status: 'open',
    hold: false,
    openConflicts: 0,
    pending: view.sync.pending,
    labels: syncLabels(view.sync, null),
  };
}
