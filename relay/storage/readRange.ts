/**
 * Reads every entry of a LevelDB iterator in batches that start small.
 *
 * classic-level's `iterator.all()` asks for batches of 1,000 entries, and
 * each batch reserves native room for all of them (64 bytes an entry: 64 KB)
 * that is only given back when V8 collects the iterator's wrapper. V8 does
 * not count that memory, so a stream of reads (every document a device opens
 * is one, most of them a few entries or none) holds 64 KB each until a full
 * collection: 20,000 small reads grew a process by 55 to 74 MB. Batches of
 * 16, then four times larger up to 1,000, reserve 1 KB for an empty range
 * and at most four times what the entries read need. A batch also ends at
 * 16 KB of data (classic-level's highWaterMarkBytes), so larger ranges take
 * hardly more reads than with `all()`.
 */
/** The first batch; later batches grow by GROWTH up to LAST_BATCH. */
const FIRST_BATCH = 16;
const GROWTH = 4;
/** What `all()` asks for, per batch. */
const LAST_BATCH = 1_000;

/** What readRange needs of an iterator (entries, keys or values). */
export interface BatchedIterator<T> {
  nextv(size: number): Promise<T[]>;
  close(): Promise<void>;
}

/** Every entry of `iterator` (in its order), then closes it, also on failure. */
export async function readRange<T>(iterator: BatchedIterator<T>): Promise<T[]> {
  const out: T[] = [];
  try {
    for (let size = FIRST_BATCH; ; size = Math.min(size * GROWTH, LAST_BATCH)) {
      const batch = await iterator.nextv(size);
      if (batch.length === 0) return out;
      for (const item of batch) out.push(item);
    }
  } finally {
    await iterator.close();
  }
}
