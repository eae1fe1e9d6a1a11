/**
 * The app's composition root for one signed-in user on one device: the sync
 * client (one socket to the relay), the site document, the record documents
 * this device holds, and the named actions screens call. Screens read through
 * the sources it hands out and never touch a socket.
 */
import { createSyncClient, type SyncClient, type SyncClientOptions } from '../../../client/sync';
import { canWrite, type Role } from '../../../shared/auth/roles';
import {
  createCountSheet,
  createReceipt,
  proposeChange,
  recordDocName,
  recordIdOfDocName,
  siteDocName,
  toRecordId,
  toSiteId,
  setField,
  userName,
  type Author,
  type FieldName,
  type DeviceId,
} from '../../../shared/model';
import { deviceAuthor, randomId, type KeyValueStore, type SeqCounter } from './device';
import { Emitter } from './Emitter';
import { RecordSource, type RecordView } from './RecordSource';
import { recordRows, type RecordRow } from './recordRows';
import { RefusalRecovery } from './RefusalRecovery';
import { currentRole, type Session } from './session';
import { IndexeddbSetAsideStore, type SetAsideStore } from './SetAsideStore';
import { SiteSource } from './SiteSource';

/** Records the site lists from this far back are held on every device (older ones are fetched when opened). */
const RECENT_MS = 30 * 24 * 60 * 60 * 1000;

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
  readonly client: SyncClient;
  readonly site: SiteSource;
  /** Refused work set aside, and the recovery of refused records (see RefusalRecovery). */
  readonly refusals: RefusalRecovery;
  private readonly store: KeyValueStore;
  private readonly localKey: string;
  private readonly sources = new Map<string, RecordSource>();
  private readonly recordOffs = new Map<string, () => void>();
  private readonly recordsChanged = new Emitter();
  private readonly offSite: () => void;
  private readonly offContact: () => void;
  private readonly contactKey: string;
  private rows: RecordRow[] | null = null;
  private views: RecordView[] | null = null;

  constructor(options: WorkspaceOptions) {
    this.session = options.session;
    this.device = options.device;
    this.store = options.store ?? localStorage;
    this.localKey = `tally.records.${options.session.site}`;
    this.author = deviceAuthor(options.session.user.id, options.device, options.seq);
    this.client = createSyncClient({
      url: options.session.relayUrl,
      token: options.session.token,
      device: options.device,
      ...options.sync,
    });
    this.site = new SiteSource(this.client.open(siteDocName(toSiteId(options.session.site))));
    this.refusals = new RefusalRecovery({
      client: this.client,
      store: options.setAside ?? new IndexeddbSetAsideStore(),
      author: this.author,
      currentRole: () => currentRole(this.session),
      onReopened: (synced) => {
        const id = recordIdOfDocName(synced.name);
        if (id) this.record(id).rebind(synced);
      },
    });
    for (const id of this.localIds()) this.record(id);
    this.offSite = this.site.subscribe(() => {
      this.invalidate();
      this.holdRecent();
    });
    this.holdRecent();
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
    if (user === this.session.user.id) return `${this.session.user.name} (you)`;
    return userName(this.site.synced.doc, user);
  }

  /** The record `id`, opened (and kept on this device) if it was not yet. */
  record(id: string): RecordSource {
    const held = this.sources.get(id);
    if (held) return held;
    const source = new RecordSource(this.client.open(recordDocName(toRecordId(id))));
    this.sources.set(id, source);
    this.recordOffs.set(id, source.subscribe(() => this.invalidate()));
    this.refusals.watch(source.synced);
    this.remember(id);
    this.invalidate();
    return source;
  }

  /** The record `id` if this device holds it. */
  heldRecord(id: string): RecordSource | undefined {
    return this.sources.get(id);
  }

  /** Every record this device holds. */
  heldRecords(): RecordSource[] {
    return [...this.sources.values()];
  }

  /** Views of every record this device holds (cached until one changes). */
  recordViews(): RecordView[] {
    this.views ??= this.heldRecords().map((s) => s.get());
    return this.views;
  }

  /** The record list: the site's index and the records held here, newest first (cached until something changes). */
  recordRows(): RecordRow[] {
    this.rows ??= recordRows(
      this.site.get().records,
      new Map([...this.sources].map(([id, source]) => [id, source.get()])),
    );
    return this.rows;
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

  /** A Subscribable of every held record's view. */
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
    const source = this.record(id);
    await source.synced.whenLoaded;
    createReceipt(source.doc, this.author, { id, site: this.session.site, ...clean(input) });
    return id;
  }

  /** Creates a count sheet on this device; returns its id (listed as a receipt is). */
  async createCountSheet(input: { zone?: string }): Promise<string> {
    const id = newRecordId('C');
    const source = this.record(id);
    await source.synced.whenLoaded;
    createCountSheet(source.doc, this.author, { id, site: this.session.site, ...clean(input) });
    return id;
  }

  /** Proposes a status or hold change of the record, based on the review revision this device has seen. */
  propose(source: RecordSource, field: 'status' | 'hold', value: string | boolean): void {
    proposeChange(source.doc, this.author, { field, value, baseRevision: source.get().review?.revision ?? 0 });
  }

  /** Edits a descriptive field (audited); the relay re-titles the record's row in the site index. */
  saveField(source: RecordSource, field: FieldName, value: string): void {
    setField(source.doc, this.author, field, value);
  }

  /** Stops syncing and releases everything; the records stay on the device. */
  async destroy(): Promise<void> {
    this.refusals.destroy();
    this.offSite();
    this.offContact();
    for (const off of this.recordOffs.values()) off();
    this.recordOffs.clear();
    for (const source of this.sources.values()) source.destroy();
    this.sources.clear();
    this.site.destroy();
    this.recordsChanged.clear();
    await this.client.destroy();
  }

  /**
   * Holds every record the site lists from the last RECENT_MS: a new record
   * made on another device is fetched as soon as the site's list names it, so
   * its state (and any conflict in it) is on this device before the network goes.
   */
  private holdRecent(): void {
    const since = Date.now() - RECENT_MS;
    for (const row of this.site.get().records) {
      if (row.createdAt >= since && !this.sources.has(row.id)) this.record(row.id);
    }
  }

  private invalidate(): void {
    this.rows = null;
    this.views = null;
    this.recordsChanged.emit();
  }

  private localIds(): string[] {
    try {
      const ids = JSON.parse(this.store.getItem(this.localKey) ?? '[]') as unknown;
      return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
    } catch {
      return [];
    }
  }

  private remember(id: string): void {
    const ids = this.localIds();
    if (ids.includes(id)) return;
    ids.push(id);
    this.store.setItem(this.localKey, JSON.stringify(ids));
  }
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
