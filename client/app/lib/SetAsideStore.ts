/**
 * Work the relay refused, kept on the device until the user discards it.
 * When the relay refuses a document's change, the device's whole copy of the
 * document is set aside here before the document is reopened from the relay
 * (see RefusalRecovery), so nothing the user did is silently lost.
 *
 * Kept in IndexedDB, apart from the documents' own databases (those are
 * deleted when a document is reopened): database `tally-set-aside`, one
 * object store `work` keyed by id. `MemorySetAsideStore` serves Node tests.
 */
import type { Role } from '../../../shared/auth/roles';
import type { Entry } from '../../../shared/model';
import type { NotReRecorded } from './reRecord';

/** What became of the refused work once the relay's copy was compared. */
export interface SetAsideOutcome {
  /** The role the work was recorded again under. */
  readonly role: Role;
  /** Refused entries recorded again (or whose effect the relay already shows). */
  readonly reRecorded: number;
  /** Refused entries not recorded again, and why. */
  readonly notReRecorded: readonly NotReRecorded[];
}

/** One document's refused work. */
export interface SetAsideWork {
  /** Unique id of this set-aside copy. */
  readonly id: string;
  /** The document name, e.g. `record:R-251206-4F2A1C`. */
  readonly doc: string;
  /** The record id, for record documents. */
  readonly recordId: string | null;
  /** The user signed in when the relay refused. */
  readonly user: string;
  /** The relay's error code (2 too large, 3 permission denied). */
  readonly code: number;
  /** The relay's reason, e.g. "auditor may not write". */
  readonly reason: string;
  /** The refusal in words, e.g. "permission denied: auditor may not write". */
  readonly message: string;
  /** When the refusal arrived (ms since epoch). */
  readonly at: number;
  /** Local changes the relay had not acknowledged when it refused. */
  readonly refusedChanges: number;
  /** The document's full local state (`Y.encodeStateAsUpdate`). */
  readonly state: Uint8Array;
  /** Entries of that state the relay does not hold; null until the relay's copy has arrived. */
  readonly refused: readonly Entry[] | null;
  /** What was recorded again; null while the document is being reopened. */
  readonly outcome: SetAsideOutcome | null;
}

/** Where set-aside work is kept. */
export interface SetAsideStore {
  /** Every kept copy, oldest first. */
  list(): Promise<SetAsideWork[]>;
  /** Keeps `work` (replacing a copy with the same id); resolves once durable. */
  put(work: SetAsideWork): Promise<void>;
  /** Removes the copy `id`. */
  delete(id: string): Promise<void>;
}

const DB_NAME = 'tally-set-aside';
const STORE = 'work';

/** Set-aside work in the browser's IndexedDB; see the module comment. */
export class IndexeddbSetAsideStore implements SetAsideStore {
  private db: Promise<IDBDatabase> | null = null;

  async list(): Promise<SetAsideWork[]> {
    const all = await this.run<SetAsideWork[]>('readonly', (store) => store.getAll());
    return all.sort((a, b) => a.at - b.at);
  }

  async put(work: SetAsideWork): Promise<void> {
    await this.run('readwrite', (store) => store.put(work));
  }

  async delete(id: string): Promise<void> {
    await this.run('readwrite', (store) => store.delete(id));
  }

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id' });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error(`cannot open ${DB_NAME}`));
    });
    return this.db;
  }

  /** Runs one request in its own transaction; resolves with its result once the transaction committed. */
  private async run<T>(mode: IDBTransactionMode, request: (store: IDBObjectStore) => IDBRequest): Promise<T> {
    const db = await this.open();
    return new Promise<T>((resolve, reject) => {
      // 'strict': set-aside work must survive a power cut like the documents do.
      const tx = db.transaction(STORE, mode, { durability: 'strict' });
      const req = request(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result as T);
      tx.onabort = () => reject(tx.error ?? new Error(`${DB_NAME}: transaction aborted`));
    });
  }
}

/** Set-aside work in memory (Node tests); nothing survives the process. */
export class MemorySetAsideStore implements SetAsideStore {
  readonly works = new Map<string, SetAsideWork>();

  async list(): Promise<SetAsideWork[]> {
    return [...this.works.values()].sort((a, b) => a.at - b.at);
  }

  async put(work: SetAsideWork): Promise<void> {
    this.works.set(work.id, work);
  }

  async delete(id: string): Promise<void> {
    this.works.delete(id);
  }
}
