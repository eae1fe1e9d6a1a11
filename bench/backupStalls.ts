/**
 * `npx tsx bench/backupStalls.ts [records] [bytes]`: how long a backup holds
 * the event loop, in process (no relay, no load generator, so the figure is
 * the backup's own): a LevelDB store in a temp folder with `records` values
 * of `bytes` random bytes (default 200,000 of 500, about a record's update),
 * written by relay/backup's writeBackup to a reader that takes each piece on
 * the next turn of the loop, three times. Prints the event-loop delay
 * (monitorEventLoopDelay) p50, p99 and max of each. Acks wait behind every
 * such stop, so it is what the backup benchmark's "during" latency is made of
 * apart from the machine's own load.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LevelDocStore } from '../relay/storage/LevelDocStore';
import { writeBackup } from '../relay/backup/backupArchive';

const records = Number(process.argv[2] ?? 200_000);
const bytes = Number(process.argv[3] ?? 500);
const dir = mkdtempSync(join(tmpdir(), 'bench-backup-stalls-'));
const store = await LevelDocStore.open(join(dir, 'docs'));
try {
  const pool = randomBytes(4 * 2 ** 20);
  for (let i = 0; i < records; i += 256) {
    const batch = Array.from({ length: Math.min(256, records - i) }, (_, k) => {
      const at = Math.floor(Math.random() * (pool.length - bytes));
      return store.append(`record:b${i + k}`, pool.subarray(at, at + bytes));
    });
    await Promise.all(batch);
  }
  for (let round = 1; round <= 3; round++) {
    const delay = monitorEventLoopDelay({ resolution: 2 });
    delay.enable();
    const t0 = performance.now();
    const reader = new Writable({ highWaterMark: 64 * 1024, write: (_chunk, _enc, done) => setImmediate(done) });
    const manifest = await writeBackup({ exportSnapshot: (onEntry) => store.exportSnapshot(onEntry), dataDir: dir, site: 'bench' }, reader);
    delay.disable();
    const msOf = (ns: number) => (ns / 1e6).toFixed(1);
    process.stdout.write(
      `round ${round}: ${manifest.documentEntries} records in ${manifest.entries.length} archive entries, ${Math.round(performance.now() - t0)} ms; event-loop delay p50 ${msOf(delay.percentile(50))} ms, p99 ${msOf(delay.percentile(99))} ms, max ${msOf(delay.max)} ms\n`,
    );
  }
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
