/**
 * The document store goes into a backup in chunks of about 1 MiB, each hashed
 * record by record as it is read: a store of several chunks, with a value
 * larger than a chunk, comes back from a restore key for key and byte for
 * byte, and every chunk's checksum in the manifest holds (real LevelDB in a
 * temp folder, a real archive file).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeBackup } from '../../relay/backup/backupArchive';
import { restoreBackup } from '../../relay/backup/restoreBackup';
import { LevelDocStore } from '../../relay/storage/LevelDocStore';

describe('backup of a store larger than one chunk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-backup-chunks-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const everything = async (store: LevelDocStore): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    await store.exportSnapshot((key, value) => {
      out.set(key, createHash('sha256').update(value).digest('hex'));
    });
    return out;
  };

  it('restores every key and value, and each chunk matches its checksum', async () => {
    const dataDir = path.join(dir, 'data');
    await mkdir(dataDir);
    const store = await LevelDocStore.open(path.join(dataDir, 'docs'));
    for (let d = 0; d < 300; d++) await store.append(`record:R${d}`, new Uint8Array(randomBytes(10_000 + d)));
    await store.append('record:big', new Uint8Array(randomBytes(1_500_000)));
    const archive = path.join(dir, 'backup.tar');
    const manifest = await writeBackup({ exportSnapshot: (onEntry) => store.exportSnapshot(onEntry), dataDir, site: 'north' }, createWriteStream(archive));
    const stored = await everything(store);
    await store.close();

    const chunks = manifest.entries.filter((e) => e.name.startsWith('docs/'));
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...chunks.map((c) => c.bytes))).toBeGreaterThan(1_500_000);
    expect(manifest.documentEntries).toBe(stored.size);

    const restoredDir = path.join(dir, 'restored');
    const report = await restoreBackup({ archive, dataDir: restoredDir });
    expect(report.documentEntries).toBe(stored.size);
    const restored = await LevelDocStore.open(path.join(restoredDir, 'docs'));
    try {
      expect(await everything(restored)).toEqual(stored);
    } finally {
      await restored.close();
    }
  });
});
