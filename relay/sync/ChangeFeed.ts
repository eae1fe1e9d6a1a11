/**
 * Which connections watch which documents, and the `changed` frames they get
 * (PROTOCOL.md §2). A device keeps a month of records current with one watch
 * set instead of a subscription per record: the feed hears of every durable
 * change through the registry, needs no room for a watched document, and
 * names changes to each connection at most once per `CHANGED_INTERVAL_MS`.
 */
import type { DocRegistry } from './DocRegistry';

/** Names one `watch` may carry; more closes the socket with 4400. */
export const MAX_WATCHED_DOCS = 20_000;
/** A connection gets at most one `changed` frame per this many ms. */
export const CHANGED_INTERVAL_MS = 500;

/** One connection's watch set; made by `ChangeFeed.watcher`. */
export interface Watcher {
  /** Replaces the watched set (empty: none). The caller checked the names. */
  replace(docs: Iterable<string>): void;
  /** Adds to the watched set. The caller checked the names and the size. */
  add(docs: Iterable<string>): void;
  /** Number of documents watched. */
  readonly size: number;
  /** Stops watching everything and cancels a pending `changed`. */
  close(): void;
}

export class ChangeFeed {
  private readonly watchers = new Map<string, Set<ConnectionWatcher>>();
  private readonly detach: () => void;

  constructor(registry: Pick<DocRegistry, 'onDurableChange'>) {
    this.detach = registry.onDurableChange((doc) => this.changed(doc));
  }

  /** Documents watched by at least one connection. */
  get watchedDocs(): number {
    return this.watchers.size;
  }

  /** A watch set that calls `sendChanged` with the names of its documents that changed. */
  watcher(sendChanged: (docs: string[]) => void): Watcher {
    return new ConnectionWatcher(this, sendChanged);
  }

  /** Stops listening to the registry. */
  destroy(): void {
    this.detach();
    this.watchers.clear();
  }

  /** @internal */
  add(doc: string, watcher: ConnectionWatcher): void {
    const set = this.watchers.get(doc);
    if (set) set.add(watcher);
    else this.watchers.set(doc, new Set([watcher]));
  }

  /** @internal */
  remove(doc: string, watcher: ConnectionWatcher): void {
    const set = this.watchers.get(doc);
    if (!set) return;
    set.delete(watcher);
    if (set.size === 0) this.watchers.delete(doc);
  }

  private changed(doc: string): void {
    const set = this.watchers.get(doc);
    if (set) for (const watcher of set) watcher.note(doc);
  }
}

class ConnectionWatcher implements Watcher {
  private docs = new Set<string>();
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private lastSentAt = -Infinity;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly sendChanged: (docs: string[]) => void,
  ) {}

  get size(): number {
    return this.docs.size;
  }

  replace(docs: Iterable<string>): void {
    const next = new Set(docs);
    for (const doc of this.docs) if (!next.has(doc)) this.feed.remove(doc, this);
    for (const doc of next) if (!this.docs.has(doc)) this.feed.add(doc, this);
    this.docs = next;
    // Names no longer watched are not announced.
    for (const doc of this.pending) if (!next.has(doc)) this.pending.delete(doc);
  }

  add(docs: Iterable<string>): void {
    for (const doc of docs) {
      if (this.docs.has(doc)) continue;
      this.docs.add(doc);
      this.feed.add(doc, this);
    }
  }

  close(): void {
    for (const doc of this.docs) this.feed.remove(doc, this);
    this.docs.clear();
    this.pending.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A watched document changed: name it in the next `changed`. */
  note(doc: string): void {
    this.pending.add(doc);
    if (this.timer) return;
    // At once (next tick, with whatever else changes in this one) unless a frame left less than the interval ago.
    const wait = Math.max(0, this.lastSentAt + CHANGED_INTERVAL_MS - performance.now());
    this.timer = setTimeout(this.flush, wait);
    this.timer.unref();
  }

  private readonly flush = (): void => {
    this.timer = null;
    if (this.pending.size === 0) return;
    const docs = [...this.pending];
    this.pending.clear();
    this.lastSentAt = performance.now();
    this.sendChanged(docs);
  };
}
