import { isDocName } from '../../shared/protocol/docNames';

/**
 * The LevelDB key layout of `LevelDocStore`. Keys are UTF-8 strings in two
 * namespaces:
 *
 * - `d\0<doc>\0<seq>`: one Yjs update of `<doc>`; `<seq>` is 16 lowercase hex
 *   digits, so key order is write order. After a compaction, the first live
 *   key of a document holds the merged state.
 * - `f\0<doc>`: the first live seq of `<doc>`, written by every compaction, so
 *   a load can seek past the tombstones of the updates it replaced.
 *
 * Document names never contain `\0` (see shared/protocol/docNames.ts) and `\0`
 * sorts before every character they may contain, so one document's log is one
 * contiguous range, and documents appear in name order.
 */

const LOG = 'd\x00';
const FIRST = 'f\x00';
const SEP = '\x00';
/** Sorts right after SEP and before every character a document name may contain. */
const AFTER_SEP = '\x01';
const SEQ_DIGITS = 16;

/** The range holding every document's update log, for scanning document names. */
export const LOG_RANGE = { gte: LOG, lt: 'd\x01' } as const;

/** Throws unless `doc` is a valid document name, so it cannot break the key layout. */
export function assertDocName(doc: string): void {
  if (!isDocName(doc)) throw new TypeError(`invalid document name: ${JSON.stringify(doc.slice(0, 60))}`);
}

/** The key of update number `seq` of `doc`. */
export function updateKey(doc: string, seq: number): string {
  return LOG + doc + SEP + seq.toString(16).padStart(SEQ_DIGITS, '0');
}

/** The key range of `doc`'s updates from `fromSeq` on. */
export function docLogRange(doc: string, fromSeq = 0): { gte: string; lt: string } {
  return { gte: updateKey(doc, fromSeq), lt: LOG + doc + AFTER_SEP };
}

/** The first key after every update of `doc`, where the next document's log starts. */
export function afterDocLog(doc: string): string {
  return LOG + doc + AFTER_SEP;
}

/** The document an update key belongs to. */
export function docOfUpdateKey(key: string): string {
  return key.slice(LOG.length, key.length - SEQ_DIGITS - SEP.length);
}

/** The seq of an update key. */
export function seqOfUpdateKey(key: string): number {
  return parseInt(key.slice(key.length - SEQ_DIGITS), 16);
}

/** The key recording the first live seq of `doc`. */
export function firstSeqKey(doc: string): string {
  return FIRST + doc;
}

/** Encodes a seq as the value of a `firstSeqKey`. */
export function encodeSeq(seq: number): Uint8Array {
  return new TextEncoder().encode(seq.toString(16));
}

/** Decodes the value of a `firstSeqKey`. */
export function decodeSeq(value: Uint8Array): number {
  const seq = parseInt(new TextDecoder().decode(value), 16);
  if (!Number.isSafeInteger(seq) || seq < 0) throw new Error('corrupt first-seq record in the document store');
  return seq;
}
