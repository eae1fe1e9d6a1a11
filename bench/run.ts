/**
 * `npm run bench`: Tally's relay and the two servers a site would pick instead,
 * side by side on the same workloads, each server a child process of its own.
 * Prints a markdown table and writes it to bench/results/latest.md (and the raw
 * numbers to latest.json). How to read it: bench/README.md.
 *
 * Options: --only=tally,y-websocket,hocuspocus,floor  --workloads=idle,catchup,latency,
 * throughput,handover,big,many,fetch,fanout,photos,backup  --fanout-sizes=1000,5000  --quick (small sizes, for trying the bench out)
 * --profile (CPU profile of the Tally relay, written to bench/results/prof/)
 * --keep (leave the servers' data directories in place)
 * --out=fanout (write bench/results/fanout.md and .json instead of latest or quick)
 * --relay-flags=--trace-gc,--max-semi-space-size=32 (extra node flags for the Tally relay)
 * --relay-out=/tmp/relay.log (append the Tally relay's stdout and stderr to a file)
 * --name=site-ops (write bench/results/site-ops.md and .json instead of latest.*).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildServer, type LaunchSpec } from './servers/ChildServer';
import { tallySpec } from './servers/tallyServer';
import { yWebsocketSpec } from './servers/yWebsocketServer';
import { hocuspocusSpec } from './servers/hocuspocusServer';
import { floorSpec } from './servers/floorServer';
import { selfCheck, setEntryUser } from './lib/yupdates';
import { refusalsOf } from './lib/refusals';
import { tallyCredentials } from './servers/tallyCredentials';
import { type Cost, addCosts, meter } from './lib/measure';
import { type CatchUpOptions, defaultCatchUp, prepareCatchUp, runCatchUp } from './workloads/catchUp';
import { runHandover } from './workloads/handover';
import { defaultAckLatency, poolRounds, runAckLatencyRound, type LatencyRound } from './workloads/ackLatency';
import { defaultThroughput, runThroughput } from './workloads/throughput';
import { SETTLE_MS, runIdleMemory } from './workloads/idleMemory';
import { runBigDocument, runCatchUpStorage, runManyDocuments } from './workloads/storageStart';
import { runBulkFetch } from './workloads/bulkFetch';
import { defaultFanout, runFanout, type FanoutOptions } from './workloads/fanout';
import { defaultPhotoUploads, runPhotoUploads } from './workloads/photoUploads';
import { defaultBackupUnderLoad, runBackupUnderLoad } from './workloads/backupUnderLoad';
import { renderReport, type BenchReport, type ServerResults } from './lib/report';
import { ensureRelayBuilt } from '../build/relayBundle';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const arg = a.replace(/^--/, '');
    const eq = arg.indexOf('=');
    return eq < 0 ? ([arg, 'true'] as const) : ([arg.slice(0, eq), arg.slice(eq + 1)] as const);
  }),
);
const quick = args.has('quick');
const allSpecs: LaunchSpec[] = [tallySpec, yWebsocketSpec, hocuspocusSpec, floorSpec];
const only = args.get('only')?.split(',');
const specs = only ? allSpecs.filter((s) => only.includes(s.id)) : allSpecs;
const allWorkloads = ['idle', 'catchup', 'latency', 'throughput', 'handover', 'big', 'many', 'fetch', 'fanout', 'photos', 'backup'] as const;
/** Workloads of Tally's own protocol, which the other servers do not speak. */
const tallyOnly: readonly WorkloadId[] = ['fetch', 'photos', 'backup'];
/** The fan-out compares Tally with Hocuspocus's stateless broadcast and the bare-ws floor only. */
const fanoutServers: readonly string[] = ['tally', 'hocuspocus', 'floor'];
type WorkloadId = (typeof allWorkloads)[number];
const wanted = args.get('workloads')?.split(',');
const workloads = allWorkloads.filter((w) => !wanted || wanted.includes(w));

const sizes = {
  idleConnections: quick ? 200 : 1_000,
  idleSettleMs: quick ? 10_000 : SETTLE_MS,
  catchUp: (quick ? { ...defaultCatchUp, devices: 5, lines: 100 } : defaultCatchUp) satisfies CatchUpOptions,
  latency: quick ? { ...defaultAckLatency, docs: 100, rate: 1_000, warmupMs: 500, measureMs: 2_000, rounds: 1 } : defaultAckLatency,
  throughput: quick ? { ...defaultThroughput, connections: 20, warmupMs: 1_000, measureMs: 2_000 } : defaultThroughput,
  handoverRounds: quick ? 3 : 20,
  bigUpdates: quick ? 10_000 : 250_000,
  /** Anchors ingest far slower than Tally; their share of the run is capped. */
  bigTimeLimitMs: (id: string) => (quick ? 10_000 : id === 'tally' ? 60_000 : 25_000),
  manyDocuments: quick ? 500 : 10_000,
  fetchRecords: quick ? 300 : 1_000,
  fanout: {
    ...(quick ? { ...defaultFanout, sizes: [100, 500], notices: 5, warmup: 1 } : defaultFanout),
    ...(args.get('fanout-sizes') ? { sizes: args.get('fanout-sizes')!.split(',').map(Number) } : {}),
  } satisfies FanoutOptions,
  photos: quick ? { ...defaultPhotoUploads, devices: 4, photosPerDevice: 3 } : defaultPhotoUploads,
  backup: quick ? { ...defaultBackupUnderLoad, documents: 1_000, storeBytes: 50 * 2 ** 20, baselineMs: 5_000 } : defaultBackupUnderLoad,
};

const WORKLOAD_LIMIT_MS = 240_000;
/** The backup workload seeds a gigabyte first. */
const BACKUP_LIMIT_MS = 600_000;

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function main(): Promise<void> {
  const started = performance.now();
  selfCheck();
  if (specs.some((s) => s.id === 'tally')) {
    // Tally runs from dist/relay, as `npm start` does; build it now so no start below pays for it.
    const ms = ensureRelayBuilt();
    if (ms) log(`built the relay bundle in ${ms} ms`);
    const credentials = tallyCredentials();
    if (credentials) setEntryUser(credentials.userId);
  }
  const loadBefore = os.loadavg();
  log(`servers: ${specs.map((s) => s.id).join(', ')}; workloads: ${workloads.join(', ')}${quick ? ' (quick)' : ''}`);
  const t = performance.now();
  const catchUpData = workloads.includes('catchup') ? prepareCatchUp(sizes.catchUp) : null;
  log(`prepared catch-up updates in ${(performance.now() - t).toFixed(0)} ms`);

  const servers = specs.map((spec) => new ChildServer(spec));
  for (const s of servers) {
    if (s.spec.id !== 'tally') continue;
    s.nodeFlags = args.get('relay-flags')?.split(',') ?? [];
    if (args.has('profile')) {
      const profDir = join(resultsDir, 'prof');
      mkdirSync(profDir, { recursive: true });
      s.nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${profDir}`);
    }
    s.outputFile = args.get('relay-out');
  }
  const results = new Map<string, ServerResults>(specs.map((s) => [s.id, { costs: {}, errors: {} }]));

  // Workload-major: every server runs a workload before the next one starts, so
  // a change in the machine's load over the run hits all of them alike.
  for (const w of workloads) {
    // The latency workload runs in rounds, each server in turn within a round (AckLatencyOptions.rounds).
    const rounds = w === 'latency' ? sizes.latency.rounds : 1;
    for (let round = 1; round <= rounds; round++) {
      for (const server of servers) {
        if (server.spec.workloads && !server.spec.workloads.includes(w)) continue;
        if (tallyOnly.includes(w) && server.spec.id !== 'tally') continue;
        if (w === 'fanout' && !fanoutServers.includes(server.spec.id)) continue;
        const r = results.get(server.spec.id)!;
        log(`${w} on ${server.spec.id}${rounds > 1 ? ` (round ${round} of ${rounds})` : ''}`);
        const done = meter(server);
        const refusals = refusalsOf(server);
        refusals.reset();
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          // Every workload bounds its own waits; this is the backstop for a server that hangs.
          const limit = new Promise<never>((_, reject) => {
            const limitMs = w === 'backup' ? BACKUP_LIMIT_MS : WORKLOAD_LIMIT_MS;
            timer = setTimeout(() => reject(new Error(`${w} took longer than ${limitMs / 1000} s`)), limitMs);
          });
          await Promise.race([runWorkload(w, server, r, catchUpData), limit]);
        } catch (err) {
          r.errors[w] = err instanceof Error ? err.message.split('\n')[0]! : String(err);
          log(`${w} on ${server.spec.id} failed: ${r.errors[w]}\n${server.log()}`);
        } finally {
          clearTimeout(timer);
          // A refused write is never acked: without this, refusals read as a slow or empty result.
          if (refusals.count > 0) {
            r.errors[w] = `${refusals.summary()}${r.errors[w] ? `; ${r.errors[w]}` : ''}`;
            log(`${w} on ${server.spec.id} FAILED: ${r.errors[w]}`);
            process.exitCode = 1;
          }
          r.costs[w] = addCosts(r.costs[w], done());
          await server.stop().catch(() => server.kill());
        }
      }
    }
  }
  if (args.has('keep')) log(`kept data in ${servers.map((s) => s.dataDir).join(', ')}`);
  else for (const s of servers) s.cleanup();
  const credentials = specs.some((s) => s.id === 'tally') ? tallyCredentials() : null;
  if (credentials) rmSync(dirname(credentials.usersFile), { recursive: true, force: true });

  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
    loadBefore,
    loadAfter: os.loadavg(),
    quick,
    runtimeMs: performance.now() - started,
    servers: specs.map((s) => ({ id: s.id, title: s.title, ackMeaning: s.ackMeaning, compaction: s.compaction, throughputEnv: s.evictQuicklyEnv, workloads: s.workloads })),
    results: Object.fromEntries(results),
    catchUpShape: catchUpData
      ? { ...sizes.catchUp, uploadBytes: catchUpData.uploadBytes, compactedStateBytes: catchUpData.compactedStateBytes }
      : null,
    sizes: {
      idleConnections: sizes.idleConnections,
      idleSettleMs: sizes.idleSettleMs,
      latency: sizes.latency,
      throughput: sizes.throughput,
      handoverRounds: sizes.handoverRounds,
      bigUpdates: sizes.bigUpdates,
      manyDocuments: sizes.manyDocuments,
      fetchRecords: sizes.fetchRecords,
      fanout: sizes.fanout,
      photos: sizes.photos,
      backup: sizes.backup,
    },
  };
  const markdown = renderReport(report);
  mkdirSync(resultsDir, { recursive: true });
  const name = args.get('out') ?? args.get('name') ?? (quick ? 'quick' : 'latest');
  writeFileSync(join(resultsDir, `${name}.md`), markdown);
  writeFileSync(join(resultsDir, `${name}.json`), JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(markdown);
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s; wrote bench/results/${name}.md and ${name}.json`);
}

/** Each server's latency rounds so far, pooled into its result after each one. */
const latencyRounds = new Map<string, LatencyRound[]>();

async function runWorkload(
  w: WorkloadId,
  server: ChildServer,
  r: ServerResults,
  catchUpData: ReturnType<typeof prepareCatchUp> | null,
): Promise<void> {
  switch (w) {
    case 'idle':
      r.startEmptyMs = await server.startFresh('idle');
      r.idle = await runIdleMemory(server, sizes.idleConnections, sizes.idleSettleMs);
      return;
    case 'catchup':
      await server.startFresh('catchup');
      r.catchUp = await runCatchUp(server, catchUpData!);
      r.catchUpStorage = await runCatchUpStorage(server, catchUpData!);
      return;
    case 'latency': {
      await server.startFresh('latency');
      const rounds = latencyRounds.get(server.spec.id) ?? [];
      latencyRounds.set(server.spec.id, rounds);
      rounds.push(await runAckLatencyRound(server, sizes.latency));
      r.latency = poolRounds(rounds);
      return;
    }
    case 'throughput':
      server.nextEnv = server.spec.evictQuicklyEnv ?? {};
      await server.startFresh('throughput');
      r.throughput = await runThroughput(server, sizes.throughput);
      return;
    case 'handover':
      await server.startFresh('handover');
      r.handover = await runHandover(server, sizes.handoverRounds);
      return;
    case 'big':
      r.big = await runBigDocument(server, sizes.bigUpdates, 256, sizes.bigTimeLimitMs(server.spec.id));
      return;
    case 'many':
      r.many = await runManyDocuments(server, sizes.manyDocuments);
      return;
    case 'fetch':
      r.bulkFetch = await runBulkFetch(server, sizes.fetchRecords);
      return;
    case 'fanout':
      // Hocuspocus takes part with its stateless broadcast behind a POST (hocuspocusMain.mjs).
      if (server.spec.dialect === 'hocuspocus') server.nextEnv = { HOCUSPOCUS_BROADCAST: '1' };
      await server.startFresh('fanout');
      r.fanout = await runFanout(server, sizes.fanout);
      return;
    case 'photos': {
      // --expose-gc lets the workload read what the relay still holds after a full collection (/debug/diagnostics?gc=1).
      const flags = server.nodeFlags;
      server.nodeFlags = [...flags, '--expose-gc'];
      try {
        await server.startFresh('photos');
      } finally {
        server.nodeFlags = flags;
      }
      r.photoUploads = await runPhotoUploads(server, sizes.photos);
      return;
    }
    case 'backup':
      r.backupUnderLoad = await runBackupUnderLoad(server, sizes.backup);
      return;
  }
}

export type { Cost };

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
