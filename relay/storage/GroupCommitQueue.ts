import type { StoreHealth } from './DocStore';
import { describeError, silentStorageLog, type StorageLog } from './StorageLog';

/** One write waiting in a `GroupCommitQueue`. */
export interface QueuedWrite<Op> {
  /**
   * Returns this write's batch operations. Called once, in queue order, when
   * the batch holding the write is formed, so it may allocate sequence
   * numbers; it may be async (a read). A throw counts as a failed attempt of
   * the batch and is retried like a failed write.
   */
  prepare(): Op[] | Promise<Op[]>;
}

/** Options of a `GroupCommitQueue`. */
export interface GroupCommitQueueOptions<Op> {
  /** Writes one batch durably (for LevelDB: `sync: true`), or throws. */
  writeBatch(ops: Op[]): Promise<void>;
  /** Delay before the first retry of a failed batch, in ms (default 50); doubles per attempt. */
  retryDelayMs?: number;
  /** Longest delay between retries, in ms (default 2000). */
  maxRetryDelayMs?: number;
  /** Most writes in one batch (default 4096), so one batch's latency stays bounded. */
  maxBatchWrites?: number;
  /**
   * After a batch of at least this many writes (default 64), the next one
   * waits for the rest of the loop's turn, so the writes of the reads still
   * waiting in it join the batch; after a smaller one it starts at once.
   */
  gatherAfterWrites?: number;
  log?: StorageLog;
  /** Called after each batch is durable: how many writes, how long its oldest waited to be written, how long the write took (ms). */
  onBatch?: (batch: { writes: number; waitedMs: number; writeMs: number }) => void;
}

/** The rejection of writes that `close()` gave up on: they may not be durable. */
export class WritesAbandonedError extends Error {
  override name = 'WritesAbandonedError';
}

interface Entry<Op, W> {
  write: W;
  /** performance.now() when pushed. */
  pushedAt: number;
  ops: Op[] | null;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * A FIFO of writes committed in batches: while one batch is being written,
 * new writes accumulate and go together in the next one, and each write's
 * promise resolves only once its batch is durable. Writes complete in push
 * order. A failing batch is retried with backoff forever (later writes wait
 * behind it), reported through `health()` and its listeners, and logged; no
 * write is ever rejected for an I/O error.
 */
export class GroupCommitQueue<Op, W extends QueuedWrite<Op> = QueuedWrite<Op>> {
  private waiting: Entry<Op, W>[] = [];
  private inFlight: Entry<Op, W>[] = [];
  private last: Promise<void> = Promise.resolve();
  private draining = false;
  private closing = false;
  private abandoned = false;
  private failure: { lastError: string; failingSince: number } | null = null;
  private readonly listeners = new Set<(health: StoreHealth) => void>();
  /** Callers of `whenIdle` waiting for the queue to empty. */
  private readonly idleWaiters = new Set<() => void>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private wakeRetry: (() => void) | null = null;
  private batches = 0;
  private readonly writeBatch: (ops: Op[]) => Promise<void>;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly maxBatchWrites: number;
  private readonly gatherAfterWrites: number;
  private readonly log: StorageLog;
  private readonly onBatch: GroupCommitQueueOptions<Op>['onBatch'];

  constructor(options: GroupCommitQueueOptions<Op>) {
    this.writeBatch = options.writeBatch;
    this.retryDelayMs = options.retryDelayMs ?? 50;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 2000;
    this.maxBatchWrites = options.maxBatchWrites ?? 4096;
    this.gatherAfterWrites = options.gatherAfterWrites ?? 64;
    this.log = options.log ?? silentStorageLog;
    this.onBatch = options.onBatch;
  }

  /** Batches written successfully so far. */
  get batchesWritten(): number {
    return this.batches;
  }

  /** Queues `write`; resolves once the batch holding it is durable. Rejects only after `close()`. */
  push(write: W): Promise<void> {
    if (this.closing) return Promise.reject(new Error('the document store is closed'));
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ write, pushedAt: performance.now(), ops: null, resolve, reject }));
    this.last = done;
    if (!this.draining) {
      this.draining = true;
      // Started after the loop's poll phase, so the writes of every read that
      // arrived with this one share the first fsync (each read is its own
      // callback, its microtasks run before the next: a microtask started the
      // fsync with the first read's write alone).
      setImmediate(() => void this.drain());
    }
    return done;
  }

  /** The writes not yet durable, oldest first. */
  pending(): W[] {
    return [...this.inFlight, ...this.waiting].map((entry) => entry.write);
  }

  /** Resolves when every write pushed so far is durable. */
  flush(): Promise<void> {
    return this.pendingCount() === 0 ? Promise.resolve() : this.last;
  }

  /**
   * Resolves true once no write is waiting or being written (at once when
   * none is), or false after `maxWaitMs` of a queue that never emptied. For
   * bulk readers (a backup) that give way to writes: an fsync in flight is a
   * change whose ack is due.
   */
  whenIdle(maxWaitMs: number): Promise<boolean> {
    if (this.pendingCount() === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean): void => {
        clearTimeout(timer);
        this.idleWaiters.delete(wake);
        resolve(idle);
      };
      const wake = (): void => done(true);
      const timer = setTimeout(() => done(false), maxWaitMs);
      this.idleWaiters.add(wake);
    });
  }

  /** Current health: failing while a batch keeps failing. */
  health(): StoreHealth {
    const pendingWrites = this.pendingCount();
    return this.failure ? { ok: false, pendingWrites, ...this.failure } : { ok: true, pendingWrites };
  }

  /** Calls `listener` when writes start failing, fail differently, or recover. Returns the unsubscribe function. */
  onHealthChange(listener: (health: StoreHealth) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Refuses new writes and waits up to `timeoutMs` for the queued ones. If
   * they are still not durable then (a failing disk), rejects them with a
   * `WritesAbandonedError`, stops retrying and throws that error.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    if (this.pendingCount() === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.last.then(() => 'drained' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'drained') return;
    const reason = this.failure ? `: ${this.failure.lastError}` : '';
    const err = new WritesAbandonedError(
      `closed after waiting ${timeoutMs} ms with ${this.pendingCount()} writes not yet durable${reason}`,
    );
    this.log.error({ err: err.message }, 'document store closed with writes that never reached the disk');
    this.abandon(err);
    throw err;
  }

  private pendingCount(): number {
    return this.inFlight.length + this.waiting.length;
  }

  private async drain(): Promise<void> {
    let lastBatch = 0;
    while (this.waiting.length > 0 && !this.abandoned) {
      // A quiet store starts the next fsync as soon as the last one ends: it
      // runs beside whatever the loop does next. A busy one (the last batch was
      // large) lets the loop's turn finish first, so the changes of the reads
      // still waiting in it share the fsync: at full load the relay's one
      // thread, not the disk, runs out, and every batch costs it a LevelDB
      // write, its callbacks and the resolutions of its writes.
      if (lastBatch >= this.gatherAfterWrites) await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.abandoned) break;
      this.inFlight = this.waiting.splice(0, this.maxBatchWrites);
      lastBatch = this.inFlight.length;
      await this.commit(this.inFlight);
    }
    this.draining = false;
    if (this.pendingCount() === 0) for (const wake of [...this.idleWaiters]) wake();
  }

  /** Writes `batch` until it succeeds or the queue is abandoned. */
  private async commit(batch: Entry<Op, W>[]): Promise<void> {
    let delay = this.retryDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const started = performance.now();
        await this.writeBatch(await prepareAll(batch));
        if (this.abandoned) return;
        this.onBatch?.({ writes: batch.length, waitedMs: started - batch[0]!.pushedAt, writeMs: performance.now() - started });
        this.batches++;
        // Cleared before resolving, so a caller resuming after its write sees it as no longer pending.
        this.inFlight = [];
        this.markHealthy(attempt);
        for (const entry of batch) entry.resolve();
        return;
      } catch (err) {
        if (this.abandoned) return;
        this.markFailing(err, attempt, delay);
        await this.sleep(delay);
        if (this.abandoned) return;
        delay = Math.min(delay * 2, this.maxRetryDelayMs);
      }
    }
  }

  private markFailing(err: unknown, attempt: number, retryInMs: number): void {
    const lastError = describeError(err);
    const context = { err: lastError, attempt, retryInMs, pendingWrites: this.pendingCount() };
    if (this.failure?.lastError === lastError) {
      this.log.warn(context, 'storage write still failing; writes are held and retried');
      return;
    }
    this.failure = { lastError, failingSince: this.failure?.failingSince ?? Date.now() };
    this.log.error(context, 'storage write failed; writes are held and retried');
    this.emitHealth();
  }

  private markHealthy(attempts: number): void {
    if (!this.failure) return;
    const failedForMs = Date.now() - this.failure.failingSince;
    this.failure = null;
    this.log.info({ attempts, failedForMs }, 'storage writes recovered');
    this.emitHealth();
  }

  private emitHealth(): void {
    const health = this.health();
    for (const listener of [...this.listeners]) {
      try {
        listener(health);
      } catch (err) {
        this.log.error({ err: describeError(err) }, 'storage health listener threw');
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.wakeRetry = null;
        resolve();
      }, ms);
    });
  }

  private abandon(err: Error): void {
    this.abandoned = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.wakeRetry?.();
    this.wakeRetry = null;
    const entries = [...this.inFlight, ...this.waiting];
    this.inFlight = [];
    this.waiting = [];
    for (const entry of entries) entry.reject(err);
    for (const wake of [...this.idleWaiters]) wake();
  }
}

/**
 * The operations of `batch` in order, preparing each write once. Every
 * prepare is started synchronously in queue order (so per-document seqs follow
 * call order) and async ones run concurrently; a failed attempt waits for all
 * of them, so a retry never prepares a write twice.
 */
async function prepareAll<Op, W extends QueuedWrite<Op>>(batch: Entry<Op, W>[]): Promise<Op[]> {
  const waits: Promise<void>[] = [];
  for (const entry of batch) {
    if (entry.ops !== null) continue;
    let prepared: Op[] | Promise<Op[]>;
    try {
      prepared = entry.write.prepare();
    } catch (err) {
      waits.push(Promise.reject(err));
      break;
    }
    if (prepared instanceof Promise) {
      waits.push(prepared.then((ops) => void (entry.ops = ops)));
    } else {
      entry.ops = prepared;
    }
  }
  if (waits.length > 0) {
    const failure = (await Promise.allSettled(waits)).find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  }
  const ops: Op[] = [];
  // A loop, not push(...spread): a compaction can carry hundreds of thousands of deletes.
  for (const entry of batch) for (const op of entry.ops!) ops.push(op);
  return ops;
}
