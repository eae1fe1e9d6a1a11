/**
 * Where the device record store lives in IndexedDB: one database per site,
 * one object store of keys to bytes. Kept free of other imports, so the
 * start-up preload (preload.ts) can open it and read the summaries while the
 * rest of the app's code is still loading.
 */

/** The object store holding every key of the record store. */
export const HELD_OBJECTS = 'values';
/** Keys of the records' summaries (what a cold start lists). */
export const SUMMARY_PREFIX = 'summary:';

/** The IndexedDB database holding the records of `site` on this device. */
export function heldRecordsDbName(site: string): string {
  return `tally-held-records:${site}`;
}

/** Opens (or creates) the record store's database `name`. */
export function openHeldDb(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(name, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(HELD_OBJECTS);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error ?? new Error(`cannot open IndexedDB ${name}`));
  });
}

/** Every key and value of `db` whose key starts with `prefix`, in key order, in one read. */
export function readPrefix(db: IDBDatabase, prefix: string): Promise<Array<{ key: string; value: unknown }>> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(HELD_OBJECTS, 'readonly');
    const store = tx.objectStore(HELD_OBJECTS);
    const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
    const keysReq = store.getAllKeys(range);
    const valuesReq = store.getAll(range);
    tx.oncomplete = () => {
      const keys = keysReq.result as string[];
      const values = valuesReq.result as unknown[];
      resolve(keys.map((key, i) => ({ key, value: values[i] })));
    };
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB read aborted'));
  });
}

/** The record store's database and its summaries, read early at start-up (see preload.ts). */
export interface HeldPreload {
  readonly name: string;
  readonly db: Promise<IDBDatabase>;
  readonly summaries: Promise<Array<{ key: string; value: unknown }>>;
}

const PRELOAD = Symbol.for('tally.heldPreload');

/** Starts opening the store of `site` and reading its summaries; the app takes them over once it runs. */
export function startHeldPreload(site: string): void {
  const name = heldRecordsDbName(site);
  const db = openHeldDb(name).then((d) => {
    performance.mark('tally:held-db-open');
    return d;
  });
  const summaries = db.then((d) => readPrefix(d, SUMMARY_PREFIX)).then((rows) => {
    performance.mark('tally:held-preloaded');
    return rows;
  });
  // Unclaimed failures are the app's to report when it reads again; none is left unhandled here.
  db.catch(() => undefined);
  summaries.catch(() => undefined);
  (globalThis as Record<symbol, HeldPreload>)[PRELOAD] = { name, db, summaries };
}

/** The preload of database `name`, handed over once (null if none was started for it). */
export function takeHeldPreload(name: string): HeldPreload | null {
  const slot = globalThis as Record<symbol, HeldPreload | undefined>;
  const preload = slot[PRELOAD];
  if (!preload || preload.name !== name) return null;
  slot[PRELOAD] = undefined;
  return preload;
}
