/**
 * Where a device keeps a document between reloads: the Yjs updates and the two
 * counters that let a reload remember what the relay has acknowledged.
 * Implementations: `IndexeddbDocPersistence` (browsers, y-indexeddb) and
 * `MemoryDocPersistence` (Node tests; simulates a device that reloads).
 */
import type * as Y from 'yjs';

/** A document's change counters as stored on the device. */
export interface SyncCounters {
  /** Local changes made to the document so far (only grows). */
  changeNo: number;
  /** Highest `changeNo` the relay acknowledged as durable. */
  ackedChangeNo: number;
  /**
   * The relay store (its identity, see ackTrust.ts) that gave that ack; null
   * when unknown (stored before identities, or by a relay that did not say).
   */
  ackedBy: string | null;
}

/**
 * One document's storage on the device. A SyncedDoc hands it every update
 * (local or from the relay) except those it applied itself; it never listens
 * to the document on its own.
 */
export interface DocPersistence {
  /**
   * Transaction origin of the updates this persistence applies to the document
   * (the stored state on load). They are already stored and are not local changes.
   */
  readonly origin: unknown;

  /** Applies the stored state to the document and resolves with the stored counters (0, 0 and null if new). */
  load(): Promise<SyncCounters>;

  /**
   * Durably stores `update`. For a local change the caller passes the new
   * `changeNo`, stored in the same atomic write: a device never holds a change
   * without having counted it. Writes complete in call order; resolves once on
   * disk, rejects if the write failed.
   */
  storeUpdate(update: Uint8Array, changeNo?: number): Promise<void>;

  /** Durably stores counters (ordered after every earlier write). */
  storeCounters(counters: Partial<SyncCounters>): Promise<void>;

  /** Waits for the writes already issued, then releases the storage. The data stays. */
  destroy(): Promise<void>;

  /**
   * Waits for the writes already issued, releases the storage and deletes
   * everything it holds for the document (the next load starts empty).
   */
  clear(): Promise<void>;
}

/** Creates the persistence of one document; called once per opened document. */
export type DocPersistenceFactory = (docName: string, doc: Y.Doc) => DocPersistence;
