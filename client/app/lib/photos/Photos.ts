/**
 * Photos on this device: the one object screens use to take, show and send
 * photos (the Workspace owns it). Taking a photo compresses it in the worker,
 * keeps the photo and its thumbnail in the media store (durably), and only
 * then appends the `photo` entry to the record, so a record never names a
 * photo its device lacks. The uploader sends the queue in the background;
 * nothing waits for it. Thumbnails and photos are shown from the device when
 * it holds them, else fetched from the relay (`GET /files/<sha256>` with the
 * token), checked against their hash and kept.
 */
import type * as Y from 'yjs';
import type { EntryId, PhotoEntry } from '../../../../shared/model';
import type { RecordActions } from '../RecordActions';
import { Emitter } from '../Emitter';
import { mediaDbName, IndexeddbMediaStore, MemoryMediaStore, type MediaStore, type StoredFile, type TakenPhoto } from './MediaStore';
import { PhotoCompressor } from './PhotoCompressor';
import { DEFAULT_PHOTO_SIZE, type PhotoSize } from './photoSize';
import { photoStateOf, type PhotoState } from './photoState';
import { PhotoUploader } from './PhotoUploader';
import { isPhotoHash, sha256Hex } from './sha256';
import { spaceIsLow } from './storageSpace';

/** The records a photo is attached to, as the Workspace hands them out. */
export interface PhotoRecords {
  /** Keeps record `id` open until the returned function is called. */
  retain(id: string): () => void;
  /** Record `id` as an open document. */
  record(id: string): { readonly doc: Y.Doc; readonly synced: { readonly whenLoaded: Promise<unknown> } };
}

/** The relay connection as the photo queue needs it. */
export interface PhotoLink {
  online(): boolean;
  recordsPending(): number;
  subscribe(listener: () => void): () => void;
}

/** What Photos needs. */
export interface PhotosOptions {
  site: string;
  relayUrl: string;
  token: string;
  /** How the photo's entry is written (the app's one way to write a record). */
  actions: Pick<RecordActions, 'addPhoto'>;
  records: PhotoRecords;
  link: PhotoLink;
  /** Default IndexedDB `tally.media.<site>` (memory where there is none). */
  store?: MediaStore;
  /** Default: the worker (PhotoCompressor). */
  compress?: (file: Blob, size: PhotoSize) => ReturnType<PhotoCompressor['compress']>;
  /** The site's setting for a photo's longest side, read at each photo taken (default 2,048 px). */
  photoMaxSide?: () => number;
  /** Default `navigator.storage.estimate`, when there is one. */
  estimate?: () => Promise<StorageEstimate>;
}

/** What a photo shows besides the record: a receipt line or a count sheet's bin. */
export interface PhotoTarget {
  caption?: string;
  line?: EntryId;
  bin?: string;
}

/** The photo state every screen reads. */
export interface PhotosView {
  /** Photos taken on this device, oldest first. */
  readonly taken: readonly TakenPhoto[];
  /** Each taken photo's state, by photo id. */
  readonly states: ReadonlyMap<string, PhotoState>;
  /** Photos taken here the relay does not hold yet (photo and thumbnail). */
  readonly pending: number;
  /** Photos being compressed now. */
  readonly compressing: number;
}

/** Space photos use on this device. */
export interface PhotoUsage {
  /** Full photos held (bytes present). */
  readonly photos: number;
  readonly photoBytes: number;
  readonly thumbnails: number;
  readonly thumbBytes: number;
  /** Bytes of full photos the relay holds, which may be dropped. */
  readonly droppableBytes: number;
}

/** Why a photo cannot be shown, in words. */
export class PhotoUnavailable extends Error {
  override name = 'PhotoUnavailable';
}

/** See the module comment. */
export class Photos {
  private readonly store: MediaStore;
  private readonly uploader: PhotoUploader;
  private readonly emitter = new Emitter();
  private readonly compressor: PhotoCompressor | null;
  private readonly compress: NonNullable<PhotosOptions['compress']>;
  private readonly urls = new Map<string, Promise<string>>();
  private takenRows: TakenPhoto[] = [];
  private fileRows = new Map<string, StoredFile>();
  private compressing = 0;
  private view: PhotosView | null = null;
  private destroyed = false;
  private askedPersist = false;

  constructor(private readonly options: PhotosOptions) {
    this.store = options.store ?? (typeof indexedDB === 'undefined' ? new MemoryMediaStore() : new IndexeddbMediaStore(mediaDbName(options.site)));
    this.compressor = options.compress ? null : new PhotoCompressor();
    this.compress = options.compress ?? ((file, size) => this.compressor!.compress(file, size));
    this.uploader = new PhotoUploader({
      store: this.store,
      endpoint: `${options.relayUrl}/files/`,
      token: options.token,
      online: () => options.link.online(),
      recordsPending: () => options.link.recordsPending(),
      subscribe: (listener) => options.link.subscribe(listener),
      onChange: (stored) => {
        if (!stored) return this.changed();
        void this.reload().then(() => this.dropIfLow());
      },
    });
    void this.reload().then(() => {
      if (this.takenRows.length > 0) {
        this.uploader.kick();
        this.askPersist();
      }
      void this.dropIfLow();
    });
  }

  get(): PhotosView {
    if (!this.view) {
      const progress = this.uploader.progress();
      const states = new Map<string, PhotoState>();
      for (const photo of this.takenRows) states.set(photo.id, photoStateOf(photo, this.fileRows, progress, this.uploader.note(photo.id)));
      const pending = [...states.values()].filter((s) => s.kind !== 'relay').length;
      this.view = { taken: this.takenRows, states, pending, compressing: this.compressing };
    }
    return this.view;
  }

  subscribe(listener: () => void): () => void {
    return this.emitter.subscribe(listener);
  }

  /**
   * Takes `file` (from the camera or the gallery) onto record `recordId`:
   * compresses it, keeps it on the device, then appends the photo entry.
   * Rejects with the reason in words when the picture cannot be read.
   */
  async take(recordId: string, file: Blob, target: PhotoTarget = {}): Promise<PhotoEntry> {
    const release = this.options.records.retain(recordId);
    this.compressing++;
    this.changed();
    try {
      const c = await this.compress(file, { ...DEFAULT_PHOTO_SIZE, maxSide: this.options.photoMaxSide?.() ?? DEFAULT_PHOTO_SIZE.maxSide });
      const at = Date.now();
      await this.store.keepTaken(
        { id: c.photoId, thumbId: c.thumbId, recordId, bytes: c.photo.size, thumbBytes: c.thumb.size, width: c.width, height: c.height, at, failure: null },
        { photo: c.photo, thumb: c.thumb },
      );
      const source = this.options.records.record(recordId);
      await source.synced.whenLoaded;
      const entry = this.options.actions.addPhoto(source, {
        photoId: c.photoId,
        thumbId: c.thumbId,
        bytes: c.photo.size,
        width: c.width,
        height: c.height,
        caption: target.caption?.trim() || undefined,
        line: target.line,
        bin: target.bin,
      });
      await this.reload();
      this.uploader.kick();
      this.askPersist();
      return entry;
    } finally {
      this.compressing--;
      this.changed();
      release();
    }
  }

  /** Tries to send what is waiting now, without waiting for a backoff to run out (shift handover's push). */
  sendNow(): void {
    this.uploader.kick();
  }

  /** Sends a photo the relay refused again (after the reason was dealt with). */
  async retry(photoId: string): Promise<void> {
    await this.store.setFailure(photoId, null);
    await this.reload();
    this.uploader.kick();
  }

  /** An object URL of thumbnail `id`: from the device, else from the relay (then kept). */
  thumbnailUrl(id: string): Promise<string> {
    return this.url(id, 'thumb');
  }

  /** An object URL of full photo `id`: from the device, else from the relay (then kept until dropped). */
  photoUrl(id: string): Promise<string> {
    return this.url(id, 'photo');
  }

  /** Space photos use here. */
  async usage(): Promise<PhotoUsage> {
    let photos = 0;
    let photoBytes = 0;
    let thumbnails = 0;
    let thumbBytes = 0;
    let droppableBytes = 0;
    for (const file of await this.store.files()) {
      if (!file.blob) continue;
      if (file.role === 'thumb') {
        thumbnails++;
        thumbBytes += file.bytes;
      } else {
        photos++;
        photoBytes += file.bytes;
        if (file.onRelay) droppableBytes += file.bytes;
      }
    }
    return { photos, photoBytes, thumbnails, thumbBytes, droppableBytes };
  }

  /** Drops from this device the full photos the relay holds (thumbnails stay); returns the bytes freed. Never a photo the relay lacks. */
  async dropSent(): Promise<number> {
    const ids = (await this.store.files()).filter((f) => f.role === 'photo' && f.onRelay && f.blob).map((f) => f.id);
    const freed = await this.store.dropOnRelay(ids);
    for (const id of ids) {
      const url = this.urls.get(id);
      this.urls.delete(id);
      void url?.then((u) => URL.revokeObjectURL(u), () => undefined);
    }
    await this.reload();
    return freed;
  }

  /** Drops sent photos when the browser says space is low; returns the bytes freed. */
  async dropIfLow(): Promise<number> {
    const estimate = this.options.estimate ?? (typeof navigator !== 'undefined' && navigator.storage?.estimate ? () => navigator.storage.estimate() : null);
    if (!estimate || this.destroyed) return 0;
    try {
      if (!spaceIsLow(await estimate())) return 0;
    } catch {
      return 0;
    }
    const freed = await this.dropSent();
    if (freed > 0) console.info(`[tally app] storage is low: dropped ${freed} bytes of photos the relay holds`);
    return freed;
  }

  destroy(): void {
    this.destroyed = true;
    this.uploader.destroy();
    this.compressor?.destroy();
    for (const url of this.urls.values()) void url.then((u) => URL.revokeObjectURL(u), () => undefined);
    this.urls.clear();
    this.emitter.clear();
    this.store.close();
  }

  private url(id: string, role: StoredFile['role']): Promise<string> {
    // An entry's ids are another device's claims: only a SHA-256 is ever put in a URL.
    if (!isPhotoHash(id)) return Promise.reject(new PhotoUnavailable('This entry names no photo this app can show.'));
    let url = this.urls.get(id);
    if (!url) {
      url = this.load(id, role).then((blob) => URL.createObjectURL(blob));
      this.urls.set(id, url);
      // A failure is not kept: the next look tries again (the relay may have it by then).
      url.catch(() => this.urls.get(id) === url && this.urls.delete(id));
    }
    return url;
  }

  private async load(id: string, role: StoredFile['role']): Promise<Blob> {
    const held = await this.store.file(id);
    if (held?.blob) return held.blob;
    let res: Response;
    try {
      res = await fetch(`${this.options.relayUrl}/files/${id}`, { headers: { authorization: `Bearer ${this.options.token}` } });
    } catch {
      throw new PhotoUnavailable(role === 'thumb' ? 'Not on this device; shown when the relay is in reach.' : 'This photo is on the relay; it opens when the relay is in reach.');
    }
    if (res.status === 404) throw new PhotoUnavailable('Not on the relay yet: still on the device that took it.');
    if (!res.ok) throw new PhotoUnavailable(`The relay could not send the photo (${res.status}).`);
    const blob = await res.blob();
    // What the relay sent is a claim too: kept only if it is the photo the record names.
    if ((await sha256Hex(blob)) !== id) throw new PhotoUnavailable('The relay sent different bytes than this photo: not shown.');
    const typed = blob.type ? blob : new Blob([blob], { type: 'image/jpeg' });
    await this.store.cache({ id, role, blob: typed, bytes: typed.size, onRelay: true, at: Date.now() });
    return typed;
  }

  private async reload(): Promise<void> {
    if (this.destroyed) return;
    const [taken, files] = await Promise.all([this.store.taken(), this.store.files()]);
    if (this.destroyed) return;
    this.takenRows = taken;
    this.fileRows = new Map(files.map((f) => [f.id, f]));
    this.changed();
  }

  private changed(): void {
    this.view = null;
    this.emitter.emit();
  }

  /** Asks the browser once to keep the device's data when space runs low (photos are the largest thing it holds). */
  private askPersist(): void {
    if (this.askedPersist || typeof navigator === 'undefined' || !navigator.storage?.persist) return;
    this.askedPersist = true;
    void navigator.storage.persist().catch(() => undefined);
  }
}
