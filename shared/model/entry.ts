/**
 * Entries: the immutable events of a record's append-only log. An entry is
 * never edited or deleted; a correction is a new `reversal` entry naming the
 * entry it cancels. Totals, counts and conflicts are derived from the log.
 */
import type { EntryId } from './ids';
import type { FieldName } from './recordLayout';

/** The kinds of entry, defined once. */
export const EntryKind = {
  /** A received line of a goods receipt: item, quantity (> 0), lot. */
  line: 'line',
  /** Cancels an earlier entry by id (a correction, never an edit). */
  reversal: 'reversal',
  /** A counted quantity (>= 0) of an item in a bin. */
  count: 'count',
  /** Asks for a bin/item to be counted again. */
  recountRequest: 'recountRequest',
  /** Free text. */
  comment: 'comment',
  /** A photo stored elsewhere, referenced by id. */
  photo: 'photo',
  /** The audit trail of one edit of a descriptive field. */
  fieldEdit: 'fieldEdit',
  /** A device's proposal for a critical field that only the relay decides (rule 5). */
  proposal: 'proposal',
  /** A supervisor's resolution of a conflict in the review map. */
  resolution: 'resolution',
} as const;

/** A kind of entry. */
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

/** Every entry kind, in definition order. */
export const ENTRY_KINDS: readonly EntryKind[] = Object.freeze(Object.values(EntryKind));

/** Kinds a reversal may cancel. Reversing a reversal, an audit record or a review entry means nothing. */
export const REVERSIBLE_KINDS: readonly EntryKind[] = Object.freeze([
  EntryKind.line,
  EntryKind.count,
  EntryKind.recountRequest,
  EntryKind.comment,
  EntryKind.photo,
]);

/** Critical fields a device may only propose, never write. */
export const ProposalField = {
  /** A record's status (receipt: open/received/closed; count: open/submitted/accepted/recount). */
  status: 'status',
  /** Quality hold of a record: true = on hold, false = released. */
  hold: 'hold',
  /** The accepted quantity of a disputed (bin, item) count. */
  acceptedCount: 'acceptedCount',
} as const;

/** A critical field. */
export type ProposalField = (typeof ProposalField)[keyof typeof ProposalField];

/** Size limits of entry values (characters, units). */
export const EntryLimits = {
  /** Item codes, bins, lots, users, reasons, field values, photo ids. */
  shortText: 200,
  /** Comments and notes. */
  longText: 4000,
  /** Largest quantity on a line or a count. */
  maxQty: 1_000_000_000,
  /** Largest photo size in bytes an entry may claim (the relay's own limit is lower). */
  maxPhotoBytes: 1_000_000_000,
  /** Largest side of a photo in pixels an entry may claim. */
  maxPhotoSide: 100_000,
} as const;

/** What every entry carries: who made it, where, when, in which order. */
export interface EntryHeader {
  /** `<device>:<seq>`; unique, never changes. */
  readonly id: EntryId;
  /** User id of the author. */
  readonly user: string;
  /** Device id of the author's device. */
  readonly device: string;
  /** The device's clock when the entry was made, ms since epoch (may be skewed). */
  readonly at: number;
  /** Per-device sequence number; `id` is `${device}:${seq}`. */
  readonly seq: number;
}

/** A received line. */
export interface LineEntry extends EntryHeader {
  readonly kind: 'line';
  readonly item: string;
  /** Positive integer. */
  readonly qty: number;
  readonly lot?: string;
  readonly note?: string;
}

/** Cancels the entry `reverses`. Reversing twice cancels once. */
export interface ReversalEntry extends EntryHeader {
  readonly kind: 'reversal';
  readonly reverses: EntryId;
  readonly reason: string;
}

/** A counted quantity. */
export interface CountEntry extends EntryHeader {
  readonly kind: 'count';
  readonly bin: string;
  readonly item: string;
  /** Non-negative integer. */
  readonly qty: number;
  /**
   * The latest recount request of this (bin, item) the counter's device had
   * seen. It proves the count came after that request even when the device
   * clock lags behind the requester's.
   */
  readonly answers?: EntryId;
}

/** Asks for a recount of (bin, item). */
export interface RecountRequestEntry extends EntryHeader {
  readonly kind: 'recountRequest';
  readonly bin: string;
  readonly item: string;
  readonly reason: string;
}

/** A comment. */
export interface CommentEntry extends EntryHeader {
  readonly kind: 'comment';
  readonly text: string;
}

/**
 * A photo taken on a device, stored elsewhere (the relay's `/files/`) under
 * the SHA-256 of its bytes. Entries written before photos were built carry
 * only `photoId` and `caption`: every other key is optional when read.
 */
export interface PhotoEntry extends EntryHeader {
  readonly kind: 'photo';
  /** SHA-256 (lowercase hex) of the compressed photo's bytes. */
  readonly photoId: string;
  /** SHA-256 (lowercase hex) of its thumbnail's bytes. */
  readonly thumbId?: string;
  /** Size of the compressed photo in bytes. */
  readonly bytes?: number;
  /** Pixels of the compressed photo, upright. */
  readonly width?: number;
  readonly height?: number;
  readonly caption?: string;
  /** The receipt line the photo shows ("damage on this line"). */
  readonly line?: EntryId;
  /** The count sheet's bin the photo shows. */
  readonly bin?: string;
}

/** The audit of one descriptive field edit. */
export interface FieldEditEntry extends EntryHeader {
  readonly kind: 'fieldEdit';
  readonly field: FieldName;
  /** The value before the edit; null when the field had never been set. */
  readonly from: string | null;
  readonly to: string;
  /**
   * The fieldEdit entry that set `from` (null for a first edit), or the
   * supervisor's resolution entry when `from` is a decided value (see
   * shared/review/shownField.ts). Two edits with the same base were made
   * without seeing each other: that is what makes a conflict, even when a
   * value repeats (A -> B -> A).
   */
  readonly base: EntryId | null;
}

/**
 * A proposed value for a critical field, decided by the relay. The same shape
 * as shared/review's `ProposalEntry`.
 */
export interface ProposalEntry extends EntryHeader {
  readonly kind: 'proposal';
  /** The record's document name (`record:<id>`); the writers always set it. */
  readonly record?: string;
  readonly field: ProposalField;
  /** status: a status name; hold: boolean; acceptedCount: a non-negative integer. */
  readonly value: string | number | boolean;
  /** The review revision the proposer saw. */
  readonly baseRevision: number;
  /** For acceptedCount only. */
  readonly bin?: string;
  /** For acceptedCount only. */
  readonly item?: string;
  /** The proposer's reason, shown beside the outcome. */
  readonly note?: string;
}

/** A value a supervisor enters instead of choosing a candidate. */
export interface EnteredValue {
  readonly value: string | number | boolean | null;
  /** Required: it is what the auditor reads later. */
  readonly note: string;
}

/**
 * A supervisor's decision on an open conflict of the review map, applied by
 * the relay. The same shape as shared/review's `ResolutionEntry`.
 */
export interface ResolutionEntry extends EntryHeader {
  readonly kind: 'resolution';
  /** When present, the record's document name. */
  readonly record?: string;
  readonly conflictId: string;
  /** The chosen candidate's id, or a value entered with a note. */
  readonly chosen: string | EnteredValue;
}

/** Any entry. */
export type Entry =
  | LineEntry
  | ReversalEntry
  | CountEntry
  | RecountRequestEntry
  | CommentEntry
  | PhotoEntry
  | FieldEditEntry
  | ProposalEntry
  | ResolutionEntry;

/** The entry type of one kind. */
export type EntryOf<K extends EntryKind> = Extract<Entry, { kind: K }>;

/** What a writer supplies for an entry of kind K: everything but the header and the kind. */
export type EntryBody<K extends EntryKind> = Omit<EntryOf<K>, keyof EntryHeader | 'kind'>;

/** True when `entry` is of kind `kind` (a type guard for filters). */
export function isKind<K extends EntryKind>(kind: K): (entry: Entry) => entry is EntryOf<K> {
  return (entry): entry is EntryOf<K> => entry.kind === kind;
}
