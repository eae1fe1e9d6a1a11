/**
 * The relay's backup archive: one tar file (tar-stream) holding everything a
 * relay needs to start again: the documents (every LevelDB key and value, from
 * one snapshot, in chunks of about 256 KiB), the users and device files, the
 * photos, and last a manifest with each entry's size and SHA-256. Written
 * while the relay runs and acknowledges writes; read back (and checked entry by
 * entry) only by a restore (restoreBackup.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { pack as tarPack, type Pack } from 'tar-stream';
import { BACKUP_PACE, backupPacer, type BackupPace } from './backupPacer';

/** What a relay backs up. */
export interface BackupSources {
  /** Hands every key and value of the document store to `onEntry` from one snapshot (LevelDocStore.exportSnapshot). */
  exportSnapshot(onEntry: (key: string, value: Uint8Array) => Promise<void> | void): Promise<number>;
  /** The data folder (users.json, devices.json and notices.log are read from it; a line of notices.log torn by a concurrent append is cut off when it is opened). */
  dataDir: string;
  /** Accepted photos (`<data>/files/photos`), if the relay keeps any. */
  photosDir?: string;
  site: string;
}

/** One entry of the archive, as the manifest lists it. */
export interface ManifestEntry {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** The archive's last entry. */
export interface BackupManifest {
  readonly format: typeof BACKUP_FORMAT;
  readonly version: 1;
  readonly site: string;
  readonly createdAt: string;
  /** Keys of the document store. */
  readonly documentEntries: number;
  readonly entries: readonly ManifestEntry[];
}

export const BACKUP_FORMAT = 'tally-relay-backup';
export const MANIFEST = 'manifest.json';
/**
 * A chunk of the document store is written once it holds this many bytes.
 * Whatever is done to a whole chunk at once holds the event loop, and acks
 * wait behind it: at 4 MiB, joining and hashing one took 6 to 16 ms on the
 * bench machine (README, Benchmark: backup); the backup paces itself after each.
 */
const DOCS_CHUNK_BYTES = 256 * 1024;

/** The files beside the store that a relay needs (absent ones are left out). */
export const DATA_FILES = ['users.json', 'devices.json', 'notices.log'] as const;

/** The name of chunk `n` of the document store. */
export const docsChunkName = (n: number): string => `docs/${String(n).padStart(6, '0')}.bin`;

/** Options of `writeBackup`. */
export interface WriteBackupOptions {
  /** How fast it reads (default BACKUP_PACE); false for as fast as it can (nothing to share the relay with, as before a migration). */
  pace?: BackupPace | false;
}

/** What takes the relay's backups: one archive written to `out`, resolving with its manifest once `out` has it all. */
export interface BackupTaker {
  readonly site: string;
  take(out: Writable): Promise<BackupManifest>;
}

/**
 * Backups written on the calling thread: before the relay serves anyone (a
 * migration), and in tests. A running relay takes them on a worker thread
 * (workerBackups.ts).
 */
export function inProcessBackups(sources: BackupSources, options: WriteBackupOptions = {}): BackupTaker {
  return { site: sources.site, take: (out) => writeBackup(sources, out, options) };
}

/** Writes the archive of `sources` to `out`; resolves with its manifest once `out` has it all. */
export async function writeBackup(sources: BackupSources, out: Writable, options: WriteBackupOptions = {}): Promise<BackupManifest> {
  const pack = tarPack();
  const piped = pipeline(pack, out);
  const entries: ManifestEntry[] = [];
  const addBuffer = async (name: string, data: Buffer): Promise<void> => {
    entries.push({ name, bytes: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') });
    await entryOfParts(pack, name, [data]);
  };

  const pace = backupPacer(options.pace ?? BACKUP_PACE);
  let chunk: Uint8Array[] = [];
  let chunkBytes = 0;
  // Hashed record by record as they are read, not a whole chunk at once (which held the event loop).
  let chunkHash = createHash('sha256');
  let chunks = 0;
  const flushChunk = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const parts = chunk;
    const bytes = chunkBytes;
    const name = docsChunkName(chunks++);
    entries.push({ name, bytes, sha256: chunkHash.digest('hex') });
    chunk = [];
    chunkBytes = 0;
    chunkHash = createHash('sha256');
    // Written part by part as read, not joined first: a backup copies no gigabyte on the relay's heap.
    await entryOfParts(pack, name, parts);
    await pace(bytes);
  };
  const documentEntries = await sources.exportSnapshot(async (key, value) => {
    // The value goes into the archive as it was read (never copied); only its head is new bytes.
    const head = recordHead(key, value.byteLength);
    chunk.push(head, value);
    chunkHash.update(head).update(value);
    chunkBytes += head.byteLength + value.byteLength;
    if (chunkBytes >= DOCS_CHUNK_BYTES) await flushChunk();
  });
  await flushChunk();

  for (const name of DATA_FILES) {
    const data = await readFile(path.join(sources.dataDir, name)).catch(() => null);
    if (data) await addBuffer(name, data);
  }
  if (sources.photosDir) {
    for (const photo of (await readdir(sources.photosDir).catch(() => [] as string[])).sort()) {
      const file = path.join(sources.photosDir, photo);
      const { size } = await stat(file);
      const hash = createHash('sha256');
      const stream = pack.entry({ name: `files/photos/${photo}`, size });
      await pipeline(
        createReadStream(file),
        async function* (source: AsyncIterable<Buffer>) {
          for await (const data of source) {
            hash.update(data);
            yield data;
            await pace(data.byteLength);
          }
        },
        stream,
      );
      entries.push({ name: `files/photos/${photo}`, bytes: size, sha256: hash.digest('hex') });
    }
  }

  const manifest: BackupManifest = { format: BACKUP_FORMAT, version: 1, site: sources.site, createdAt: new Date().toISOString(), documentEntries, entries };
  await entryOfParts(pack, MANIFEST, [Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)]);
  pack.finalize();
  await piped;
  return manifest;
}

/** A tar entry of `parts`, written as they are (not joined first). */
function entryOfParts(pack: Pack, name: string, parts: readonly Uint8Array[]): Promise<void> {
  const size = parts.reduce((sum, part) => sum + part.byteLength, 0);
  return new Promise((resolve, reject) => {
    const stream = pack.entry({ name, size }, (err) => (err ? reject(err) : resolve()));
    for (const part of parts) stream.write(part);
    (stream as unknown as Writable).end();
  });
}

/**
 * A record's bytes before its value. One key and value as stored in a chunk:
 * u32 key length, key (UTF-8), u32 value length, value.
 */
function recordHead(key: string, valueBytes: number): Buffer {
  const keyBytes = Buffer.from(key, 'utf8');
  const out = Buffer.allocUnsafe(8 + keyBytes.byteLength);
  out.writeUInt32BE(keyBytes.byteLength, 0);
  keyBytes.copy(out, 4);
  out.writeUInt32BE(valueBytes, 4 + keyBytes.byteLength);
  return out;
}

/** The keys and values of a chunk; throws on a chunk that does not parse. */
export function decodeRecords(chunk: Buffer): Array<[string, Uint8Array]> {
  const out: Array<[string, Uint8Array]> = [];
  let at = 0;
  while (at < chunk.byteLength) {
    if (at + 4 > chunk.byteLength) throw new Error('a document chunk ends inside a record');
    const keyLength = chunk.readUInt32BE(at);
    const keyEnd = at + 4 + keyLength;
    if (keyEnd + 4 > chunk.byteLength) throw new Error('a document chunk ends inside a record');
    const key = chunk.toString('utf8', at + 4, keyEnd);
    const valueLength = chunk.readUInt32BE(keyEnd);
    const valueEnd = keyEnd + 4 + valueLength;
    if (valueEnd > chunk.byteLength) throw new Error('a document chunk ends inside a record');
    out.push([key, new Uint8Array(chunk.subarray(keyEnd + 4, valueEnd))]);
    at = valueEnd;
  }
  return out;
}
