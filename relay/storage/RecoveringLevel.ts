import { statfs } from 'node:fs/promises';
import { Level } from 'level';
import { describeError, type StorageLog } from './StorageLog';

/** The LevelDB database of the document store: string keys, byte values. */
export type DocDb = Level<string, Uint8Array>;

/** One operation of a LevelDB batch. */
export type LevelOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

/** Free space wanted beyond a batch and LevelDB's memtable before reopening (a new log, a manifest, a table). */
const REOPEN_HEADROOM_BYTES = 64 * 1024;

/**
 * The document store's database in `path`, not opened yet. `shared`: other
 * threads of this process may open it too (a backup worker), each handle
 * asking for that (classic-level's multithreading); an unshared handle is
 * refused while any other is open, as another process always is (LevelDB's
 * lock): two stores keeping their own seqs over one database would clash.
 */
export function docDbAt(path: string, options: { shared: boolean }): DocDb {
  return new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view', multithreading: options.shared } as { keyEncoding: 'utf8'; valueEncoding: 'view' });
}

/** A classic-level method that the `level` typings do not declare. */
interface ClassicLevelExtras {
  getProperty?(property: string): string;
}

/**
 * The LevelDB handle of the document store. Writes are fsynced batches. After
 * a failed write the database is closed and reopened before the next write,
 * once the disk has room: LevelDB may have left a torn record at the end of
 * its log, and records written after it are silently dropped when the log is
 * next replayed (observed: after an ENOSPC, later writes that succeeded with
 * `sync: true` were gone after a reopen). Reopening replays the log, drops
 * only the torn record and starts a fresh log. Reads wait out a reopen.
 */
export class RecoveringLevel {
  private damaged = false;
  private reopening: Promise<void> | null = null;
  private readonly reads = new Set<Promise<unknown>>();
  private memtableBytes = 0;

  private constructor(
    private readonly db: DocDb,
    /** The database's folder. */
    readonly path: string,
    private readonly log: StorageLog,
  ) {}

  /** Opens (creating if needed) the database in directory `path`; `shared` as in `docDbAt`. */
  static async open(path: string, log: StorageLog, options: { shared: boolean }): Promise<RecoveringLevel> {
    const db = docDbAt(path, options);
    await db.open();
    return new RecoveringLevel(db, path, log);
  }

  /** Writes `ops` atomically and fsyncs. Throws on failure; the next call recovers first. */
  async write(ops: LevelOp[]): Promise<void> {
    if (this.damaged) await this.recover(ops);
    try {
      await writeChained(this.db, ops);
    } catch (err) {
      this.damaged = true;
      this.memtableBytes = this.readMemtableBytes();
      throw err;
    }
  }

  /**
   * Runs `fn` against the open database. `fn` starts synchronously unless a
   * reopen is under way, so it can pair a snapshot with in-memory state.
   */
  async read<T>(fn: (db: DocDb) => Promise<T>): Promise<T> {
    while (this.reopening) await this.reopening;
    const running = fn(this.db);
    this.reads.add(running);
    try {
      return await running;
    } finally {
      this.reads.delete(running);
    }
  }

  /** Closes the database (after any reopen under way). */
  async close(): Promise<void> {
    while (this.reopening) await this.reopening;
    await Promise.allSettled([...this.reads]);
    if (this.db.status === 'open') await this.db.close();
  }

  private async recover(ops: LevelOp[]): Promise<void> {
    // Reopening on a full disk would fail half-way and leave nothing to read
    // from, so wait (by failing this attempt) until there is room.
    const needed = batchBytes(ops) + this.memtableBytes + REOPEN_HEADROOM_BYTES;
    const free = await freeBytes(this.path);
    if (free !== null && free < needed) {
      throw Object.assign(new Error(`no space left on device: waiting for about ${needed} free bytes in ${this.path}`), {
        code: 'ENOSPC',
      });
    }
    await this.reopen();
    this.damaged = false;
    this.log.info({ path: this.path }, 'reopened the database after a failed write');
  }

  private async reopen(): Promise<void> {
    let done!: () => void;
    this.reopening = new Promise((resolve) => (done = resolve));
    try {
      await Promise.allSettled([...this.reads]);
      if (this.db.status === 'open') await this.db.close();
      await this.db.open();
    } catch (err) {
      this.log.error({ err: describeError(err), path: this.path }, 'could not reopen the database; will retry');
      throw err;
    } finally {
      this.reopening = null;
      done();
    }
  }

  private readMemtableBytes(): number {
    const extras = this.db as unknown as ClassicLevelExtras;
    try {
      return Number(extras.getProperty?.('leveldb.approximate-memory-usage') ?? 0) || 0;
    } catch {
      return 0;
    }
  }
}

/** One fsynced batch. A chained batch: about five times cheaper per operation than `db.batch(array)` here. */
async function writeChained(db: DocDb, ops: LevelOp[]): Promise<void> {
  const batch = db.batch();
  try {
    for (const op of ops) {
      if (op.type === 'put') batch.put(op.key, op.value);
      else batch.del(op.key);
    }
  } catch (err) {
    await batch.close();
    throw err;
  }
  await batch.write({ sync: true });
}

function batchBytes(ops: LevelOp[]): number {
  let bytes = 0;
  for (const op of ops) bytes += op.key.length + (op.type === 'put' ? op.value.byteLength : 0) + 16;
  return bytes;
}

/** Free bytes this process may write on the filesystem holding `path`, or null if unknown. */
async function freeBytes(path: string): Promise<number | null> {
  try {
    const stats = await statfs(path);
    // root may also write into the blocks reserved for it.
    return (process.getuid?.() === 0 ? stats.bfree : stats.bavail) * stats.bsize;
  } catch {
    return null;
  }
}
