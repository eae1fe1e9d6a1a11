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
import { type Cost, meter, quantile, sleep } from '../lib/measure';

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
}

export const defaultAckLatency: AckLatencyOptions = {
  docs: 500,
  clientsPerDoc: 2,
  rate: 5_000,
  tickMs: 1,
  warmupMs: 2_000,
  measureMs: 10_000,
  drainMs: 5_000,
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
}

export async function runAckLatency(server: ChildServer, o: AckLatencyOptions = defaultAckLatency): Promise<AckLatencyResult> {
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
  return {
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
}
