/**
 * The one place entries are made: header from the author, validation, push.
 * Used by the named writers; not part of the public API.
 */
import type * as Y from 'yjs';
import type { Author } from './author';
import { entryId } from './ids';
import { parseEntry } from './parseEntry';
import { recordTypes, type RecordKind } from './recordLayout';
import { knownValid, readMeta, type RecordMeta } from './readRecord';
import type { EntryBody, EntryKind, EntryOf } from './entry';

// Far more than any record holds; only a corrupt author could spin this long.
const MAX_SKIPPED_SEQS = 10_000_000;

/**
 * The next sequence number of `author` whose entry id is not yet in `doc`.
 * A device whose stored counter was lost or rolled back would otherwise
 * repeat ids, and a repeated id is one entry to every derivation: a lost line.
 */
function freshSeq(doc: Y.Doc, author: Author): number {
  // The ids as stored, valid entries or not (an id only a malformed entry holds is skipped too: gaps
  // are harmless); read raw, which spares validating every entry of a 500-line receipt per scan.
  const raw = recordTypes(doc).entries.toArray();
  const seq = author.nextSeq();
  // The usual case, a fresh id, is one pass without building a set of every id.
  if (!raw.some((item) => idOf(item) === `${author.device}:${seq}`)) return seq;
  const taken = new Set<string>();
  for (const item of raw) {
    const id = idOf(item);
    if (id !== undefined) taken.add(id);
  }
  for (let i = 0; i < MAX_SKIPPED_SEQS; i++) {
    const next = author.nextSeq();
    if (!taken.has(`${author.device}:${next}`)) return next;
  }
  throw new Error(`device ${author.device}: no unused sequence number found`);
}

function idOf(item: unknown): string | undefined {
  const id = typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Makes a new entry of `kind` with `body`, stamped by `author`, for `doc`,
 * without writing it. Throws `InvalidEntryError` when the result is invalid;
 * the sequence number is spent either way (gaps are harmless, repeats are not).
 */
export function makeEntry<K extends EntryKind>(doc: Y.Doc, author: Author, kind: K, body: EntryBody<K>): EntryOf<K> {
  const seq = freshSeq(doc, author);
  return parseEntry({
    id: entryId(author.device, seq),
    kind,
    user: author.user,
    device: author.device,
    at: author.now(),
    seq,
    ...body,
  }) as EntryOf<K>;
}

/**
 * Makes an entry (see `makeEntry`) and appends it to the record's log in one
 * transaction (or the caller's, when already in one). Nothing is written when
 * the entry is invalid.
 */
export function appendEntry<K extends EntryKind>(doc: Y.Doc, author: Author, kind: K, body: EntryBody<K>): EntryOf<K> {
  const entry = makeEntry(doc, author, kind, body);
  knownValid(entry);
  doc.transact(() => recordTypes(doc).entries.push([entry]));
  return entry;
}

/** The record's meta; throws when the record does not exist yet or is of another kind. */
export function requireRecord(doc: Y.Doc, kind?: RecordKind): RecordMeta {
  const meta = readMeta(doc);
  if (!meta) throw new Error('record not created yet (no meta in this document)');
  if (kind && meta.kind !== kind) throw new Error(`not a ${kind} record: ${meta.id} is a ${meta.kind}`);
  return meta;
}

/** Trims a scanned or typed code; scanners often add whitespace. */
export function trimmed(value: string): string;
export function trimmed(value: string | undefined): string | undefined;
export function trimmed(value: string | undefined): string | undefined {
  return typeof value === 'string' ? value.trim() : value;
}
