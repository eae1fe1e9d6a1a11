/**
 * Every key and value of the document store, read from one LevelDB snapshot:
 * what a backup archives. Shared by the store's own export (on the thread
 * that holds it) and the backup worker (its own handle on the same database).
 */
import type { DocDb } from './RecoveringLevel';

/**
 * Bytes per read. classic-level's default (16 KiB) meant one thread-pool
 * round trip per two records of a backup; in 256 KiB batches reading a
 * snapshot took half the CPU (README, Benchmark: backup).
 */
const BATCH_BYTES = 256 * 1024;
/** Records per read at most (small records: the bytes bound comes first for large ones). */
const BATCH_ENTRIES = 1000;

/** Options of `readSnapshotEntries`. */
export interface SnapshotEntriesOptions {
  /** Awaited before each batch is read (the ack path's turn: see LevelDocStore.exportSnapshot). */
  beforeBatch?: () => Promise<unknown>;
}

/**
 * Hands every entry of `db` to `onEntry`, in key order, from a snapshot taken
 * now; resolves with how many there were. Read without filling LevelDB's
 * block cache, which would otherwise hold only the tail of the export.
 */
export async function readSnapshotEntries(
  db: DocDb,
  onEntry: (key: string, value: Uint8Array) => Promise<void> | void,
  options: SnapshotEntriesOptions = {},
): Promise<number> {
  const snapshot = db.snapshot();
  const entries = db.iterator({ snapshot, fillCache: false, highWaterMarkBytes: BATCH_BYTES });
  let count = 0;
  try {
    for (;;) {
      await options.beforeBatch?.();
      const batch = await entries.nextv(BATCH_ENTRIES);
      if (batch.length === 0) return count;
      for (const [key, value] of batch) {
        count += 1;
        await onEntry(key, asPlainBytes(value));
      }
    }
  } finally {
    await entries.close();
    await snapshot.close();
  }
}

/** classic-level hands out Buffers; callers get plain Uint8Arrays over the same memory. */
export function asPlainBytes(value: Uint8Array): Uint8Array {
  return value.constructor === Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}
