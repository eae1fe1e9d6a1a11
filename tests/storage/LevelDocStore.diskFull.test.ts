/**
 * LevelDocStore on a real filesystem that runs out of space: a small tmpfs
 * filled with a filler file until ENOSPC (no mocks). Needs root on Linux.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WritesAbandonedError } from '../../relay/storage/GroupCommitQueue';
import { LevelDocStore } from '../../relay/storage/LevelDocStore';
import type { StoreHealth } from '../../relay/storage/DocStore';
import { RecordingLog } from './support/recordingLog';
import { fillUp, mountTmpfs, type Tmpfs } from '../support/tmpfs';
import { eventually } from '../support/eventually';
import { lineUpdates, linesOf, mergedState } from './support/yjsUpdates';

/** Lines this long make every update need fresh pages, so none fits in the log file's slack. */
const LONG = 'x'.repeat(12_000);

describe('LevelDocStore on a full disk (real tmpfs; needs root)', () => {
  let fs: Tmpfs;
  let filler: string;
  let dbPath: string;
  const opened: LevelDocStore[] = [];

  beforeEach(() => {
    fs = mountTmpfs(512);
    filler = join(fs.dir, 'filler');
    dbPath = join(fs.dir, 'db');
  });

  afterEach(async () => {
    await rm(filler, { force: true });
    for (const store of opened.splice(0)) await store.close().catch(() => {});
    fs.remove();
  });

  async function open(options: { log?: RecordingLog; closeTimeoutMs?: number } = {}): Promise<LevelDocStore> {
    const store = await LevelDocStore.open(dbPath, { retryDelayMs: 5, maxRetryDelayMs: 20, ...options });
    opened.push(store);
    return store;
  }

  /** Resolves once the store has failed to write at least `attempts` times. */
  async function failedAttempts(log: RecordingLog, attempts: number): Promise<void> {
    await eventually(() => log.count('error') + log.count('warn') >= attempts, 10_000, `${attempts} failed write attempts`);
  }

  it('holds an append while the disk is full and acknowledges it once there is room', async () => {
    const log = new RecordingLog();
    const store = await open({ log });
    const [before, held, after1, after2] = lineUpdates(4, LONG);
    await store.append('doc', before!);

    fillUp(filler);
    const seen: StoreHealth[] = [];
    store.onHealthChange((health) => seen.push(health));
    let acknowledged = false;
    const write = store.append('doc', held!).then(() => (acknowledged = true));
    await failedAttempts(log, 3);

    expect(acknowledged).toBe(false);
    const health = store.health();
    expect(health.ok).toBe(false);
    expect(health.lastError).toMatch(/ENOSPC|no space left on device/i);
    expect(health.pendingWrites).toBe(1);
    expect(health.failingSince).toBeLessThanOrEqual(Date.now());
    expect(seen[0]).toMatchObject({ ok: false });
    // Reads keep working while writes are held.
    expect(await store.load('doc')).toEqual([before, held]);

    await rm(filler);
    await write;
    expect(store.health()).toEqual({ ok: true, pendingWrites: 0 });
    expect(seen.at(-1)).toMatchObject({ ok: true });
    await store.append('doc', after1!);
    await store.append('doc', after2!);

    await store.close();
    const reopened = await open();
    // LevelDB alone loses the two appends made after recovering (a torn record
    // ends its log); the store reopens the database before retrying.
    expect(await reopened.load('doc')).toEqual([before, held, after1, after2]);
  });

  it('keeps a compaction held by a full disk atomic', async () => {
    const log = new RecordingLog();
    const store = await open({ log });
    const updates = lineUpdates(5, LONG);
    const state = mergedState(updates.slice(0, 4));
    const last = updates[4]!;
    for (const update of updates.slice(0, 4)) await store.append('doc', update);

    fillUp(filler);
    const writes = Promise.all([store.compact('doc', state), store.append('doc', last)]);
    await failedAttempts(log, 2);
    await rm(filler);
    await writes;

    await store.close();
    const loaded = await (await open()).load('doc');
    expect(loaded).toEqual([state, last]);
    expect(linesOf(loaded)).toHaveLength(5);
  });

  it('gives up on close when the disk stays full, keeping what was acknowledged', async () => {
    const log = new RecordingLog();
    const store = await open({ log, closeTimeoutMs: 200 });
    const [acked, held] = lineUpdates(2, LONG);
    await store.append('doc', acked!);

    fillUp(filler);
    const write = store.append('doc', held!);
    const outcome = write.then(
      () => 'resolved',
      (err: unknown) => err,
    );
    await failedAttempts(log, 1);
    await expect(store.close()).rejects.toThrow(/1 writes not yet durable: .*(ENOSPC|no space left)/i);
    expect(await outcome).toBeInstanceOf(WritesAbandonedError);

    await rm(filler);
    expect(await (await open()).load('doc')).toContainEqual(acked);
  });
});
