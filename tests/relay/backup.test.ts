/**
 * Backup and restore on real LevelDB folders: an admin's GET streams an
 * archive while writes go on and are acknowledged; it holds every change
 * acknowledged before it started; a restore into an empty folder brings them
 * back (checked entry by entry), and refuses a folder that holds data and an
 * archive with a damaged byte.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createWriteStream } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRelay, type Relay } from '../../relay/createRelay';
import { MemoryUserStore } from '../../relay/auth/MemoryUserStore';
import { LevelDocStore } from '../../relay/storage/LevelDocStore';
import { restoreBackup, RestoreRefused } from '../../relay/backup/restoreBackup';
import { workerBackups } from '../../relay/backup/workerBackups';
import type { IssuedToken } from '../../relay/auth/UserStore';

const ROOT = path.resolve(import.meta.dirname, '../..');
const execFileAsync = promisify(execFile);
const update = (doc: number, n: number): Uint8Array => new TextEncoder().encode(`doc ${doc} change ${n} `.padEnd(200, '.'));

const NOTICE_LINE = `${JSON.stringify({ t: 'notice', seq: 1, at: 1, user: 'u1', device: null, body: { kind: 'safety', severity: 'info', text: 'drill at 3' } })}\n`;

describe('backup and restore', () => {
  let dir: string;
  let dataDir: string;
  let store: LevelDocStore;
  let relay: Relay;
  let admin: IssuedToken;
  let crew: IssuedToken;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-backup-'));
    dataDir = path.join(dir, 'data');
    await mkdir(dataDir);
    await writeFile(path.join(dataDir, 'devices.json'), '{"dock-1":"u1"}\n');
    await writeFile(path.join(dataDir, 'notices.log'), NOTICE_LINE);
    store = await LevelDocStore.open(path.join(dataDir, 'docs'), { sharedWithWorkers: true });
    const users = new MemoryUserStore();
    admin = await users.add({ name: 'ada', role: 'admin' });
    crew = await users.add({ name: 'ann', role: 'crew' });
    relay = await createRelay({ store, users, port: 0, backup: workerBackups({ store, dataDir, site: 'main' }) });
  });
  afterEach(async () => {
    await relay.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const takeBackup = async (who: IssuedToken, file: string): Promise<Response> => {
    const res = await fetch(`${relay.url}/api/admin/backup`, { headers: { authorization: `Bearer ${who.token}` } });
    if (res.ok && res.body) await pipeline(Readable.fromWeb(res.body as never), createWriteStream(file));
    return res;
  };

  it('holds every change acknowledged before it started while writes go on, and restores them', async () => {
    const before: Array<[string, Uint8Array]> = [];
    for (let d = 0; d < 20; d++) for (let n = 0; n < 10; n++) before.push([`record:R-${d}`, update(d, n)]);
    await Promise.all(before.map(([doc, u]) => store.append(doc, u)));

    // Writes go on (and are acknowledged) while the backup streams.
    let writing = true;
    let during = 0;
    const writer = (async () => {
      while (writing) {
        await store.append(`record:R-${during % 20}`, update(during % 20, 1000 + during));
        during += 1;
      }
    })();
    const archive = path.join(dir, 'backup.tar');
    const res = await takeBackup(admin, archive);
    writing = false;
    await writer;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-tar');
    expect(during).toBeGreaterThan(0);

    const restored = path.join(dir, 'restored');
    const report = await restoreBackup({ archive, dataDir: restored });
    expect(report.manifest.site).toBe('main');
    expect(await readFile(path.join(restored, 'devices.json'), 'utf8')).toBe('{"dock-1":"u1"}\n');
    expect(await readFile(path.join(restored, 'notices.log'), 'utf8')).toBe(NOTICE_LINE);
    const back = await LevelDocStore.open(path.join(restored, 'docs'));
    try {
      for (let d = 0; d < 20; d++) {
        const held = (await back.load(`record:R-${d}`)).map((u) => new TextDecoder().decode(u));
        for (let n = 0; n < 10; n++) expect(held).toContain(new TextDecoder().decode(update(d, n)));
        // Anything else it holds is a change that really was written, never a torn one.
        for (const text of held) expect(text).toMatch(new RegExp(`^doc ${d} change \\d+ \\.+$`));
      }
    } finally {
      await back.close();
    }
  });

  it('a download cut off halfway stops its backup; writes go on, and the next backup is whole', async () => {
    // About 4 MB: read at the backup's pace, it streams for a good while after the first bytes.
    const big = new Uint8Array(20_000).fill(7);
    await Promise.all(Array.from({ length: 200 }, (_, d) => store.append(`record:B-${d}`, big)));
    const stop = new AbortController();
    const res = await fetch(`${relay.url}/api/admin/backup`, { headers: { authorization: `Bearer ${admin.token}` }, signal: stop.signal });
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    stop.abort();
    await reader.read().catch(() => undefined);

    await store.append('record:R-after', update(1, 1));
    const archive = path.join(dir, 'after.tar');
    expect((await takeBackup(admin, archive)).status).toBe(200);
    const report = await restoreBackup({ archive, dataDir: path.join(dir, 'restored') });
    expect(report.manifest.documentEntries).toBeGreaterThanOrEqual(201);
    const back = await LevelDocStore.open(path.join(dir, 'restored', 'docs'));
    try {
      expect((await back.load('record:B-199')).map((u) => u.byteLength)).toEqual([20_000]);
      expect(await back.load('record:R-after')).toHaveLength(1);
    } finally {
      await back.close();
    }
  });

  it('is for admins: 401 without a token, 403 for a crew member', async () => {
    expect((await fetch(`${relay.url}/api/admin/backup`)).status).toBe(401);
    expect((await takeBackup(crew, path.join(dir, 'nope.tar'))).status).toBe(403);
  });

  it('refuses to restore into a folder that holds data, and an archive with one damaged byte', async () => {
    await store.append('record:R-1', update(1, 1));
    const archive = path.join(dir, 'backup.tar');
    await takeBackup(admin, archive);

    await expect(restoreBackup({ archive, dataDir })).rejects.toThrow(/is not empty: a restore only goes into an empty data folder/);

    const bytes = await readFile(archive);
    // A byte inside the first entry's data (after its 512-byte tar header).
    bytes[600] = bytes[600]! ^ 0xff;
    const damaged = path.join(dir, 'damaged.tar');
    await writeFile(damaged, bytes);
    const restored = path.join(dir, 'restored');
    await expect(restoreBackup({ archive: damaged, dataDir: restored })).rejects.toThrow(RestoreRefused);
    await expect(restoreBackup({ archive: damaged, dataDir: restored })).rejects.toThrow(/damaged/);
    // Nothing half-restored is left behind.
    await expect(readFile(path.join(restored, 'devices.json'))).rejects.toThrow();
  });

  it('npm run backup writes the running relay\'s archive, checks it, and names it only then', async () => {
    await store.append('record:R-CLI', Uint8Array.from([0, 0]));
    const out = path.join(dir, 'cli.tar');
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', 'relay/cli/backup.ts', '--relay', relay.url, '--token', admin.token, '--out', out], { cwd: ROOT });
    expect(stdout).toMatch(/^backup of site main written to .*cli\.tar: \d+ document entries, \d+ archive entries, all checksums good/);
    await expect(readFile(`${out}.partial`)).rejects.toThrow();
    const restored = path.join(dir, 'from-cli');
    await restoreBackup({ archive: out, dataDir: restored });
    expect(await readFile(path.join(restored, 'devices.json'), 'utf8')).toBe('{"dock-1":"u1"}\n');
  });

  it('npm run restore says why it refuses', async () => {
    let out = '';
    try {
      execFileSync('npx', ['tsx', 'relay/cli/restore.ts', '--from', path.join(dir, 'missing.tar'), '--data', path.join(dir, 'fresh')], { cwd: ROOT, stdio: 'pipe' });
    } catch (err) {
      out = String((err as { stderr: Buffer }).stderr);
    }
    expect(out).toMatch(/^restore refused: the archive cannot be read/);
  });
});
