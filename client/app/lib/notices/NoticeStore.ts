/**
 * Where a device keeps the priority channel, so holds apply and
 * acknowledgements and notices wait offline, across reloads: IndexedDB
 * `tally.notices.<site>`, one small database per site with three object
 * stores. `notices` holds every notice the relay sent (by seq); `reads` the
 * notices the user has read on this device (by seq, `confirmed` once the
 * relay's list shows the acknowledgement); `outgoing` the notices issued on
 * this device that the relay has not stored yet (by their key, which the
 * relay dedupes on). `MemoryNoticeStore` serves Node tests.
 */
import type { NoticeBody } from '../../../../shared/model/notice';

/** A notice as the relay stored it (PROTOCOL.md §4). */
export interface DeviceNotice {
  readonly seq: number;
  readonly at: number;
  readonly user: string;
  readonly device: string | null;
  readonly body: NoticeBody;
}

/** The user read notice `seq` on this device at `at`. */
export interface LocalRead {
  readonly seq: number;
  readonly at: number;
  /** The relay has the acknowledgement on disk (seen in its list). */
  readonly confirmed: boolean;
}

/** A notice issued on this device, waiting for (or refused by) the relay. */
export interface OutgoingNotice {
  /** The device-made id, sent as `Idempotency-Key`: a retry cannot store it twice. */
  readonly key: string;
  readonly body: NoticeBody;
  readonly user: string;
  readonly at: number;
  /**
   * The highest seq this device held when the notice was issued: the relay
   * stores it after that one (absent in notices kept by older versions).
   */
  readonly after?: number;
  /** The relay's seq once it answered 201 (kept until the notice itself arrives). */
  readonly seq?: number;
  /** The relay's reason when it refused the notice (400/403): it will not be sent again. */
  readonly refused?: string;
}

/** Everything the store holds. */
export interface NoticeStoreContents {
  notices: DeviceNotice[];
  reads: LocalRead[];
  outgoing: OutgoingNotice[];
}

/** The priority channel's storage on the device; every write resolves once durable. */
export interface NoticeStore {
  load(): Promise<NoticeStoreContents>;
  putNotice(notice: DeviceNotice): Promise<void>;
  putRead(read: LocalRead): Promise<void>;
  putOutgoing(outgoing: OutgoingNotice): Promise<void>;
  deleteOutgoing(key: string): Promise<void>;
  close(): void;
}

/** The database of `site`'s notices. */
export function noticesDbName(site: string): string {
  return `tally.notices.${site}`;
}

const STORES = { notices: 'seq', reads: 'seq', outgoing: 'key' } as const;
type StoreName = keyof typeof STORES;

/** The store in the browser's IndexedDB; see the module comment. */
export class IndexeddbNoticeStore implements NoticeStore {
  private db: Promise<IDBDatabase> | null = null;

  constructor(private readonly name: string) {}

  async load(): Promise<NoticeStoreContents> {
    const [notices, reads, outgoing] = await Promise.all([this.all<DeviceNotice>('notices'), this.all<LocalRead>('reads'), this.all<OutgoingNotice>('outgoing')]);
    return { notices, reads, outgoing: outgoing.sort((a, b) => a.at - b.at) };
  }

  putNotice(notice: DeviceNotice): Promise<void> {
    return this.run('notices', (s) => s.put(notice));
  }

  putRead(read: LocalRead): Promise<void> {
    return this.run('reads', (s) => s.put(read));
  }

  putOutgoing(outgoing: OutgoingNotice): Promise<void> {
    return this.run('outgoing', (s) => s.put(outgoing));
  }

  deleteOutgoing(key: string): Promise<void> {
    return this.run('outgoing', (s) => s.delete(key));
  }

  close(): void {
    void this.db?.then((db) => db.close(), () => undefined);
    this.db = null;
  }

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(this.name, 1);
      request.onupgradeneeded = () => {
        for (const [store, keyPath] of Object.entries(STORES)) request.result.createObjectStore(store, { keyPath });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error(`cannot open ${this.name}`));
    });
    return this.db;
  }

  private async all<T>(store: StoreName): Promise<T[]> {
    const db = await this.open();
    return new Promise<T[]>((resolve, reject) => {
      const tx = db.transaction(store, 'readonly');
      const req = tx.objectStore(store).getAll();
      tx.oncomplete = () => resolve(req.result as T[]);
      tx.onabort = () => reject(tx.error ?? new Error(`${this.name}: read aborted`));
    });
  }

  /** One write in its own transaction; resolves once committed ('strict': an acknowledgement tapped offline survives a power cut). */
  private async run(store: StoreName, write: (s: IDBObjectStore) => IDBRequest): Promise<void> {
    const db = await this.open();
    return new Promise<void>((resolve, reject) => {
      const tx = db.transaction(store, 'readwrite', { durability: 'strict' });
      write(tx.objectStore(store));
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error ?? new Error(`${this.name}: write aborted`));
    });
  }
}

/** The store in memory (Node tests, browsers without IndexedDB); nothing survives the page. */
export class MemoryNoticeStore implements NoticeStore {
  readonly notices = new Map<number, DeviceNotice>();
  readonly reads = new Map<number, LocalRead>();
  readonly outgoing = new Map<string, OutgoingNotice>();

  async load(): Promise<NoticeStoreContents> {
    return { notices: [...this.notices.values()], reads: [...this.reads.values()], outgoing: [...this.outgoing.values()].sort((a, b) => a.at - b.at) };
  }
  async putNotice(notice: DeviceNotice): Promise<void> {
    this.notices.set(notice.seq, notice);
  }
  async putRead(read: LocalRead): Promise<void> {
    this.reads.set(read.seq, read);
  }
  async putOutgoing(outgoing: OutgoingNotice): Promise<void> {
    this.outgoing.set(outgoing.key, outgoing);
  }
  async deleteOutgoing(key: string): Promise<void> {
    this.outgoing.delete(key);
  }
  close(): void {}
}
