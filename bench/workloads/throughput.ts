/**
 * throughput: the most acknowledged updates per second a server sustains.
 * Closed loop: 100 documents, one connection each, each keeping a fixed window
 * of updates in flight (a new one goes out as soon as one is acknowledged).
 * Counted over a measuring window after a warm-up, with the server's memory
 * sampled all along: a server whose acknowledgement runs ahead of its writes
 * shows it as memory that keeps growing.
 */
import type { ChildServer } from '../servers/ChildServer';
import { makeDevice, pool } from '../clients/makeDevice';
import type { BenchDevice } from '../clients/BenchDevice';
import { AppendStream, receiptLine } from '../lib/yupdates';
import { type Cost, meter, rssSampler, sleep } from '../lib/measure';

export interface ThroughputOptions {
  docs: number;
  /** Updates in flight per document. */
  window: number;
  warmupMs: number;
  measureMs: number;
}

export const defaultThroughput: ThroughputOptions = { docs: 100, window: 16, warmupMs: 3_000, measureMs: 10_000 };

export interface ThroughputResult {
  perSecond: number;
  inFlight: number;
  /** RSS at the start and end of the measuring window, and the peak. */
  rssStart: number;
  rssEnd: number;
  rssPeak: number;
  /** RSS growth over the measuring window, bytes per second. */
  rssSlope: number;
  cost: Cost;
  error?: string;
}

export async function runThroughput(server: ChildServer, o: ThroughputOptions = defaultThroughput): Promise<ThroughputResult> {
  let measuring = false;
  let stopped = false;
  let counted = 0;
  let error: string | undefined;
  const devices: BenchDevice[] = [];
  const streams: AppendStream[] = [];
  const names: string[] = [];
  let token = 0;
  for (let k = 0; k < o.docs; k++) {
    names.push(`tp-${k}`);
    streams.push(new AppendStream(3_000_000 + k, (seq) => receiptLine(k, seq)));
    const dev = makeDevice(server, {
      onAck: () => {
        if (measuring) counted++;
        if (stopped) return;
        try {
          dev.send(names[k]!, streams[k]!.next(), token++);
        } catch (err) {
          error = String(err);
        }
      },
    });
    devices.push(dev);
  }
  await pool(devices, 50, async (dev, k) => {
    await dev.connect();
    await dev.open(names[k]!);
  });
  await sleep(300);
  devices.forEach((dev, k) => {
    for (let i = 0; i < o.window; i++) dev.send(names[k]!, streams[k]!.next(), token++);
  });
  await sleep(o.warmupMs);
  const rss = rssSampler(server, 250);
  const rssStart = server.rss();
  const cost = meter(server);
  measuring = true;
  const t0 = performance.now();
  await sleep(o.measureMs);
  measuring = false;
  const elapsed = performance.now() - t0;
  const c = cost();
  const rssEnd = server.rss();
  stopped = true;
  const { peak, samples } = rss.stop();
  for (const d of devices) d.close();
  return {
    perSecond: (counted / elapsed) * 1000,
    inFlight: o.docs * o.window,
    rssStart,
    rssEnd,
    rssPeak: peak,
    rssSlope: slope(samples, 250),
    cost: c,
    error,
  };
}

/** Least-squares slope of evenly spaced samples, per second. */
function slope(samples: number[], everyMs: number): number {
  const n = samples.length;
  if (n < 2) return 0;
  const xs = samples.map((_, i) => (i * everyMs) / 1000);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = samples.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (samples[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
