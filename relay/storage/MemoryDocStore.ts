import type { DocStats, DocStore, StoreHealth } from './DocStore';
import { assertDocName } from './docKeys';
import { GroupCommitQueue } from './GroupCommitQueue';
import type { StorageLog } from './StorageLog';

/** Options of a `MemoryDocStore`. */
export interface MemoryDocStoreOptions {
  /** Delay before the first retry while writes are made to fail, in ms (default 5). */
  retryDelayMs?: number;
  /** Longest delay between those retries, in ms (default 50). */
  maxRetryDelayMs?: number;
  /** How long `close()` waits for pending writes before giving up on them, in ms (default 1000). */
  closeTimeoutMs?: number;
  log?: StorageLog;
}

/**
 * The document store contract in memory, for tests of the relay and other
 * modules. Writes go through the same group-commit queue as `LevelDocStore`
 * (so they resolve in order, in batches), and `failWrites()` makes every
 * batch fail until `restoreWrites()`, to exercise a failing disk.
 */
export class MemoryDocStore implements DocStore {
  private readonly docs = new Map<string, Uint8Array[]>();
  /** What `docs` held as of the last committed batch. */
  private readonly durable = new Map<string, Uint8Array[]>();
  /** Each op makes one write durable (applies it to `durable`). */
  private readonly queue: GroupCommitQueue<() => void>;
  private readonly closeTimeoutMs: number;
  private failure: Error | null = null;
  private closed = false;

  constructor(options: MemoryDocStoreOptions = {}) {
    this.closeTimeoutMs = options.closeTimeoutMs ?? 1000;
    this.queue = new GroupCommitQueue<() => void>({
      writeBatch: async (ops) => {
        if (this.failure) throw this.failure;
        for (const makeDurable of ops) makeDurable();
      },
      retryDelayMs: options.retryDelayMs ?? 5,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 50,
      log: options.log,
    });
  }

  /** Batches "written" so far. */
  get batchesWritten(): number {
    return this.queue.batchesWritten;
  }

  /** Makes every write fail with `error` (e.g. an ENOSPC-like error) until `restoreWrites()`. */
  failWrites(error: Error): void {
    this.failure = error;
  }

  /** Lets writes succeed again; held writes then resolve. */
  restoreWrites(): void {
    this.failure = null;
  }

  async load(doc: string): Promise<Uint8Array[]> {
    assertDocName(doc);
    return [...(this.docs.get(doc) ?? [])];
  }

  async loadDurable(doc: string): Promise<Uint8Array[]> {
    assertDocName(doc);
    return [...(this.durable.get(doc) ?? [])];
  }

  append(doc: string, update: Uint8Array): Promise<void> {
    const add = (docs: Map<string, Uint8Array[]>): void => {
      const log = docs.get(doc);
      if (log) log.push(update);
      else docs.set(doc, [update]);
    };
    return this.write(doc, add);
  }

  compact(doc: string, state: Uint8Array): Promise<void> {
    return this.write(doc, (docs) => docs.set(doc, [state]));
  }

  stats(doc: string): DocStats {
    const log = this.docs.get(doc) ?? [];
    return { updates: log.length, bytes: log.reduce((sum, update) => sum + update.byteLength, 0) };
  }

  async *listDocs(): AsyncIterable<string> {
    yield* [...this.docs.keys()].sort();
  }

  health(): StoreHealth {
    return this.queue.health();
  }

  onHealthChange(listener: (health: StoreHealth) => void): () => void {
    return this.queue.onHealthChange(listener);
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }

  close(): Promise<void> {
    this.closed = true;
    return this.queue.close(this.closeTimeoutMs);
  }

  /**
   * Applies the change at once (so loads see it, as with LevelDocStore), and
   * to what `loadDurable` sees when its batch commits (batches commit in order).
   */
  private write(doc: string, apply: (docs: Map<string, Uint8Array[]>) => void): Promise<void> {
    try {
      assertDocName(doc);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.closed) return Promise.reject(new Error('the document store is closed'));
    apply(this.docs);
    return this.queue.push({ prepare: () => [() => apply(this.durable)] });
  }
}
