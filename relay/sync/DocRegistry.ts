/**
 * The documents the relay holds in memory. `get` is synchronous
 * get-or-create, so two connections opening the same document at once share
 * one room and one load; a room leaves memory only when it has had no peers
 * and nothing pending for `idleEvictMs`.
 */
import type { DocStore } from '../storage/DocStore';
import type { RelayLimits } from '../limits';
import type { RelayLog } from '../log';
import type { StageTimings } from '../diag/StageTimings';
import { realTime, type Scheduler } from '../scheduler';
import { DocRoom, type RoomFollower } from './DocRoom';
import { UpdateReader } from '../policy/decodeUpdate';

export interface DocRegistryOptions {
  store: DocStore;
  limits: RelayLimits;
  log: RelayLog;
  /** The site the relay serves (what its documents' write rules are judged against); default 'main'. */
  site?: string;
  /** What follows each document's accepted changes, made each time it is (re)built (DocRoomOptions.follow). */
  follow?: (room: DocRoom) => RoomFollower | undefined;
  /** Where compaction times go (diagnostics on). */
  stages?: StageTimings;
  /** When idle rooms are evicted (default: Node's timers). */
  scheduler?: Scheduler;
}

export class DocRegistry {
  private readonly rooms = new Map<string, DocRoom>();
  /** The pending eviction of each idle room, as its cancel function. */
  private readonly evictTimers = new Map<DocRoom, () => void>();
  private readonly durableListeners = new Set<(doc: string) => void>();

  private readonly store: DocStore;
  private readonly limits: RelayLimits;
  private readonly log: RelayLog;
  private readonly follow: DocRegistryOptions['follow'];
  private readonly stages: StageTimings | undefined;
  private readonly scheduler: Scheduler;
  /** One decoder of peers' changes for every room: the object keys it remembers are the same in all records. */
  private readonly reader = new UpdateReader();

  constructor(options: DocRegistryOptions) {
    this.store = options.store;
    this.limits = options.limits;
    this.log = options.log;
    this.follow = options.follow;
    this.stages = options.stages;
    this.scheduler = options.scheduler ?? realTime;
    this.site = options.site ?? 'main';
  }

  /** The site the relay serves (what its documents' write rules are judged against). */
  readonly site: string;

  /** Documents currently in memory. */
  get size(): number {
    return this.rooms.size;
  }

  /** Returns the room for `name`, creating it (and starting its load) if needed. */
  get(name: string): DocRoom {
    let room = this.rooms.get(name);
    if (room) {
      this.cancelEviction(room);
      return room;
    }
    room = new DocRoom({ name, store: this.store, limits: this.limits, log: this.log, site: this.site, follow: this.follow, stages: this.stages, reader: this.reader });
    room.onIdle = this.scheduleEvictionOf;
    room.onDurableChange = this.announceDurable;
    const created = room;
    this.rooms.set(name, created);
    created.whenLoaded.catch((err: unknown) => {
      // A failed load must not leave a half-empty room behind: the next
      // request retries from the store.
      this.log.error({ doc: name, err: String(err) }, 'document load failed');
      if (this.rooms.get(name) === created) this.rooms.delete(name);
      created.destroy();
    });
    return created;
  }

  /**
   * Runs `task` with the room of `name` once it is loaded (loading it if
   * needed), for the relay's own writes. Unlike holding on to `get(name)`,
   * the room may still be evicted afterwards: a task that wrote nothing
   * leaves an idle room idle, so it is scheduled for eviction again.
   */
  use(name: string, task: (room: DocRoom) => void): void {
    const room = this.get(name);
    room.run(() => {
      task(room);
      if (room.isIdle && this.rooms.get(name) === room) this.scheduleEviction(room);
    });
  }

  /**
   * Calls `listener` with a document's name each time a change of it became
   * durable, whoever made it; returns the unsubscribe function.
   */
  onDurableChange(listener: (doc: string) => void): () => void {
    this.durableListeners.add(listener);
    return () => void this.durableListeners.delete(listener);
  }

  /** What is on disk of `name`, read without a room (see DocStore.loadDurable). */
  readDurable(name: string): Promise<Uint8Array[]> {
    return this.store.loadDurable(name);
  }

  /** Resolves when every room's writes are durable. */
  async whenAllDurable(): Promise<void> {
    await Promise.allSettled(Array.from(this.rooms.values(), (room) => room.whenDurable()));
  }

  /** Drops every room from memory (after the caller flushed the store). */
  destroyAll(): void {
    for (const cancel of this.evictTimers.values()) cancel();
    this.evictTimers.clear();
    for (const room of this.rooms.values()) room.destroy();
    this.rooms.clear();
  }

  /** One function for every room's `onDurableChange`. */
  private readonly announceDurable = (room: DocRoom): void => {
    for (const listener of this.durableListeners) {
      try {
        listener(room.name);
      } catch (err) {
        this.log.error({ doc: room.name, err: String(err) }, 'a durable-change listener threw');
      }
    }
  };

  /** One function for every room's `onIdle`, not a closure per room. */
  private readonly scheduleEvictionOf = (room: DocRoom): void => this.scheduleEviction(room);

  private scheduleEviction(room: DocRoom): void {
    if (this.evictTimers.has(room)) return;
    const cancel = this.scheduler.after(this.limits.idleEvictMs, () => {
      this.evictTimers.delete(room);
      if (!room.isIdle || this.rooms.get(room.name) !== room) return;
      this.rooms.delete(room.name);
      room.destroy();
      this.log.debug({ doc: room.name }, 'evicted idle document');
    });
    this.evictTimers.set(room, cancel);
  }

  private cancelEviction(room: DocRoom): void {
    const cancel = this.evictTimers.get(room);
    if (cancel) {
      cancel();
      this.evictTimers.delete(room);
    }
  }
}
