/**
 * A record in a few fields: what the record list, its search, filters and
 * badges need, small enough to keep for every record a device holds and to
 * read back in one go at a cold start. A pure function of a record's
 * snapshot (or Y.Doc), its review map and its sync state, so listing never
 * builds a Y.Doc: summaries are made when a record changes and stored.
 */
import type * as Y from 'yjs';
import { parseJsonObject } from '../jsonObject';
import {
  currentCounts,
  liveLines,
  readRecord,
  recordTitle,
  RecordRoot,
  type EntryOf,
  type RecordKind,
  type RecordSnapshot,
} from '../model';
import { readReviewState, shownFields, type Conflict, type Outcome, type ReviewState } from '../review';
import { openConflicts, statusOf, statusShown } from '../review/recordStatus';

/** A proposal made in a record and what the relay made of it (see proposals.ts). */
export interface SummaryProposal {
  readonly proposal: EntryOf<'proposal'>;
  readonly outcome: Outcome | null;
  readonly conflict: Conflict | null;
}

/** One record in a few fields; plain data (stored as JSON). */
export interface RecordSummary {
  readonly id: string;
  /** null while the record's creation has not reached this device. */
  readonly kind: RecordKind | null;
  readonly title: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly status: string;
  /** The status in words; "Undecided: received or rejected" while a status conflict is open (absent in summaries stored before it existed). */
  readonly statusText?: string;
  readonly hold: boolean;
  readonly openConflicts: number;
  /** Changes the relay has not acknowledged (0 for a record only held for reading). */
  readonly pending: number;
  /** Live receive lines of a receipt, or counted bin/item pairs of a count sheet. */
  readonly lines: number;
  /** Their total quantity (agreed counts only, for a count sheet). */
  readonly qty: number;
  /** The newest entry's time (device clock), or the creation time; 0 when unknown. */
  readonly lastChangeAt: number;
  /** Every status/hold/count proposal in the record with its outcome, for "My proposals". */
  readonly proposals: readonly SummaryProposal[];
  /**
   * The distinct goods of its live lines (item and lot) or counts (item and bin), at most
   * MAX_GOODS, so the list can flag a record with a lot on quality hold (absent in summaries
   * stored before it existed: such a record is flagged once it is summarized again).
   */
  readonly goods?: readonly SummaryGoods[];
}

/** Goods a record names. */
export interface SummaryGoods {
  readonly item: string;
  readonly lot?: string;
  readonly bin?: string;
}

/** A summary stays small: a record naming more goods lists only the first ones. */
export const MAX_GOODS = 200;

/** What a summary is made from. */
export interface SummaryInput {
  readonly id: string;
  readonly record: RecordSnapshot;
  readonly review: ReviewState | null;
  /** The document's sync state when it is open; null for a record only held for reading. */
  readonly sync: { readonly pending: number } | null;
}

/** The summary of one record; see the module comment. */
export function recordSummary(input: SummaryInput): RecordSummary {
  const { id, record, review } = input;
  const kind = record.meta?.kind ?? null;
  const totals = kind === 'count' ? countTotals(record) : lineTotals(record);
  let lastChangeAt = record.meta?.createdAt ?? 0;
  for (const entry of record.entries) if (entry.at > lastChangeAt) lastChangeAt = entry.at;
  return {
    id,
    kind,
    title: kind ? recordTitle(kind, shownFields(kind, record, review)) : `${id} (loading)`,
    createdAt: record.meta?.createdAt ?? 0,
    createdBy: record.meta?.createdBy ?? '',
    status: kind ? statusOf(kind, review) : 'open',
    ...(kind && { statusText: statusShown(kind, review).text }),
    hold: review?.hold ?? false,
    openConflicts: openConflicts(review).length,
    pending: input.sync?.pending ?? 0,
    lines: totals.lines,
    qty: totals.qty,
    lastChangeAt,
    proposals: proposalsOf(record, review),
    goods: goodsOf(record, kind),
  };
}

function goodsOf(record: RecordSnapshot, kind: RecordKind | null): SummaryGoods[] {
  const goods = new Map<string, SummaryGoods>();
  const add = (g: SummaryGoods) => {
    if (goods.size < MAX_GOODS) goods.set(`${g.item}\u0000${g.lot ?? ''}\u0000${g.bin ?? ''}`, g);
  };
  if (kind === 'count') for (const c of currentCounts(record.entries)) add({ item: c.item, bin: c.bin });
  else for (const l of liveLines(record.entries)) add(l.lot ? { item: l.item, lot: l.lot } : { item: l.item });
  return [...goods.values()];
}

/** The summary of a record document (a Y.Doc the caller already has). */
export function summarizeDoc(id: string, doc: Y.Doc, sync: SummaryInput['sync']): RecordSummary {
  return recordSummary({ id, record: readRecord(doc), review: readReviewState(doc.getMap(RecordRoot.review)), sync });
}

function lineTotals(record: RecordSnapshot): { lines: number; qty: number } {
  const lines = liveLines(record.entries);
  return { lines: lines.length, qty: lines.reduce((sum, l) => sum + l.qty, 0) };
}

function countTotals(record: RecordSnapshot): { lines: number; qty: number } {
  const counts = currentCounts(record.entries);
  return { lines: counts.length, qty: counts.reduce((sum, c) => sum + (c.qty ?? 0), 0) };
}

function proposalsOf(record: RecordSnapshot, review: ReviewState | null): SummaryProposal[] {
  const out: SummaryProposal[] = [];
  for (const entry of record.entries) {
    if (entry.kind !== 'proposal') continue;
    const outcome = review?.outcomes[entry.id] ?? null;
    const conflict = outcome?.conflictId ? (review?.conflicts[outcome.conflictId] ?? null) : null;
    out.push({ proposal: entry, outcome, conflict });
  }
  return out;
}

/**
 * A summary read back from JSON someone else made (the relay's, in a
 * `summarizedStates` answer): the summary when it is one of record `id` with
 * every field the list reads of the right type, otherwise null (the caller
 * then summarizes the state itself).
 */
export function readSummaryJson(json: string, id: string): RecordSummary | null {
  const s = parseJsonObject(json);
  if (!s) return null;
  const numbers = ['createdAt', 'openConflicts', 'pending', 'lines', 'qty', 'lastChangeAt'];
  const ok =
    s.id === id &&
    (s.kind === null || s.kind === 'receipt' || s.kind === 'count') &&
    typeof s.title === 'string' &&
    typeof s.createdBy === 'string' &&
    typeof s.status === 'string' &&
    (s.statusText === undefined || typeof s.statusText === 'string') &&
    typeof s.hold === 'boolean' &&
    numbers.every((key) => typeof s[key] === 'number' && Number.isFinite(s[key])) &&
    Array.isArray(s.proposals) &&
    (s.goods === undefined || (Array.isArray(s.goods) && s.goods.every((g) => typeof g === 'object' && g !== null && typeof (g as SummaryGoods).item === 'string')));
  return ok ? (s as unknown as RecordSummary) : null;
}
