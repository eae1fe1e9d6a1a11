/**
 * The site document as the app reads it: the record list, the item master,
 * the bins and the site settings, plus the document's sync state, as one `get()`/`subscribe()`
 * source. Scans are looked up here, so they work with no network.
 */
import type { DocSyncState, SyncedDoc } from '../../../client/sync';
import {
  observeSite,
  readItems,
  readLocations,
  readRecordIndex,
  readSiteSettings,
  type ItemInfo,
  type Location,
  type RecordIndexEntry,
  type SiteSettings,
} from '../../../shared/model';
import { Emitter } from './Emitter';

/** One item of the master with its barcode. */
export interface SiteItem extends ItemInfo {
  readonly barcode: string;
}

/** What the app shows of the site. A new object after every change. */
export interface SiteView {
  readonly records: readonly RecordIndexEntry[];
  readonly items: readonly SiteItem[];
  readonly locations: readonly Location[];
  /** Every setting with a value (the default where the site set none). */
  readonly settings: SiteSettings;
  readonly sync: DocSyncState;
}

/** What a scanned or typed code stands for. */
export interface ScanMatch {
  /** The code as scanned (trimmed). */
  readonly code: string;
  /** The item it names, when the code is a barcode or SKU of the item master. */
  readonly item: SiteItem | null;
}

/** The site document read as one source; see the module comment. */
export class SiteSource {
  private readonly emitter = new Emitter();
  private readonly unsubscribers: Array<() => void>;
  private data: Omit<SiteView, 'sync'> | null = null;
  private view: SiteView | null = null;

  constructor(readonly synced: SyncedDoc) {
    this.unsubscribers = [
      observeSite(synced.doc, () => {
        this.data = null;
        this.changed();
      }),
      synced.subscribe(() => this.changed()),
    ];
  }

  /** The current view (computed lazily, cached until something changes). */
  get(): SiteView {
    if (!this.view) {
      this.data ??= {
        records: readRecordIndex(this.synced.doc),
        items: [...readItems(this.synced.doc)].map(([barcode, item]) => ({ barcode, ...item })),
        locations: readLocations(this.synced.doc),
        settings: readSiteSettings(this.synced.doc),
      };
      this.view = { ...this.data, sync: this.synced.get() };
    }
    return this.view;
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    return this.emitter.subscribe(listener);
  }

  /** Looks a scanned code up in the local item master: by barcode first, then by SKU. */
  lookup(code: string): ScanMatch {
    const trimmed = code.trim();
    const items = this.get().items;
    const item = items.find((i) => i.barcode === trimmed) ?? items.find((i) => i.sku === trimmed) ?? null;
    return { code: trimmed, item };
  }

  /** The item with SKU `sku`, if the master has one. */
  itemBySku(sku: string): SiteItem | undefined {
    return this.get().items.find((i) => i.sku === sku);
  }

  /** Stops listening (the document itself is closed by its owner). */
  destroy(): void {
    for (const off of this.unsubscribers.splice(0)) off();
    this.emitter.clear();
  }

  private changed(): void {
    this.view = null;
    this.emitter.emit();
  }
}
