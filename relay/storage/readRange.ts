/**
 * Reads every entry of a LevelDB iterator in batches that start small.
 *
 * classic-level's `iterator.all()` asks for batches of 1,000 entries, and
 * each batch reserves room for all of them in native memory (64 bytes an
 * entry: 64 KB) that is only given back when V8 collects the iterator's
 * wrapper. V8 does not count that memory, so under a stream of reads
 * (every document a device opens is one, most of them a few entries or none)
 * the relay's RSS grew by tens of MB before a full collection freed it: 64 KB
 * per read, where a read of an empty document needs none. Batches of 16,
 * then four times larger up to 1,000, reserve at most 64 bytes per entry read.
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
