/**
 * The device record store: ONE place for every record this device holds for
 * offline reading, per record its merged Yjs state (one compacted value) and
 * its summary. Records being worked on live in their own y-indexeddb
 * database as well (see Workspace); this store is what a cold start lists
 * from and what an opened record is built from.
 *
 * Every read and write goes through a `ByteStore` (keys to bytes, a batch of
 * puts in one atomic write), so encrypting the records at rest later wraps
 * that one seam. Two byte stores: IndexedDB (one database, one object store)
 * and memory (tests).
 */
import * as Y from 'yjs';
import { HELD_OBJECTS, openHeldDb, readPrefix, SUMMARY_PREFIX, takeHeldPreload } from './heldStoreLayout';
import type { RecordSummary } from '../../../shared/summary/recordSummary';
import { readSummaryValue, readSummaryVector, writeSummaryValue } from './summaryValue';

export { heldRecordsDbName } from './heldStoreLayout';

/** Keys to bytes; the one seam every read and write of the record store passes. */
export interface ByteStore {
  /** The values of `keys`, in order (undefined where absent). */
  get(keys: readonly string[]): Promise<Array<Uint8Array | undefined>>;
  /** Every key and value whose key starts with `prefix`, in key order. */
  getPrefix(prefix: string): Promise<Array<{ key: string; value: Uint8Array }>>;
  /**
   * Writes all `entries` in one atomic write; resolves once written, and once
   * flushed to disk when `durable` (a power cut may lose a write that was not,
   * but never half of one).
   */
  put(entries: ReadonlyArray<{ key: string; value: Uint8Array }>, options: PutOptions): Promise<void>;
  /** How many keys start with `prefix`. */
  count(prefix: string): Promise<number>;
  /** Deletes `keys` in one atomic write. */
  remove(keys: readonly string[]): Promise<void>;
  /** Bytes of every value held, and how many values. */
  usage(): Promise<{ values: number; bytes: number }>;
  /** Releases the storage (the data stays). */
  close(): void;
}

/** Options of a write. */
export interface PutOptions {
  /** Flushed to disk before the write resolves (IndexedDB's 'strict' durability). */
  readonly durable: boolean;
}

/** One held record as stored. */
export interface HeldRecord {
  readonly summary: RecordSummary;
  /** The record's whole Yjs state, merged into one update. */
  readonly state: Uint8Array;
  /** Its state vector, when the caller already has it (read from the state otherwise: a second full decode). */
  readonly vector?: Uint8Array;
}

const STATE = 'state:';
const SUMMARY = SUMMARY_PREFIX;
/**
 * Where versions before summaryValue.ts kept a state's vector (now in the summary's value: asking the
 * relay for what is new reads those few bytes, never the state). Read when a summary has none; removed with its record.
 */
const VECTOR = 'vector:';
/** Written durably to make the relaxed writes before it durable (see `flush`). */
const FLUSHED = 'flushed';
/** From this many keys on, a read takes the whole prefix in one request (see `read`). */
const WHOLE_PREFIX_FROM = 64;
const encoder = new TextEncoder();

/** The device record store; see the module comment. */
export class DeviceRecordStore {
  /**
   * The state vectors of what this store holds, as read with the summaries
   * and written since: a catch-up of 5,000 records asks for every vector,
   * and reading them back (every summary value, parsed) took 300 ms of a
   * phone's main thread at 4x. Only this store writes its byte store.
   */
  private readonly vectors = new Map<string, Uint8Array>();

  constructor(private readonly bytes: ByteStore) {}

  /** Every held record's summary (one read of the summaries only; no state is read). */
  async summaries(): Promise<RecordSummary[]> {
    const rows = await this.bytes.getPrefix(SUMMARY);
    const out: RecordSummary[] = [];
    for (const row of rows) {
      try {
        const { summary, vector } = readSummaryValue(row.value);
        out.push(summary);
        if (vector) this.vectors.set(summary.id, vector);
      } catch {
        // An unreadable summary is rebuilt the next time its record is fetched or opened.
      }
    }
    return out;
  }

  /** The stored state of record `id`, or null when this device holds none. */
  async state(id: string): Promise<Uint8Array | null> {
    const [value] = await this.bytes.get([STATE + id]);
    return value ?? null;
  }

  /**
   * The values of `prefix` + each of `ids`. Many ids are read as the whole
   * prefix in one request: a request per key costs the page ~0.15 ms each on
   * a throttled phone, 150 ms in one go for a shift start of 1,000 records.
   */
  private async read(prefix: string, ids: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    if (ids.length < WHOLE_PREFIX_FROM) return this.bytes.get(ids.map((id) => prefix + id));
    const byKey = new Map((await this.bytes.getPrefix(prefix)).map((row) => [row.key, row.value]));
    return ids.map((id) => byKey.get(prefix + id));
  }

  /** The stored states of `ids`, in one read (absent ids are left out). */
  async states(ids: readonly string[]): Promise<Map<string, Uint8Array>> {
    const values = await this.bytes.get(ids.map((id) => STATE + id));
    const out = new Map<string, Uint8Array>();
    values.forEach((value, i) => {
      if (value) out.set(ids[i] as string, value);
    });
    return out;
  }

  /** The state vector of each of `ids` this device holds (absent ids are left out). */
  async stateVectors(ids: readonly string[]): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    const notKnown = ids.filter((id) => {
      const vector = this.vectors.get(id);
      if (vector) out.set(id, vector);
      return !vector;
    });
    if (notKnown.length === 0) return out;
    const summaries = await this.read(SUMMARY, notKnown);
    const unknown: string[] = [];
    summaries.forEach((value, i) => {
      const id = notKnown[i] as string;
      if (!value) return;
      const vector = readSummaryVector(value);
      if (vector) out.set(id, vector);
      else unknown.push(id);
    });
    if (unknown.length === 0) return out;
    // Stored by an older version of the app: the vector under its own key, or read from the state itself.
    const vectors = await this.read(VECTOR, unknown);
    const fromState: string[] = [];
    vectors.forEach((vector, i) => {
      if (vector) out.set(unknown[i] as string, vector);
      else fromState.push(unknown[i] as string);
    });
    if (fromState.length > 0) for (const [id, state] of await this.states(fromState)) out.set(id, Y.encodeStateVectorFromUpdate(state));
    return out;
  }

  /** Stores `records` (state, and summary with the state's vector, each) in one atomic write. */
  async putMany(records: readonly HeldRecord[], options: PutOptions): Promise<void> {
    if (records.length === 0) return;
    const vectors = records.map((r) => r.vector ?? Y.encodeStateVectorFromUpdate(r.state));
    await this.bytes.put(
      records.flatMap((r, i) => [
        { key: STATE + r.summary.id, value: r.state },
        { key: SUMMARY + r.summary.id, value: writeSummaryValue(r.summary, vectors[i]!) },
      ]),
      options,
    );
    records.forEach((r, i) => this.vectors.set(r.summary.id, vectors[i]!));
  }

  /**
   * Makes every earlier write durable: one small write flushed to disk (both
   * of IndexedDB's engines in Chromium keep one log, so the flush covers the
   * relaxed writes before it).
   */
  async flush(): Promise<void> {
    await this.bytes.put([{ key: FLUSHED, value: encoder.encode(String(Date.now())) }], { durable: true });
  }

  /** Forgets records `ids` (everything held of each) in one atomic write. */
  async removeMany(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    for (const id of ids) this.vectors.delete(id);
    await this.bytes.remove(ids.flatMap((id) => [STATE + id, VECTOR + id, SUMMARY + id]));
  }

  /** How many records are held and the bytes the store holds for them. */
  async usage(): Promise<{ records: number; bytes: number }> {
    const [summaries, { bytes }] = await Promise.all([this.bytes.count(SUMMARY), this.bytes.usage()]);
    return { records: summaries, bytes };
  }

  /** Releases the storage. */
  close(): void {
    this.bytes.close();
  }
}

/** A ByteStore in memory (tests; a device without IndexedDB). Outlives the stores that use it, like a disk. */
export class MemoryByteStore implements ByteStore {
  readonly values = new Map<string, Uint8Array>();

  async get(keys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    return keys.map((k) => this.values.get(k));
  }

  async getPrefix(prefix: string): Promise<Array<{ key: string; value: Uint8Array }>> {
    return [...this.values]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, value]) => ({ key, value }));
  }

  async put(entries: ReadonlyArray<{ key: string; value: Uint8Array }>): Promise<void> {
    for (const { key, value } of entries) this.values.set(key, value);
  }

  async count(prefix: string): Promise<number> {
    let n = 0;
    for (const key of this.values.keys()) if (key.startsWith(prefix)) n++;
    return n;
  }

  async remove(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.values.delete(key);
  }

  async usage(): Promise<{ values: number; bytes: number }> {
    let bytes = 0;
    for (const [key, value] of this.values) bytes += key.length + value.byteLength;
    return { values: this.values.size, bytes };
  }

  close(): void {}
}

const OBJECTS = HELD_OBJECTS;
/** Puts issued in one go before the page gets a turn (see `IndexeddbByteStore.put`). */
const PUT_SLICE_MS = 8;

/** A ByteStore in one IndexedDB database with one object store (keys are strings, values bytes). */
export class IndexeddbByteStore implements ByteStore {
  private readonly db: Promise<IDBDatabase>;
  /** The summaries read at start-up (preload.ts), answered once in place of a read. */
  private preloadedSummaries: Promise<Array<{ key: string; value: unknown }>> | null;

  /** Opens (or creates) the database `name`, or takes over the one the start-up preload opened. */
  constructor(readonly name: string) {
    const preload = takeHeldPreload(name);
    this.db = preload?.db ?? openHeldDb(name);
    this.preloadedSummaries = preload?.summaries ?? null;
  }

  async get(keys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    const db = await this.db;
    return new Promise((resolve, reject) => {
      const tx = db.transaction(OBJECTS, 'readonly');
      const store = tx.objectStore(OBJECTS);
      const out: Array<Uint8Array | undefined> = new Array(keys.length);
      keys.forEach((key, i) => {
        const req = store.get(key);
        req.onsuccess = () => (out[i] = asBytes(req.result));
      });
      tx.oncomplete = () => resolve(out);
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB read aborted'));
    });
  }

  async getPrefix(prefix: string): Promise<Array<{ key: string; value: Uint8Array }>> {
    // The preload read before anything could write: only the first read of the summaries may use it.
    const preloaded = prefix === SUMMARY_PREFIX ? this.preloadedSummaries : null;
    if (prefix === SUMMARY_PREFIX) this.preloadedSummaries = null;
    const rows = (await preloaded?.catch(() => null)) ?? (await readPrefix(await this.db, prefix));
    return rows.map(({ key, value }) => ({ key, value: asBytes(value) ?? new Uint8Array() }));
  }

  async put(entries: ReadonlyArray<{ key: string; value: Uint8Array }>, options: PutOptions): Promise<void> {
    const db = await this.db;
    return new Promise((resolve, reject) => {
      const tx = db.transaction(OBJECTS, 'readwrite', { durability: options.durable ? 'strict' : 'relaxed' });
      const store = tx.objectStore(OBJECTS);
      // A put costs a phone's main thread ~0.2 ms: a batch of hundreds is issued a slice at a time, each
      // next slice from the success of the last put before it (a new task, the same transaction), so
      // the page answers taps in between and the write stays one atomic transaction.
      let next = 0;
      const putSlice = (): void => {
        const until = performance.now() + PUT_SLICE_MS;
        let last: IDBRequest | null = null;
        while (next < entries.length && (last === null || performance.now() < until)) {
          const { key, value } = entries[next++]!;
          last = store.put(compact(value), key);
        }
        if (next < entries.length && last) last.onsuccess = putSlice;
      };
      putSlice();
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB write aborted'));
      tx.onerror = () => undefined;
    });
  }

  async count(prefix: string): Promise<number> {
    const db = await this.db;
    return new Promise((resolve, reject) => {
      const req = db.transaction(OBJECTS, 'readonly').objectStore(OBJECTS).count(IDBKeyRange.bound(prefix, `${prefix}\uffff`));
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('IndexedDB count failed'));
    });
  }

  async remove(keys: readonly string[]): Promise<void> {
    const db = await this.db;
    return new Promise((resolve, reject) => {
      const tx = db.transaction(OBJECTS, 'readwrite', { durability: 'strict' });
      const store = tx.objectStore(OBJECTS);
      for (const key of keys) store.delete(key);
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB delete aborted'));
      tx.onerror = () => undefined;
    });
  }

  async usage(): Promise<{ values: number; bytes: number }> {
    const rows = await this.getPrefix('');
    let bytes = 0;
    for (const row of rows) bytes += row.key.length + row.value.byteLength;
    return { values: rows.length, bytes };
  }

  close(): void {
    void this.db.then((db) => db.close(), () => undefined);
  }
}

/**
 * `bytes` alone in its buffer. IndexedDB stores a view's WHOLE buffer: a
 * fetched record is a view into its 64 KB frame, which would be cloned and
 * stored once per record.
 */
function compact(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

function asBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return undefined;
}
