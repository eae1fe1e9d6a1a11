/**
 * A device's storage as a file: every IndexedDB database of the app's origin
 * (each object store with its key path, key generator, indexes, keys and
 * values) and every localStorage key, as JSON with binary values in base64.
 * `exportDeviceStorage` reads it from a page of the app's origin;
 * `importDeviceStorage` writes it into a fresh profile at another origin
 * (the relay's port differs from run to run), rewriting the old origin where
 * a localStorage value names it (the session's relay address). Used by
 * tests/fixtures/makeDeviceStorage.ts and tests/e2e/deviceStorageFixture.test.ts.
 */
import type { Page } from 'playwright';

/** One stored value: JSON, with bytes tagged (`{"$bytes": base64}`, `{"$arrayBuffer": base64}`). */
export type DumpValue = null | boolean | number | string | DumpValue[] | { [key: string]: DumpValue };

/** One object store. */
export interface StoreDump {
  name: string;
  keyPath: string | string[] | null;
  autoIncrement: boolean;
  indexes: Array<{ name: string; keyPath: string | string[]; unique: boolean; multiEntry: boolean }>;
  records: Array<{ key: DumpValue; value: DumpValue }>;
}

/** One IndexedDB database. */
export interface DatabaseDump {
  name: string;
  version: number;
  stores: StoreDump[];
}

/** A device's storage. */
export interface DeviceStorageDump {
  /** The origin the storage was read at, e.g. `http://127.0.0.1:41234`. */
  origin: string;
  localStorage: Record<string, string>;
  indexedDB: DatabaseDump[];
}

// The code below runs in the page, so it is kept as plain JavaScript text: a
// function passed to page.evaluate would be compiled by tsx or vitest first,
// which may wrap it in helpers (`__name`) the page does not have.

const EXPORT_JS = `async () => {
  const base64 = (bytes) => {
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  };
  const encode = (value) => {
    if (value instanceof Uint8Array) return { $bytes: base64(value) };
    if (value instanceof ArrayBuffer) return { $arrayBuffer: base64(new Uint8Array(value)) };
    if (ArrayBuffer.isView(value) || value instanceof Date || value instanceof Blob) throw new Error('cannot export a ' + Object.prototype.toString.call(value));
    if (Array.isArray(value)) return value.map(encode);
    if (value !== null && typeof value === 'object') {
      if ('$bytes' in value || '$arrayBuffer' in value) throw new Error('a stored object uses a tag of the dump format');
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
    }
    if (value === undefined) throw new Error('cannot export undefined');
    return value;
  };
  const request = (req) => new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const databases = [];
  for (const info of await indexedDB.databases()) {
    if (!info.name) continue;
    const db = await request(indexedDB.open(info.name));
    const stores = [];
    for (const storeName of Array.from(db.objectStoreNames)) {
      const store = db.transaction(storeName, 'readonly').objectStore(storeName);
      const [keys, values] = await Promise.all([request(store.getAllKeys()), request(store.getAll())]);
      const indexes = Array.from(store.indexNames).map((n) => {
        const index = store.index(n);
        return { name: n, keyPath: index.keyPath, unique: index.unique, multiEntry: index.multiEntry };
      });
      stores.push({ name: storeName, keyPath: store.keyPath, autoIncrement: store.autoIncrement, indexes, records: keys.map((key, i) => ({ key: encode(key), value: encode(values[i]) })) });
    }
    databases.push({ name: db.name, version: db.version, stores });
    db.close();
  }
  databases.sort((a, b) => (a.name < b.name ? -1 : 1));
  const local = {};
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    local[key] = localStorage.getItem(key);
  }
  return { origin: location.origin, localStorage: local, indexedDB: databases };
}`;

const IMPORT_JS = `async ({ databases, local }) => {
  const bytes = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const decode = (value) => {
    if (Array.isArray(value)) return value.map(decode);
    if (value !== null && typeof value === 'object') {
      if (typeof value.$bytes === 'string') return bytes(value.$bytes);
      if (typeof value.$arrayBuffer === 'string') return bytes(value.$arrayBuffer).buffer;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
    }
    return value;
  };
  for (const dump of databases) {
    const open = indexedDB.open(dump.name, dump.version);
    let fresh = false;
    open.onupgradeneeded = () => {
      const db = open.result;
      fresh = db.objectStoreNames.length === 0;
      for (const s of dump.stores) {
        if (db.objectStoreNames.contains(s.name)) continue;
        const store = db.createObjectStore(s.name, { keyPath: s.keyPath, autoIncrement: s.autoIncrement });
        for (const i of s.indexes) store.createIndex(i.name, i.keyPath, { unique: i.unique, multiEntry: i.multiEntry });
      }
    };
    const db = await new Promise((resolve, reject) => {
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    if (!fresh) throw new Error(dump.name + ' already exists on this device');
    const names = dump.stores.map((s) => s.name);
    if (names.length > 0) {
      await new Promise((resolve, reject) => {
        const tx = db.transaction(names, 'readwrite', { durability: 'strict' });
        for (const s of dump.stores) {
          const store = tx.objectStore(s.name);
          for (const r of s.records) {
            if (s.keyPath === null) store.put(decode(r.value), decode(r.key));
            else store.put(decode(r.value));
          }
        }
        tx.oncomplete = () => resolve();
        tx.onabort = () => reject(tx.error);
      });
    }
    db.close();
  }
  for (const [key, value] of Object.entries(local)) localStorage.setItem(key, value);
}`;

/** Reads the storage of `page`'s origin (the app should be idle: nothing written meanwhile). */
export async function exportDeviceStorage(page: Page): Promise<DeviceStorageDump> {
  return (await page.evaluate(`(${EXPORT_JS})()`)) as DeviceStorageDump;
}

/**
 * Writes `dump` into the storage of `page`'s origin, which must hold none of
 * its databases yet; values of localStorage naming the dump's origin are
 * rewritten to the page's.
 */
export async function importDeviceStorage(page: Page, dump: DeviceStorageDump): Promise<void> {
  const origin = new URL(page.url()).origin;
  const local = Object.fromEntries(Object.entries(dump.localStorage).map(([k, v]) => [k, v.split(dump.origin).join(origin)]));
  await page.evaluate(`(${IMPORT_JS})(${JSON.stringify({ databases: dump.indexedDB, local })})`);
}
