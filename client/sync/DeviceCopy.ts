/**
 * A document's copy in device storage, as the sync state sees it: which
 * writes are still on their way to disk, whether one failed, and healing the
 * copy after a failure by storing the whole state again. "Saved on this
 * device" is claimed only when nothing is in flight and nothing failed.
 */
import type { DocPersistence, SyncCounters } from './DocPersistence';

/** Options of a DeviceCopy. */
export interface DeviceCopyOptions {
  /** The storage; null means the document lives in memory only (never "saved"). */
  persistence: DocPersistence | null;
  /** The whole document and its current change number, to close a hole a failed write left. */
  fullState: () => { update: Uint8Array; changeNo: number | undefined };
  /** Something changed (a write finished or failed). */
  onChange: () => void;
  /** A write failed; the copy heals at the next write or after `retryMs`. */
  onError: (message: string) => void;
  /** Delay before re-storing the whole state after a failure (default 5 s). */
  retryMs?: number;
}

/** Tracks and repairs a document's device copy; see the module comment. */
export class DeviceCopy {
  private persistence: DocPersistence | null;
  private readonly writes = new Set<Promise<void>>();
  private failed = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private destroyed = false;

  constructor(private readonly options: DeviceCopyOptions) {
    this.persistence = options.persistence;
  }

  /** Transaction origin of updates the storage applies itself (not local changes), if any. */
  get origin(): unknown {
    return this.persistence?.origin;
  }

  /** True when there is device storage at all (not memory only). */
  get persistent(): boolean {
    return this.persistence !== null;
  }

  /** True when the storage holds everything written so far. */
  get saved(): boolean {
    return this.persistence !== null && this.writes.size === 0 && !this.failed;
  }

  /** True while a retry timer is set (tests check destroy leaves none). */
  get hasTimer(): boolean {
    return this.retryTimer !== null;
  }

  /** Reads the stored counters (the storage applies the stored state to the document). Gives up the storage if it cannot be read. */
  async load(): Promise<SyncCounters> {
    if (!this.persistence) return { changeNo: 0, ackedChangeNo: 0, ackedBy: null };
    try {
      return await this.persistence.load();
    } catch (err) {
      this.options.onError(`cannot read device storage: ${String(err)}`);
      const broken = this.persistence;
      this.persistence = null;
      await broken.destroy().catch(() => {});
      return { changeNo: 0, ackedChangeNo: 0, ackedBy: null };
    }
  }

  /** Stores `update` (with `changeNo` for a local change), or the whole state if an earlier write failed. */
  save(update: Uint8Array, changeNo: number | undefined): void {
    if (!this.persistence || this.destroyed) return;
    const healing = this.failed;
    const write = healing ? this.options.fullState() : { update, changeNo };
    this.track(this.persistence.storeUpdate(write.update, write.changeNo), healing);
  }

  /** Stores counters, ordered after every earlier write. */
  saveCounters(counters: Partial<SyncCounters>): void {
    if (this.persistence && !this.destroyed) this.track(this.persistence.storeCounters(counters), false);
  }

  /**
   * Stops retrying, waits for the writes in flight and releases the storage;
   * with `deleteCopy`, also deletes what the storage holds for the document.
   */
  async destroy(deleteCopy = false): Promise<void> {
    this.destroyed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await Promise.allSettled([...this.writes]);
    if (deleteCopy) await this.persistence?.clear();
    else await this.persistence?.destroy();
  }

  private track(write: Promise<void>, healing: boolean): void {
    this.writes.add(write);
    write.then(
      () => {
        this.writes.delete(write);
        if (healing) this.failed = false;
        if (!this.destroyed) this.options.onChange();
      },
      (err: unknown) => {
        this.writes.delete(write);
        if (this.destroyed) return;
        this.failed = true;
        this.options.onError(`could not save on this device: ${String(err)}`);
        this.scheduleRetry();
      },
    );
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.failed) this.save(new Uint8Array(), undefined);
    }, this.options.retryMs ?? 5000);
  }
}
