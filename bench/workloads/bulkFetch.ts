/**
 * shift start on the relay (Tally only): 1,000 stored records of 3 lines,
 * their whole state asked for by a device that holds none of them, right
 * after a relay restart (so every record is on disk, none in memory). Once
 * with one `fetch` (PROTOCOL.md §2, answered in `states` frames of many
 * records each), once by opening each record over /mux (a sync step 1 each,
 * all in flight together), as a device did before `fetch` existed; and
 * with `fetchSummarized` (the app's shift start: each record also summarized
 * by the relay), once right after the restart and once more with the
 * summaries it kept. Each is timed from the first byte sent to the last
 * record's state received; the median of `rounds` restarts.
 */
import { writeFetchFrame, readMuxFrame } from '../../shared/protocol/muxMessages';
import type { ChildServer } from '../servers/ChildServer';
import { tallyQuery } from '../servers/tallyCredentials';
import { makeDevice, pool } from '../clients/makeDevice';
import { deferred, openSocket } from '../clients/BenchDevice';
import { MuxDevice } from '../clients/MuxDevice';
import { encodeAppend, receiptLine, recordDoc } from '../lib/yupdates';
import { quantile, sleep } from '../lib/measure';

export interface BulkFetchResult {
  records: number;
  /** Median over the rounds, ms. */
  fetchMs: number;
  oneByOneMs: number;
  fetchRangeMs: [number, number];
  oneByOneRangeMs: [number, number];
  /** fetchSummarized right after a restart (every summary made), and again (every summary kept), medians. */
  summarizedMs: number;
  summarizedKeptMs: number;
  /** `states` frames of one fetch, and the bytes of their updates. */
  frames: number;
  stateBytes: number;
  /** Every round's fetch answered every record with a non-empty state. */
  complete: boolean;
}

const EMPTY_SV = new Uint8Array([0]);

/** Stores `records` receipts of 3 lines through the relay, acknowledged. */
async function seed(server: ChildServer, names: string[], devices = 4): Promise<void> {
  await Promise.all(
    Array.from({ length: devices }, async (_, d) => {
      const waiting = new Map<string, () => void>();
      // Lines name the device they were recorded on: the one sending them.
      // The relay binds what a device writes to the device it connected as: the lines name that device.
      const device = `bench-fetch-seed-${d}`;
      const dev = new MuxDevice(`${server.wsBase}/mux${tallyQuery(device)}`, { onAck: (doc) => waiting.get(doc)?.() });
      await dev.connect();
      const mine = names.filter((_, i) => i % devices === d);
      await pool(mine, 20, async (name, j) => {
        const i = j * devices + d;
        const acked = new Promise<void>((r) => waiting.set(name, r));
        const lines = Array.from({ length: 3 }, (_, s) => receiptLine(device, i * 3 + s));
        await dev.open(name, { offline: encodeAppend(6_000_000 + i, 0, lines), offlineToken: i });
        await Promise.race([acked, sleep(10_000).then(() => Promise.reject(new Error(`${name} not acknowledged within 10 s`)))]);
        waiting.delete(name);
        dev.closeDoc(name);
      });
      dev.close();
    }),
  );
}

/** One fetch of every record: ms until the last `states` frame, and what came. */
async function timeFetch(server: ChildServer, names: string[], round: number, summaries = false): Promise<{ ms: number; frames: number; bytes: number; complete: boolean }> {
  const done = deferred<number>();
  let frames = 0;
  let bytes = 0;
  let nonEmpty = 0;
  const ws = await openSocket(`${server.wsBase}/mux${tallyQuery(`bench-fetch-${round}`)}`, (data) => {
    const frame = readMuxFrame(data);
    if (frame.type !== 'states') return;
    frames++;
    for (const { update, summary } of frame.docs) {
      bytes += update.byteLength;
      if (update.byteLength > 2 && (!summaries || summary)) nonEmpty++;
    }
    if (frame.last) done.resolve(performance.now());
  });
  const t0 = performance.now();
  ws.send(writeFetchFrame(1, names.map((doc) => ({ doc, stateVector: EMPTY_SV })), summaries));
  const end = await Promise.race([done.promise, sleep(60_000).then(() => NaN)]);
  ws.terminate();
  return { ms: end - t0, frames, bytes, complete: nonEmpty === names.length };
}

/** Every record opened over /mux at once: ms until the last one's sync step 2. */
async function timeOneByOne(server: ChildServer, names: string[]): Promise<number> {
  const dev = makeDevice(server);
  await dev.connect();
  const t0 = performance.now();
  await Promise.all(names.map((name) => dev.open(name)));
  const ms = performance.now() - t0;
  dev.close();
  return ms;
}

export async function runBulkFetch(server: ChildServer, records = 1_000, rounds = 5): Promise<BulkFetchResult> {
  await server.startFresh('fetch');
  const names = Array.from({ length: records }, (_, i) => recordDoc(`held-${i}`));
  await seed(server, names);
  const fetchMs: number[] = [];
  const oneByOneMs: number[] = [];
  const summarizedMs: number[] = [];
  const summarizedKeptMs: number[] = [];
  let frames = 0;
  let stateBytes = 0;
  let complete = true;
  for (let round = 0; round < rounds; round++) {
    await server.stop();
    await server.start();
    const fetched = await timeFetch(server, names, round);
    fetchMs.push(fetched.ms);
    frames = fetched.frames;
    stateBytes = fetched.bytes;
    complete &&= fetched.complete;
    await server.stop();
    await server.start();
    oneByOneMs.push(await timeOneByOne(server, names));
    await server.stop();
    await server.start();
    for (const out of [summarizedMs, summarizedKeptMs]) {
      const summarized = await timeFetch(server, names, round, true);
      out.push(summarized.ms);
      complete &&= summarized.complete;
    }
  }
  await server.stop();
  const sorted = (v: number[]) => [...v].sort((a, b) => a - b);
  const f = sorted(fetchMs);
  const o = sorted(oneByOneMs);
  return {
    records,
    fetchMs: quantile(f, 0.5),
    oneByOneMs: quantile(o, 0.5),
    fetchRangeMs: [f[0]!, f[f.length - 1]!],
    oneByOneRangeMs: [o[0]!, o[o.length - 1]!],
    summarizedMs: quantile(sorted(summarizedMs), 0.5),
    summarizedKeptMs: quantile(sorted(summarizedKeptMs), 0.5),
    frames,
    stateBytes,
    complete,
  };
}
