/**
 * Device storage opened only after a gate: the app passes "the first screen
 * is on show", so reading the stored documents (the site document's record
 * index, working copies of long receipts; each a whole Yjs decode) does not
 * delay a cold start's records list, which reads the record store's small
 * summaries instead.
 *
 * Nothing is lost by waiting: the document counts local changes before its
 * storage is read (SyncedDoc), and every write issued meanwhile goes to the
 * storage, in call order, once it exists. "Saved on this device" is claimed
 * only after that, as always. Documents opened after the gate wait for
 * nothing.
 */
import type { DocPersistence, DocPersistenceFactory, SyncCounters } from './DocPersistence';

/** `factory`'s storage, created once `gate` settles (see the module comment). */
export function deferredPersistence(gate: Promise<unknown>, factory: DocPersistenceFactory): DocPersistenceFactory {
  return (docName, doc) => new DeferredPersistence(gate, () => factory(docName, doc));
}

class DeferredPersistence implements DocPersistence {
  private inner: DocPersistence | null = null;
  private released = false;
  /** The storage once the gate settled; null when released before (nothing to open then). */
  private readonly created: Promise<DocPersistence | null>;

  constructor(gate: Promise<unknown>, create: () => DocPersistence) {
    const settled = gate.then(
      () => undefined,
      () => undefined,
    );
    this.created = settled.then(() => (this.released ? null : (this.inner = create())));
  }

  get origin(): unknown {
    return this.inner?.origin;
  }

  async load(): Promise<SyncCounters> {
    const inner = await this.created;
    if (!inner) throw new Error('device storage released before it opened');
    return inner.load();
  }

  storeUpdate(update: Uint8Array, changeNo?: number): Promise<void> {
    // Chained on one promise, so writes issued before the storage exists reach it in call order.
    return this.created.then((inner) => (inner ? inner.storeUpdate(update, changeNo) : Promise.reject(new Error('device storage released'))));
  }

  storeCounters(counters: Partial<SyncCounters>): Promise<void> {
    return this.created.then((inner) => (inner ? inner.storeCounters(counters) : Promise.reject(new Error('device storage released'))));
  }

  async destroy(): Promise<void> {
    if (!this.inner) this.released = true;
    const inner = await this.created;
    await inner?.destroy();
  }

  async clear(): Promise<void> {
    // Clearing must reach what an earlier session stored, so the storage is opened for it.
    const inner = await this.created;
    if (inner) await inner.clear();
  }
}
