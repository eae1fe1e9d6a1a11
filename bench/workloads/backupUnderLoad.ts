/**
 * backup under load (issue 17): a store of `documents` records and about
 * `storeBytes` on disk, seeded straight through the relay's storage layer
 * (LevelDocStore, the relay stopped: `/mux` would spend most of the run on
 * judging a gigabyte of entries, which is not what is measured here). Then,
 * with the relay running, a steady write load over /mux (the ack-latency
 * bench client, MuxDevice: `loadDocs` devices, one record each, `rate`
 * changes a second in all on a fixed schedule, latency timed from the
 * scheduled moment as in ackLatency.ts) runs for `baselineMs`; then an admin
 * takes a backup with GET /api/admin/backup (streamed to a file by a process
 * of its own, as `npm run backup` does), and the load goes on until it is done and
 * `afterMs` more. Reported: backup time and archive size, and ack latency of
 * the changes scheduled during the backup against those scheduled before and
 * after it (both: on a machine shared with other work, one span alone can
 * catch a stall that has nothing to do with the backup), with the relay's
 * event-loop delay over each span.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Level } from 'level';
import { USERS_CLI_ARGS } from '../../build/relayBundle';
import { LevelDocStore } from '../../relay/storage/LevelDocStore';
import type { BenchDiagnostics } from '../servers/ChildServer';
import { type ChildServer, dirBytes, repoRoot } from '../servers/ChildServer';
import { tallyCredentials } from '../servers/tallyCredentials';
import { makeDevice, pool } from '../clients/makeDevice';
import type { BenchDevice } from '../clients/BenchDevice';
import { AppendStream, DeviceEntries, encodeAppend, recordDoc } from '../lib/yupdates';
import { machineBusyMs, quantile, rssSampler, sleep } from '../lib/measure';

export interface BackupUnderLoadOptions {
  /** Records in the store. */
  documents: number;
  /** About this many bytes of stored updates in all (random text: LevelDB's compression cannot shrink it). */
  storeBytes: number;
  /** Stored updates per record (each a run of comment entries). */
  updatesPerDoc: number;
  /** Records written by the steady load, one device each. */
  loadDocs: number;
  /** Changes a second, all load devices together. */
  rate: number;
  /** Load before the backup starts; the first `warmupMs` of it are not counted. */
  baselineMs: number;
  warmupMs: number;
  /** Load after the backup is done (counted with the baseline, after a settling second). */
  afterMs: number;
  /** Longest wait for the backup. */
  backupTimeoutMs: number;
  /**
   * Where the archive goes: a file beside the data folder (a scheduled backup
   * on the relay's own disk), or counted and dropped (`npm run backup` on
   * another machine of the LAN).
   */
  archiveTo: 'file' | 'discard';
}

export const defaultBackupUnderLoad: BackupUnderLoadOptions = {
  documents: 10_000,
  // About 1 GiB on disk: LevelDB adds keys, indexes and not-yet-compacted logs to the bytes stored.
  storeBytes: 2 ** 30,
  updatesPerDoc: 10,
  // Well inside what the relay acks on a busy 2-core box, so the spans compare latency, not a queue.
  loadDocs: 50,
  rate: 500,
  baselineMs: 15_000,
  warmupMs: 2_000,
  afterMs: 10_000,
  backupTimeoutMs: 200_000,
  archiveTo: 'file',
};

/** Ack latency over one span of the schedule. */
export interface LatencySpan {
  count: number;
  missing: number;
  p50: number;
  p99: number;
  max: number;
  /** The relay's event-loop delay over the span (its diagnostics; the higher of two spans' p99s for the baseline). */
  loopDelayP99?: number;
  loopDelayMax?: number;
  /** The relay's LevelDB batch write with fsync (its `store.write` stage), p50 and p99. */
  fsyncP50?: number;
  fsyncP99?: number;
}

export interface BackupUnderLoadResult {
  options: BackupUnderLoadOptions;
  /** Keys of the seeded store and its size on disk before the run (seeded and compacted in `seedMs`). */
  seededUpdates: number;
  storeBytesOnDisk: number;
  seedMs: number;
  backupMs: number;
  archiveBytes: number;
  /** Before and after the backup together, and each alone. */
  without: LatencySpan;
  before: LatencySpan;
  after: LatencySpan;
  during: LatencySpan;
  /** Highest relay RSS before the backup, and during it. */
  rssBefore: number;
  rssDuring: number;
  /** The same, anonymous memory only (RssAnon: without the pages of LevelDB's table files it maps, which the kernel can drop at will). */
  anonBefore: number;
  anonDuring: number;
  /** How late the generator itself sent, p99, over the whole run. */
  sendLagP99: number;
  /** The worst ack latency of each second from 3 s before the backup to 3 s after it (when the stalls happen). */
  worstPerSecond: Array<{ atS: number; ms: number }>;
  /** The relay's stage timings over the backup (relay/diag/StageTimings.ts: queued, apply, store.wait, store.write, ack). */
  duringStages?: BenchDiagnostics['stages'];
  /** CPU used per second of wall time before the backup and during it: where a backup's cost lands on a 2-core machine. */
  cpuBefore: CpuShare;
  cpuDuring: CpuShare;
}

/** CPU time per second of wall time (1000 = one core busy) over one span. */
export interface CpuShare {
  /** The relay's main thread (the event loop: acks, frames, the backup's JavaScript). */
  relayMain: number;
  /** The relay's other threads (libuv's pool: LevelDB reads, writes and fsyncs; V8's helpers). */
  relayOther: number;
  /** The process downloading the archive (only during the backup). */
  download?: number;
  /** Every process on the machine, these included. */
  machine: number;
}

/** Runs the workload on `server` (Tally's relay): seeds a fresh store, starts it, loads it, backs it up. */
export async function runBackupUnderLoad(server: ChildServer, o: BackupUnderLoadOptions = defaultBackupUnderLoad): Promise<BackupUnderLoadResult> {
  const admin = addAdmin();
  // A fresh folder the relay has stamped, stopped again so the store can be seeded directly.
  await server.startFresh('backup');
  await server.stop();
  // The bench user and an admin; the relay is stopped, so a lock file it left behind is nobody's.
  copyFileSync(admin.usersFile, join(server.dataDir, 'users.json'));
  rmSync(join(server.dataDir, 'users.json.lock'), { force: true });
  rmSync(dirname(admin.usersFile), { recursive: true, force: true });
  const adminToken = admin.token;
  const t0 = performance.now();
  const seededUpdates = await seedStore(join(server.dataDir, 'docs'), o);
  await settle(join(server.dataDir, 'docs'));
  // Written pages reach the disk up to 30 s later (vm.dirty_expire_centisecs): a gigabyte of them
  // would be written back during the measured spans and hold the relay's fsyncs. Flush them now.
  execFileSync('sync');
  const seedMs = performance.now() - t0;
  const storeBytesOnDisk = dirBytes(join(server.dataDir, 'docs'));
  await server.start(60_000);
  return measure(server, o, adminToken, { seededUpdates, storeBytesOnDisk, seedMs });
}

/** The bench's users file with an admin added (backups are theirs to take), by the relay's own users CLI. */
function addAdmin(): { usersFile: string; token: string } {
  const bench = tallyCredentials();
  if (!bench) throw new Error('the backup workload needs the bench user (relay/cli/users.ts)');
  const dir = mkdtempSync(join(tmpdir(), 'bench-backup-users-'));
  copyFileSync(bench.usersFile, join(dir, 'users.json'));
  let out: string;
  try {
    out = execFileSync(process.execPath, [...USERS_CLI_ARGS, 'add', 'bench-admin', '--role', 'admin', '--data', dir], { cwd: repoRoot, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    throw new Error(`cannot enrol the bench admin: ${String((err as { stderr?: string }).stderr ?? err).trim()}`);
  }
  const lines = out.trim().split('\n');
  return { usersFile: join(dir, 'users.json'), token: lines[lines.length - 1]!.trim() };
}

/**
 * Compacts the whole seeded store, so that LevelDB's own background compaction
 * of a freshly written gigabyte does not run (and fsync) during the measured
 * spans: a store that grew over months is settled too.
 */
async function settle(docsDir: string): Promise<void> {
  const db = new Level<string, Uint8Array>(docsDir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  try {
    await (db as unknown as { compactRange(start: string, end: string): Promise<void> }).compactRange('\x00', '\xff');
  } finally {
    await db.close();
  }
}

/** Writes `documents` records of `updatesPerDoc` updates each, many appends in flight; the number of updates. */
async function seedStore(docsDir: string, o: BackupUnderLoadOptions): Promise<number> {
  const store = await LevelDocStore.open(docsDir);
  const user = tallyCredentials()?.userId ?? 'bench-crew';
  const perUpdate = o.storeBytes / o.documents / o.updatesPerDoc;
  const comments = Math.max(1, Math.round(perUpdate / 1_050));
  const textLength = Math.max(16, Math.min(1_000, Math.round(perUpdate / comments) - 50));
  // Comment texts are slices of one pool of random text at random offsets: LevelDB compresses
  // each 4 KB block on its own (snappy), and a block holds no repeat, so the store stays its size.
  const pool64 = randomBytes(3 * 2 ** 20).toString('base64');
  const text = (): string => {
    const at = Math.floor(Math.random() * (pool64.length - textLength));
    return pool64.slice(at, at + textLength);
  };
  let seq = 0;
  const jobs = Array.from({ length: o.documents }, (_, d) => d);
  try {
    await pool(jobs, 256, async (d) => {
      const doc = recordDoc(`backup-${d}`);
      const client = 3_000_000 + d;
      const writes: Promise<void>[] = [];
      for (let u = 0; u < o.updatesPerDoc; u++) {
        const values = Array.from({ length: comments }, () => {
          const n = seq++;
          return { id: `bench-seed:${n}`, kind: 'comment', user, device: 'bench-seed', at: 1_790_000_000_000 + n, seq: n, text: text() };
        });
        writes.push(store.append(doc, encodeAppend(client, u * comments, values)));
      }
      await Promise.all(writes);
    });
  } finally {
    await store.close();
  }
  return o.documents * o.updatesPerDoc;
}

async function measure(server: ChildServer, o: BackupUnderLoadOptions, adminToken: string, seeded: Pick<BackupUnderLoadResult, 'seededUpdates' | 'storeBytesOnDisk' | 'seedMs'>): Promise<BackupUnderLoadResult> {
  const devices: BenchDevice[] = [];
  const streams: AppendStream[] = [];
  const docs: string[] = [];
  const scheduled: number[] = [];
  const sent: number[] = [];
  const acked: number[] = [];
  for (let c = 0; c < o.loadDocs; c++) {
    const entries = new DeviceEntries(`bench-bk${c}`);
    docs.push(recordDoc(`bk-load-${c}`));
    streams.push(new AppendStream(4_000_000 + c, () => entries.next()));
    devices.push(makeDevice(server, { device: entries.device, onAck: (_doc, token, at) => (acked[token] = at) }));
  }
  await pool(devices, 20, async (dev, c) => {
    await dev.connect();
    await dev.open(docs[c]!);
  });
  await sleep(500);

  // The schedule: one change every 1000/rate ms, round-robin over the devices, until stopped.
  const every = 1_000 / o.rate;
  const t0 = performance.now() + 5;
  let stopAt = Infinity;
  let next = 0;
  let sendError: string | undefined;
  const generator = new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      for (let at = t0 + next * every; at <= now && at < stopAt; at = t0 + next * every) {
        const c = next % o.loadDocs;
        scheduled[next] = at;
        sent[next] = performance.now();
        try {
          devices[c]!.send(docs[c]!, streams[c]!.next(), next);
        } catch (err) {
          sendError ??= String(err);
        }
        next++;
      }
      if (t0 + next * every >= stopAt) resolve();
      else setTimeout(tick, Math.max(0, t0 + next * every - performance.now()));
    };
    setTimeout(tick, 5);
  });

  const rss = rssSampler(server, 200);
  const anon = rssSampler(server, 200, 'anon');
  await sleep(o.warmupMs);
  await server.diagnostics(); // reset: the next read covers the baseline
  const cpuBaseline = cpuMeter(server.pid);
  await sleep(o.baselineMs - o.warmupMs);
  const cpuBefore = cpuBaseline();
  const baselineDiag = await server.diagnostics();
  const rssBefore = rss.stop().peak;
  const anonBefore = anon.stop().peak;

  const rssDuringSampler = rssSampler(server, 200);
  const anonDuringSampler = rssSampler(server, 200, 'anon');
  const archive = join(server.dataDir, '..', `backup-${process.pid}.tar`);
  const backupStart = performance.now();
  const cpuBackup = cpuMeter(server.pid);
  const download = await downloadBackup(`http://127.0.0.1:${server.port}/api/admin/backup`, adminToken, o.archiveTo === 'file' ? archive : '-', o.backupTimeoutMs);
  const backupEnd = performance.now();
  const cpuDuring = { ...cpuBackup(), download: (download.cpuMs / (backupEnd - backupStart)) * 1000 };
  const archiveBytes = download.bytes;
  const duringDiag = await server.diagnostics();
  const rssDuring = rssDuringSampler.stop().peak;
  const anonDuring = anonDuringSampler.stop().peak;

  const afterFrom = performance.now() + 1_000;
  stopAt = performance.now() + o.afterMs;
  await sleep(1_000);
  await server.diagnostics(); // reset: the next read covers the span after the backup
  await generator;
  const afterDiag = await server.diagnostics();
  // Deleted only now: freeing a gigabyte's extents is journal work the relay's fsyncs would wait behind in the span after.
  await rm(archive, { force: true });
  const drainStart = performance.now();
  while (performance.now() - drainStart < 10_000) {
    let all = true;
    for (let i = 0; i < next && all; i++) if (acked[i] === undefined) all = false;
    if (all) break;
    await sleep(50);
  }
  for (const d of devices) d.close();
  if (sendError) throw new Error(`sending failed: ${sendError}`);

  const span = (ranges: Array<[number, number]>, diags: Array<BenchDiagnostics | undefined>): LatencySpan => {
    const lat: number[] = [];
    let missing = 0;
    let count = 0;
    for (let i = 0; i < next; i++) {
      if (!ranges.some(([from, to]) => scheduled[i]! >= from && scheduled[i]! < to)) continue;
      count++;
      if (acked[i] === undefined) missing++;
      else lat.push(acked[i]! - scheduled[i]!);
    }
    const sorted = Float64Array.from(lat).sort();
    return {
      count,
      missing,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      max: sorted.length ? sorted[sorted.length - 1]! : NaN,
      loopDelayP99: maxOf(diags.map((d) => d?.loopDelay.p99)),
      loopDelayMax: maxOf(diags.map((d) => d?.loopDelay.max)),
      fsyncP50: maxOf(diags.map((d) => d?.stages['store.write']?.p50)),
      fsyncP99: maxOf(diags.map((d) => d?.stages['store.write']?.p99)),
    };
  };
  const worstPerSecond: Array<{ atS: number; ms: number }> = [];
  for (let i = 0; i < next; i++) {
    const atS = Math.floor((scheduled[i]! - backupStart) / 1_000);
    if (scheduled[i]! < backupStart - 3_000 || scheduled[i]! > backupEnd + 3_000) continue;
    const latency = acked[i] === undefined ? Infinity : acked[i]! - scheduled[i]!;
    const slot = worstPerSecond.find((w) => w.atS === atS);
    if (slot) slot.ms = Math.max(slot.ms, Math.round(latency));
    else worstPerSecond.push({ atS, ms: Math.round(latency) });
  }
  const lags = Float64Array.from(sent.slice(0, next).map((s, i) => s - scheduled[i]!)).sort();
  return {
    options: o,
    ...seeded,
    backupMs: backupEnd - backupStart,
    archiveBytes,
    without: span(
      [
        [t0 + o.warmupMs, backupStart],
        [afterFrom, stopAt],
      ],
      [baselineDiag, afterDiag],
    ),
    before: span([[t0 + o.warmupMs, backupStart]], [baselineDiag]),
    after: span([[afterFrom, stopAt]], [afterDiag]),
    during: span([[backupStart, backupEnd]], [duringDiag]),
    rssBefore,
    rssDuring,
    anonBefore,
    anonDuring,
    sendLagP99: quantile(lags, 0.99),
    worstPerSecond,
    duringStages: duringDiag?.stages,
    cpuBefore,
    cpuDuring,
  };
}

/** Starts measuring `pid`'s threads and the machine; the returned function gives the shares since. */
function cpuMeter(pid: number): () => CpuShare {
  const threads = (): { main: number; other: number } => {
    const out = { main: 0, other: 0 };
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // utime and stime, in clock ticks of 10 ms
        const ms = (Number(fields[11]) + Number(fields[12])) * 10;
        if (Number(tid) === pid) out.main += ms;
        else out.other += ms;
      } catch {
        // The thread ended meanwhile (its time is lost to this span).
      }
    }
    return out;
  };
  const t0 = performance.now();
  const start = threads();
  const machine0 = machineBusyMs();
  return () => {
    const end = threads();
    const perS = 1000 / (performance.now() - t0);
    return { relayMain: (end.main - start.main) * perS, relayOther: (end.other - start.other) * perS, machine: (machineBusyMs() - machine0) * perS };
  };
}

/** Runs bench/clients/backupDownload.mjs (a process of its own, as `npm run backup` is); the archive's bytes and the CPU the download took. */
function downloadBackup(url: string, token: string, out: string, timeoutMs: number): Promise<{ bytes: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bench/clients/backupDownload.mjs'), url, token, out], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(JSON.parse(stdout) as { bytes: number; cpuMs: number });
      else reject(new Error(`the backup download failed (${signal ?? code}): ${stderr.trim()}`));
    });
  });
}

/** The highest of the known values (undefined when none is). */
function maxOf(values: Array<number | undefined>): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length ? Math.max(...known) : undefined;
}
