/**
 * storage and start:
 * - catchUpStorage: bytes on disk after the catch-up, and after compaction
 *   (restart, every document loaded once with the server's compaction forced
 *   where it has a knob, restart again), against the size of the compacted Yjs
 *   state; a fresh device also checks that every line is still there.
 * - bigDocument: one document written as 250,000 small updates (one append
 *   each, streamed with a window); time for a device to receive all of it after
 *   a restart (first load), and again after that load (compacted load).
 * - manyDocuments: 10,000 stored documents; restart until the HTTP endpoint
 *   answers, and until a device has been served one document.
 */
import * as Y from 'yjs';
import type { ChildServer } from '../servers/ChildServer';
import { makeDevice, pool } from '../clients/makeDevice';
import { AppendStream, DeviceEntries, covers, encodeAppend, mergeUpdateSv, recordDoc, scanLine } from '../lib/yupdates';
import { refusalsOf } from '../lib/refusals';
import { sleep, waitFor } from '../lib/measure';
import type { CatchUpData } from './catchUp';

export interface CatchUpStorageResult {
  bytesAfterCatchUp: number;
  bytesAfterCompaction: number;
  compactedStateBytes: number;
  /** A fresh device received every line of every receipt after the restarts. */
  complete: boolean;
}

/** Opens every doc with a fresh device; true when each one covers `expected`. */
async function readsComplete(server: ChildServer, names: string[], expected: Map<number, number>[], timeoutMs: number): Promise<boolean> {
  const have = names.map(() => new Map<number, number>());
  const index = new Map(names.map((n, k) => [n, k]));
  const dev = makeDevice(server, { onContent: (doc, update) => mergeUpdateSv(update, have[index.get(doc)!]!) });
  await dev.connect();
  await Promise.all(names.map((n) => dev.open(n)));
  const ok = await waitFor(() => have.every((h, k) => covers(h, expected[k]!)), timeoutMs, 20);
  dev.close();
  return ok;
}

/** Run right after runCatchUp on the same server. Leaves the server stopped. */
export async function runCatchUpStorage(server: ChildServer, data: CatchUpData): Promise<CatchUpStorageResult> {
  const bytesAfterCatchUp = await server.diskSettled(1_000, 20_000);
  await server.stop();
  server.nextEnv = server.spec.compactOnLoadEnv ?? {};
  await server.start();
  const complete = await readsComplete(server, data.docNames, data.expected, 20_000);
  await server.diskSettled(1_000, 20_000);
  await server.stop();
  await server.start();
  const bytesAfterCompaction = await server.diskSettled(1_000, 10_000);
  await server.stop();
  return { bytesAfterCatchUp, bytesAfterCompaction, compactedStateBytes: data.compactedStateBytes, complete };
}

export interface BigDocumentResult {
  updates: number;
  acked: number;
  ingestPerSecond: number;
  bytesOnDisk: number;
  /** Size of the compacted Yjs state of the document. */
  stateBytes: number;
  /** Time from asking for the document to holding all of it, after a restart. */
  firstLoadMs: number;
  /**
   * The same after that first load (which compacts where the server does):
   * the median of COMPACTED_LOADS asks, each right after a restart.
   */
  compactedLoadMs: number;
  /** Fastest and slowest of those asks. */
  compactedLoadRangeMs: [number, number];
  loadedAll: boolean;
  error?: string;
}

/**
 * A record whose log takes many *small* updates: each appends one scanned
 * line (the smallest entry a device records: item and quantity 1). One device
 * writes it under 50 Yjs client ids in turn, as a handheld that reloaded the
 * record 50 times would; each client id's lines are one log. (One client id
 * appending 250,000 entries is quadratic in every Yjs server: Yjs merges each
 * append into the previous run with `Array.concat`, so at 100,000 entries one
 * append costs a 100,000-element copy.)
 */
const BIG = recordDoc('big-scan-log');
const BIG_DEVICE = 'bench-big';
const BIG_CLIENTS = 50;
const BIG_CLIENT = 4_000_000;
/** The `i`-th line under client id `j`: updates go out to the client ids in turn, so this is the device's sequence. */
const bigLine = (j: number, i: number) => scanLine(BIG_DEVICE, i * BIG_CLIENTS + j);

/** What each client id has appended once `n` updates went out in turn. */
function bigClocks(n: number): Map<number, number> {
  const m = new Map<number, number>();
  for (let j = 0; j < BIG_CLIENTS; j++) {
    const count = Math.max(0, Math.ceil((n - j) / BIG_CLIENTS));
    if (count > 0) m.set(BIG_CLIENT + j, count);
  }
  return m;
}

/** Asks a fresh device for the big doc; ms until the message that completes it arrived. */
async function timeLoad(server: ChildServer, want: Map<number, number>, timeoutMs: number): Promise<{ ms: number; complete: boolean }> {
  const have = new Map<number, number>();
  let completeAt = NaN;
  const dev = makeDevice(server, {
    onContent: (_doc, update, at) => {
      mergeUpdateSv(update, have);
      if (Number.isNaN(completeAt) && covers(have, want)) completeAt = at;
    },
  });
  await dev.connect();
  const t0 = performance.now();
  await dev.open(BIG).catch(() => {});
  await waitFor(() => !Number.isNaN(completeAt), timeoutMs, 2);
  dev.close();
  return { ms: completeAt - t0, complete: !Number.isNaN(completeAt) };
}

/** How many restarts the compacted load is measured over. */
const COMPACTED_LOADS = 5;

/** Starts and stops the server itself (on a fresh data directory). */
export async function runBigDocument(server: ChildServer, updates = 250_000, window = 256, timeLimitMs = 60_000): Promise<BigDocumentResult> {
  await server.startFresh('big');
  const streams = Array.from({ length: BIG_CLIENTS }, (_, j) => new AppendStream(BIG_CLIENT + j, (i) => bigLine(j, i)));
  let acked = 0;
  let sent = 0;
  const sendNext = () => {
    dev.send(BIG, streams[sent % BIG_CLIENTS]!.next(), sent);
    sent++;
  };
  const dev = makeDevice(server, {
    device: BIG_DEVICE,
    onAck: () => {
      acked++;
      if (sent < updates) sendNext();
    },
  });
  await dev.connect();
  await dev.open(BIG);
  const t0 = performance.now();
  for (let i = 0; i < window && sent < updates; i++) sendNext();
  const refusals = refusalsOf(server);
  await waitFor(() => acked >= updates || refusals.count > 0, timeLimitMs, 20);
  const ingestMs = performance.now() - t0;
  dev.close();
  const want = bigClocks(acked);
  const stateBytes = Y.mergeUpdates(
    [...want].map(([client, count]) => {
      const j = client - BIG_CLIENT;
      return encodeAppend(client, 0, Array.from({ length: count }, (_, i) => bigLine(j, i)));
    }),
  ).byteLength;
  await server.diskSettled(2_000, 30_000);
  await server.stop(30_000);
  await server.start();
  const first = await timeLoad(server, want, 30_000);
  await server.diskSettled(1_000, 20_000);
  // One ask right after a start varies by half its time (cold code, the
  // scheduler), so the compacted load is asked for after several restarts.
  const compactedMs: number[] = [];
  let compactedComplete = first.complete;
  for (let i = 0; i < COMPACTED_LOADS && compactedComplete; i++) {
    await server.stop(30_000);
    await server.start();
    const load = await timeLoad(server, want, 30_000);
    compactedComplete = load.complete;
    compactedMs.push(load.ms);
  }
  compactedMs.sort((a, b) => a - b);
  const bytesOnDisk = await server.diskSettled(1_000, 10_000);
  await server.stop();
  return {
    updates,
    acked,
    ingestPerSecond: (acked / ingestMs) * 1000,
    bytesOnDisk,
    stateBytes,
    firstLoadMs: first.ms,
    compactedLoadMs: compactedComplete ? compactedMs[Math.floor(compactedMs.length / 2)]! : NaN,
    compactedLoadRangeMs: [compactedMs[0] ?? NaN, compactedMs[compactedMs.length - 1] ?? NaN],
    loadedAll: compactedComplete,
  };
}

export interface ManyDocumentsResult {
  documents: number;
  populateMs: number;
  bytesOnDisk: number;
  /** Restart of this store: spawn until the HTTP endpoint answers. */
  readyMs: number;
  /** Spawn until a device holds one stored document. */
  servedMs: number;
  /** Fresh start on an empty store, for comparison. */
  emptyReadyMs: number;
  served: boolean;
}

/** Starts and stops the server itself (on a fresh data directory). */
export async function runManyDocuments(server: ChildServer, documents = 10_000, devices = 10): Promise<ManyDocumentsResult> {
  const emptyReadyMs = await server.startFresh('many');
  const t0 = performance.now();
  const names = Array.from({ length: documents }, (_, i) => recordDoc(`stored-${i}`));
  const byDevice = Array.from({ length: devices }, (_, d) => names.filter((_, i) => i % devices === d));
  await Promise.all(
    byDevice.map(async (docs, d) => {
      const waiting = new Map<string, () => void>();
      const entries = new DeviceEntries(`bench-many${d}`);
      const dev = makeDevice(server, { device: entries.device, onAck: (doc) => waiting.get(doc)?.() });
      await dev.connect();
      await pool(docs, 20, async (name, j) => {
        const i = j * devices + d;
        const acked = new Promise<void>((r) => waiting.set(name, r));
        const lines = Array.from({ length: 5 }, () => entries.next());
        await dev.open(name, { offline: encodeAppend(5_000_000 + i, 0, lines), offlineToken: i });
        await Promise.race([acked, sleep(10_000)]);
        waiting.delete(name);
        dev.closeDoc(name);
      });
      dev.close();
    }),
  );
  const populateMs = performance.now() - t0;
  const bytesOnDisk = await server.diskSettled(2_000, 60_000);
  await server.stop(30_000);
  const spawned = performance.now();
  const readyMs = await server.start();
  const probe = names[Math.floor(documents * 0.7777)]!;
  const i = names.indexOf(probe);
  const want = new Map([[5_000_000 + i, 5]]);
  const have = new Map<number, number>();
  let servedAt = NaN;
  const dev = makeDevice(server, {
    onContent: (_doc, update, at) => {
      mergeUpdateSv(update, have);
      if (Number.isNaN(servedAt) && covers(have, want)) servedAt = at;
    },
  });
  await dev.connect();
  await dev.open(probe).catch(() => {});
  await waitFor(() => !Number.isNaN(servedAt), 10_000, 1);
  dev.close();
  await server.stop();
  return {
    documents,
    populateMs,
    bytesOnDisk,
    readyMs,
    servedMs: servedAt - spawned,
    emptyReadyMs,
    served: !Number.isNaN(servedAt),
  };
}
