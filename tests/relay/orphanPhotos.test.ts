/**
 * Unreferenced photos on a real data folder (real LevelDB and real files in
 * a temp folder): which photos the records' logs reference, the listing, the
 * removal (photo and its finished upload), and every refusal: a running relay
 * (the store held open), no store at all, a newer data format, a record that
 * does not read. The two commands run as child processes, as site IT runs them.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as Y from 'yjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addPhoto, createAuthor, createReceipt, addComment } from '../../shared/model';
import { LevelDocStore } from '../../relay/storage/LevelDocStore';
import { collectPhotoReferences } from '../../relay/photos/photoReferences';
import { OrphanScanRefused, removeOrphanPhotos, scanOrphanPhotos } from '../../relay/photos/orphanPhotos';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const DAY = 24 * 60 * 60 * 1000;
const sha = (seed: string): string => createHash('sha256').update(seed).digest('hex');

describe('collectPhotoReferences', () => {
  const A = sha('a');
  const B = sha('b');
  it.each([
    ['a photo entry names its photo', [{ kind: 'photo', photoId: A }], [A]],
    ['and its thumbnail, whatever the field is called', [{ kind: 'photo', photoId: A, thumbnailId: B }], [A, B]],
    ['also nested in a small object', [{ kind: 'photo', photo: { id: A, thumb: { id: B } } }], [A, B]],
    ['also in a photo entry this version rejects', [{ kind: 'photo', photoId: A, caption: 42 }], [A]],
    ['but not a hash in another kind of entry', [{ kind: 'comment', text: A }], []],
    ['nor uppercase or short hex', [{ kind: 'photo', photoId: A.toUpperCase() }, { kind: 'photo', photoId: A.slice(1) }], []],
    ['nor items that are no entries', [null, 3, 'photo', [A]], []],
  ])('%s', (_title, entries, expected) => {
    expect([...collectPhotoReferences(entries, new Set())].sort()).toEqual([...expected].sort());
  });
});

describe('orphan photos in a data folder', () => {
  let dir: string;
  let dataDir: string;
  let photosDir: string;
  let uploadsDir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-orphans-'));
    dataDir = path.join(dir, 'data');
    photosDir = path.join(dataDir, 'files', 'photos');
    uploadsDir = path.join(dataDir, 'files', 'uploads');
    await mkdir(photosDir, { recursive: true });
    await mkdir(uploadsDir, { recursive: true });
    await writeFile(path.join(dataDir, 'FORMAT'), 'tally-data 1\n');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Stores a photo as the relay does: the finished upload, and its hard link under its hash. */
  const storePhoto = async (uploadId: string): Promise<string> => {
    const bytes = randomBytes(2048);
    bytes.set([0xff, 0xd8, 0xff, 0xe0]);
    const name = createHash('sha256').update(bytes).digest('hex');
    await writeFile(path.join(uploadsDir, uploadId), bytes);
    await writeFile(path.join(uploadsDir, `${uploadId}.json`), '{}');
    await link(path.join(uploadsDir, uploadId), path.join(photosDir, name));
    return name;
  };

  /** Writes records through the store: each with its photo entries (by name), as devices' updates. */
  const writeRecords = async (records: Record<string, string[]>, extra: Record<string, Uint8Array> = {}): Promise<void> => {
    const store = await LevelDocStore.open(path.join(dataDir, 'docs'));
    try {
      for (const [id, photos] of Object.entries(records)) {
        const doc = new Y.Doc();
        const author = createAuthor({ user: 'ann', device: 'dock-1' });
        createReceipt(doc, author, { id, site: 'north', supplier: 'ACME' });
        await store.append(`record:${id}`, Y.encodeStateAsUpdate(doc));
        const before = Y.encodeStateVector(doc);
        addComment(doc, author, 'pallet wrap torn');
        for (const photoId of photos) addPhoto(doc, author, { photoId, caption: 'damage' });
        // A second update, as a device sends them: the scan must read the whole log.
        await store.append(`record:${id}`, Y.encodeStateAsUpdate(doc, before));
      }
      for (const [doc, update] of Object.entries(extra)) await store.append(doc, update);
    } finally {
      await store.close();
    }
  };

  const later = Date.now() + 30 * DAY;

  it('lists the photos no record references, older than the cut-off, and keeps recent ones apart', async () => {
    const kept = await storePhoto('u1');
    const orphan = await storePhoto('u2');
    const shared = await storePhoto('u3');
    await writeRecords({ R1: [kept, shared], R2: [shared, sha('never uploaded')] }, { 'site:north': Y.encodeStateAsUpdate(new Y.Doc()) });

    const found = await scanOrphanPhotos({ dataDir, olderThanMs: 7 * DAY, now: later });
    expect(found).toMatchObject({ records: 2, photos: 3, referenced: 3, unreadable: [], recent: [] });
    expect(found.orphans.map((p) => p.sha256)).toEqual([orphan]);
    expect(found.orphans[0]!.bytes).toBe(2048);

    const now = await scanOrphanPhotos({ dataDir, olderThanMs: 7 * DAY });
    expect(now.orphans).toEqual([]);
    expect(now.recent.map((p) => p.sha256)).toEqual([orphan]);
    // Listing removed nothing.
    expect((await readdir(photosDir)).sort()).toEqual([kept, orphan, shared].sort());
  });

  it('removes the orphans with their finished uploads, and nothing else', async () => {
    const kept = await storePhoto('u1');
    const orphan = await storePhoto('u2');
    await writeRecords({ R1: [kept] });
    const heard: string[] = [];

    const result = await removeOrphanPhotos({ dataDir, olderThanMs: 7 * DAY, now: later, onRemoved: (p) => heard.push(p.sha256) });
    expect(result.removed.map((p) => p.sha256)).toEqual([orphan]);
    expect(heard).toEqual([orphan]);
    expect(result.uploadsRemoved).toBe(1);
    expect(await readdir(photosDir)).toEqual([kept]);
    expect((await readdir(uploadsDir)).sort()).toEqual(['u1', 'u1.json']);
    expect((await stat(path.join(photosDir, kept))).nlink).toBe(2);

    const again = await removeOrphanPhotos({ dataDir, olderThanMs: 7 * DAY, now: later });
    expect(again.removed).toEqual([]);
  });

  it.each([
    ['for itself alone', false],
    ['shared with its backup worker', true],
  ])('refuses while the relay has the store open (%s), and removes nothing', async (_how, sharedWithWorkers) => {
    await storePhoto('u1');
    await writeRecords({ R1: [] });
    const relayStore = await LevelDocStore.open(path.join(dataDir, 'docs'), { sharedWithWorkers });
    try {
      await expect(scanOrphanPhotos({ dataDir, olderThanMs: 0, now: later })).rejects.toThrow(/stop the relay first/);
      await expect(removeOrphanPhotos({ dataDir, olderThanMs: 0, now: later })).rejects.toBeInstanceOf(OrphanScanRefused);
    } finally {
      await relayStore.close();
    }
    expect(await readdir(photosDir)).toHaveLength(1);
  });

  it('refuses a folder with no document store, without making one', async () => {
    await storePhoto('u1');
    await expect(removeOrphanPhotos({ dataDir, olderThanMs: 0, now: later })).rejects.toThrow(/no document store/);
    expect(existsSync(path.join(dataDir, 'docs'))).toBe(false);
    expect(await readdir(photosDir)).toHaveLength(1);
  });

  it('refuses a data folder of a newer format', async () => {
    await writeRecords({ R1: [] });
    await writeFile(path.join(dataDir, 'FORMAT'), 'tally-data 99\n');
    await expect(scanOrphanPhotos({ dataDir, olderThanMs: 0, now: later })).rejects.toThrow(/newer Tally/);
  });

  it('lists a record that does not read, and then refuses to remove anything', async () => {
    const orphan = await storePhoto('u1');
    await writeRecords({ R1: [] }, { 'record:R9': new Uint8Array([1, 1, 5]) });

    const found = await scanOrphanPhotos({ dataDir, olderThanMs: 0, now: later });
    expect(found.unreadable.map((u) => u.doc)).toEqual(['record:R9']);
    expect(found.orphans.map((p) => p.sha256)).toEqual([orphan]);
    await expect(removeOrphanPhotos({ dataDir, olderThanMs: 0, now: later })).rejects.toThrow(/could not be read.*nothing was removed/);
    expect(await readdir(photosDir)).toEqual([orphan]);
  });

  describe('the commands', () => {
    const cli = async (script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      try {
        const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', `relay/cli/${script}.ts`, ...args], { cwd: ROOT });
        return { code: 0, stdout, stderr };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };

    it('list, keep recent photos, remove only when asked, printing each; refuse while the relay runs', async () => {
      const kept = await storePhoto('u1');
      const orphan = await storePhoto('u2');
      await writeRecords({ R1: [kept] });

      const listed = await cli('orphanPhotos', ['--data', dataDir]);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain('1 records read; 2 photos stored; 1 photo names referenced');
      expect(listed.stdout).toContain('0 unreferenced photos last changed more than 7d ago');
      expect(listed.stdout).toMatch(new RegExp(`1 unreferenced photos changed within 7d, kept[^\\n]*\\n  ${orphan}  2.0 KB`));
      const nothing = await cli('removeOrphanPhotos', ['--data', dataDir]);
      expect(nothing.stdout).toContain('0 unreferenced photos removed');
      expect(await readdir(photosDir)).toHaveLength(2);

      // Only a photo older than --older-than goes: wait until the orphan is a second old.
      const changed = await stat(path.join(photosDir, orphan));
      while (Date.now() < Math.max(changed.mtimeMs, changed.ctimeMs) + 1_100) await new Promise((r) => setTimeout(r, 50));

      const relayStore = await LevelDocStore.open(path.join(dataDir, 'docs'));
      const refused = await cli('removeOrphanPhotos', ['--data', dataDir, '--older-than', '1s']).finally(() => relayStore.close());
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^remove-orphan-photos refused: the relay \(or another command\) has .* open: stop the relay first/);
      expect(await readdir(photosDir)).toHaveLength(2);

      const removed = await cli('removeOrphanPhotos', ['--data', dataDir, '--older-than', '1s']);
      expect(removed.code).toBe(0);
      expect(removed.stdout).toContain(`removed ${orphan}  2.0 KB`);
      expect(removed.stdout).toContain('1 unreferenced photos removed (2.0 KB, with 1 finished uploads of them)');
      expect(await readdir(photosDir)).toEqual([kept]);
    });

    it('needs --data', async () => {
      const res = await cli('orphanPhotos', []);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('usage: npm run orphan-photos -- --data');
    });
  });
});
