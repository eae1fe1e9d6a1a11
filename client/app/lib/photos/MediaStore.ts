/**
 * The media queue and cache on the device: photos and thumbnails as blobs,
 * the photos taken here with what the relay has of them, and tus's upload
 * URLs (so an upload resumes after a reload). One IndexedDB database per
 * site, `tally.media.<site>`, with three object stores:
 * - `files`: a photo's or thumbnail's bytes under its SHA-256, and whether
 *   the relay has it; a full photo dropped after reaching the relay keeps its
 *   row with no bytes, so it is never sent again.
 * - `taken`: photos taken on this device (the queue): which record, their
 *   size, the relay's last refusal in words.
 * - `uploads`: tus-js-client's URL storage (see tusUrlStorage.ts).
 * A photo's files and its `taken` row are written in one durable transaction
 * before the record names the photo (Photos.take). `MemoryMediaStore` serves
 * Node tests and browsers without IndexedDB.
 */

/** Whether a stored file is a full photo or a thumbnail. */
export type FileRole = 'photo' | 'thumb';

/** A photo's or thumbnail's bytes, named by their SHA-256. */
export interface StoredFile {
  readonly id: string;
  readonly role: FileRole;
  /** The bytes; null once a full photo already on the relay was dropped from the device. */
  readonly blob: Blob | null;
  readonly bytes: number;
  /** The relay answered that it holds these bytes (final PATCH, or HEAD at full length). */
  readonly onRelay: boolean;
  /** When stored on this device (ms since epoch). */
  readonly at: number;
}

/** A photo taken on this device: what the queue sends. */
export interface TakenPhoto {
  /** SHA-256 of the photo. */
  readonly id: string;
  readonly thumbId: string;
  /** The record the photo belongs to. */
  readonly recordId: string;
  readonly bytes: number;
  readonly thumbBytes: number;
  readonly width: number;
  readonly height: number;
  /** When taken (ms since epoch); the queue sends oldest first. */
  readonly at: number;
  /** The relay's refusal in words (a 4xx that retrying will not change); null when none. */
  readonly failure: string | null;
}

/** One tus upload URL kept for resuming (tus-js-client's PreviousUpload, with its fingerprint). */
export interface StoredUpload {
  readonly key: string;
  readonly fingerprint: string;
  readonly upload: Record<string, unknown>;
}

/** Where the media queue and cache live; see the module comment. */
export interface MediaStore {
  /** Keeps a new photo's two files and its queue row, in one durable write. */
  keepTaken(photo: TakenPhoto, files: { photo: Blob; thumb: Blob }): Promise<void>;
  /** Every photo taken here, oldest first. */
  taken(): Promise<TakenPhoto[]>;
  /** Sets or clears a taken photo's refusal. */
  setFailure(id: string, failure: string | null): Promise<void>;
  /** A file's row (its bytes may have been dropped). */
  file(id: string): Promise<StoredFile | undefined>;
  /** Every file row, without a guarantee of order. */
  files(): Promise<StoredFile[]>;
  /** Caches a file fetched from the relay (kept only if no row exists: a taken photo's row is never replaced). */
  cache(file: StoredFile): Promise<void>;
  /** Records that the relay holds file `id`. */
  markOnRelay(id: string): Promise<void>;
  /** Drops the bytes of full photos `ids` that the relay holds; returns the bytes freed. Thumbnails and photos not on the relay are kept. */
  dropOnRelay(ids: readonly string[]): Promise<number>;
  /** tus upload URLs. */
  uploads(): Promise<StoredUpload[]>;
  putUpload(upload: StoredUpload): Promise<void>;
  deleteUpload(key: string): Promise<void>;
  close(): void;
}

/** The database of `site`'s media. */
export function mediaDbName(site: string): string {
  return `tally.media.${site}`;
}

const FILES = 'files';
const TAKEN = 'taken';
const UPLOADS = 'uploads';

/** The media store in IndexedDB; see the module comment. */
export class IndexeddbMediaStore implements MediaStore {
  private db: Promise<IDBDatabase> | null = null;

  constructor(private readonly name: string) {}

  keepTaken(photo: TakenPhoto, files: { photo: Blob; thumb: Blob }): Promise<void> {
    return this.write([FILES, TAKEN], (tx) => {
      const store = tx.objectStore(FILES);
      for (const [id, role, blob] of [[photo.id, 'photo', files.photo], [photo.thumbId, 'thumb', files.thumb]] as const) {
        const req = store.get(id);
        req.onsuccess = () => void store.put(stored(id, role, blob, photo.at, req.result as StoredFile | undefined));
      }
      tx.objectStore(TAKEN).put(photo);
    });
  }

  async taken(): Promise<TakenPhoto[]> {
    const all = await this.read<TakenPhoto[]>(TAKEN, (s) => s.getAll());
    return all.sort((a, b) => a.at - b.at);
  }

  setFailure(id: string, failure: string | null): Promise<void> {
    return this.write([TAKEN], (tx) => {
      const store = tx.objectStore(TAKEN);
      const req = store.get(id);
      req.onsuccess = () => {
        const row = req.result as TakenPhoto | undefined;
        if (row) store.put({ ...row, failure });
      };
    });
  }

  file(id: string): Promise<StoredFile | undefined> {
    return this.read(FILES, (s) => s.get(id));
  }

  files(): Promise<StoredFile[]> {
    return this.read(FILES, (s) => s.getAll());
  }

  cache(file: StoredFile): Promise<void> {
    return this.write([FILES], (tx) => {
      const store = tx.objectStore(FILES);
      const req = store.get(file.id);
      req.onsuccess = () => {
        const row = req.result as StoredFile | undefined;
        if (!row) store.put(file);
        else if (!row.blob && file.blob) store.put({ ...row, blob: file.blob, onRelay: true });
      };
    }, 'relaxed');
  }

  markOnRelay(id: string): Promise<void> {
    return this.update(id, (row) => (row.onRelay ? null : { ...row, onRelay: true }));
  }

  async dropOnRelay(ids: readonly string[]): Promise<number> {
    let freed = 0;
    await this.write([FILES], (tx) => {
      const store = tx.objectStore(FILES);
      for (const id of ids) {
        const req = store.get(id);
        req.onsuccess = () => {
          const row = req.result as StoredFile | undefined;
          if (!row || row.role !== 'photo' || !row.onRelay || !row.blob) return;
          freed += row.bytes;
          store.put({ ...row, blob: null });
        };
      }
    });
    return freed;
  }

  uploads(): Promise<StoredUpload[]> {
    return this.read(UPLOADS, (s) => s.getAll());
  }

  putUpload(upload: StoredUpload): Promise<void> {
    return this.write([UPLOADS], (tx) => void tx.objectStore(UPLOADS).put(upload));
  }

  deleteUpload(key: string): Promise<void> {
    return this.write([UPLOADS], (tx) => void tx.objectStore(UPLOADS).delete(key));
  }

  close(): void {
    void this.db?.then((db) => db.close(), () => undefined);
    this.db = null;
  }

  private update(id: string, change: (row: StoredFile) => StoredFile | null): Promise<void> {
    return this.write([FILES], (tx) => {
      const store = tx.objectStore(FILES);
      const req = store.get(id);
      req.onsuccess = () => {
        const row = req.result as StoredFile | undefined;
        const next = row && change(row);
        if (next) store.put(next);
      };
    });
  }

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(this.name, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore(FILES, { keyPath: 'id' });
        db.createObjectStore(TAKEN, { keyPath: 'id' });
        db.createObjectStore(UPLOADS, { keyPath: 'key' });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error(`cannot open ${this.name}`));
    });
    return this.db;
  }

  private async read<T>(store: string, request: (s: IDBObjectStore) => IDBRequest): Promise<T> {
    const db = await this.open();
    return new Promise<T>((resolve, reject) => {
      const tx = db.transaction(store, 'readonly');
      const req = request(tx.objectStore(store));
      tx.oncomplete = () => resolve(req.result as T);
      tx.onabort = () => reject(tx.error ?? new Error(`${this.name}: read aborted`));
    });
  }

  /** One transaction over `stores`; resolves once it committed ('strict': a photo survives a power cut like the record naming it). */
  private async write(stores: string[], work: (tx: IDBTransaction) => void, durability: IDBTransactionDurability = 'strict'): Promise<void> {
    const db = await this.open();
    return new Promise<void>((resolve, reject) => {
      const tx = db.transaction(stores, 'readwrite', { durability });
      work(tx);
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error ?? new Error(`${this.name}: write aborted`));
    });
  }
}

/** The media store in memory (Node tests, browsers without IndexedDB): nothing survives a reload. */
export class MemoryMediaStore implements MediaStore {
  readonly fileRows = new Map<string, StoredFile>();
  readonly takenRows = new Map<string, TakenPhoto>();
  readonly uploadRows = new Map<string, StoredUpload>();

  async keepTaken(photo: TakenPhoto, files: { photo: Blob; thumb: Blob }): Promise<void> {
    this.fileRows.set(photo.id, stored(photo.id, 'photo', files.photo, photo.at, this.fileRows.get(photo.id)));
    this.fileRows.set(photo.thumbId, stored(photo.thumbId, 'thumb', files.thumb, photo.at, this.fileRows.get(photo.thumbId)));
    this.takenRows.set(photo.id, photo);
  }

  async taken(): Promise<TakenPhoto[]> {
    return [...this.takenRows.values()].sort((a, b) => a.at - b.at);
  }

  async setFailure(id: string, failure: string | null): Promise<void> {
    const row = this.takenRows.get(id);
    if (row) this.takenRows.set(id, { ...row, failure });
  }

  async file(id: string): Promise<StoredFile | undefined> {
    return this.fileRows.get(id);
  }

  async files(): Promise<StoredFile[]> {
    return [...this.fileRows.values()];
  }

  async cache(file: StoredFile): Promise<void> {
    const row = this.fileRows.get(file.id);
    if (!row) this.fileRows.set(file.id, file);
    else if (!row.blob && file.blob) this.fileRows.set(file.id, { ...row, blob: file.blob, onRelay: true });
  }

  async markOnRelay(id: string): Promise<void> {
    const row = this.fileRows.get(id);
    if (row) this.fileRows.set(id, { ...row, onRelay: true });
  }

  async dropOnRelay(ids: readonly string[]): Promise<number> {
    let freed = 0;
    for (const id of ids) {
      const row = this.fileRows.get(id);
      if (!row || row.role !== 'photo' || !row.onRelay || !row.blob) continue;
      freed += row.bytes;
      this.fileRows.set(id, { ...row, blob: null });
    }
    return freed;
  }

  async uploads(): Promise<StoredUpload[]> {
    return [...this.uploadRows.values()];
  }

  async putUpload(upload: StoredUpload): Promise<void> {
    this.uploadRows.set(upload.key, upload);
  }

  async deleteUpload(key: string): Promise<void> {
    this.uploadRows.delete(key);
  }

  close(): void {}
}

/** A file row for new bytes; the same picture taken again stays on the relay if it was (same hash, same bytes). */
function stored(id: string, role: FileRole, blob: Blob, at: number, before?: StoredFile): StoredFile {
  return { id, role, blob, bytes: blob.size, onRelay: before?.onRelay ?? false, at };
}
