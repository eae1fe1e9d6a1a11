/**
 * The named writes of a record's log. Each appends one immutable entry in one
 * transaction and returns it; each throws (writing nothing) when the record
 * is missing, of the wrong kind, or the entry would be invalid.
 */
import type * as Y from 'yjs';
import type { Author } from './author';
import type { EntryId } from './ids';
import { appendEntry, requireRecord, trimmed } from './appendEntry';
import { RecordKind, recordDocName } from './recordLayout';
import { entriesOf } from './readRecord';
import { currentCounts } from './currentCounts';
import {
  REVERSIBLE_KINDS,
  type CommentEntry,
  type CountEntry,
  type EnteredValue,
  type EntryBody,
  type LineEntry,
  type PhotoEntry,
  type ProposalEntry,
  type RecountRequestEntry,
  type ResolutionEntry,
  type ReversalEntry,
} from './entry';

/** A received line as the operator enters it. */
export interface ReceiveLineInput {
  item: string;
  /** Positive integer. */
  qty: number;
  lot?: string;
  note?: string;
}

/** Records a received line on a goods receipt. */
export function addReceiveLine(doc: Y.Doc, author: Author, input: ReceiveLineInput): LineEntry {
  requireRecord(doc, RecordKind.receipt);
  return appendEntry(doc, author, 'line', {
    item: trimmed(input.item),
    qty: input.qty,
    lot: trimmed(input.lot) || undefined,
    note: input.note || undefined,
  });
}

/**
 * Cancels an earlier entry (a line, count, recount request, comment or photo)
 * with a reason: the correction is a new entry, the original stays in the log.
 * Throws when `target` is not in this document or cannot be reversed.
 */
export function reverseEntry(doc: Y.Doc, author: Author, target: EntryId, reason: string): ReversalEntry {
  requireRecord(doc);
  const entry = entriesOf(doc).find((e) => e.id === target);
  if (!entry) throw new Error(`cannot reverse ${target}: no such entry in this record`);
  if (!REVERSIBLE_KINDS.includes(entry.kind)) throw new Error(`cannot reverse ${target}: a ${entry.kind} entry`);
  return appendEntry(doc, author, 'reversal', { reverses: target, reason });
}

/** A count as the counter enters it. */
export interface CountInput {
  bin: string;
  item: string;
  /** Non-negative integer. */
  qty: number;
}

/**
 * Records a counted quantity on a count sheet. The count names the latest
 * recount request of its (bin, item) in this document, if any (`answers`).
 */
export function addCount(doc: Y.Doc, author: Author, input: CountInput): CountEntry {
  requireRecord(doc, RecordKind.count);
  const bin = trimmed(input.bin);
  const item = trimmed(input.item);
  const pair = currentCounts(entriesOf(doc)).find((p) => p.bin === bin && p.item === item);
  return appendEntry(doc, author, 'count', { bin, item, qty: input.qty, answers: pair?.recountRequest?.id });
}

/** Asks for (bin, item) on a count sheet to be counted again. */
export function requestRecount(doc: Y.Doc, author: Author, input: { bin: string; item: string; reason: string }): RecountRequestEntry {
  requireRecord(doc, RecordKind.count);
  return appendEntry(doc, author, 'recountRequest', {
    bin: trimmed(input.bin),
    item: trimmed(input.item),
    reason: input.reason,
  });
}

/** Adds a comment to any record. */
export function addComment(doc: Y.Doc, author: Author, text: string): CommentEntry {
  requireRecord(doc);
  return appendEntry(doc, author, 'comment', { text });
}

/** A photo as the device attaches it (see PhotoEntry); only `photoId` is required, as in entries made before photos were built. */
export type PhotoInput = Pick<PhotoEntry, 'photoId'> & Partial<Omit<EntryBody<'photo'>, 'photoId'>>;

/**
 * Attaches a photo (stored elsewhere under `photoId`) to any record, or to
 * one of its lines or bins. The device stores the photo's bytes before it
 * calls this, so a record never names a photo its author's device lacks.
 */
export function addPhoto(doc: Y.Doc, author: Author, input: PhotoInput): PhotoEntry {
  requireRecord(doc);
  return appendEntry(doc, author, 'photo', {
    photoId: input.photoId,
    thumbId: input.thumbId,
    bytes: input.bytes,
    width: input.width,
    height: input.height,
    caption: input.caption || undefined,
    line: input.line,
    bin: trimmed(input.bin) || undefined,
  });
}

/** What a device proposes: everything of a proposal entry but the record, which the document names. */
export type ProposalInput = Omit<EntryBody<'proposal'>, 'record'>;

/**
 * Proposes a value for a critical field (status, hold, accepted count). The
 * device never writes the field itself: the relay decides and records the
 * outcome in the review map.
 */
export function proposeChange(doc: Y.Doc, author: Author, input: ProposalInput): ProposalEntry {
  const meta = requireRecord(doc);
  return appendEntry(doc, author, 'proposal', {
    ...input,
    record: recordDocName(meta.id),
    bin: trimmed(input.bin),
    item: trimmed(input.item),
    note: input.note || undefined,
  });
}

/**
 * Records a supervisor's decision on an open conflict of the review map:
 * a candidate's id, or a value entered with a note. The relay applies it.
 */
export function resolveConflict(
  doc: Y.Doc,
  author: Author,
  input: { conflictId: string; chosen: string | EnteredValue },
): ResolutionEntry {
  const meta = requireRecord(doc);
  return appendEntry(doc, author, 'resolution', { ...input, record: recordDocName(meta.id) });
}
