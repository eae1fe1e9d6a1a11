/**
 * Photos no record references: found by reading every record of the data
 * folder's document store, and removed only when asked (the
 * `orphan-photos` and `remove-orphan-photos` commands, relay/cli/).
 *
 * It works on a stopped relay's data folder only. LevelDB lets one process
 * open a store: holding it for the whole scan and removal is what makes the
 * answer sure, since no upload can finish and no record change can arrive
 * until it is done (and the relay cannot start meanwhile). A photo changed
 * recently (uploaded, or sent again by a device) is never removed: its
 * record change may still be on its way from a device that went offline.
 * Anything the scan cannot read makes it refuse rather than guess.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { recordIdOfDocName } from '../../shared/model/recordLayout';
import { DATA_FORMAT, FORMAT_FILE } from '../storage/dataFormat';
import { LevelDocStore } from '../storage/LevelDocStore';
import { photoReferencesOfUpdates } from './photoReferences';
import { PhotoStore } from './PhotoStore';

/** What the scan and the removal are given. */
export interface OrphanScanOptions {
  /** The relay's data folder (`TALLY_DATA`): documents in `docs/`, photos in `files/photos/`. */
  dataDir: string;
  /** Photos changed more recently than this are kept, referenced or not (their record change may be on its way). */
  olderThanMs: number;
  /** The present moment, ms since epoch (tests). */
  now?: number;
}

/** A stored photo file. */
export interface PhotoFile {
  readonly sha256: string;
  readonly bytes: number;
  /** Its last change (written, linked, sent again), ms since epoch. */
  readonly changedAt: number;
}

/** What a scan found. */
export interface OrphanScan {
  /** Record documents read. */
  readonly records: number;
  /** Stored photos. */
  readonly photos: number;
  /** Distinct photo names the records reference (stored or not). */
  readonly referenced: number;
  /** Unreferenced photos last changed before the cut-off: what a removal removes. */
  readonly orphans: readonly PhotoFile[];
  /** Unreferenced photos changed after the cut-off: kept. */
  readonly recent: readonly PhotoFile[];
  /** Record documents that could not be read, and why: while any is listed, nothing is removed. */
  readonly unreadable: ReadonlyArray<{ readonly doc: string; readonly reason: string }>;
}

/** What a removal did. */
export interface OrphanRemoval {
  readonly scan: OrphanScan;
  readonly removed: readonly PhotoFile[];
  /** Finished tus uploads removed with their photo (hard links to the same bytes). */
  readonly uploadsRemoved: number;
}

/** The scan or the removal cannot go ahead safely; the message says why. */
export class OrphanScanRefused extends Error {}

/** Lists unreferenced photos (see the module comment); removes nothing. */
export function scanOrphanPhotos(options: OrphanScanOptions): Promise<OrphanScan> {
  return withStoppedRelay(options.dataDir, (store) => scan(store, options));
}

/**
 * Removes the photos a scan lists as orphans, under the same hold on the
 * store; refuses (removing nothing) while any record could not be read.
 * `onRemoved` hears of each photo as it goes.
 */
export function removeOrphanPhotos(options: OrphanScanOptions & { onRemoved?: (photo: PhotoFile) => void }): Promise<OrphanRemoval> {
  return withStoppedRelay(options.dataDir, async (store) => {
    const found = await scan(store, options);
    if (found.unreadable.length > 0) {
      throw new OrphanScanRefused(
        `${found.unreadable.length} record document(s) could not be read (${found.unreadable[0]!.doc}: ${found.unreadable[0]!.reason}); a photo only they reference would look unreferenced, so nothing was removed`,
      );
    }
    const photos = new PhotoStore(path.join(options.dataDir, 'files'));
    const removed: PhotoFile[] = [];
    let uploadsRemoved = 0;
    for (const photo of found.orphans) {
      uploadsRemoved += await removeUploadsLinkedTo(photos, photo.sha256);
      if (!(await photos.remove(photo.sha256))) throw new OrphanScanRefused(`could not remove photo ${photo.sha256}; ${removed.length} removed before it`);
      removed.push(photo);
      options.onRemoved?.(photo);
    }
    return { scan: found, removed, uploadsRemoved };
  });
}

/** Runs `fn` holding the data folder's document store, which only a stopped relay allows. */
async function withStoppedRelay<T>(dataDir: string, fn: (store: LevelDocStore) => Promise<T>): Promise<T> {
  await checkFormat(dataDir);
  const docsDir = path.join(dataDir, 'docs');
  // LevelDocStore.open would make an empty store where there is none, and every photo would look unreferenced.
  if (!existsSync(path.join(docsDir, 'CURRENT'))) throw new OrphanScanRefused(`no document store in ${docsDir}: is ${dataDir} the relay's data folder?`);
  let store: LevelDocStore;
  try {
    store = await LevelDocStore.open(docsDir);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') {
      throw new OrphanScanRefused(`the relay (or another command) has ${dataDir} open: stop the relay first; while it runs, uploads finish and record changes arrive, so no photo can be called unreferenced for sure`);
    }
    throw new OrphanScanRefused(`cannot open the document store in ${docsDir}: ${(err as Error).message}`);
  }
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function checkFormat(dataDir: string): Promise<void> {
  const text = await readFile(path.join(dataDir, FORMAT_FILE), 'utf8').catch(() => null);
  if (text === null) return;
  const version = Number(/^tally-data (\d+)\s*$/.exec(text)?.[1] ?? NaN);
  if (!Number.isSafeInteger(version)) throw new OrphanScanRefused(`${path.join(dataDir, FORMAT_FILE)} is not readable: the data folder may be damaged`);
  if (version > DATA_FORMAT) throw new OrphanScanRefused(`this data folder was written by a newer Tally (data format ${version}; this one reads ${DATA_FORMAT}): use that version's command`);
}

async function scan(store: LevelDocStore, options: OrphanScanOptions): Promise<OrphanScan> {
  const referenced = new Set<string>();
  const unreadable: Array<{ doc: string; reason: string }> = [];
  let records = 0;
  for await (const doc of store.listDocs()) {
    // Photo entries live in records' logs; site documents hold none.
    if (recordIdOfDocName(doc) === undefined) continue;
    records += 1;
    try {
      photoReferencesOfUpdates(await store.load(doc), referenced);
    } catch (err) {
      unreadable.push({ doc, reason: (err as Error).message });
    }
  }
  const photos = new PhotoStore(path.join(options.dataDir, 'files'));
  const names = await photos.list();
  const cutOff = (options.now ?? Date.now()) - options.olderThanMs;
  const orphans: PhotoFile[] = [];
  const recent: PhotoFile[] = [];
  for (const sha256 of names) {
    if (referenced.has(sha256)) continue;
    const info = await stat(path.join(photos.photosDir, sha256));
    // ctime moves when the file is linked (accepted, or completed again by a device's upload), mtime when written.
    const file: PhotoFile = { sha256, bytes: info.size, changedAt: Math.max(info.mtimeMs, info.ctimeMs) };
    (file.changedAt < cutOff ? orphans : recent).push(file);
  }
  return { records, photos: names.length, referenced: referenced.size, orphans, recent, unreadable };
}

/** Removes the finished uploads that hold the same bytes as photo `sha256` (so its space is freed); their count. */
async function removeUploadsLinkedTo(photos: PhotoStore, sha256: string): Promise<number> {
  const photo = await stat(path.join(photos.photosDir, sha256));
  if (photo.nlink < 2) return 0;
  let removed = 0;
  for (const name of await readdir(photos.uploadsDir).catch(() => [] as string[])) {
    if (name.endsWith('.json')) continue;
    const file = path.join(photos.uploadsDir, name);
    const info = await stat(file).catch(() => null);
    if (!info || info.ino !== photo.ino || info.dev !== photo.dev) continue;
    await unlink(file);
    await unlink(`${file}.json`).catch(() => undefined);
    removed += 1;
  }
  return removed;
}
