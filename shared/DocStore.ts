/**
 * Where the relay keeps documents: an append-only log of Yjs updates per
 * document. Implementations: `LevelDocStore` (relay/storage, the real one) and
 * `MemoryDocStore` (tests). Both run the acceptance suite in
 * tests/storage/docStoreAcceptance.ts.
 */
export interface DocStore {
  /**
   * Reads every stored update of `doc` in write order (after compaction the
   * first one is the merged state). An unknown document yields `[]`.
   */
  load(doc: string): Promise<Uint8Array[]>;

  /**
   * Durably appends one update. Resolves only once the update is on disk
   * (LevelDB `sync: true`); appends that arrive together share one fsync.
   * Writes complete in call order. A failing disk does not reject: the store
   * keeps retrying, reports it through `health()`/`onHealthChange`, and resolves
   * once the write has succeeded.
   */
  append(doc: string, update: Uint8Array): Promise<void>;

  /**
   * Durably replaces every update of `doc` appended before this call with
   * `state` (which must contain them all). Ordered with appends like a write.
   */
  compact(doc: string, state: Uint8Array): Promise<void>;

  /** How many updates and bytes `doc` currently has on disk (for compaction decisions). */
  stats(doc: string): DocStats;

  /** Names of all stored documents, in key order. */
  listDocs(): AsyncIterable<string>;

  /** Current storage health. */
  health(): StoreHealth;

  /** Subscribes to health changes; returns the unsubscribe function. */
  onHealthChange(listener: (health: StoreHealth) => void): () => void;

  /** Resolves when every write accepted so far is durable. */
  flush(): Promise<void>;

  /** Flushes, then releases the store. */
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
  /** Time of the last failed write attempt (ms since epoch). */
  failingSince?: number;
}
