/**
 * `watchChanges`: the device hears which held records changed on the relay
 * without a subscription per record (PROTOCOL.md §2 `watch`/`changed`). The
 * relay keeps one watch set per connection: names newly watched are added to
 * it (`watchAdd`, so a shift start storing a month of records batch by batch
 * sends each name once, not the whole set again per batch), the whole union
 * of every caller's names is sent when a name is dropped and again after
 * every reconnect; each `changed` is passed to the callers watching the
 * names it carries.
 */
import { writeWatchAddFrame, writeWatchFrame, type ChangedFrame } from '../../shared/protocol/muxMessages';
import type { MuxConnection } from './MuxConnection';
import type { SyncLog } from './SyncError';

/** Names the relay watches per connection; beyond, the rest are not sent (and logged). */
export const MAX_WATCHED_DOCS = 20_000;

interface Registration {
  docs: ReadonlySet<string>;
  onChanged: (names: string[]) => void;
}

/** Every `watchChanges` call of one client, sent as one watch set. */
export class ChangeWatcher {
  private readonly registrations = new Set<Registration>();
  /** How many registrations watch each name: the union is its keys. */
  private readonly watchers = new Map<string, number>();
  /** Names newly in the union since the last frame. */
  private added = new Set<string>();
  /** A name left the union since the last frame: the whole set goes out. */
  private dropped = false;
  private sendQueued = false;
  /** Names the relay watches for this socket (a new socket watches none). */
  private relayWatches = 0;
  private readonly detach: () => void;

  constructor(
    private readonly connection: MuxConnection,
    private readonly log: SyncLog,
  ) {
    this.detach = connection.attachFeed({
      onOnline: () => {
        this.relayWatches = 0;
        this.sendWholeSet();
      },
      onOffline: () => {},
      onFrame: (frame) => {
        if (frame.type === 'changed') this.deliver(frame);
      },
    });
  }

  /** Watches `docs` until the returned function is called. */
  watch(docs: readonly string[], onChanged: (names: string[]) => void): () => void {
    const registration: Registration = { docs: new Set(docs), onChanged };
    this.registrations.add(registration);
    for (const doc of registration.docs) {
      const count = this.watchers.get(doc) ?? 0;
      this.watchers.set(doc, count + 1);
      if (count === 0) this.added.add(doc);
    }
    this.queueSend();
    return () => {
      if (!this.registrations.delete(registration)) return;
      for (const doc of registration.docs) {
        const count = this.watchers.get(doc) ?? 0;
        if (count > 1) {
          this.watchers.set(doc, count - 1);
          continue;
        }
        this.watchers.delete(doc);
        this.added.delete(doc);
        this.dropped = true;
      }
      this.queueSend();
    };
  }

  /** Stops routing frames (the client is being destroyed). */
  destroy(): void {
    this.registrations.clear();
    this.watchers.clear();
    this.detach();
  }

  /** Watch calls made together (a list of a thousand records) are sent as one frame. */
  private queueSend(): void {
    if (this.sendQueued) return;
    this.sendQueued = true;
    queueMicrotask(() => {
      this.sendQueued = false;
      this.sendChanges();
    });
  }

  /** Only additions since the last frame: added to the relay's set; otherwise the whole set again. */
  private sendChanges(): void {
    if (this.dropped || this.watchers.size > MAX_WATCHED_DOCS) return this.sendWholeSet();
    if (this.added.size === 0) return;
    // Offline, nothing is sent: the whole set goes out when the socket opens.
    const added = [...this.added];
    if (this.connection.send(writeWatchAddFrame(added))) this.relayWatches += added.length;
    this.added = new Set();
  }

  private sendWholeSet(): void {
    this.added = new Set();
    this.dropped = false;
    let names = [...this.watchers.keys()];
    if (names.length > MAX_WATCHED_DOCS) {
      this.log.warn(`watching ${names.length} records; the relay watches ${MAX_WATCHED_DOCS}, the rest are not watched`);
      names = names.slice(0, MAX_WATCHED_DOCS);
    }
    // A client that never watched sends nothing (the relay's set is already empty).
    if (names.length === 0 && this.relayWatches === 0) return;
    // Offline, nothing is sent: the set goes out when the socket opens.
    if (this.connection.send(writeWatchFrame(names))) this.relayWatches = names.length;
  }

  private deliver(frame: ChangedFrame): void {
    for (const registration of [...this.registrations]) {
      // One stopped by an earlier callback of this frame hears nothing more.
      if (!this.registrations.has(registration)) continue;
      const { docs, onChanged } = registration;
      const names = frame.docs.filter((doc) => docs.has(doc));
      if (names.length === 0) continue;
      try {
        onChanged(names);
      } catch (err) {
        this.log.warn('a watchChanges callback threw', err);
      }
    }
  }
}
