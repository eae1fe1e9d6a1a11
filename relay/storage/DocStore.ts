/**
 * Where the relay keeps documents: an append-only log of Yjs updates per
 * document. Implementations: `LevelDocStore` (relay/storage, the real one) and
 * `MemoryDocStore` (tests). Both run the acceptance suite in
 * tests/storage/docStoreAcceptance.ts.
 */
export interface DocStore {
  /**
   * Reads every update of `doc` accepted so far, in write order, including
   * writes not yet durable (after compaction the first one is the merged
   * state). An update whose batch completes during the read may appear twice,
   * which Yjs ignores. An unknown document yields `[]`.
   */
  load(doc: string): Promise<Uint8Array[]>;

  /**
   * Reads the updates of `doc` that are on disk, in write order: like `load`
   * without the writes not yet durable, so nothing read can still be lost in
   * a crash (what the relay hands out in bulk). An unknown document yields `[]`.
   */
  loadDurable(doc: string): Promise<Uint8Array[]>;

  /**
   * Durably appends one update. Resolves only once the update is on disk
   * (LevelDB `sync: true`); appends that arrive together share one fsync.
   * Writes complete in call order. A failing disk does not reject: the store
   * keeps retrying, reports it through `health()`/`onHealthChange`, and resolves
   * once the write has succeeded. The store keeps `update` by reference until
   * it is durable: do not mutate it. Rejects only for an invalid document name
   * or when `close()` gave up on the write.
   */
  append(doc: string, update: Uint8Array): Promise<void>;

  /**
   * Durably replaces every update of `doc` appended before this call (durable
   * or not) with `state`, which must contain them all. Ordered with appends
   * like a write, atomic on disk.
   */
  compact(doc: string, state: Uint8Array): Promise<void>;

  /**
   * How many updates and bytes `doc` has in the store, counting accepted
   * writes (for compaction decisions). Only documents loaded or written since
   * the store opened are known; others read as zeros. For a document first
   * touched by a write rather than a load, `bytes` counts only what was
   * written since (until its next compaction).
   */
  stats(doc: string): DocStats;

  /** Names of all documents with a durable update, in name order. */
  listDocs(): AsyncIterable<string>;

  /** Current storage health. */
  health(): StoreHealth;

  /** Subscribes to health changes; returns the unsubscribe function. */
  onHealthChange(listener: (health: StoreHealth) => void): () => void;

  /** Resolves when every write accepted so far is durable (for as long as the disk fails). */
  flush(): Promise<void>;

  /**
   * Refuses new writes, flushes, then releases the store. If pending writes
   * are still not durable after a timeout (a failing disk), rejects them and
   * rejects with an error saying how many were given up and why.
   */
  close(): Promise<void>;
}

/** Per-document storage counters, as known to the store. */
export interface DocStats {
  updates: number;
  bytes: number;
}

/** Storage health as reported to /healthz and to connected clients. */
export interface StoreHealth {
  ok: boolean;
  /** The last write error, if writes are currently failing. */
  lastError?: string;
  /** Writes waiting to reach the disk. */
  pendingWrites: number;
  /** When writes started failing (ms since epoch). */
  failingSince?: number;
}
