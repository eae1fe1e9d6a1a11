/**
 * `npm run restore`: checks a backup archive (backupArchive.ts) and restores
 * it into an EMPTY data folder. It refuses a folder that holds data (a restore
 * never overwrites a relay) and a damaged archive (an entry missing, extra, or
 * not matching the manifest's size and SHA-256), with a message saying which.
 * The data lands in a staging folder first and is renamed into place only
 * once all of it is written, so a failed restore leaves nothing half-done.
 * The restored folder gets a new identity (storeIdentity.ts): it may lack
 * changes the old relay acknowledged after the backup, and devices must not
 * take their old acknowledgements for this store's.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract } from 'tar-stream';
import { LevelDocStore } from '../storage/LevelDocStore';
import { writeStoreIdentity } from '../storage/storeIdentity';
import { BACKUP_FORMAT, DATA_FILES, decodeRecords, MANIFEST, type BackupManifest, type ManifestEntry } from './backupArchive';

/** A restore that must not go ahead, and why. */
export class RestoreRefused extends Error {}

/** What a restore brought back. */
export interface RestoreReport {
  readonly manifest: BackupManifest;
  readonly documentEntries: number;
  readonly photos: number;
  /** The restored folder's new identity. */
  readonly storeId: string;
}

/** Archive entry names a restore accepts (anything else is a damaged or foreign archive). */
const ALLOWED = [/^docs\/\d{6}\.bin$/, /^files\/photos\/[0-9a-f]{64}$/, new RegExp(`^(${DATA_FILES.map((f) => f.replace('.', '\\.')).join('|')})$`)];
/** Keys written per LevelDB batch while restoring. */
const IMPORT_BATCH = 5_000;

/** Reads `archive` into `dir` (created), checking every entry against the manifest; resolves with the manifest. */
export async function unpackBackup(archive: string, dir: string): Promise<BackupManifest> {
  const seen = new Map<string, ManifestEntry>();
  let manifestText: string | null = null;
  const extract = tarExtract();
  extract.on('entry', (header, stream, next) => {
    const name = header.name;
    const done = (err?: unknown): void => (err ? extract.destroy(err as Error) : next());
    if (name === MANIFEST) {
      const parts: Buffer[] = [];
      stream.on('data', (d: unknown) => parts.push(d as Buffer));
      stream.on('end', () => {
        manifestText = Buffer.concat(parts).toString('utf8');
        done();
      });
      stream.on('error', done);
      return;
    }
    if (!ALLOWED.some((re) => re.test(name))) return done(new RestoreRefused(`the archive holds an unexpected entry ${JSON.stringify(name)}: not a Tally backup, or damaged`));
    const file = path.join(dir, name);
    const hash = createHash('sha256');
    let bytes = 0;
    void mkdir(path.dirname(file), { recursive: true })
      .then(() =>
        pipeline(
          stream.on('data', (d: unknown) => {
            hash.update(d as Buffer);
            bytes += (d as Buffer).byteLength;
          }),
          createWriteStream(file),
        ),
      )
      .then(() => {
        seen.set(name, { name, bytes, sha256: hash.digest('hex') });
        done();
      }, done);
  });
  try {
    await pipeline(createReadStream(archive), extract);
  } catch (err) {
    if (err instanceof RestoreRefused) throw err;
    throw new RestoreRefused(`the archive cannot be read (${(err as Error).message}): damaged or not a Tally backup`);
  }
  if (manifestText === null) throw new RestoreRefused('the archive has no manifest: damaged or not a Tally backup');
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(manifestText) as BackupManifest;
  } catch {
    throw new RestoreRefused('the archive\'s manifest is not readable: damaged');
  }
  if (manifest.format !== BACKUP_FORMAT || manifest.version !== 1) throw new RestoreRefused(`not a Tally backup this relay can read (format ${JSON.stringify(manifest.format)}, version ${manifest.version})`);
  for (const expected of manifest.entries) {
    const got = seen.get(expected.name);
    if (!got) throw new RestoreRefused(`the archive is damaged: ${expected.name} is missing`);
    if (got.bytes !== expected.bytes || got.sha256 !== expected.sha256) throw new RestoreRefused(`the archive is damaged: ${expected.name} does not match its checksum`);
  }
  const listed = new Set(manifest.entries.map((e) => e.name));
  const extra = [...seen.keys()].find((name) => !listed.has(name));
  if (extra) throw new RestoreRefused(`the archive is damaged: ${extra} is not in its manifest`);
  return manifest;
}

/** Restores `archive` into the empty (or absent) folder `dataDir`; see the module comment. */
export async function restoreBackup(options: { archive: string; dataDir: string }): Promise<RestoreReport> {
  const dataDir = path.resolve(options.dataDir);
  const present = await readdir(dataDir).catch(() => null);
  if (present && present.length > 0) throw new RestoreRefused(`${dataDir} is not empty: a restore only goes into an empty data folder (move the old one aside first)`);
  const staging = `${dataDir}.restoring-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const manifest = await unpackBackup(options.archive, staging);
    const chunks = manifest.entries.filter((e) => e.name.startsWith('docs/')).map((e) => e.name).sort();
    const store = await LevelDocStore.open(path.join(staging, 'docs-restored'));
    let documentEntries = 0;
    try {
      for (const chunk of chunks) {
        const records = decodeRecords(await readFile(path.join(staging, chunk)));
        for (let i = 0; i < records.length; i += IMPORT_BATCH) await store.importEntries(records.slice(i, i + IMPORT_BATCH));
        documentEntries += records.length;
      }
    } finally {
      await store.close();
    }
    if (documentEntries !== manifest.documentEntries) throw new RestoreRefused(`the archive is damaged: ${documentEntries} document entries, the manifest says ${manifest.documentEntries}`);
    await rm(path.join(staging, 'docs'), { recursive: true, force: true });
    await rename(path.join(staging, 'docs-restored'), path.join(staging, 'docs'));
    const storeId = await writeStoreIdentity(staging);
    if (present) await rmdir(dataDir);
    await rename(staging, dataDir);
    const photos = manifest.entries.filter((e) => e.name.startsWith('files/photos/')).length;
    return { manifest, documentEntries, photos, storeId };
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}
