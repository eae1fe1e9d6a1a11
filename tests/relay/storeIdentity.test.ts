/**
 * The data folder's identity: made once and kept, refused when damaged,
 * replaced by a restore (never carried by a backup), and told in the mux
 * `status` frame to a device that asks, and only to one that asks.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeBackup } from '../../relay/backup/backupArchive';
import { restoreBackup } from '../../relay/backup/restoreBackup';
import { LevelDocStore } from '../../relay/storage/LevelDocStore';
import { ensureStoreIdentity, IDENTITY_FILE, readStoreIdentity, writeStoreIdentity } from '../../relay/storage/storeIdentity';
import { readMuxFrame } from '../../shared/protocol/muxMessages';
import { connectRaw } from '../support/rawClient';
import { startTestRelay, type TestRelay } from '../support/testRelay';

describe('the store identity of a data folder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-identity-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is made once, beside FORMAT, and kept across starts', async () => {
    expect(await readStoreIdentity(dir)).toBeNull();
    const first = await ensureStoreIdentity(dir);
    expect(first.made).toBe(true);
    expect(first.id).toMatch(/^[0-9a-f]{32}$/);
    expect(await readFile(path.join(dir, IDENTITY_FILE), 'utf8')).toBe(`tally-store ${first.id}\n`);
    expect(await ensureStoreIdentity(dir)).toEqual({ id: first.id, made: false });
  });

  it('is replaced by a new one when written again', async () => {
    const before = await writeStoreIdentity(dir);
    const after = await writeStoreIdentity(dir);
    expect(after).not.toBe(before);
    expect(await readStoreIdentity(dir)).toBe(after);
  });

  it('refuses a damaged identity file instead of making a new identity over it', async () => {
    await writeFile(path.join(dir, IDENTITY_FILE), 'tally-store not-hex\n');
    await expect(ensureStoreIdentity(dir)).rejects.toThrow(/IDENTITY is not readable .*may be damaged/);
  });

  it('is not carried by a backup: the restored folder gets a new one', async () => {
    const dataDir = path.join(dir, 'data');
    await mkdir(dataDir);
    const original = (await ensureStoreIdentity(dataDir)).id;
    const store = await LevelDocStore.open(path.join(dataDir, 'docs'));
    const archive = path.join(dir, 'backup.tar');
    try {
      await store.append('record:R-1', new Uint8Array([1, 2, 3]));
      await writeBackup({ exportSnapshot: (onEntry) => store.exportSnapshot(onEntry), dataDir, site: 'main' }, createWriteStream(archive) as Writable);
    } finally {
      await store.close();
    }
    const restored = path.join(dir, 'restored');
    const report = await restoreBackup({ archive, dataDir: restored });
    expect(report.storeId).toMatch(/^[0-9a-f]{32}$/);
    expect(report.storeId).not.toBe(original);
    expect(await readStoreIdentity(restored)).toBe(report.storeId);
    // A second restore of the same archive is yet another history.
    const again = await restoreBackup({ archive, dataDir: path.join(dir, 'again') });
    expect(again.storeId).not.toBe(report.storeId);
  });
});

describe('the status frame', () => {
  let t: TestRelay;
  const storeId = '0123456789abcdef0123456789abcdef';
  beforeEach(async () => {
    t = await startTestRelay({ storeId });
  });
  afterEach(() => t.cleanup());

  const firstStatus = async (query: string) => {
    const c = await connectRaw(t.wsUrl(`/mux${query}`));
    try {
      return await c.waitFor((m) => {
        const f = readMuxFrame(m);
        return f.type === 'status' ? f : undefined;
      });
    } finally {
      c.close();
    }
  };

  it('carries the identity for a device that asks with store=1', async () => {
    expect(await firstStatus('?store=1')).toEqual({ type: 'status', storageOk: true, detail: 'storage ok', store: storeId });
  });

  it('is unchanged for a device that does not ask (older apps refuse trailing bytes)', async () => {
    expect(await firstStatus('')).toEqual({ type: 'status', storageOk: true, detail: 'storage ok' });
    expect(await firstStatus('?store=yes')).toEqual({ type: 'status', storageOk: true, detail: 'storage ok' });
  });
});
