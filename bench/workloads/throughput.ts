/**
 * throughput: the most acknowledged updates per second a server sustains with
 * flat memory. Closed loop: 100 connections, each filling one receipt after
 * another with 500 lines, 16 lines in flight (a new one for each ack); a
 * filled receipt is closed and the next one opened, as a crew moves from
 * receipt to receipt. Counted over a measuring window after a warm-up, with
 * the server's memory sampled all along. Because filled receipts leave memory
 * (y-websocket and Hocuspocus unload a document when its last client leaves;
 * Tally evicts idle ones), memory stays flat unless the server falls behind:
 * a server whose ack runs ahead of its writes shows as memory that keeps
 * growing.
 */
import type { BenchDiagnostics, ChildServer } from '../servers/ChildServer';
import { makeDevice, pool } from '../clients/makeDevice';
import type { BenchDevice } from '../clients/BenchDevice';
import { AppendStream, DeviceEntries, recordDoc } from '../lib/yupdates';
import { type Cost, meter, rssSampler, sleep } from '../lib/measure';

export interface ThroughputOptions {
  connections: number;
  /** Updates in flight per connection. */
  window: number;
  /** Lines per receipt before the connection moves to the next one. */
  linesPerDoc: number;
  warmupMs: number;
  measureMs: number;
}

export const defaultThroughput: ThroughputOptions = {
  connections: 100,
  window: 16,
  linesPerDoc: 500,
  warmupMs: 3_000,
  // Long enough for memory to level off: over the first 10 s the servers are
  // still filling their working set, which reads as growth.
  measureMs: 30_000,
};

export interface ThroughputResult {
  perSecond: number;
  inFlight: number;
  /** Receipts filled during the measuring window. */
  docsFilled: number;
  /** RSS at the start and end of the measuring window, and the peak. */
  rssStart: number;
  rssEnd: number;
  rssPeak: number;
  /**
   * Growth of the highest RSS from the middle to the last third of the
   * measuring window, bytes per second: after documents start leaving memory,
   * what keeps growing. RSS under load is a sawtooth (it climbs until the
   * garbage collector runs, every few seconds), so a slope fitted through it
   * says more about where the window ends in a tooth than about growth; the
   * peaks of two stretches that each hold whole teeth do not.
   */
  rssPeakGrowth: number;
  /** RSS every second of the measuring window, MB. */
  rssPerSecond: number[];
  /** The server's pauses and per-stage timings over the measuring window (servers that report them). */
  diagnostics?: BenchDiagnostics;
  cost: Cost;
  error?: string;
}

interface Lane {
  dev: BenchDevice;
  /** The lane's device: one id for all its receipts, its sequence running on across them. */
  entries: DeviceEntries;
  k: number;
  round: number;
  doc: string;
  stream: AppendStream;
  sent: number;
  acked: number;
}

export async function runThroughput(server: ChildServer, o: ThroughputOptions = defaultThroughput): Promise<ThroughputResult> {
  let measuring = false;
  let stopped = false;
  let counted = 0;
  let docsFilled = 0;
  let error: string | undefined;
  let token = 0;

  const fill = (lane: Lane) => {
    while (!stopped && lane.sent < o.linesPerDoc && lane.sent - lane.acked < o.window) {
      lane.dev.send(lane.doc, lane.stream.next(), token++);
      lane.sent++;
    }
  };
  const nextDoc = async (lane: Lane) => {
    lane.round++;
    lane.doc = recordDoc(`tp-${lane.k}-${lane.round}`);
    lane.stream = new AppendStream(3_000_000 + lane.k * 1_000 + lane.round, () => lane.entries.next());
    lane.sent = 0;
    lane.acked = 0;
    await lane.dev.open(lane.doc);
    fill(lane);
  };
  const lanes: Lane[] = Array.from({ length: o.connections }, (_, k) => {
    const lane = { k, round: -1, doc: '', sent: 0, acked: 0, entries: new DeviceEntries(`bench-tp${k}`) } as Lane;
    lane.dev = makeDevice(server, {
      device: lane.entries.device,
      onAck: (doc) => {
        if (doc !== lane.doc) return;
        lane.acked++;
        if (measuring) counted++;
        if (lane.acked < o.linesPerDoc) {
          fill(lane);
          return;
        }
        if (measuring) docsFilled++;
        lane.dev.closeDoc(doc);
        if (!stopped) nextDoc(lane).catch((err: unknown) => (error = String(err)));
      },
    });
    return lane;
  });
  await pool(lanes, 50, async (lane) => {
    await lane.dev.connect();
  });
  await sleep(300);
  await Promise.all(lanes.map((lane) => nextDoc(lane)));
  await sleep(o.warmupMs);
  const rss = rssSampler(server, 250);
  const rssStart = server.rss();
  const cost = meter(server);
  await server.diagnostics();
  measuring = true;
  const t0 = performance.now();
  await sleep(o.measureMs);
  measuring = false;
  const elapsed = performance.now() - t0;
  const c = cost();
  const rssEnd = server.rss();
  const diagnostics = await server.diagnostics();
  stopped = true;
  const { peak, samples } = rss.stop();
  for (const lane of lanes) lane.dev.close();
  return {
    perSecond: (counted / elapsed) * 1000,
    inFlight: o.connections * o.window,
    docsFilled,
    rssStart,
    rssEnd,
    rssPeak: peak,
    rssPeakGrowth: peakGrowth(samples, 250),
    rssPerSecond: samples.filter((_, i) => i % 4 === 0).map((b) => Math.round(b / 2 ** 20)),
    diagnostics,
    cost: c,
    error,
  };
}

/** How much the peak of the last third of evenly spaced samples exceeds the middle third's, per second. */
function peakGrowth(samples: number[], everyMs: number): number {
  const third = Math.floor(samples.length / 3);
  if (third < 1) return 0;
  const middle = Math.max(...samples.slice(third, 2 * third));
  const last = Math.max(...samples.slice(2 * third));
  return (last - middle) / ((third * everyMs) / 1000);
}
