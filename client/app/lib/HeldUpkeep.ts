/**
 * Keeps the records a device holds for reading current without a
 * subscription per record: while online it watches every held record on the
 * relay (`watchChanges`, batch by batch as they are stored) and fetches what
 * a changed one lacks; back online it catches up on every held record; and
 * it fetches the records the site lists from the working window that the
 * device does not hold yet. Records open as documents get their changes over
 * their own subscription and are left out. All fetching goes through the one
 * queue of HeldRecords.
 */
import { recordDocName, recordIdOfDocName, toRecordId, type RecordIndexEntry } from '../../../shared/model';
import type { HeldRecords } from './HeldRecords';
import type { StateFeed } from './stateFeed';

/** What keeping held records current needs. */
export interface HeldUpkeepOptions {
  held: HeldRecords;
  feed: Pick<StateFeed, 'watchChanges'>;
  /** Whether the link to the relay is up. */
  online: () => boolean;
  /** Whether record `id` is open as a document. */
  isOpen: (id: string) => boolean;
  /** The site's record index. */
  siteRecords: () => readonly RecordIndexEntry[];
  /** How far back the working window reaches (records created since are fetched). */
  windowMs: number;
}

/** See the module comment. */
export class HeldUpkeep {
  /** The held records watched on the relay, each batch of them with its own stop function. */
  private watched = new Set<string>();
  private stopWatching: Array<() => void> = [];
  private watchedKey = '';
  private destroyed = false;

  constructor(private readonly options: HeldUpkeepOptions) {}

  /**
   * Brings the relay's watch set in line with the held records and the link:
   * only records newly held are added (a shift start stores batch after
   * batch); a record let go of, or the link going down, starts it afresh.
   */
  watch(): void {
    if (this.destroyed) return;
    const { held, online } = this.options;
    // Which records are held changes far less often than what they hold: compared by a counter, not by name.
    const key = online() ? `online ${held.membership}` : 'offline';
    if (key === this.watchedKey) return;
    this.watchedKey = key;
    if (!online()) return this.unwatch();
    const summaries = held.summaries();
    for (const id of this.watched) {
      if (summaries.has(id)) continue;
      this.unwatch();
      break;
    }
    const added = [...summaries.keys()].filter((id) => !this.watched.has(id));
    if (added.length === 0) return;
    for (const id of added) this.watched.add(id);
    const names = added.map((id) => recordDocName(toRecordId(id)));
    this.stopWatching.push(this.options.feed.watchChanges(names, (changed) => this.onChanged(changed)));
  }

  /**
   * Back online: what changed on the relay while this device was away is
   * fetched for every held record (the feed names only changes it sees
   * while watching), and new records the site lists.
   */
  catchUp(): void {
    const { held, isOpen } = this.options;
    this.request([...held.summaries().keys()].filter((id) => !isOpen(id)));
    this.fetchRecent();
  }

  /**
   * Fetches the records the site lists from the working window that this
   * device does not hold yet: a record made on another device is here (and
   * any conflict in it) before the network goes.
   */
  fetchRecent(): void {
    const { held, isOpen, siteRecords, windowMs } = this.options;
    const since = Date.now() - windowMs;
    const summaries = held.summaries();
    this.request(
      siteRecords()
        .filter((row) => row.createdAt >= since && !summaries.has(row.id) && !isOpen(row.id))
        .map((row) => row.id),
    );
  }

  destroy(): void {
    this.destroyed = true;
    this.unwatch();
  }

  private onChanged(names: string[]): void {
    this.request(names.map((n) => recordIdOfDocName(n)).filter((id): id is NonNullable<typeof id> => id !== undefined));
  }

  private unwatch(): void {
    for (const stop of this.stopWatching) stop();
    this.stopWatching = [];
    this.watched = new Set();
  }

  /** Queues records to fetch (one exchange at a time, shared with shift start; see HeldRecords). */
  private request(ids: readonly string[]): void {
    if (!this.destroyed) this.options.held.request(ids);
  }
}
