/**
 * Scheduled backups: the durations TALLY_BACKUP_EVERY takes, which
 * generations are dropped, and a schedule writing real archives into a folder,
 * keeping the newest few, with the last good one's age on /healthz.
 */
import { mkdtemp, mkdir, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workerBackups } from '../../relay/backup/workerBackups';
import { BackupSchedule, generationsToDrop, parseDuration } from '../../relay/backup/BackupSchedule';
import { createRelay, type Relay } from '../../relay/createRelay';
import { readConfig } from '../../relay/config';
import { silentLog } from '../../relay/log';
import { LevelDocStore } from '../../relay/storage/LevelDocStore';

describe('parseDuration', () => {
  it.each([
    ['6h', 6 * 3_600_000],
    ['30m', 1_800_000],
    ['1d', 86_400_000],
    ['90s', 90_000],
  ])('%s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['6', 'h', '0h', '-1h', '6 hours', ''])('refuses %j', (text) => expect(() => parseDuration(text)).toThrow(/a duration is/));

  it('is what TALLY_BACKUP_EVERY is read with, and a typo fails the start', () => {
    expect(readConfig({ TALLY_BACKUP_DIR: '/tmp/b', TALLY_BACKUP_EVERY: '12h' }).backups).toMatchObject({ everyMs: 12 * 3_600_000, keep: 7 });
    expect(readConfig({}).backups).toBeNull();
    expect(() => readConfig({ TALLY_BACKUP_DIR: '/tmp/b', TALLY_BACKUP_EVERY: 'daily' })).toThrow(/TALLY|duration/);
  });
});

describe('generationsToDrop', () => {
  it('keeps the newest, drops the rest, and never touches files it did not write', () => {
    const names = ['tally-main-20261201T000000Z.tar', 'tally-main-20261203T000000Z.tar', 'tally-main-20261202T000000Z.tar', 'notes.txt', 'tally-main-20261204T000000Z.tar.partial'];
    expect(generationsToDrop(names, 2)).toEqual(['tally-main-20261201T000000Z.tar']);
    expect(generationsToDrop(names, 5)).toEqual([]);
  });
});

describe('BackupSchedule', () => {
  let dir: string;
  let store: LevelDocStore;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-schedule-'));
    await mkdir(path.join(dir, 'data'));
    await mkdir(path.join(dir, 'backups'));
    store = await LevelDocStore.open(path.join(dir, 'data', 'docs'), { sharedWithWorkers: true });
    await store.append('record:R-1', new Uint8Array([1, 2, 3]));
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes archives into its folder, keeps the newest two, and reports when the last good one finished', async () => {
    const schedule = new BackupSchedule({
      backups: workerBackups({ store, dataDir: path.join(dir, 'data'), site: 'main' }),
      dir: path.join(dir, 'backups'),
      everyMs: 3_600_000,
      keep: 2,
      log: silentLog,
    });
    await schedule.start();
    expect(schedule.lastGoodAt).toBeNull();
    for (let i = 0; i < 3; i++) {
      await schedule.runNow();
      // Names carry the second they were taken: wait for the next one.
      await new Promise((resolve) => setTimeout(resolve, 1_050));
    }
    schedule.stop();
    const files = await readdir(path.join(dir, 'backups'));
    expect(files).toHaveLength(2);
    expect(files.every((f) => /^tally-main-\d{8}T\d{6}Z\.tar$/.test(f))).toBe(true);
    expect(Date.now() - (schedule.lastGoodAt ?? 0)).toBeLessThan(5_000);

    let relay: Relay | null = null;
    try {
      relay = await createRelay({ store, port: 0, lastBackupAt: () => schedule.lastGoodAt });
      const health = (await (await fetch(`${relay.url}/healthz`)).json()) as { lastBackupAgeSeconds: number };
      expect(health.lastBackupAgeSeconds).toBeGreaterThanOrEqual(0);
      expect(health.lastBackupAgeSeconds).toBeLessThan(10);
    } finally {
      await relay?.close();
    }
  });

  it('keeps the last good backup when one fails, and says so in the log', async () => {
    const warnings: string[] = [];
    const log = { ...silentLog, error: (_o: object, msg: string) => void warnings.push(msg) };
    const schedule = new BackupSchedule({
      backups: workerBackups({ store, dataDir: path.join(dir, 'data'), site: 'main' }),
      dir: path.join(dir, 'missing-folder'),
      everyMs: 3_600_000,
      keep: 2,
      log,
    });
    await schedule.runNow();
    expect(schedule.lastGoodAt).toBeNull();
    expect(warnings).toEqual(['scheduled backup failed: the last good one stays']);
  });
});
