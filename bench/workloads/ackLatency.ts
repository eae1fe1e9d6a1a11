/**
 * ack latency: 500 documents x 2 clients (1,000 connections, one document
 * each), 5,000 updates/s in all, sent on a fixed schedule (a burst every
 * millisecond, round-robin over the clients) and timed from the scheduled
 * moment, not the send moment, so a server that stalls the generator is
 * charged for the wait (no coordinated omission). The generator's own lag
 * (send moment - scheduled moment) is reported beside it.
 */
import type { BenchDiagnostics, ChildServer } from '../servers/ChildServer';
import { makeDevice, pool } from '../clients/makeDevice';
import type { BenchDevice } from '../clients/BenchDevice';
import { AppendStream, DeviceEntries, recordDoc } from '../lib/yupdates';
import { type Cost, addCosts, meter, quantile, sleep } from '../lib/measure';

export interface AckLatencyOptions {
  docs: number;
  clientsPerDoc: number;
  /** Updates per second, all clients together. */
  rate: number;
  tickMs: number;
  warmupMs: number;
  measureMs: number;
  /** How long to wait for the last acks. */
  drainMs: number;
  /**
   * Rounds per server, run in turn with the other servers' (a fresh server
   * each): the figures pool every round's samples. This machine's fsync
   * sometimes stalls for 20 to 170 ms; in a single round such a stall lands
   * on whichever server is running and decides its p99.
   */
  rounds: number;
}

export const defaultAckLatency: AckLatencyOptions = {
  docs: 500,
  clientsPerDoc: 2,
  rate: 5_000,
  tickMs: 1,
  warmupMs: 2_000,
  measureMs: 10_000,
  drainMs: 5_000,
  rounds: 3,
};

export interface AckLatencyResult {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Measured sends (after warm-up). */
  measured: number;
  /** Measured sends never acknowledged within the drain time. */
  missing: number;
  /** Generator lag: send moment - scheduled moment. */
  sendLagP50: number;
  sendLagP99: number;
  /** Latency from the actual send moment (for comparison only). */
  fromSendP50: number;
  fromSendP99: number;
  rssStart: number;
  rssEnd: number;
  /** Worst latency of each 500 ms of the measured schedule, to see when stalls happen. */
  worstPerHalfSecond: number[];
  /** The server's pauses and per-stage timings over the measured window (servers that report them). */
  diagnostics?: BenchDiagnostics;
  cost: Cost;
  error?: string;
  /** Each round's own figures, in the order they ran (set when rounds are pooled). */
  rounds?: LatencyRoundFigures[];
}

/** One round's figures, beside the pooled ones. */
export interface LatencyRoundFigures {
  p50: number;
  p99: number;
  max: number;
  missing: number;
  sendLagP99: number;
  /** The longest fsync of the round (store.write max, servers that report it), ms. */
  longestFsyncMs?: number;
}

/** One round: its figures, and its samples for pooling. */
export interface LatencyRound {
  result: AckLatencyResult;
  /** Latency from the scheduled moment of each acknowledged measured send, ascending. */
  latencies: Float64Array;
  fromSend: Float64Array;
  lags: Float64Array;
}

/** Runs one round against a freshly started server. */
export async function runAckLatencyRound(server: ChildServer, o: AckLatencyOptions = defaultAckLatency): Promise<LatencyRound> {
  const nClients = o.docs * o.clientsPerDoc;
  const perTick = Math.max(1, Math.round((o.rate * o.tickMs) / 1000));
  const total = Math.ceil(((o.warmupMs + o.measureMs) / o.tickMs) * perTick);
  const scheduled = new Float64Array(total);
  const sent = new Float64Array(total);
  const acked = new Float64Array(total).fill(NaN);
  const devices: BenchDevice[] = [];
  const docOf: string[] = [];
  const streams: AppendStream[] = [];
  for (let c = 0; c < nClients; c++) {
    const doc = recordDoc(`lat-${c % o.docs}`);
    docOf.push(doc);
    const entries = new DeviceEntries(`bench-lat${c}`);
    streams.push(new AppendStream(2_000_000 + c, () => entries.next()));
    devices.push(
      makeDevice(server, {
        device: entries.device,
        onAck: (_doc, token, at) => {
          acked[token] = at;
        },
      }),
    );
  }
  let error: string | undefined;
  await pool(devices, 50, async (dev, c) => {
    await dev.connect();
    await dev.open(docOf[c]!);
  }).catch((err: unknown) => {
    error = `setup: ${String(err)}`;
  });
  if (error) {
    for (const d of devices) d.close();
    throw new Error(error);
  }
  await sleep(500);
  const rssStart = server.rss();
  const cost = meter(server);
  await server.diagnostics();
  const t0 = performance.now() + 5;
  for (let i = 0; i < total; i++) scheduled[i] = t0 + Math.floor(i / perTick) * o.tickMs;
  const first = Math.ceil((o.warmupMs / o.tickMs) * perTick);
  let next = 0;
  /** Reset when the warm-up ends: the relay's pauses and stages then cover the measured changes, as the latency does. */
  let warmupReset: Promise<unknown> | null = null;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (warmupReset === null && next >= first) warmupReset = server.diagnostics();
      while (next < total && scheduled[next]! <= now) {
        const c = next % nClients;
        const at = performance.now();
        try {
          devices[c]!.send(docOf[c]!, streams[c]!.next(), next);
        } catch (err) {
          error = String(err);
        }
        sent[next] = at;
        next++;
      }
      if (next >= total) resolve();
      else setTimeout(tick, Math.max(0, scheduled[next]! - performance.now()));
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
  await warmupReset;
  const drainStart = performance.now();
  const allAcked = () => {
    for (let i = first; i < total; i++) if (Number.isNaN(acked[i]!)) return false;
    return true;
  };
  while (!allAcked() && performance.now() - drainStart < o.drainMs) await sleep(20);
  const c = cost();
  const rssEnd = server.rss();
  const diagnostics = await server.diagnostics();
  for (const d of devices) d.close();

  const lat: number[] = [];
  const fromSend: number[] = [];
  const lag: number[] = [];
  let missing = 0;
  for (let i = first; i < total; i++) {
    lag.push(sent[i]! - scheduled[i]!);
    if (Number.isNaN(acked[i]!)) {
      missing++;
      continue;
    }
    lat.push(acked[i]! - scheduled[i]!);
    fromSend.push(acked[i]! - sent[i]!);
  }
  const worstPerHalfSecond: number[] = [];
  for (let i = first; i < total; i++) {
    const bucket = Math.floor((scheduled[i]! - scheduled[first]!) / 500);
    const v = Number.isNaN(acked[i]!) ? Infinity : acked[i]! - scheduled[i]!;
    worstPerHalfSecond[bucket] = Math.max(worstPerHalfSecond[bucket] ?? 0, Math.round(v * 10) / 10);
  }
  const asc = (a: number[]) => Float64Array.from(a).sort();
  const l = asc(lat);
  const s = asc(fromSend);
  const g = asc(lag);
  const result: AckLatencyResult = {
    p50: quantile(l, 0.5),
    p99: quantile(l, 0.99),
    p999: quantile(l, 0.999),
    max: l.length ? l[l.length - 1]! : NaN,
    measured: total - first,
    missing,
    sendLagP50: quantile(g, 0.5),
    sendLagP99: quantile(g, 0.99),
    fromSendP50: quantile(s, 0.5),
    fromSendP99: quantile(s, 0.99),
    rssStart,
    rssEnd,
    worstPerHalfSecond,
    diagnostics,
    cost: c,
    error,
  };
  return { result, latencies: l, fromSend: s, lags: g };
}

/**
 * The figures of several rounds of one server together: percentiles over all
 * their samples, costs summed, and each round's own figures beside them. The
 * relay's pauses and stages shown are those of the round with the highest
 * p99, the one a reader would want explained.
 */
export function poolRounds(rounds: readonly LatencyRound[]): AckLatencyResult {
  if (rounds.length === 0) throw new Error('no rounds to pool');
  const joined = (pick: (r: LatencyRound) => Float64Array): Float64Array => {
    const all = new Float64Array(rounds.reduce((n, r) => n + pick(r).length, 0));
    let at = 0;
    for (const r of rounds) {
      all.set(pick(r), at);
      at += pick(r).length;
    }
    return all.sort();
  };
  const l = joined((r) => r.latencies);
  const s = joined((r) => r.fromSend);
  const g = joined((r) => r.lags);
  const results = rounds.map((r) => r.result);
  const worst = results.reduce((a, b) => (b.p99 > a.p99 ? b : a));
  return {
    p50: quantile(l, 0.5),
    p99: quantile(l, 0.99),
    p999: quantile(l, 0.999),
    max: l.length ? l[l.length - 1]! : NaN,
    measured: results.reduce((n, r) => n + r.measured, 0),
    missing: results.reduce((n, r) => n + r.missing, 0),
    sendLagP50: quantile(g, 0.5),
    sendLagP99: quantile(g, 0.99),
    fromSendP50: quantile(s, 0.5),
    fromSendP99: quantile(s, 0.99),
    rssStart: worst.rssStart,
    rssEnd: worst.rssEnd,
    worstPerHalfSecond: results.flatMap((r) => r.worstPerHalfSecond),
    diagnostics: worst.diagnostics,
    cost: results.reduce<Cost | undefined>((sum, r) => addCosts(sum, r.cost), undefined)!,
    error: results.find((r) => r.error !== undefined)?.error,
    rounds: results.map((r) => ({
      p50: r.p50,
      p99: r.p99,
      max: r.max,
      missing: r.missing,
      sendLagP99: r.sendLagP99,
      longestFsyncMs: r.diagnostics?.stages['store.write']?.max,
    })),
  };
}
