/**
 * The app's composition root for one signed-in user on one device: the sync
 * client (one socket to the relay), the site document, the record documents
 * this device holds, and the named actions screens call. Screens read through
 * the sources it hands out and never touch a socket.
 */
import * as Y from 'yjs';
import { createSyncClient, transactionWrote, UnloadRescue, type SyncClient, type SyncClientOptions } from '../../../client/sync';
import { onPageLeaving } from './pageLeaving';
import { canWrite, type Role } from '../../../shared/auth/roles';
import {
  createCountSheet,
  createReceipt,
  readRecord,
  recordDocName,
  recordIdOfDocName,
  siteDocName,
  toRecordId,
  toSiteId,
  type Author,
  type DeviceId,
  type RecordIndexEntry,
} from '../../../shared/model';
import { readWriters } from '../../../shared/model/writers';
import { deviceAuthor, randomId, type KeyValueStore, type SeqCounter } from './device';
import { DeviceRecordStore, heldRecordsDbName, IndexeddbByteStore, MemoryByteStore } from './DeviceRecordStore';
import { afterNextPaint, nextPaint } from './afterNextPaint';
import { Emitter } from './Emitter';
import { HeldRecords, type FetchOptions } from './HeldRecords';
import { HeldUpkeep } from './HeldUpkeep';
import { RecordActions } from './RecordActions';
import { RecordSource, type RecordView } from './RecordSource';
import { recordRows, type RecordRow } from './recordRows';
import { recordSummary, type RecordSummary } from '../../../shared/summary/recordSummary';
import type { StateFeed } from './stateFeed';
import { recordsToForget } from './heldWindow';
import { RefusalRecovery } from './RefusalRecovery';
import { currentRole, type Session } from './session';
import { IndexeddbSetAsideStore, type SetAsideStore } from './SetAsideStore';
import { Photos } from './photos/Photos';
import { DeviceNotices, noticesQuery } from './notices/DeviceNotices';
import { IndexeddbNoticeStore, MemoryNoticeStore, noticesDbName, type NoticeStore } from './notices/NoticeStore';
import { SiteSource } from './SiteSource';
import { UserNames } from './UserNames';
import { sameBytes } from './sameBytes';

/** Records the site lists from this far back are held on every device (older ones are fetched when opened). */
export const RECENT_MS = 30 * 24 * 60 * 60 * 1000;
/** Records left on screen that stay open as documents, most recent first (reopening them is instant). */
const KEEP_OPEN = 5;
/** An open record with nothing pending is written to the record store this long after its last change. */
const STORE_CLEAN_AFTER_MS = 1_000;
/** Held records stored within this long reach the screens as one change. */
const HELD_NEWS_MS = 200;
/** How often lists and counts hear of held records while a fetch stores batch after batch. */
const BULK_NEWS_MS = 1_000;
/** Device storage of the documents opened at start waits at most this long for the first records list. */
const STORAGE_AFTER_LIST_MAX_MS = 1_500;

/** Options of a Workspace. */
export interface WorkspaceOptions {
  session: Session;
  device: DeviceId;
  seq: SeqCounter;
  /** Where the list of records held on this device is kept (default localStorage). */
  store?: KeyValueStore;
  /** Overrides for the sync client (tests: WebSocket class, persistence). */
  sync?: Partial<SyncClientOptions>;
  /** Where refused work is set aside (default IndexedDB `tally-set-aside`). */
  setAside?: SetAsideStore;
  /** The device record store (default IndexedDB `tally-held-records:<site>`; memory where there is no IndexedDB). */
  records?: DeviceRecordStore;
  /** fetchStates/watchChanges (see stateFeed.ts); default the sync client itself. */
  feed?: StateFeed;
  /** Records left on screen kept open as documents (default 5). */
  keepOpen?: number;
  /** The priority channel's store (default IndexedDB `tally.notices.<site>`; memory where there is no IndexedDB). */
  notices?: NoticeStore;
  /** Deletes the working copy (y-indexeddb database) of a record released last session; default: IndexedDB's, in browsers. */
  deleteWorkingCopy?: (docName: string) => void;
}

/** Header fields of a new receipt. */
export interface NewReceiptInput {
  supplier?: string;
  po?: string;
  dock?: string;
}

/** The signed-in user's workspace on this device; see the module comment. */
export class Workspace {
  readonly session: Session;
  readonly device: DeviceId;
  readonly author: Author;
  /** The one way screens write to a record (see RecordActions). */
  readonly actions: RecordActions;
  readonly client: SyncClient;
  readonly site: SiteSource;
  /** Users' display names, cached on the device (see UserNames). */
  readonly names: UserNames;
  /** Refused work set aside, and the recovery of refused records (see RefusalRecovery). */
  readonly refusals: RefusalRecovery;
  /** The records held for offline reading: summaries and the device record store (see HeldRecords). */
  readonly held: HeldRecords;
  /** Keeps the held records current (watch, catch-up, the site's recent records). */
  private readonly upkeep: HeldUpkeep;
  /** Photos taken, kept, sent and shown on this device (see photos/Photos). */
  readonly photos: Photos;
  /** Safety alerts, quality holds and their acknowledgements on this device (see DeviceNotices). */
  readonly notices: DeviceNotices;
  private readonly store: KeyValueStore;
  private readonly records: DeviceRecordStore;
  private readonly feed: StateFeed;
  private readonly keepOpen: number;
  /** Records with a working copy (a y-indexeddb database) that may hold work the relay lacks. */
  private readonly workingKey: string;
  /** Records whose working copy was released into the record store (deleted at the next start). */
  private readonly idleKey: string;
  /**
   * Open records whose every change the relay acknowledged and the record store
   * holds: a cold start need not open them (it lists them from the store).
   * A local write takes a record off this list before the write reaches disk.
   */
  private readonly cleanKey: string;
  /** The relay store the held records' acknowledgements came from (the mux status frame's `store`). */
  private readonly relayStoreKey: string;
  /**
   * Held records to offer the relay again, acknowledged by a store since
   * replaced (a restore) or not known: shown as not on the relay until it
   * lacks nothing of them.
   */
  private readonly recheckKey: string;
  /** The held records' summaries have been read (HeldRecords.whenLoaded). */
  private heldLoaded = false;
  /** Local writes per open record, so a store that raced a write does not call the record clean. */
  private readonly writeCounts = new Map<string, number>();
  private readonly writeOffs = new Map<string, () => void>();
  private readonly cleanTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Records this session took off the clean list and nobody put back: a scan need not read the list again. */
  private readonly offCleanList = new Set<string>();
  /** Open records whose change is yet to reach lists, counts and the clean list (after the next frame). */
  private readonly upkeepDue = new Set<string>();
  /** Each open record's Yjs snapshot (state vector and deletions) as the record store last got it: unchanged is not stored again. */
  private readonly storedSnapshots = new Map<string, Uint8Array>();
  /** Open record documents, least recently used first. */
  private readonly sources = new Map<string, RecordSource>();
  private readonly recordOffs = new Map<string, () => void>();
  private readonly onScreen = new Map<string, number>();
  private readonly releasing = new Set<string>();
  private readonly recordsChanged = new Emitter();
  private newsTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly offSite: () => void;
  private readonly offHeld: () => void;
  private readonly offContact: () => void;
  private readonly offLeaving: () => void;
  private readonly offOnline: () => void;
  private readonly offStore: () => void;
  private readonly contactKey: string;
  /** Each open record's last summary and the view it was made from (lists read it until the frame showing a change is painted). */
  private readonly liveSummaries = new Map<string, { view: RecordView; summary: RecordSummary }>();
  private wasOnline = false;
  private destroyed = false;
  private rows: RecordRow[] | null = null;
  private views: RecordView[] | null = null;
  private summaryMap: Map<string, RecordSummary> | null = null;
  /** The site's record index as lists last heard of it. */
  private siteRecords: readonly RecordIndexEntry[] | null = null;
  private readonly storageTimer: ReturnType<typeof setTimeout>;
  /** Opens the gate of device storage (see the constructor). */
  private listShown: () => void = () => undefined;

  constructor(options: WorkspaceOptions) {
    this.session = options.session;
    this.device = options.device;
    this.store = options.store ?? localStorage;
    this.workingKey = `tally.working.${options.session.site}`;
    this.idleKey = `tally.idle.${options.session.site}`;
    this.cleanKey = `tally.clean.${options.session.site}`;
    this.relayStoreKey = `tally.relayStore.${options.session.site}`;
    this.recheckKey = `tally.recheck.${options.session.site}`;
    this.keepOpen = options.keepOpen ?? KEEP_OPEN;
    this.author = deviceAuthor(options.session.user.id, options.device, options.seq);
    this.actions = new RecordActions({ author: this.author });
    // The site document and the working copies are read after the first records list is on show
    // (see deferredPersistence.ts): the list reads the record store's summaries, and decoding a
    // month of records' index first would keep a phone busy for half a second before it.
    const storageAfter = new Promise<void>((resolve) => (this.listShown = resolve));
    this.storageTimer = setTimeout(this.listShown, STORAGE_AFTER_LIST_MAX_MS);
    this.client = createSyncClient({
      url: options.session.relayUrl,
      token: options.session.token,
      device: options.device,
      storageAfter,
      query: () => noticesQuery(options.session.site, this.store),
      // A scan's line is painted before its change is stored and sent (in the same frame it would wait for both).
      scheduleLocalWrites: afterNextPaint,
      // A write still on its way to IndexedDB dies with the page: what is not saved is kept in localStorage as it leaves.
      rescue: new UnloadRescue(this.store),
      ...options.sync,
    });
    this.offLeaving = onPageLeaving(() => this.client.keepUnsaved());
    this.notices = new DeviceNotices({
      site: options.session.site,
      relayUrl: options.session.relayUrl,
      token: options.session.token,
      device: options.device,
      user: options.session.user,
      connection: this.client.connection,
      store: options.notices ?? (typeof indexedDB === 'undefined' ? new MemoryNoticeStore() : new IndexeddbNoticeStore(noticesDbName(options.session.site))),
      kv: this.store,
    });
    this.site = new SiteSource(this.client.open(siteDocName(toSiteId(options.session.site))));
    this.names = new UserNames({ doc: this.site.synced.doc, store: this.store, key: `tally.names.${options.session.site}`, self: options.session.user });
    void this.site.synced.whenLoaded.then(() => performance.mark('tally:site-loaded'));
    this.records = options.records ?? defaultRecordStore(options.session.site);
    this.feed = options.feed ?? this.client;
    this.held = new HeldRecords({ store: this.records, feed: this.feed, online: () => this.client.connection.online });
    this.upkeep = new HeldUpkeep({
      held: this.held,
      feed: this.feed,
      online: () => this.client.connection.online,
      isOpen: (id) => this.sources.has(id),
      siteRecords: () => this.site.get().records,
      windowMs: RECENT_MS,
    });
    void this.held.whenLoaded.then(nextPaint).then(this.listShown);
    this.deleteIdleWorkingCopies(options.deleteWorkingCopy ?? defaultDeleteWorkingCopy(options.sync?.persistence));
    this.refusals = new RefusalRecovery({
      client: this.client,
      store: options.setAside ?? new IndexeddbSetAsideStore(),
      author: this.author,
      currentRole: () => currentRole(this.session),
      onReopened: (synced) => {
        const id = recordIdOfDocName(synced.name);
        if (!id) return;
        this.record(id).rebind(synced);
        this.watchWrites(id, synced.doc);
      },
    });
    this.photos = new Photos({
      site: options.session.site,
      relayUrl: options.session.relayUrl,
      token: options.session.token,
      actions: this.actions,
      records: this,
      link: { online: () => this.client.connection.online, recordsPending: () => this.client.status.get().pendingTotal, subscribe: (l) => this.client.status.subscribe(l) },
      photoMaxSide: () => this.site.get().settings.photoMaxSide,
    });
    this.openWorkingCopies();
    this.offSite = this.site.subscribe(() => {
      // The site document also tells of its own sync state (every write and ack): only a change of its
      // record index reaches lists and the look for new records, each a pass over every record.
      const records = this.site.get().records;
      if (records === this.siteRecords) return;
      this.siteRecords = records;
      this.invalidate();
      this.upkeep.fetchRecent();
    });
    this.offHeld = this.held.subscribe(() => {
      // A shift start stores a batch every few frames: screens hear of it at most every HELD_NEWS_MS
      // (every BULK_NEWS_MS while a fetch runs: its own screen shows progress), so a month of records
      // is not re-listed and re-counted once per batch, which grew with the square of the records held.
      this.invalidate({ soon: true, ...(this.held.fetching && { waitMs: BULK_NEWS_MS }) });
      // At once, not once batches settle: a change made between a record's fetch and its watch would be missed.
      this.upkeep.watch();
      this.pinConflicted();
    });
    this.offStore = this.client.connection.onRelayStore((store) => this.noteRelayStore(store));
    this.offOnline = this.client.connection.subscribe(() => {
      const online = this.client.connection.online;
      if (online && !this.wasOnline) void this.held.whenLoaded.then(() => {
        this.held.resume();
        this.upkeep.catchUp();
      });
      this.wasOnline = online;
      this.upkeep.watch();
    });
    void this.held.whenLoaded.then(() => {
      this.heldLoaded = true;
      this.upkeep.watch();
      this.pinConflicted();
      this.upkeep.fetchRecent();
      this.offerHeld();
      const store = this.client.connection.get().relayStore;
      if (store !== null) this.noteRelayStore(store);
    });
    this.contactKey = `tally.lastContact.${options.session.site}`;
    this.offContact = this.client.status.subscribe(() => {
      const at = this.client.status.get().lastContactAt;
      if (at !== null && at > this.storedContact()) this.store.setItem(this.contactKey, String(at));
    });
  }

  /**
   * When the relay was last heard from by this device, also before a reload
   * (the sync core only knows its own connection). Null when never.
   */
  lastContactAt(): number | null {
    const live = this.client.status.get().lastContactAt;
    const stored = this.storedContact();
    const latest = Math.max(live ?? 0, stored);
    return latest > 0 ? latest : null;
  }

  private storedContact(): number {
    const n = Number(this.store.getItem(this.contactKey));
    return Number.isFinite(n) ? n : 0;
  }

  get role(): Role {
    return this.session.user.role;
  }

  /** May this user write (everyone but the auditor)? The relay enforces it too. */
  get mayWrite(): boolean {
    return canWrite(this.role);
  }

  /** The name people know `user` by ("you" for the signed-in user). */
  nameOf(user: string): string {
    return this.names.nameOf(user);
  }

  /**
   * The record `id` as an open document, opened if it was not (built from
   * the device record store and its working copy, then synced). It stays
   * open while on screen (`retain`), while it has work the relay lacks, and
   * among the few most recently used; otherwise it is released into the
   * record store. Hold on to the source only while retaining it.
   */
  record(id: string): RecordSource {
    const open = this.sources.get(id);
    if (open) {
      // Most recently used last.
      this.sources.delete(id);
      this.sources.set(id, open);
      return open;
    }
    return this.open(id);
  }

  /**
   * Keeps record `id` open while a screen shows it; returns the function
   * that lets it go (the record may then be released, see `record`).
   */
  retain(id: string): () => void {
    this.onScreen.set(id, (this.onScreen.get(id) ?? 0) + 1);
    this.record(id);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.onScreen.get(id) ?? 1) - 1;
      if (n > 0) this.onScreen.set(id, n);
      else this.onScreen.delete(id);
      this.trim();
    };
  }

  /** The record `id` if it is open as a document now. */
  heldRecord(id: string): RecordSource | undefined {
    return this.sources.get(id);
  }

  /** Every record open as a document now (on screen, with pending work, in conflict, or recently used). */
  heldRecords(): RecordSource[] {
    return [...this.sources.values()];
  }

  /** Views of every open record (cached until one changes). */
  recordViews(): RecordView[] {
    this.views ??= this.heldRecords().map((s) => s.get());
    return this.views;
  }

  /**
   * Every record's summary on this device: the live one of an open record,
   * the stored one of a record held for reading (cached until something changes).
   */
  summaries(): ReadonlyMap<string, RecordSummary> {
    if (!this.summaryMap) {
      const map = new Map(this.held.summaries());
      for (const [id, source] of this.sources) {
        const live = this.liveSummary(source);
        if (live) map.set(id, live);
        else {
          const stored = map.get(id);
          if (stored) map.set(id, { ...stored, pending: source.get().sync.pending });
        }
      }
      // Not on the relay until it has been offered to the store the device is connected to now.
      for (const id of this.ids(this.recheckKey)) {
        const summary = map.get(id);
        if (summary && summary.pending === 0) map.set(id, { ...summary, pending: 1 });
      }
      this.summaryMap = map;
    }
    return this.summaryMap;
  }

  /** The record list: the site's index and the records held here, newest first (cached until something changes). */
  recordRows(): RecordRow[] {
    this.rows ??= recordRows(this.site.get().records, this.summaries(), this.loadingIds());
    return this.rows;
  }

  /** Fetches from the relay what this device lacks of the records `ids` into the record store (see HeldRecords.fetch). */
  fetchRecords(ids: readonly string[], options: FetchOptions = {}): Promise<{ complete: boolean }> {
    return this.held.fetch(ids, options);
  }

  /**
   * Lets go of held records that fell out of the working window (heldWindow.ts),
   * so the device's storage stays bounded; returns how many. Shift start
   * calls it after fetching the working set.
   */
  async forgetOld(now: number = Date.now()): Promise<number> {
    const inUse = new Set([...this.sources.keys(), ...this.workingIds(), ...this.ids(this.recheckKey)]);
    const ids = recordsToForget(this.summaries().values(), { now, windowMs: RECENT_MS, inUse });
    await this.held.forget(ids);
    return ids.length;
  }

  /** Records held, bytes of the record store, and the open documents' working copies (their Yjs state). */
  async storageUse(): Promise<{ records: number; storeBytes: number; open: number; workingBytes: number }> {
    const { bytes } = await this.records.usage();
    let workingBytes = 0;
    for (const source of this.sources.values()) workingBytes += Y.encodeStateAsUpdate(source.doc).byteLength;
    return { records: this.summaries().size, storeBytes: bytes, open: this.sources.size, workingBytes };
  }

  /** Calls `listener` after any change of the site or a held record; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    return this.recordsChanged.subscribe(listener);
  }

  /** A Subscribable of the record rows, for `reactive()`. */
  readonly rowsSource = {
    get: () => this.recordRows(),
    subscribe: (listener: () => void) => this.subscribe(listener),
  };

  /** A Subscribable of every record's summary. */
  readonly summariesSource = {
    get: () => this.summaries(),
    subscribe: (listener: () => void) => this.subscribe(listener),
  };

  /** A Subscribable of every open record's view. */
  readonly viewsSource = {
    get: () => this.recordViews(),
    subscribe: (listener: () => void) => this.subscribe(listener),
  };

  /**
   * Creates a goods receipt on this device; returns its id. The record list
   * shows it at once (it is held here); the relay lists it in the site's
   * index when it arrives.
   */
  async createReceipt(input: NewReceiptInput): Promise<string> {
    const id = newRecordId('R');
    const release = this.retain(id);
    try {
      const source = this.record(id);
      await source.synced.whenLoaded;
      createReceipt(source.doc, this.author, { id, site: this.session.site, ...clean(input) });
    } finally {
      release();
    }
    return id;
  }

  /** Creates a count sheet on this device; returns its id (listed as a receipt is). */
  async createCountSheet(input: { zone?: string }): Promise<string> {
    const id = newRecordId('C');
    const release = this.retain(id);
    try {
      const source = this.record(id);
      await source.synced.whenLoaded;
      createCountSheet(source.doc, this.author, { id, site: this.session.site, ...clean(input) });
    } finally {
      release();
    }
    return id;
  }

  /** Stops syncing and releases everything; the records stay on the device. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    this.refusals.destroy();
    this.photos.destroy();
    this.notices.destroy();
    this.offSite();
    this.offHeld();
    this.offOnline();
    this.offStore();
    this.offContact();
    this.offLeaving();
    this.upkeep.destroy();
    for (const off of this.recordOffs.values()) off();
    this.recordOffs.clear();
    if (this.newsTimer !== null) clearTimeout(this.newsTimer);
    // Releasing storage waits for it to have opened: let it, rather than wait for the list forever.
    this.listShown();
    clearTimeout(this.storageTimer);
    for (const timer of this.cleanTimers.values()) clearTimeout(timer);
    this.cleanTimers.clear();
    // Open records go to the record store too: a cold start lists them without opening anything.
    const settled = [...this.sources].filter(([, source]) => !this.unsettled(source)).map(([id]) => ({ id, writes: this.writeCounts.get(id) ?? 0 }));
    await this.storeOpen([...this.sources.values()]).then(
      () => settled.forEach(({ id, writes }) => (this.writeCounts.get(id) ?? 0) === writes && this.addId(this.cleanKey, id)),
      () => undefined,
    );
    for (const off of this.writeOffs.values()) off();
    this.writeOffs.clear();
    for (const source of this.sources.values()) source.destroy();
    this.sources.clear();
    this.names.destroy();
    this.site.destroy();
    this.recordsChanged.clear();
    this.held.close();
    await this.client.destroy();
    this.records.close();
  }

  private open(id: string): RecordSource {
    const synced = this.client.open(recordDocName(toRecordId(id)));
    const source = new RecordSource(synced);
    this.sources.set(id, source);
    let pending = synced.get().pending;
    this.recordOffs.set(
      id,
      source.subscribe(() => {
        // A list never shows a change as on the relay: cached rows and summaries with another pending
        // count go at once (rebuilt when next read, the open record's from its last summary).
        const nowPending = synced.get().pending;
        if (nowPending !== pending) {
          pending = nowPending;
          this.summaryMap = null;
          this.rows = null;
        }
        // The record's own screen reads the source itself; lists, counts and badges over every record
        // hear of it after the frame that shows the change, so a scan into a long receipt is painted first.
        if (this.upkeepDue.has(id)) return;
        this.upkeepDue.add(id);
        afterNextPaint(() => {
          this.upkeepDue.delete(id);
          if (this.destroyed || this.sources.get(id) !== source) return;
          this.invalidate({ soon: true, keepCaches: true });
          this.noteIfClean(id, source);
          this.trim();
        });
      }),
    );
    this.refusals.watch(source.synced);
    this.watchWrites(id, synced.doc);
    this.addId(this.workingKey, id);
    this.removeId(this.idleKey, id);
    // What the record store holds is the relay's (released records had no pending work): seed the document with it,
    // once the working copy is read. Before, y-indexeddb would store the whole seeded state in the working copy
    // as it opens (a second full encode of a long receipt); the record store keeps it while the record is in use.
    void Promise.all([this.held.state(id), synced.whenLoaded]).then(
      ([state]) => {
        if (!state || this.sources.get(id) !== source) return;
        // An empty working copy: the document is now exactly what the record store holds.
        const onlyStored = Y.encodeStateVector(synced.doc).length <= 1;
        source.synced.applyKnown(state);
        if (onlyStored) this.storedSnapshots.set(id, snapshotOf(synced.doc));
      },
      () => undefined,
    );
    void synced.whenLoaded.then(() => this.trim());
    this.invalidate();
    this.trim();
    return source;
  }

  /**
   * The relay told its store identity: if the held records' acks came from
   * another store (a restore; or one not known, before identities), every held
   * record is to be offered to this one (see offerHeld).
   */
  private noteRelayStore(store: string): void {
    // Before the held records are read this runs again once they are (see the constructor).
    if (!this.heldLoaded || this.destroyed || this.store.getItem(this.relayStoreKey) === store) return;
    const ids = new Set([...this.ids(this.recheckKey), ...this.held.summaries().keys()]);
    // The list first: a reload between the two writes offers again rather than never.
    this.store.setItem(this.recheckKey, JSON.stringify([...ids]));
    this.store.setItem(this.relayStoreKey, store);
    this.offerHeld();
  }

  /**
   * Offers the relay each held record on the recheck list that holds this
   * device's own work (one at a time, while online: StateOffers); other
   * devices' work is theirs to re-send. One the relay cannot take yet (it
   * builds on changes the relay lacks) stays on the list, offered again at the
   * next start.
   */
  private offerHeld(): void {
    const ids = this.ids(this.recheckKey);
    if (ids.length === 0 || this.destroyed) return;
    for (const id of ids) {
      const load = async (): Promise<Uint8Array | null> => {
        const state = await this.held.state(id);
        return state && holdsWorkOf(state, this.device) ? state : null;
      };
      // The summaries read the list: no listener of the offers may see the old ones.
      this.summaryMap = null;
      this.rows = null;
      void this.client.offer(recordDocName(toRecordId(id)), load).then((outcome) => {
        if (this.destroyed || outcome === 'waiting') return;
        this.removeId(this.recheckKey, id);
        this.invalidate({ soon: true });
      });
    }
    this.invalidate();
  }

  /** Releases open records beyond the few most recent that nothing keeps open. */
  private trim(): void {
    if (this.destroyed) return;
    const idle = [...this.sources].filter(([id, source]) => !this.keptOpen(id, source));
    const excess = idle.length - this.keepOpen;
    for (const [id, source] of idle.slice(0, Math.max(0, excess))) void this.release(id, source);
  }

  /** On screen, loading, with work the relay lacks, refused, or in conflict: the document must stay open. */
  private keptOpen(id: string, source: RecordSource): boolean {
    if (this.onScreen.has(id) || this.releasing.has(id)) return true;
    if (this.unsettled(source)) return true;
    // This record's conflicts only: the whole summary map is not rebuilt to answer for one record.
    return (this.liveSummary(source)?.openConflicts ?? this.held.summaries().get(id)?.openConflicts ?? 0) > 0;
  }

  /** Loading, with work the relay lacks, or refused: the record store cannot stand in for the document yet. */
  private unsettled(source: RecordSource): boolean {
    const view = source.get();
    const sync = view.sync;
    return !sync.loaded || view.meta === null || sync.pending > 0 || Boolean(sync.refused) || this.refusals.forDoc(source.synced.name).some((w) => !w.outcome);
  }

  /**
   * Opens the records whose working copy may hold work the relay lacks, as
   * before a reload. A working copy known clean is not opened (the record
   * store lists it); it is released instead, as if the last session had.
   */
  private openWorkingCopies(): void {
    const clean = new Set(this.ids(this.cleanKey));
    for (const id of this.workingIds()) {
      if (!clean.has(id)) {
        this.open(id);
        continue;
      }
      this.addId(this.idleKey, id);
      this.removeId(this.workingKey, id);
    }
    this.store.removeItem(this.cleanKey);
  }

  /** Counts local writes to record `id` and takes it off the clean list at once (before the write is on disk). */
  private watchWrites(id: string, doc: Y.Doc): void {
    this.writeOffs.get(id)?.();
    // After each transaction rather than on 'update': an 'update' listener makes Yjs encode every
    // transaction, also the known state a record is opened with, which only SyncedDoc needs.
    const onTransaction = (transaction: Y.Transaction): void => {
      if (!transaction.local || !transactionWrote(transaction)) return;
      this.writeCounts.set(id, (this.writeCounts.get(id) ?? 0) + 1);
      if (this.offCleanList.has(id)) return;
      this.removeId(this.cleanKey, id);
      this.offCleanList.add(id);
    };
    doc.on('afterTransaction', onTransaction);
    this.writeOffs.set(id, () => doc.off('afterTransaction', onTransaction));
  }

  private unwatchWrites(id: string): void {
    this.writeOffs.get(id)?.();
    this.writeOffs.delete(id);
    this.writeCounts.delete(id);
    this.storedSnapshots.delete(id);
    const timer = this.cleanTimers.get(id);
    if (timer !== undefined) clearTimeout(timer);
    this.cleanTimers.delete(id);
  }

  /** An open record with nothing pending: stores it a moment after its last change and then calls it clean (see cleanKey). */
  private noteIfClean(id: string, source: RecordSource): void {
    // Each change puts it off: encoding a long receipt must not land between two scans.
    const pending = this.cleanTimers.get(id);
    if (pending !== undefined) clearTimeout(pending);
    this.cleanTimers.delete(id);
    if (this.destroyed || this.unsettled(source)) return;
    const timer = setTimeout(() => whenIdle(() => {
      this.cleanTimers.delete(id);
      if (this.destroyed || this.sources.get(id) !== source || this.unsettled(source)) return;
      // storeOpen takes the document's state at once: a write after this line makes the count differ.
      const writes = this.writeCounts.get(id) ?? 0;
      void this.storeOpen([source]).then(
        () => {
          // Written meanwhile: not clean (the write took it off the list, or will on its next ack).
          if (!this.destroyed && this.sources.get(id) === source && (this.writeCounts.get(id) ?? 0) === writes && !this.unsettled(source)) this.addId(this.cleanKey, id);
        },
        () => undefined,
      );
    }), STORE_CLEAN_AFTER_MS);
    this.cleanTimers.set(id, timer);
  }

  /** Stores the record's state and summary, then closes its document (its working copy is deleted at the next start). */
  private async release(id: string, source: RecordSource): Promise<void> {
    this.releasing.add(id);
    try {
      await this.storeOpen([source]);
    } catch (err) {
      console.warn(`[tally app] cannot store record ${id} on this device; it stays open`, err);
      this.releasing.delete(id);
      return;
    }
    this.releasing.delete(id);
    // Opened again, or written, while being stored: keep it.
    if (this.destroyed || this.sources.get(id) !== source || this.keptOpen(id, source)) return;
    this.sources.delete(id);
    this.liveSummaries.delete(id);
    this.recordOffs.get(id)?.();
    this.recordOffs.delete(id);
    this.refusals.unwatch(source.synced.name);
    this.unwatchWrites(id);
    source.destroy();
    this.addId(this.idleKey, id);
    this.removeId(this.workingKey, id);
    this.removeId(this.cleanKey, id);
    this.invalidate();
    await this.client.close(source.synced.name);
  }

  /** Writes open records' merged state and summary to the record store, in one write. */
  private async storeOpen(sources: readonly RecordSource[]): Promise<void> {
    const snapshots = new Map<string, Uint8Array>();
    const records = sources
      .filter((s) => s.get().sync.loaded && s.get().meta !== null)
      .filter((s) => {
        // The store holds this already (nothing written or received since it got it): no second encode of the whole state.
        const snapshot = snapshotOf(s.doc);
        const stored = this.storedSnapshots.get(s.id);
        if (stored && sameBytes(stored, snapshot)) return false;
        snapshots.set(s.id, snapshot);
        return true;
      })
      // The vector from the document: reading it out of the encoded state would decode all of it again.
      .map((s) => ({ state: Y.encodeStateAsUpdate(s.doc), vector: Y.encodeStateVector(s.doc), summary: this.liveSummary(s) as RecordSummary }));
    await this.held.put(records);
    for (const [id, snapshot] of snapshots) if (this.sources.has(id)) this.storedSnapshots.set(id, snapshot);
  }

  /** The summary of an open record's current view (null until it is loaded and its creation is known). */
  private liveSummary(source: RecordSource): RecordSummary | null {
    const view = source.get();
    if (!view.sync.loaded || view.meta === null) return null;
    const last = this.liveSummaries.get(source.id);
    if (last?.view === view) return last.summary;
    // A change is shown on its record's screen first; lists and badges summarize it after that frame
    // (see open(): summarizing a 500-line receipt was the longest part of a scan's first frame).
    // Until then, the last summary, with the count of pending changes as it is now.
    if (last && this.upkeepDue.has(source.id)) {
      return last.summary.pending === view.sync.pending ? last.summary : { ...last.summary, pending: view.sync.pending };
    }
    const summary = recordSummary({ id: source.id, record: view, review: view.review, sync: view.sync });
    this.liveSummaries.set(source.id, { view, summary });
    return summary;
  }

  private loadingIds(): Set<string> {
    const ids = new Set<string>();
    for (const [id, source] of this.sources) if (!source.get().sync.loaded && !this.held.summaries().has(id)) ids.add(id);
    return ids;
  }

  /** Records in conflict stay open, so the conflicts screen can show and resolve them. */
  private pinConflicted(): void {
    if (this.destroyed) return;
    for (const [id, summary] of this.held.summaries()) if (summary.openConflicts > 0 && !this.sources.has(id)) this.open(id);
  }

  /**
   * Drops the cached rows, views and summaries and tells subscribers: at once,
   * or `soon` (within HELD_NEWS_MS, many changes told once). With `keepCaches`
   * the caches also stay until then, so whoever reads meanwhile (a badge
   * re-rendered by the same scan) gets the last lists, not a new summary of a
   * long record made in the scan's own frame.
   */
  private invalidate(options: { soon?: boolean; keepCaches?: boolean; waitMs?: number } = {}): void {
    const clear = () => {
      this.rows = null;
      this.views = null;
      this.summaryMap = null;
    };
    if (!options.soon) {
      clear();
      if (this.newsTimer !== null) clearTimeout(this.newsTimer);
      this.newsTimer = null;
      this.recordsChanged.emit();
      return;
    }
    if (!options.keepCaches) clear();
    this.newsTimer ??= setTimeout(() => {
      this.newsTimer = null;
      clear();
      if (!this.destroyed) this.recordsChanged.emit();
    }, options.waitMs ?? HELD_NEWS_MS);
  }

  /** Ids with a working copy that may hold work: this session's and, once, the ones listed before issue 11. */
  private workingIds(): string[] {
    const legacyKey = `tally.records.${this.session.site}`;
    const legacy = this.ids(legacyKey);
    if (legacy.length > 0) {
      for (const id of legacy) this.addId(this.workingKey, id);
      this.store.removeItem(legacyKey);
    }
    return this.ids(this.workingKey);
  }

  /** Deletes the working copies released last session, before anything can open them again. */
  private deleteIdleWorkingCopies(deleteWorkingCopy: ((docName: string) => void) | null): void {
    const working = new Set(this.ids(this.workingKey));
    for (const id of this.ids(this.idleKey)) if (!working.has(id)) deleteWorkingCopy?.(recordDocName(toRecordId(id)));
    this.store.removeItem(this.idleKey);
  }

  private ids(key: string): string[] {
    try {
      const ids = JSON.parse(this.store.getItem(key) ?? '[]') as unknown;
      return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
    } catch {
      return [];
    }
  }

  private addId(key: string, id: string): void {
    if (key === this.cleanKey) this.offCleanList.delete(id);
    const ids = this.ids(key);
    if (ids.includes(id)) return;
    ids.push(id);
    this.store.setItem(key, JSON.stringify(ids));
  }

  private removeId(key: string, id: string): void {
    const ids = this.ids(key);
    if (!ids.includes(id)) return;
    this.store.setItem(key, JSON.stringify(ids.filter((x) => x !== id)));
  }
}

/** Whether the record state `state` holds anything written on `device` (a client id it claimed, or an entry it made). */
function holdsWorkOf(state: Uint8Array, device: DeviceId): boolean {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    for (const writer of readWriters(doc).values()) if (writer.by === 'device' && writer.device === device) return true;
    return readRecord(doc).entries.some((e) => e.device === device);
  } finally {
    doc.destroy();
  }
}

/** A document's Yjs snapshot (state vector and delete set), encoded: equal bytes, equal content. */
function snapshotOf(doc: Y.Doc): Uint8Array {
  return Y.encodeSnapshot(Y.snapshot(doc));
}

/** Runs `work` when the page is idle (encoding a big record must not land between two scans). */
function whenIdle(work: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(work, { timeout: 2_000 });
  else work();
}

/** The record store in IndexedDB, or in memory where there is none (Node tests). */
function defaultRecordStore(site: string): DeviceRecordStore {
  const bytes = typeof indexedDB === 'undefined' ? new MemoryByteStore() : new IndexeddbByteStore(heldRecordsDbName(site));
  return new DeviceRecordStore(bytes);
}

/** Working copies are y-indexeddb databases named after their document, when the client keeps them in IndexedDB. */
function defaultDeleteWorkingCopy(persistence: SyncClientOptions['persistence']): ((docName: string) => void) | null {
  if (typeof indexedDB === 'undefined' || (persistence !== undefined && persistence !== 'indexeddb')) return null;
  return (docName) => void indexedDB.deleteDatabase(docName);
}

/** A new record id: a kind letter, the date and a random tail, short enough to read out over a radio. */
function newRecordId(prefix: string): string {
  const d = new Date();
  const date = `${String(d.getFullYear()).slice(2)}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`;
  const tail = randomId().replace(/-/g, '').slice(0, 6).toUpperCase();
  return `${prefix}-${date}-${tail}`;
}

/** The non-empty fields of `input`, trimmed. */
function clean(input: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) if (typeof v === 'string' && v.trim()) out[k] = v.trim();
  return out;
}
