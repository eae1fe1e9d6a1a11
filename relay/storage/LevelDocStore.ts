import type { DocStats, DocStore, StoreHealth } from './DocStore';
import {
  LOG_RANGE,
  afterDocLog,
  assertDocName,
  decodeSeq,
  docLogRange,
  docOfUpdateKey,
  encodeSeq,
  firstSeqKey,
  seqOfUpdateKey,
  updateKey,
} from './docKeys';
import { GroupCommitQueue } from './GroupCommitQueue';
import type { StageTimings } from '../diag/StageTimings';
import { RecoveringLevel, type DocDb, type LevelOp } from './RecoveringLevel';
import { readRange } from './readRange';
import { asPlainBytes, readSnapshotEntries } from './snapshotEntries';
import { silentStorageLog, type StorageLog } from './StorageLog';
import { applyPending, type StoreWrite } from './StoreWrite';

/** Options of `LevelDocStore.open`. */
export interface LevelDocStoreOptions {
  /** Delay before the first retry of a failed write, in ms (default 50); doubles per attempt. */
  retryDelayMs?: number;
  /** Longest delay between retries of a failed write, in ms (default 2000). */
  maxRetryDelayMs?: number;
  /** How long `close()` waits for pending writes before giving up on them, in ms (default 10000). */
  closeTimeoutMs?: number;
  /** Where failures and recoveries are logged (pino-like). */
  log?: StorageLog;
  /** Where batch sizes, waits and write times are recorded (diagnostics on). */
  stages?: StageTimings;
  /** Told of every fsynced batch: how many writes it carried and how long the write took (/metrics). */
  onBatch?: (batch: { writes: number; writeMs: number }) => void;
  /** Lets a worker thread open the database beside this store (`shareWithWorker`: the relay's backups); default false. */
  sharedWithWorkers?: boolean;
}

/** What a thread sharing the database (LevelDocStore.shareWithWorker) is given. */
export interface SharedDocStore {
  /** The database's folder. */
  readonly path: string;
  /** Resolves once no write waits for its fsync (or after a short while): a bulk read goes after the ack path. */
  whenWritesIdle(): Promise<void>;
}

/** What the store knows about one document's log. Seqs of live updates are contiguous. */
interface DocMeta {
  firstSeq: number;
  nextSeq: number;
  updates: number;
  bytes: number;
}

/** How many document names `listDocs` reads per database read. */
const LIST_PAGE = 256;
/** The longest an export waits for the write queue to empty before reading on (a store written nonstop still gets backed up). */
const EXPORT_GIVE_WAY_MS = 50;

/**
 * The relay's document store: one LevelDB holding an update log per document
 * (key layout in docKeys.ts). Appends and compactions share one group-commit
 * queue with fsync; a failing disk holds writes and retries them (see
 * GroupCommitQueue and RecoveringLevel). Opening reads nothing: a document's
 * seqs are looked up when it is first loaded or written, then kept in memory.
 */
export class LevelDocStore implements DocStore {
  private readonly metas = new Map<string, DocMeta>();
  private readonly describing = new Map<string, Promise<DocMeta>>();
  private readonly queue: GroupCommitQueue<LevelOp, StoreWrite<LevelOp>>;
  private readonly closeTimeoutMs: number;
  private readonly sharedWithWorkers: boolean;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly level: RecoveringLevel,
    options: LevelDocStoreOptions,
  ) {
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.sharedWithWorkers = options.sharedWithWorkers ?? false;
    this.queue = new GroupCommitQueue<LevelOp, StoreWrite<LevelOp>>({
      writeBatch: (ops) => this.level.write(ops),
      retryDelayMs: options.retryDelayMs,
      maxRetryDelayMs: options.maxRetryDelayMs,
      log: options.log,
      onBatch:
        options.stages || options.onBatch
          ? (b) => {
              options.onBatch?.(b);
              if (!options.stages) return;
              options.stages.batch(b.writes);
              options.stages.record('store.wait', b.waitedMs);
              options.stages.record('store.write', b.writeMs);
            }
          : undefined,
    });
  }

  /** Opens (creating if needed) the store in directory `path`. */
  static async open(path: string, options: LevelDocStoreOptions = {}): Promise<LevelDocStore> {
    const level = await RecoveringLevel.open(path, options.log ?? silentStorageLog, { shared: options.sharedWithWorkers ?? false });
    return new LevelDocStore(level, options);
  }

  /** Batches written to disk so far (each one fsync). */
  get batchesWritten(): number {
    return this.queue.batchesWritten;
  }

  async load(doc: string): Promise<Uint8Array[]> {
    assertDocName(doc);
    const known = this.metas.get(doc);
    const { entries, pending, firstSeq } = await this.level.read(async (db) => {
      // The snapshot and the pending writes are taken in the same tick, so
      // every accepted write is in one or the other (possibly both: harmless,
      // Yjs updates are idempotent).
      const snapshot = db.snapshot();
      const pending = this.pendingFor(doc);
      try {
        const firstSeq = known?.firstSeq ?? (await readFirstSeq(db, doc, snapshot));
        const entries = await readRange(db.iterator({ ...docLogRange(doc, firstSeq), snapshot }));
        return { entries, pending, firstSeq };
      } finally {
        await snapshot.close();
      }
    });
    // Without a meta nothing of `doc` can have been written meanwhile, so what was read is current.
    if (!known && !this.metas.has(doc)) this.metas.set(doc, metaOf(entries, firstSeq));
    return applyPending(
      entries.map(([, value]) => asPlainBytes(value)),
      pending,
    );
  }

  async loadDurable(doc: string): Promise<Uint8Array[]> {
    assertDocName(doc);
    // LevelDB makes a batch readable only after its fsync succeeded, so a
    // snapshot holds durable writes alone; the seq range is read from the
    // snapshot too (the in-memory meta already counts queued compactions).
    const entries = await this.level.read(async (db) => {
      const snapshot = db.snapshot();
      try {
        const firstSeq = await readFirstSeq(db, doc, snapshot);
        return await readRange(db.iterator({ ...docLogRange(doc, firstSeq), snapshot }));
      } finally {
        await snapshot.close();
      }
    });
    return entries.map(([, value]) => asPlainBytes(value));
  }

  /**
   * Hands every key and value of the store to `onEntry`, in key order, from
   * one snapshot: a consistent copy while writes go on (they are not held up).
   * LevelDB makes a batch readable only once it is fsynced, so the copy holds
   * every change acknowledged before the call and no unfinished write. Awaits
   * `onEntry` (backpressure).
   *
   * The ack path goes first: the snapshot is read in batches
   * (snapshotEntries.ts), and none starts while a write waits for its fsync
   * (at most EXPORT_GIVE_WAY_MS), so an fsync's completion finds the loop free.
   */
  async exportSnapshot(onEntry: (key: string, value: Uint8Array) => Promise<void> | void): Promise<number> {
    return this.level.read((db) => readSnapshotEntries(db, onEntry, { beforeBatch: () => this.whenWritesIdle() }));
  }

  /**
   * Runs `fn` while another thread may open the database by its folder (a
   * backup worker, with classic-level's multithreading): the store does not
   * reopen it (after a failed write) until `fn` has ended.
   */
  shareWithWorker<T>(fn: (shared: SharedDocStore) => Promise<T>): Promise<T> {
    if (!this.sharedWithWorkers) return Promise.reject(new Error('this document store was not opened to be shared with worker threads (sharedWithWorkers)'));
    return this.level.read(() => fn({ path: this.level.path, whenWritesIdle: () => this.whenWritesIdle() }));
  }

  /** Resolves once no write waits for its fsync, or after EXPORT_GIVE_WAY_MS. */
  private async whenWritesIdle(): Promise<void> {
    await this.queue.whenIdle(EXPORT_GIVE_WAY_MS);
  }

  /** Writes raw `entries` as they were exported (a restore into an empty store), in one fsynced batch. */
  async importEntries(entries: ReadonlyArray<readonly [string, Uint8Array]>): Promise<void> {
    await this.level.write(entries.map(([key, value]) => ({ type: 'put' as const, key, value })));
  }

  append(doc: string, update: Uint8Array): Promise<void> {
    return this.enqueue(doc, 'append', update, (meta) => appendOps(doc, meta, update));
  }

  compact(doc: string, state: Uint8Array): Promise<void> {
    return this.enqueue(doc, 'compact', state, (meta) => compactOps(doc, meta, state));
  }

  /** Queues one write of `doc` whose ops are made, in queue order, from the document's meta. */
  private enqueue(doc: string, kind: 'append' | 'compact', data: Uint8Array, ops: (meta: DocMeta) => LevelOp[]): Promise<void> {
    try {
      assertDocName(doc);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.queue.push({ doc, kind, data, prepare: () => this.withMeta(doc, ops) });
  }

  stats(doc: string): DocStats {
    const meta = this.metas.get(doc);
    return meta ? { updates: meta.updates, bytes: meta.bytes } : { updates: 0, bytes: 0 };
  }

  async *listDocs(): AsyncIterable<string> {
    let from: string = LOG_RANGE.gte;
    for (;;) {
      const names = await this.level.read((db) => readDocNames(db, from, LIST_PAGE));
      yield* names;
      const last = names[names.length - 1];
      if (names.length < LIST_PAGE || last === undefined) return;
      from = afterDocLog(last);
    }
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
    this.closing ??= (async () => {
      try {
        await this.queue.close(this.closeTimeoutMs);
      } finally {
        await this.level.close();
      }
    })();
    return this.closing;
  }

  private pendingFor(doc: string): StoreWrite<LevelOp>[] {
    return this.queue.pending().filter((write) => write.doc === doc);
  }

  /** Runs `fn` with `doc`'s meta: synchronously when known, after one lookup otherwise. */
  private withMeta(doc: string, fn: (meta: DocMeta) => LevelOp[]): LevelOp[] | Promise<LevelOp[]> {
    const meta = this.metas.get(doc);
    return meta ? fn(meta) : this.describe(doc).then(fn);
  }

  /** Finds `doc`'s seqs with two point reads (never a scan of its log). */
  private describe(doc: string): Promise<DocMeta> {
    let describing = this.describing.get(doc);
    if (!describing) {
      describing = this.level
        .read((db) => readMeta(db, doc))
        .then((meta) => {
          if (!this.metas.has(doc)) this.metas.set(doc, meta);
          return this.metas.get(doc)!;
        })
        .finally(() => this.describing.delete(doc));
      this.describing.set(doc, describing);
    }
    return describing;
  }
}

function appendOps(doc: string, meta: DocMeta, update: Uint8Array): LevelOp[] {
  const seq = meta.nextSeq++;
  meta.updates++;
  meta.bytes += update.byteLength;
  return [{ type: 'put', key: updateKey(doc, seq), value: update }];
}

/**
 * Replaces every update prepared so far (queue order is call order) with
 * `state`, written at the seq of the last of them, so later appends still
 * sort after it. One batch: a crash leaves either the old log or the new one.
 */
function compactOps(doc: string, meta: DocMeta, state: Uint8Array): LevelOp[] {
  const stateSeq = meta.nextSeq > meta.firstSeq ? meta.nextSeq - 1 : meta.nextSeq++;
  const ops: LevelOp[] = [];
  for (let seq = meta.firstSeq; seq < stateSeq; seq++) ops.push({ type: 'del', key: updateKey(doc, seq) });
  ops.push({ type: 'put', key: updateKey(doc, stateSeq), value: state });
  ops.push({ type: 'put', key: firstSeqKey(doc), value: encodeSeq(stateSeq) });
  meta.firstSeq = stateSeq;
  meta.updates = 1;
  meta.bytes = state.byteLength;
  return ops;
}

type Snapshot = ReturnType<DocDb['snapshot']>;

async function readFirstSeq(db: DocDb, doc: string, snapshot?: Snapshot): Promise<number> {
  const value = await db.get(firstSeqKey(doc), snapshot ? { snapshot } : {});
  return value === undefined ? 0 : decodeSeq(value);
}

async function readMeta(db: DocDb, doc: string): Promise<DocMeta> {
  const firstSeq = await readFirstSeq(db, doc);
  const [lastKey] = await db.keys({ ...docLogRange(doc, firstSeq), reverse: true, limit: 1 }).all();
  const nextSeq = lastKey === undefined ? firstSeq : seqOfUpdateKey(lastKey) + 1;
  // Bytes of what is already on disk are unknown without reading it; they are counted from here on.
  return { firstSeq, nextSeq, updates: nextSeq - firstSeq, bytes: 0 };
}

function metaOf(entries: [string, Uint8Array][], firstSeq: number): DocMeta {
  const first = entries[0];
  const last = entries[entries.length - 1];
  if (!first || !last) return { firstSeq, nextSeq: firstSeq, updates: 0, bytes: 0 };
  let bytes = 0;
  for (const [, value] of entries) bytes += value.byteLength;
  return {
    firstSeq: seqOfUpdateKey(first[0]),
    nextSeq: seqOfUpdateKey(last[0]) + 1,
    updates: entries.length,
    bytes,
  };
}

/** Up to `max` document names from key `from` on, one seek per document. */
async function readDocNames(db: DocDb, from: string, max: number): Promise<string[]> {
  const keys = db.keys({ gte: from, lt: LOG_RANGE.lt });
  try {
    const names: string[] = [];
    while (names.length < max) {
      const key = await keys.next();
      if (key === undefined) break;
      const doc = docOfUpdateKey(key);
      names.push(doc);
      keys.seek(afterDocLog(doc));
    }
    return names;
  } finally {
    await keys.close();
  }
}
