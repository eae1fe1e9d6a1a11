/**
 * Scheduled backups (TALLY_BACKUP_DIR, TALLY_BACKUP_EVERY, TALLY_BACKUP_KEEP):
 * every so often the relay writes its backup archive into a folder (as
 * `<name>.partial`, renamed once complete and flushed) and keeps the newest few
 * generations. The age of the last good backup is on /healthz.
 */
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RelayLog } from '../log';
import type { BackupTaker } from './backupArchive';
import { syncedWriteStream } from './syncedWriteStream';

/** Options of a BackupSchedule. */
export interface BackupScheduleOptions {
  backups: BackupTaker;
  dir: string;
  everyMs: number;
  /** Generations kept (the oldest beyond are deleted after a good backup). */
  keep: number;
  log: RelayLog;
}

const PATTERN = /^tally-[A-Za-z0-9_-]+-\d{8}T\d{6}Z\.tar$/;

/** "30m", "6h", "1d", "90s" in milliseconds; throws on anything else. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (!m || Number(m[1]) === 0) throw new Error(`a duration is a positive number and s, m, h or d (e.g. 6h), got ${JSON.stringify(text)}`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/** The backups a schedule keeps, newest first, that fall beyond `keep`. */
export function generationsToDrop(names: readonly string[], keep: number): string[] {
  return names
    .filter((n) => PATTERN.test(n))
    .sort()
    .reverse()
    .slice(keep);
}

/** See the module comment. */
export class BackupSchedule {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastGood: number | null = null;

  constructor(private readonly options: BackupScheduleOptions) {}

  /** When the last good backup finished (ms), also one from before a restart; null when none. */
  get lastGoodAt(): number | null {
    return this.lastGood;
  }

  /** Reads what the folder already holds, then backs up every `everyMs`. */
  async start(): Promise<void> {
    const names = (await readdir(this.options.dir).catch(() => [] as string[])).filter((n) => PATTERN.test(n)).sort();
    const newest = names.at(-1);
    if (newest) this.lastGood = (await stat(path.join(this.options.dir, newest))).mtimeMs;
    this.timer = setInterval(() => void this.runNow(), this.options.everyMs);
    this.timer.unref();
  }

  /** Takes one backup now (one at a time); resolves when it is written or has failed (and been logged). */
  runNow(): Promise<void> {
    this.running ??= this.backup().finally(() => (this.running = null));
    return this.running;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async backup(): Promise<void> {
    const { dir, backups, log, keep } = this.options;
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const file = path.join(dir, `tally-${backups.site}-${stamp}.tar`);
    const partial = `${file}.partial`;
    const started = Date.now();
    try {
      // Created first, so a missing or unwritable folder fails before anything is read.
      await (await open(partial, 'w')).close();
      const manifest = await backups.take(syncedWriteStream(partial));
      const handle = await open(partial, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(partial, file);
      const folder = await open(dir, 'r');
      await folder.sync();
      await folder.close();
      this.lastGood = Date.now();
      log.info({ file, ms: this.lastGood - started, documentEntries: manifest.documentEntries }, 'scheduled backup written');
      for (const old of generationsToDrop(await readdir(dir), keep)) await rm(path.join(dir, old), { force: true });
    } catch (err) {
      await rm(partial, { force: true });
      log.error({ err: String(err), dir }, 'scheduled backup failed: the last good one stays');
    }
  }
}
