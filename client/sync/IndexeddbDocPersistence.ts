/**
 * A document's storage in the browser's IndexedDB, built on y-indexeddb.
 *
 * y-indexeddb opens the database (one per document, stores `updates` and
 * `custom`) and loads it. Storing each update, and merging stored updates
 * (mergeStoredUpdates), are done here instead of
 * by y-indexeddb's own listener, for two reasons the crew sees: a local change
 * and its `changeNo` are written in one transaction (so a killed tab can never
 * hold a change it has not counted as pending), and each write is awaited (so
 * "saved on this device" is only claimed once IndexedDB has committed, and a
 * failed write, e.g. quota exceeded, is reported instead of lost in a
 * fire-and-forget promise).
 */
import * as Y from 'yjs';
import { clearDocument, IndexeddbPersistence, PREFERRED_TRIM_SIZE } from 'y-indexeddb';
import type { DocPersistence, DocPersistenceFactory, SyncCounters } from './DocPersistence';

const UPDATES = 'updates';
const CUSTOM = 'custom';
const CHANGE_NO = 'tally:changeNo';
const ACKED_CHANGE_NO = 'tally:ackedChangeNo';
const ACKED_BY = 'tally:ackedBy';
/** The newest stored updates are merged (mergeStoredUpdates) this long after y-indexeddb's trim size more were written. */
const TRIM_DELAY_MS = 1000;

/** IndexedDB storage of one document; see the module comment. */
export class IndexeddbDocPersistence implements DocPersistence {
  /** The underlying y-indexeddb provider (its `name` is the IndexedDB database name). */
  readonly idb: IndexeddbPersistence;
  private readonly ready: Promise<IDBDatabase>;
  private readonly inFlight = new Set<Promise<void>>();
  private writesSinceTrim = 0;
  private trimTimer: ReturnType<typeof setTimeout> | null = null;
  private destroyed = false;

  /** Opens (or creates) the database `dbName` for `doc`. */
  constructor(dbName: string, doc: Y.Doc) {
    this.idb = new IndexeddbPersistence(dbName, doc);
    doc.off('update', this.idb._storeUpdate);
    // Writes wait for y-indexeddb's initial load, which itself stores the document's state first.
    // Chained on the open so a database that cannot open (private mode, policy) rejects
    // instead of leaving `whenSynced` pending forever.
    this.ready = this.idb._db.then(() => this.idb.whenSynced).then(() => {
      if (!this.idb.db) throw new Error('IndexedDB closed before it opened');
      return this.idb.db;
    });
  }

  /** y-indexeddb applies the stored state with itself as the transaction origin. */
  get origin(): unknown {
    return this.idb;
  }

  async load(): Promise<SyncCounters> {
    await this.ready;
    const [changeNo, ackedChangeNo, ackedBy] = await Promise.all([this.idb.get(CHANGE_NO), this.idb.get(ACKED_CHANGE_NO), this.idb.get(ACKED_BY)]);
    return { changeNo: asCount(changeNo), ackedChangeNo: asCount(ackedChangeNo), ackedBy: typeof ackedBy === 'string' ? ackedBy : null };
  }

  storeUpdate(update: Uint8Array, changeNo?: number): Promise<void> {
    return this.write((tx) => {
      tx.objectStore(UPDATES).add(update);
      if (changeNo !== undefined) tx.objectStore(CUSTOM).put(changeNo, CHANGE_NO);
      this.writesSinceTrim += 1;
    }).then(() => this.maybeTrim());
  }

  storeCounters(counters: Partial<SyncCounters>): Promise<void> {
    return this.write((tx) => {
      const custom = tx.objectStore(CUSTOM);
      if (counters.changeNo !== undefined) custom.put(counters.changeNo, CHANGE_NO);
      if (counters.ackedChangeNo !== undefined) custom.put(counters.ackedChangeNo, ACKED_CHANGE_NO);
      if (counters.ackedBy !== undefined) custom.put(counters.ackedBy, ACKED_BY);
    });
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.trimTimer) clearTimeout(this.trimTimer);
    this.trimTimer = null;
    await Promise.allSettled([...this.inFlight]);
    await this.idb.destroy();
  }

  async clear(): Promise<void> {
    await this.destroy();
    // y-indexeddb's own clearData() does not wait for the deletion; a reopen right after must find it gone.
    await clearDocument(this.idb.name);
  }

  /**
   * Runs `fill` in one readwrite transaction over both stores and resolves when
   * it commits. Transactions are created in call order over overlapping scopes,
   * so IndexedDB commits them in that order too.
   */
  private write(fill: (tx: IDBTransaction) => void): Promise<void> {
    if (this.destroyed) return Promise.reject(new Error('persistence destroyed'));
    const run = (db: IDBDatabase) =>
      new Promise<void>((resolve, reject) => {
        // 'strict' asks the browser to flush to disk before reporting completion: survives a reboot.
        const tx = db.transaction([UPDATES, CUSTOM], 'readwrite', { durability: 'strict' });
        tx.oncomplete = () => resolve();
        tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
        fill(tx);
      });
    // Once open, the transaction is created synchronously, keeping call order without relying on promise ticks.
    const db = this.idb.synced ? this.idb.db : null;
    const done = db ? run(db) : this.ready.then(run);
    this.inFlight.add(done);
    const forget = () => this.inFlight.delete(done);
    done.then(forget, forget);
    return done;
  }

  private maybeTrim(): void {
    if (this.writesSinceTrim < PREFERRED_TRIM_SIZE || this.trimTimer || this.destroyed) return;
    this.trimTimer = setTimeout(() => {
      this.trimTimer = null;
      if (this.destroyed) return;
      this.writesSinceTrim = 0;
      let more = false;
      this.write((tx) => mergeStoredUpdates(tx.objectStore(UPDATES), (left) => (more = left))).then(
        // Small updates beyond one merge's budget are merged by the next, a moment later.
        () => {
          if (!more) return;
          this.writesSinceTrim = PREFERRED_TRIM_SIZE;
          this.maybeTrim();
        },
        () => {
          // A failed merge leaves the individual updates in place; the next trim tries again.
        },
      );
    }, TRIM_DELAY_MS);
  }
}

/** The most bytes of stored updates one merge decodes (about 60 ms at 4x on the bench's phone). */
const MERGE_BUDGET_BYTES = 256 * 1024;
/** The most updates one merge takes: Y.mergeUpdates costs about half a millisecond per small update at 4x (2,000 took 440 ms). */
const MERGE_MAX_UPDATES = 100;
/** A stored update at least this large is left as it is: the state a sync brought, or a merged piece. */
const PIECE_BYTES = MERGE_BUDGET_BYTES / 4;

/**
 * Merges small updates stored in `store` into one, within the caller's
 * transaction: from the stored bytes (Y.mergeUpdates), never from the
 * document, whose changes not yet stored (and not yet counted as pending)
 * must not reach the device's storage ahead of their counter. Updates of
 * PIECE_BYTES or more stay as they are, and the smaller ones are merged
 * newest first up to MERGE_BUDGET_BYTES and MERGE_MAX_UPDATES (updates merge
 * in any order), so a merge is one short task however large the document: y-indexeddb's own
 * storeState re-applied every stored update to the document and encoded the
 * whole of it, for the site document of 5,000 records two tasks of 150 to 190
 * ms at 4x, every 500 writes. `done(more)` says whether small updates were
 * left beyond the budget. A document loads from several pieces as from one.
 */
export function mergeStoredUpdates(store: IDBObjectStore, done: (more: boolean) => void = () => undefined): void {
  const keys: IDBValidKey[] = [];
  const updates: Uint8Array[] = [];
  let bytes = 0;
  const finish = (more: boolean): void => {
    if (updates.length >= 2) {
      const merged = Y.mergeUpdates(updates.reverse());
      for (const key of keys) store.delete(key);
      store.add(merged);
    }
    done(more);
  };
  const newestFirst = store.openCursor(null, 'prev');
  newestFirst.onsuccess = () => {
    const cursor = newestFirst.result;
    if (!cursor) return finish(false);
    const update = cursor.value as Uint8Array;
    if (update.byteLength < PIECE_BYTES) {
      if (bytes + update.byteLength > MERGE_BUDGET_BYTES || updates.length === MERGE_MAX_UPDATES) return finish(true);
      keys.push(cursor.primaryKey);
      updates.push(update);
      bytes += update.byteLength;
    }
    cursor.continue();
  };
}

/** Persistence factory for `createSyncClient`: one IndexedDB database per document, named after it. */
export const indexeddbPersistence: DocPersistenceFactory = (docName, doc) => new IndexeddbDocPersistence(docName, doc);

function asCount(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}
