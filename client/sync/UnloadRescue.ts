/**
 * The last resort of device storage. A page going away (reloaded, its tab
 * closed) takes its IndexedDB connections with it, and writes still on their
 * way are aborted: a record created or a line scanned a moment before could
 * be lost. So, as the page is hidden or leaves, every open document whose
 * device copy is not saved yet leaves its whole state here, in synchronous
 * storage (localStorage), and the document's next load applies it as a local
 * change: counted, stored and sent like any other. What the device copy
 * already holds changes nothing when applied again.
 */
import { fromBase64, toBase64 } from 'lib0/buffer';

/** Synchronous key-value storage: the part of `Storage` (localStorage) the device keeps small state in. */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const PREFIX = 'tally.unsaved:';

/** Documents' states kept while their device copy was not saved (see the module comment). */
export class UnloadRescue {
  constructor(private readonly store: KeyValueStore) {}

  /** Keeps `state` of `docName`; false when the storage refused it (full). */
  keep(docName: string, state: Uint8Array): boolean {
    try {
      this.store.setItem(PREFIX + docName, toBase64(state));
      return true;
    } catch (err) {
      console.warn(`[tally sync] could not keep ${docName}'s unsaved changes as the page left`, err);
      return false;
    }
  }

  /** The state kept for `docName`, removed from the storage; null when none. */
  take(docName: string): Uint8Array | null {
    const kept = this.store.getItem(PREFIX + docName);
    if (kept === null) return null;
    this.store.removeItem(PREFIX + docName);
    try {
      return fromBase64(kept);
    } catch {
      return null;
    }
  }

  /** Forgets what was kept for `docName` (its device copy has it now). */
  forget(docName: string): void {
    this.store.removeItem(PREFIX + docName);
  }
}
