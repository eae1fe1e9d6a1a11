/**
 * Device storage in memory, for Node tests where there is no IndexedDB. A
 * `MemoryDevice` outlives the clients that use it, so a test can tear a client
 * down and open a new one on the same device to simulate a reload.
 */
import * as Y from 'yjs';
import type { DocPersistence, DocPersistenceFactory, SyncCounters } from './DocPersistence';

/** What the simulated device holds for one document. */
export interface MemoryDocRecord {
  updates: Uint8Array[];
  changeNo: number;
  ackedChangeNo: number;
  ackedBy: string | null;
}

/** A simulated device: its stored documents, and a switch that makes its writes fail. */
export class MemoryDevice {
  /** Stored documents by name. */
  readonly docs = new Map<string, MemoryDocRecord>();
  /** When set, every write rejects with this error (a full disk, a revoked quota). */
  failWrites: Error | null = null;

  /** Persistence factory for `createSyncClient({ persistence: device.persistence })`. */
  readonly persistence: DocPersistenceFactory = (docName, doc) => new MemoryDocPersistence(this, docName, doc);

  /** The record of `docName`, created empty on first use. */
  record(docName: string): MemoryDocRecord {
    let record = this.docs.get(docName);
    if (!record) {
      record = { updates: [], changeNo: 0, ackedChangeNo: 0, ackedBy: null };
      this.docs.set(docName, record);
    }
    return record;
  }
}

/** One document's storage on a MemoryDevice. Writes complete asynchronously, in call order. */
export class MemoryDocPersistence implements DocPersistence {
  readonly origin = Symbol('memory persistence');
  private tail: Promise<void> = Promise.resolve();
  private destroyed = false;

  constructor(
    private readonly device: MemoryDevice,
    private readonly docName: string,
    private readonly doc: Y.Doc,
  ) {}

  async load(): Promise<SyncCounters> {
    const record = this.device.record(this.docName);
    if (record.updates.length > 0) Y.applyUpdate(this.doc, Y.mergeUpdates(record.updates), this.origin);
    return { changeNo: record.changeNo, ackedChangeNo: record.ackedChangeNo, ackedBy: record.ackedBy };
  }

  storeUpdate(update: Uint8Array, changeNo?: number): Promise<void> {
    return this.write((record) => {
      record.updates.push(update);
      if (changeNo !== undefined) record.changeNo = changeNo;
    });
  }

  storeCounters(counters: Partial<SyncCounters>): Promise<void> {
    return this.write((record) => {
      if (counters.changeNo !== undefined) record.changeNo = counters.changeNo;
      if (counters.ackedChangeNo !== undefined) record.ackedChangeNo = counters.ackedChangeNo;
      if (counters.ackedBy !== undefined) record.ackedBy = counters.ackedBy;
    });
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    await this.tail.catch(() => {});
  }

  async clear(): Promise<void> {
    await this.destroy();
    this.device.docs.delete(this.docName);
  }

  private write(apply: (record: MemoryDocRecord) => void): Promise<void> {
    if (this.destroyed) return Promise.reject(new Error('persistence destroyed'));
    const failure = this.device.failWrites;
    const done = this.tail.catch(() => {}).then(() => {
      if (failure) throw failure;
      apply(this.device.record(this.docName));
    });
    this.tail = done;
    return done;
  }
}
