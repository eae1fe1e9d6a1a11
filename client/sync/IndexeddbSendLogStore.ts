/**
 * The send log in the browser's IndexedDB: one small database per device,
 * `tally-send-log:<device>`, one object store `attempts` of 1,000 slots (an
 * attempt's slot is its id modulo 1,000, so the ring never grows). A batch is
 * one transaction with relaxed durability: the log is evidence about the
 * sync path and must not slow it; losing its last second in a power cut
 * loses no work.
 */
import { SEND_LOG_CAPACITY, type SendAttempt } from '../../shared/health/sendLog';
import type { SendLogStore } from './SendLog';

const STORE = 'attempts';

/** The database name of `device`'s send log. */
export function sendLogDbName(device: string | undefined): string {
  return device ? `tally-send-log:${device}` : 'tally-send-log';
}

/** See the module comment. */
export class IndexeddbSendLogStore implements SendLogStore {
  private db: Promise<IDBDatabase> | null = null;

  constructor(
    private readonly name: string,
    private readonly capacity = SEND_LOG_CAPACITY,
  ) {}

  async load(): Promise<SendAttempt[]> {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, 'readonly');
      const req = tx.objectStore(STORE).getAll();
      tx.oncomplete = () => resolve(req.result as SendAttempt[]);
      tx.onabort = () => reject(tx.error ?? new Error(`${this.name}: read aborted`));
    });
  }

  async write(attempts: readonly SendAttempt[]): Promise<void> {
    if (attempts.length === 0) return;
    const db = await this.open();
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction(STORE, 'readwrite', { durability: 'relaxed' });
      const store = tx.objectStore(STORE);
      for (const a of attempts) store.put(a, a.id % this.capacity);
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error ?? new Error(`${this.name}: write aborted`));
    });
  }

  close(): void {
    void this.db?.then((db) => db.close(), () => undefined);
    this.db = null;
  }

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(this.name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error(`cannot open ${this.name}`));
    });
    return this.db;
  }
}
