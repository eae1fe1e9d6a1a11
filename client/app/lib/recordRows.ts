/**
 * The record list as pure data: the site's index merged with the summaries
 * of the records this device holds (never their documents), each with its
 * status, hold, open conflicts and sync state, newest first. The relay writes
 * the index; a record made here whose row has not arrived still shows,
 * titled from its own header (as is every record this device holds, so a
 * header edit shows at once); a record the index names but this device does
 * not hold shows as "not on this device yet".
 */
import { type RecordIndexEntry, type RecordKind } from '../../../shared/model';
import type { RecordSummary } from '../../../shared/summary/recordSummary';
import { statusOf, statusText, SyncLabel } from './recordState';

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
  /** The status in words, undecided while a status conflict is open. */
  readonly statusText: string;
  readonly hold: boolean;
  readonly openConflicts: number;
  /** Changes the relay has not acknowledged yet. */
  readonly pending: number;
  /** Lines (or counted bins) and their total quantity; null when the device does not hold the record. */
  readonly totals: { readonly lines: number; readonly qty: number } | null;
  /** Most urgent first. */
  readonly labels: readonly SyncLabel[];
}

/**
 * The rows of the record list, newest first. `loading` names held records
 * whose document is still being read from the device (no summary yet).
 */
export function recordRows(
  index: readonly RecordIndexEntry[],
  held: ReadonlyMap<string, RecordSummary>,
  loading: ReadonlySet<string> = new Set(),
): RecordRow[] {
  const indexed = new Map<string, RecordIndexEntry>(index.map((r) => [r.id, r]));
  const ids = new Set<string>([...indexed.keys(), ...held.keys(), ...loading]);
  const rows: RecordRow[] = [];
  for (const id of ids) {
    const summary = held.get(id);
    const row = indexed.get(id);
    const kind = summary?.kind ?? row?.kind;
    if (!kind) {
      if (summary || loading.has(id)) rows.push(placeholderRow(id, summary?.pending ?? 0, loading.has(id)));
      continue;
    }
    const onDevice = summary !== undefined;
    rows.push({
      id,
      kind,
      // A held record's own header is never older than the relay's row for it.
      title: summary?.kind ? summary.title : (row?.title ?? id),
      createdAt: summary?.kind ? summary.createdAt : (row?.createdAt ?? 0),
      createdBy: summary?.kind ? summary.createdBy : (row?.createdBy ?? ''),
      onDevice,
      status: summary?.status ?? statusOf(kind, null),
      statusText: summary?.statusText ?? statusText(summary?.status ?? statusOf(kind, null)),
      hold: summary?.hold ?? false,
      openConflicts: summary?.openConflicts ?? 0,
      pending: summary?.pending ?? 0,
      totals: summary ? { lines: summary.lines, qty: summary.qty } : null,
      labels: summaryLabels(summary, loading.has(id)),
    });
  }
  return rows.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
}

/** The sync labels of a held record from its summary (most urgent first). */
function summaryLabels(summary: RecordSummary | undefined, loading: boolean): SyncLabel[] {
  if (!summary) return loading ? [SyncLabel.loading] : [SyncLabel.notOnDevice];
  const labels: SyncLabel[] = [];
  if (summary.openConflicts > 0) labels.push(SyncLabel.conflict);
  if (summary.hold) labels.push(SyncLabel.hold);
  labels.push(summary.pending > 0 ? SyncLabel.deviceOnly : SyncLabel.onRelay);
  return labels;
}

/** A held record whose creation has not reached this device yet. */
function placeholderRow(id: string, pending: number, loading: boolean): RecordRow {
  return {
    id,
    kind: 'receipt',
    title: `${id} (loading)`,
    createdAt: 0,
    createdBy: '',
    onDevice: true,
    status: 'open',
    statusText: statusText('open'),
    hold: false,
    openConflicts: 0,
    pending,
    totals: null,
    labels: [loading ? SyncLabel.loading : pending > 0 ? SyncLabel.deviceOnly : SyncLabel.onRelay],
  };
}
