/**
 * Photos on the relay's disk, named by their content: `<files>/photos/<sha256>`
 * holds each accepted photo once; `<files>/uploads/` holds the tus uploads on
 * their way in (the @tus/file-store layout: the bytes so far, named by the
 * upload id, beside `<id>.json`). An upload is accepted only when its bytes
 * hash to the name it declared and start like a JPEG, PNG or WebP, and only
 * after the photo and its folder are flushed to disk: that is what "on the
 * relay" means for a photo.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { imageTypeOf, isSha256Hex, MAGIC_BYTES, type ImageType } from './photoBytes';

/** Why an upload was not accepted, with the HTTP status to answer. */
export interface PhotoRefusal {
  readonly status: number;
  readonly reason: string;
}

/** A stored photo. */
export interface StoredPhoto {
  readonly sha256: string;
  readonly file: string;
  readonly size: number;
  readonly type: ImageType;
}

/** The photos folder; see the module comment. */
export class PhotoStore {
  readonly uploadsDir: string;
  readonly photosDir: string;

  constructor(readonly filesDir: string) {
    this.uploadsDir = path.join(filesDir, 'uploads');
    this.photosDir = path.join(filesDir, 'photos');
  }

  /** Creates the folders (and makes them durable). */
  async open(): Promise<void> {
    await mkdir(this.uploadsDir, { recursive: true });
    await mkdir(this.photosDir, { recursive: true });
    await fsyncDir(this.filesDir);
  }

  /** The photo named `sha256`, or null when the relay has none by that name. */
  async get(sha256: string): Promise<StoredPhoto | null> {
    if (!isSha256Hex(sha256)) return null;
    const file = this.photoPath(sha256);
    try {
      const info = await stat(file);
      const type = imageTypeOf(await readHead(file));
      return type ? { sha256, file, size: info.size, type } : null;
    } catch {
      return null;
    }
  }

  /**
   * Checks the finished upload in `uploadFile` against the name it declared
   * and stores it as `photos/<sha256>` (a hard link: the upload's bytes are
   * not copied, and a later HEAD on the upload still finds them). `digest`
   * is the upload's SHA-256 when it was hashed on its way in; without it the
   * file is read (streamed) to hash it. Resolves once the photo and its
   * folder are on disk.
   */
  async accept(uploadFile: string, declared: string, digest: string | null = null): Promise<StoredPhoto | PhotoRefusal> {
    const type = imageTypeOf(await readHead(uploadFile));
    if (!type) return { status: 415, reason: 'the upload is not a JPEG, PNG or WebP image' };
    const actual = digest ?? (await sha256Of(uploadFile));
    if (actual !== declared) return { status: 422, reason: `the upload's bytes hash to ${actual}, not to the declared ${declared}` };
    await fsyncFile(uploadFile);
    const photo = this.photoPath(declared);
    try {
      await link(uploadFile, photo);
    } catch (err) {
      // Another upload of the same photo got here first: one copy is kept, this upload's bytes point at it.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      await unlink(uploadFile);
      await link(photo, uploadFile);
    }
    await fsyncDir(this.photosDir);
    const { size } = await stat(photo);
    return { sha256: declared, file: photo, size, type };
  }

  /**
   * Makes `uploadFile` (a new, empty upload) the stored photo `sha256` when
   * the relay already has it with exactly `size` bytes: the upload is then
   * complete before a byte is sent, and nothing is stored twice. False when
   * it has no such photo.
   */
  async completeFromStored(uploadFile: string, sha256: string, size: number): Promise<boolean> {
    const photo = await this.get(sha256);
    if (!photo || photo.size !== size) return false;
    await unlink(uploadFile).catch(() => undefined);
    await link(photo.file, uploadFile);
    await fsyncDir(this.uploadsDir);
    return true;
  }

  /** Uploads whose bytes last changed more than `ageMs` ago (upload ids). */
  async staleUploads(ageMs: number, now = Date.now()): Promise<string[]> {
    const names = await readdir(this.uploadsDir).catch(() => [] as string[]);
    const stale: string[] = [];
    for (const name of names) {
      if (name.endsWith('.json')) continue;
      const info = await stat(path.join(this.uploadsDir, name)).catch(() => null);
      if (info && now - info.mtimeMs > ageMs) stale.push(name);
    }
    return stale;
  }

  /** Every stored photo's name. */
  async list(): Promise<string[]> {
    const names = await readdir(this.photosDir).catch(() => [] as string[]);
    return names.filter(isSha256Hex).sort();
  }

  /** Removes stored photo `sha256` (an explicit admin action; never done on the relay's own). */
  async remove(sha256: string): Promise<boolean> {
    if (!isSha256Hex(sha256)) return false;
    try {
      await unlink(this.photoPath(sha256));
      await fsyncDir(this.photosDir);
      return true;
    } catch {
      return false;
    }
  }

  private photoPath(sha256: string): string {
    return path.join(this.photosDir, sha256);
  }
}

/** Whether `value` is a refusal rather than a stored photo. */
export function isRefusal(value: StoredPhoto | PhotoRefusal): value is PhotoRefusal {
  return 'reason' in value;
}

async function readHead(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const head = new Uint8Array(MAGIC_BYTES);
    const { bytesRead } = await handle.read(head, 0, MAGIC_BYTES, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The SHA-256 of a file, streamed (a photo is never held whole in memory). */
function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
