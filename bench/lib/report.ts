/**
 * The bench's results and their markdown rendering: one table of measures
 * (servers as columns, targets for Tally beside them), one table of what each
 * workload cost the generator, the server and the rest of the machine.
 */
import type { Cost } from './measure';
import type { CatchUpResult } from '../workloads/catchUp';
import type { HandoverResult } from '../workloads/handover';
import type { AckLatencyOptions, AckLatencyResult, LatencyRoundFigures } from '../workloads/ackLatency';
import type { BenchDiagnostics } from '../servers/ChildServer';
import type { ThroughputOptions, ThroughputResult } from '../workloads/throughput';
import type { IdleMemoryResult } from '../workloads/idleMemory';
import type { BigDocumentResult, CatchUpStorageResult, ManyDocumentsResult } from '../workloads/storageStart';
import type { BulkFetchResult } from '../workloads/bulkFetch';
import type { FanoutOptions, FanoutResult } from '../workloads/fanout';
import type { PhotoUploadOptions, PhotoUploadResult } from '../workloads/photoUploads';
import type { BackupUnderLoadOptions, BackupUnderLoadResult } from '../workloads/backupUnderLoad';
import { renderSiteOperations } from './siteOpsReport';

export interface ServerResults {
  startEmptyMs?: number;
  idle?: IdleMemoryResult;
  catchUp?: CatchUpResult;
  catchUpStorage?: CatchUpStorageResult;
  latency?: AckLatencyResult;
  throughput?: ThroughputResult;
  handover?: HandoverResult;
  big?: BigDocumentResult;
  many?: ManyDocumentsResult;
  bulkFetch?: BulkFetchResult;
  fanout?: FanoutResult;
  photoUploads?: PhotoUploadResult;
  backupUnderLoad?: BackupUnderLoadResult;
  /** Whole-workload cost (setup included), by workload id. */
  costs: Record<string, Cost>;
  errors: Record<string, string>;
}

export interface BenchReport {
  date: string;
  machine: string;
  loadBefore: number[];
  loadAfter: number[];
  quick: boolean;
  runtimeMs: number;
  servers: Array<{ id: string; title: string; ackMeaning: string; compaction: string; throughputEnv?: Record<string, string>; workloads?: readonly string[] }>;
  results: Record<string, ServerResults>;
  catchUpShape: { devices: number; docs: number; lines: number; uploadBytes: number; compactedStateBytes: number } | null;
  sizes: {
    idleConnections: number;
    /** How long the idle connections wait before the settled reading (ms). */
    idleSettleMs: number;
    latency: AckLatencyOptions;
    throughput: ThroughputOptions;
    handoverRounds: number;
    bigUpdates: number;
    manyDocuments: number;
    /** Records of the shift-start fetch workload (absent in reports made before it existed). */
    fetchRecords?: number;
    /** The fan-out's device counts and notices (absent in reports made before it existed). */
    fanout?: FanoutOptions;
    photos?: PhotoUploadOptions;
    backup?: BackupUnderLoadOptions;
  };
}

const num = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function ms(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return 'n/a';
  if (v >= 10_000) return `${num(v / 1000, 1)} s`;
  if (v >= 1000) return `${num(v / 1000, 2)} s`;
  if (v >= 10) return `${num(v, 0)} ms`;
  return `${num(v, 2)} ms`;
}

export function bytes(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  if (a >= 2 ** 20) return `${num(v / 2 ** 20, 1)} MB`;
  if (a >= 1024) return `${num(v / 1024, 1)} KB`;
  return `${num(v, 0)} B`;
}

const mark = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? ' ✅' : ' ❌');

type Cell = (r: ServerResults, id: string) => string;

interface Row {
  workload: string;
  measure: string;
  target: string;
  cell: Cell;
  /** Whether Tally meets the target, given every server's results. */
  met?: (tally: ServerResults, all: Record<string, ServerResults>) => boolean | undefined;
  /** Workload whose error, if any, replaces the cell. */
  errorOf: string;
}

/** The servers a site would pick instead of Tally (the floor is a yardstick, not an anchor). */
const ANCHORS = new Set(['y-websocket', 'hocuspocus']);

function fastestAnchorCatchUp(all: Record<string, ServerResults>): number {
  const times = Object.entries(all)
    .filter(([id]) => ANCHORS.has(id))
    .map(([, r]) => r.catchUp?.ms ?? NaN)
    .filter(Number.isFinite);
  return times.length ? Math.min(...times) : NaN;
}

/** " (1.8 x floor)" after Tally's figure when the floor ran the same workload. */
function vsFloor(all: Record<string, ServerResults>, id: string, pick: (r: ServerResults) => number | undefined): string {
  if (id !== 'tally') return '';
  const mine = pick(all[id]!);
  const floor = all.floor ? pick(all.floor) : undefined;
  return mine !== undefined && floor !== undefined && floor > 0 ? ` (${num(mine / floor, 2)} x floor)` : '';
}

/** One latency round: p50 / p99 and, when the server reports it, its longest fsync. */
function roundCell(r: LatencyRoundFigures): string {
  return `${ms(r.p50)} / ${ms(r.p99)}${r.longestFsyncMs !== undefined ? ` (${ms(r.longestFsyncMs)})` : ''}`;
}

/** A server's pauses over a workload: event-loop delay and GC. */
function pausesCell(d: BenchDiagnostics | undefined): string {
  if (!d) return '—';
  const l = d.loopDelay;
  const g = d.gc;
  return `loop delay p50 ${ms(l.p50)}, p99 ${ms(l.p99)}, max ${ms(l.max)} · GC ${ms(g.totalMs)} in ${num(g.count)} pauses (max ${ms(g.maxMs)}; major ${num(g.majorCount)}, ${ms(g.majorMs)}) over ${num(d.overMs / 1000, 1)} s`;
}

/** Where a server's changes spent their time, stage by stage: p50 / p99. */
function stagesCell(d: BenchDiagnostics | undefined): string {
  if (!d) return '—';
  const parts = Object.entries(d.stages).map(([stage, f]) => `${stage} ${ms(f!.p50)} / ${ms(f!.p99)}`);
  if (d.batchWrites) parts.push(`writes per fsync ${num(d.batchWrites.p50)} / ${num(d.batchWrites.p99)}`);
  return parts.join(' · ') || '—';
}

export function renderReport(report: BenchReport): string {
  const { results, servers, sizes } = report;
  const lat = sizes.latency;
  const tp = sizes.throughput;
  const cu = report.catchUpShape;
  const rows: Row[] = [
    {
      workload: 'all',
      measure: 'what the acknowledgement used below guarantees',
      target: 'durable',
      cell: (_r, id) => servers.find((s) => s.id === id)!.ackMeaning,
      errorOf: '',
    },
    {
      workload: 'catch-up',
      measure: cu
        ? `time until ${cu.devices} devices x ${cu.docs} receipts have converged (${num(cu.lines)} offline lines each, all reconnect at once)`
        : 'catch-up',
      target: '≤ 0.5 x faster anchor',
      cell: (r, id) => {
        const c = r.catchUp;
        if (!c) return 'n/a';
        if (!Number.isFinite(c.ms)) return `did not converge (${c.converged}/${c.of}${c.error ? `, ${c.error}` : ''})`;
        const fast = fastestAnchorCatchUp(results);
        const ratio = id === 'tally' && Number.isFinite(fast) ? ` (${num(c.ms / fast, 2)} x)` : '';
        return `${ms(c.ms)}${ratio}${c.probesOk ? '' : ' (probe Y.Doc incomplete!)'}`;
      },
      met: (t, all) => {
        const fast = fastestAnchorCatchUp(all);
        return t.catchUp && Number.isFinite(fast) ? t.catchUp.ms <= fast / 2 : undefined;
      },
      errorOf: 'catchup',
    },
    {
      workload: 'handover',
      measure: `lines lost of ${sizes.handoverRounds}: "on the relay" signal, then SIGKILL, device copy discarded, restart`,
      target: '0',
      cell: (r) => {
        const h = r.handover;
        if (!h) return 'n/a';
        return `${h.lost} lost (${h.signal}${h.noSignal ? `; ${h.noSignal} rounds without signal` : ''}; signal after ${ms(h.signalMsP50)})`;
      },
      met: (t) => (t.handover ? t.handover.lost === 0 && t.handover.noSignal === 0 : undefined),
      errorOf: 'handover',
    },
    {
      workload: 'ack latency',
      measure: `p50 from the scheduled moment; ${lat.docs} docs x ${lat.clientsPerDoc} clients, ${num(lat.rate)} updates/s`,
      target: '≤ 1 ms',
      cell: (r, id) => (r.latency ? `${ms(r.latency.p50)}${vsFloor(results, id, (x) => x.latency?.p50)}` : 'n/a'),
      met: (t) => (t.latency ? t.latency.p50 <= 1 && t.latency.missing === 0 : undefined),
      errorOf: 'latency',
    },
    {
      workload: 'ack latency',
      measure: 'p99 from the scheduled moment (p99.9, max; unacked)',
      target: '≤ 5 ms',
      cell: (r, id) =>
        r.latency
          ? `${ms(r.latency.p99)}${vsFloor(results, id, (x) => x.latency?.p99)} (${ms(r.latency.p999)}, ${ms(r.latency.max)}; ${r.latency.missing} unacked)`
          : 'n/a',
      met: (t) => (t.latency ? t.latency.p99 <= 5 && t.latency.missing === 0 : undefined),
      errorOf: 'latency',
    },
    {
      workload: 'ack latency',
      measure: `each round on its own: p50 / p99 (longest fsync), in the order run (${lat.rounds} rounds, every server in turn; the figures above pool them)`,
      target: '',
      cell: (r) => (r.latency?.rounds ? r.latency.rounds.map(roundCell).join(' · ') : 'n/a'),
      errorOf: 'latency',
    },
    {
      workload: 'ack latency',
      measure: 'generator lag p50 / p99 (send moment - scheduled moment), included above',
      target: '',
      cell: (r) => (r.latency ? `${ms(r.latency.sendLagP50)} / ${ms(r.latency.sendLagP99)}` : 'n/a'),
      errorOf: 'latency',
    },
    {
      workload: 'ack latency',
      measure: "the server's pauses over the measured schedule (after the warm-up) of its round with the highest p99: event-loop delay, GC",
      target: '',
      cell: (r) => (r.latency ? pausesCell(r.latency.diagnostics) : 'n/a'),
      errorOf: 'latency',
    },
    {
      workload: 'ack latency',
      measure: 'where a change spent its time in the server after the warm-up, same round, p50 / p99 (relay/diag/StageTimings.ts)',
      target: '',
      cell: (r) => (r.latency ? stagesCell(r.latency.diagnostics) : 'n/a'),
      errorOf: 'latency',
    },
    {
      workload: 'throughput',
      measure: `acknowledged updates/s, closed loop: ${tp.connections} connections x ${tp.window} in flight, each filling receipts of ${tp.linesPerDoc} lines one after another; ${num(tp.measureMs / 1000)} s`,
      target: '≥ 25,000/s',
      cell: (r, id) =>
        r.throughput ? `${num(r.throughput.perSecond)}/s${vsFloor(results, id, (x) => x.throughput?.perSecond)} (${num(r.throughput.docsFilled)} receipts filled)` : 'n/a',
      met: (t) => (t.throughput ? t.throughput.perSecond >= 25_000 && flat(t.throughput) : undefined),
      errorOf: 'throughput',
    },
    {
      workload: 'throughput',
      measure: 'server RSS start -> end of the window (growth/s of its peak, middle third -> last third)',
      target: 'flat',
      cell: (r) =>
        r.throughput
          ? `${bytes(r.throughput.rssStart)} -> ${bytes(r.throughput.rssEnd)} (${bytes(r.throughput.rssPeakGrowth)}/s)${flat(r.throughput) ? '' : ' growing'}`
          : 'n/a',
      met: (t) => (t.throughput ? flat(t.throughput) : undefined),
      errorOf: 'throughput',
    },
    {
      workload: 'throughput',
      measure: "the server's pauses over the window: event-loop delay, GC",
      target: '',
      cell: (r) => (r.throughput ? pausesCell(r.throughput.diagnostics) : 'n/a'),
      errorOf: 'throughput',
    },
    {
      workload: 'throughput',
      measure: 'where a change spent its time in the server, p50 / p99',
      target: '',
      cell: (r) => (r.throughput ? stagesCell(r.throughput.diagnostics) : 'n/a'),
      errorOf: 'throughput',
    },
    {
      workload: 'memory',
      measure: `server RSS per idle connection (${num(sizes.idleConnections)} connections, one open doc each)`,
      target: '≤ 30 KB',
      cell: (r) => (r.idle ? bytes(r.idle.bytesPerConnection) : 'n/a'),
      met: (t) => (t.idle ? t.idle.bytesPerConnection <= 30 * 1024 : undefined),
      errorOf: 'idle',
    },
    {
      workload: 'memory',
      measure: `server RSS per further idle connection (${num(sizes.idleConnections)} more: the marginal cost, without what the first ones paid once)`,
      target: '',
      cell: (r) => (r.idle ? bytes(r.idle.marginalBytesPerConnection) : 'n/a'),
      errorOf: 'idle',
    },
    {
      workload: 'memory',
      measure: `server RSS per idle connection once settled (all ${num(2 * sizes.idleConnections)}, after ${sizes.idleSettleMs / 1000} s with nothing sent)`,
      target: '',
      cell: (r) => (r.idle ? bytes(r.idle.settledBytesPerConnection) : 'n/a'),
      errorOf: 'idle',
    },
    {
      workload: 'storage',
      measure: cu
        ? `bytes on disk after the catch-up (x the compacted Yjs state, ${bytes(cu.compactedStateBytes)})`
        : 'bytes on disk after the catch-up',
      target: '',
      cell: (r) => storageCell(r, (s) => s.bytesAfterCatchUp),
      errorOf: 'catchup',
    },
    {
      workload: 'storage',
      measure: 'bytes on disk after compaction (and every line still served)',
      target: '≤ 1.5 x',
      cell: (r) => storageCell(r, (s) => s.bytesAfterCompaction),
      met: (t) =>
        t.catchUpStorage
          ? t.catchUpStorage.complete && t.catchUpStorage.bytesAfterCompaction <= 1.5 * t.catchUpStorage.compactedStateBytes
          : undefined,
      errorOf: 'catchup',
    },
    {
      workload: 'big document',
      measure: `${num(sizes.bigUpdates)} updates of one scanned line each to one record (one device, 50 Yjs client ids in turn; window 256): acked in the time given, rate, bytes on disk, compacted Yjs state`,
      target: '',
      cell: (r) => (r.big ? `${num(r.big.acked)} in ${ms(r.big.acked / r.big.ingestPerSecond * 1000)} (${num(r.big.ingestPerSecond)}/s); ${bytes(r.big.bytesOnDisk)} on disk, state ${bytes(r.big.stateBytes)}` : 'n/a'),
      errorOf: 'big',
    },
    {
      workload: 'big document',
      measure: 'load after restart: first / once compacted, median of 5 restarts (fastest-slowest) (ask -> all of it received)',
      target: '< 60 ms compacted',
      cell: (r) => {
        const b = r.big;
        if (!b) return 'n/a';
        const range = b.compactedLoadRangeMs ? ` (${ms(b.compactedLoadRangeMs[0])}-${ms(b.compactedLoadRangeMs[1])})` : '';
        return `${ms(b.firstLoadMs)} / ${ms(b.compactedLoadMs)}${range}${b.loadedAll ? '' : ' (not all of it within 30 s)'}`;
      },
      met: (t) => (t.big ? t.big.loadedAll && t.big.acked === t.big.updates && t.big.compactedLoadMs < 60 : undefined),
      errorOf: 'big',
    },
    {
      workload: 'restart',
      measure: `${num(sizes.manyDocuments)} stored docs: spawn -> HTTP answers / -> one doc served`,
      target: '< 1 s',
      cell: (r) => (r.many ? `${ms(r.many.readyMs)} / ${ms(r.many.servedMs)}${r.many.served ? '' : ' (not served)'}` : 'n/a'),
      met: (t) => (t.many ? t.many.served && t.many.servedMs < 1000 : undefined),
      errorOf: 'many',
    },
    {
      workload: 'restart',
      measure: `for comparison: start on an empty store; bytes of the ${num(sizes.manyDocuments)} docs`,
      target: '',
      cell: (r) => `${ms(r.many?.emptyReadyMs ?? r.startEmptyMs)}; ${bytes(r.many?.bytesOnDisk)}`,
      errorOf: 'many',
    },
    {
      workload: 'shift start (relay)',
      measure: `${num(sizes.fetchRecords ?? 1_000)} stored records of 3 lines, none in memory (after a restart): one fetch / each opened over /mux / fetchSummarized (summaries made; kept), median of 5 (fastest-slowest)`,
      target: '',
      cell: (r, id) => {
        if (id !== 'tally') return '—';
        const f = r.bulkFetch;
        if (!f) return 'n/a';
        const range = (v: [number, number]) => `(${ms(v[0])}-${ms(v[1])})`;
        const summarized = f.summarizedMs === undefined ? '' : ` / ${ms(f.summarizedMs)}; ${ms(f.summarizedKeptMs)}`;
        return `${ms(f.fetchMs)} ${range(f.fetchRangeMs)} in ${num(f.frames)} frames, ${bytes(f.stateBytes)} / ${ms(f.oneByOneMs)} ${range(f.oneByOneRangeMs)}${summarized}${f.complete ? '' : ' (fetch incomplete)'}`;
      },
      errorOf: 'fetch',
    },
    ...fanoutRows(sizes.fanout, results),
  ];

  const ids = servers.map((s) => s.id);
  const lines: string[] = [];
  lines.push(`# Tally bench${report.quick ? ' (quick sizes: not comparable with the targets)' : ''}`);
  lines.push('');
  lines.push(`${report.date} · ${report.machine} · load average before ${report.loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${report.loadAfter.map((l) => l.toFixed(2)).join(' ')} · bench ran ${ms(report.runtimeMs)}`);
  lines.push('');
  lines.push(`| workload | measure | target (Tally) | ${servers.map((s) => s.title).join(' | ')} |`);
  lines.push(`| --- | --- | --- | ${servers.map(() => '---').join(' | ')} |`);
  // A run of some workloads only (`--workloads=`) shows their rows alone.
  const ran = new Set(ids.flatMap((id) => Object.keys(results[id]!.costs)));
  for (const row of rows) {
    if (row.errorOf && !ran.has(row.errorOf)) continue;
    const cells = ids.map((id) => {
      const r = results[id]!;
      const takesPart = servers.find((s) => s.id === id)!.workloads;
      if (row.errorOf && takesPart && !takesPart.includes(row.errorOf)) return '—';
      if (row.errorOf && r.errors[row.errorOf]) return `error: ${escape(r.errors[row.errorOf]!.slice(0, 120))}`;
      let text = row.cell(r, id);
      if (id === 'tally' && row.met) text += mark(row.met(r, results));
      return escape(text);
    });
    lines.push(`| ${row.workload} | ${escape(row.measure)} | ${escape(row.target)} | ${cells.join(' | ')} |`);
  }
  lines.push(...renderSiteOperations(results.tally));
  lines.push('');
  lines.push('## What each workload cost');
  lines.push('');
  lines.push('CPU time over the whole workload (setup included): load generator (this process) / server process / everything else on the machine, and wall time. "others" well above zero means other work on the machine competed with the measurement.');
  lines.push('');
  lines.push(`| workload | ${servers.map((s) => s.title).join(' | ')} |`);
  lines.push(`| --- | ${servers.map(() => '---').join(' | ')} |`);
  const workloadIds = [...new Set(ids.flatMap((id) => Object.keys(results[id]!.costs)))];
  for (const w of workloadIds) {
    const cells = ids.map((id) => {
      const c = results[id]!.costs[w];
      if (!c) return '';
      const others = Math.max(0, c.machineCpuMs - c.generatorCpuMs - c.serverCpuMs);
      return `gen ${ms(c.generatorCpuMs)} / server ${ms(c.serverCpuMs)} / others ${ms(others)} · wall ${ms(c.wallMs)}`;
    });
    lines.push(`| ${w} | ${cells.join(' | ')} |`);
  }
  const measured = (['catchUp', 'latency', 'throughput'] as const)
    .map((k) => {
      const parts = ids.map((id) => {
        const c = results[id]?.[k] as { cost?: Cost } | undefined;
        return c?.cost ? `${servers.find((s) => s.id === id)!.title} gen ${ms(c.cost.generatorCpuMs)} / server ${ms(c.cost.serverCpuMs)} in ${ms(c.cost.wallMs)}` : null;
      });
      return parts.some(Boolean) ? `- ${k}, measured window only: ${parts.filter(Boolean).join('; ')}` : null;
    })
    .filter(Boolean);
  if (measured.length) {
    lines.push('');
    lines.push(...(measured as string[]));
  }
  lines.push('');
  lines.push('## Servers');
  lines.push('');
  for (const s of servers) {
    const env = s.throughputEnv && Object.keys(s.throughputEnv).length
      ? ` Throughput run with ${Object.entries(s.throughputEnv).map(([k, v]) => `${k}=${v}`).join(' ')}, so that filled receipts leave memory within the run as they do at once on the other servers.`
      : '';
    lines.push(`- **${s.title}**: ack = ${s.ackMeaning}. Compaction: ${s.compaction}.${env}`);
  }
  const errors = ids.flatMap((id) => Object.entries(results[id]!.errors).map(([w, e]) => `- ${id} / ${w}: ${e}`));
  if (errors.length) {
    lines.push('');
    lines.push('## Errors');
    lines.push('');
    lines.push(...errors);
  }
  lines.push('');
  return lines.join('\n');
}

/** One row per fan-out size; Tally's cell carries its ratios to Hocuspocus's stateless broadcast and to the floor. */
function fanoutRows(options: FanoutOptions | undefined, all: Record<string, ServerResults>): Row[] {
  if (!options) return [];
  const largest = Math.max(...options.sizes);
  const roundOf = (r: ServerResults | undefined, devices: number) => r?.fanout?.rounds.find((x) => x.devices === devices);
  return options.sizes.flatMap((devices) => [{
    workload: 'fan-out',
    measure: `a notice posted, time until the last of ${num(devices)} connected devices has it: p50 / p99 (max) over ${options.notices} notices (Tally stores it with fsync first; Hocuspocus's stateless broadcast and the floor's bare ws send store nothing)`,
    target: devices === largest ? 'p99 ≤ 250 ms' : '',
    cell: (r, id) => {
      const round = roundOf(r, devices);
      if (!round) return 'n/a';
      let text = `${ms(round.p50Ms)} / ${ms(round.p99Ms)} (${ms(round.maxMs)})`;
      if (id === 'tally') {
        const ratios = (['hocuspocus', 'floor'] as const).flatMap((other) => {
          const o = roundOf(all[other], devices);
          return o ? [`p99 ${num(round.p99Ms / o.p99Ms, 2)} x ${other}`] : [];
        });
        if (ratios.length) text += `, ${ratios.join(', ')}`;
      }
      return text;
    },
    met: devices === largest ? (t) => { const round = roundOf(t, devices); return round ? round.p99Ms <= 250 : undefined; } : undefined,
    errorOf: 'fanout',
  }, {
    workload: 'fan-out',
    measure: `the server's pauses over those ${options.notices} notices (${num(devices)} devices): event-loop delay, GC`,
    target: '',
    cell: (r) => pausesCell(roundOf(r, devices)?.pauses),
    errorOf: 'fanout',
  }]);
}

function flat(t: ThroughputResult): boolean {
  // Growth under 1% of the starting RSS per second of load counts as flat.
  return t.rssPeakGrowth <= 0.01 * t.rssStart;
}

function storageCell(r: ServerResults, pick: (s: CatchUpStorageResult) => number): string {
  const s = r.catchUpStorage;
  if (!s) return 'n/a';
  const v = pick(s);
  return `${bytes(v)} (${num(v / s.compactedStateBytes, 2)} x)${s.complete ? '' : ' (lines missing!)'}`;
}

function escape(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
