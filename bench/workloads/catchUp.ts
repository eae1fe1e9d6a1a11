/**
 * catch-up: 20 devices each made 500 receipt lines offline in each of 10 shared
 * receipts; all reconnect at once; time until every device's state vector
 * covers every device's lines in every receipt. Devices track state vectors
 * from what they receive (no Y.Doc); two of them are real Y.Doc probes whose
 * contents are checked at the end.
 */
import * as Y from 'yjs';
import type { ChildServer } from '../servers/ChildServer';
import { makeDevice } from '../clients/makeDevice';
import type { BenchDevice } from '../clients/BenchDevice';
import { DeviceEntries, ROOT, covers, encodeAppend, mergeUpdateSv, recordDoc } from '../lib/yupdates';
import { refusalsOf } from '../lib/refusals';
import { type Cost, meter, rssSampler, waitFor } from '../lib/measure';

export interface CatchUpOptions {
  devices: number;
  docs: number;
  lines: number;
  timeoutMs: number;
}

export const defaultCatchUp: CatchUpOptions = { devices: 20, docs: 10, lines: 500, timeoutMs: 120_000 };

/** The precomputed offline work, shared by every server in a run. */
export interface CatchUpData {
  options: CatchUpOptions;
  docNames: string[];
  /** offline[device][doc]: the device's lines for that receipt, one encoded update. */
  offline: Uint8Array[][];
  /** The device id of device `device`: its connection names it, its entries carry it. */
  deviceOf(device: number): string;
  clientOf(device: number, doc: number): number;
  /** Per doc: every client's final clock. */
  expected: Map<number, number>[];
  /** Sum over docs of the size of Y.encodeStateAsUpdate of the merged document. */
  compactedStateBytes: number;
  /** Bytes the devices upload in all. */
  uploadBytes: number;
}

export function prepareCatchUp(options: CatchUpOptions = defaultCatchUp): CatchUpData {
  const clientOf = (device: number, doc: number) => 1_000_000 + doc * 1000 + device;
  const deviceOf = (device: number) => `bench-${device}`;
  const docNames = Array.from({ length: options.docs }, (_, k) => recordDoc(`receipt-${k}`));
  const offline: Uint8Array[][] = [];
  for (let d = 0; d < options.devices; d++) {
    // One device's sequence runs on across its receipts, so each entry id is the device's once.
    const entries = new DeviceEntries(deviceOf(d));
    offline.push(
      docNames.map((_, k) =>
        encodeAppend(
          clientOf(d, k),
          0,
          Array.from({ length: options.lines }, () => entries.next()),
        ),
      ),
    );
  }
  const expected = docNames.map((_, k) => {
    const sv = new Map<number, number>();
    for (let d = 0; d < options.devices; d++) sv.set(clientOf(d, k), options.lines);
    return sv;
  });
  let compactedStateBytes = 0;
  let uploadBytes = 0;
  docNames.forEach((_, k) => {
    const doc = new Y.Doc();
    for (let d = 0; d < options.devices; d++) {
      Y.applyUpdate(doc, offline[d]![k]!);
      uploadBytes += offline[d]![k]!.byteLength;
    }
    compactedStateBytes += Y.encodeStateAsUpdate(doc).byteLength;
    doc.destroy();
  });
  return { options, docNames, offline, deviceOf, clientOf, expected, compactedStateBytes, uploadBytes };
}

export interface CatchUpResult {
  ms: number;
  converged: number;
  of: number;
  /** The Y.Doc probes hold every line exactly once. */
  probesOk: boolean;
  peakRss: number;
  cost: Cost;
  error?: string;
}

const PROBES = [0, -1];

export async function runCatchUp(server: ChildServer, data: CatchUpData): Promise<CatchUpResult> {
  const { devices: nDevices, docs: nDocs, lines, timeoutMs } = data.options;
  const probeIdx = new Set(PROBES.map((p) => (p + nDevices) % nDevices));
  const have: Map<number, number>[][] = [];
  const done: boolean[][] = [];
  const probes = new Map<number, Y.Doc[]>();
  const probeInbox: Array<[number, number, Uint8Array]> = [];
  let converged = 0;
  const of = nDevices * nDocs;
  const devices: BenchDevice[] = [];
  for (let d = 0; d < nDevices; d++) {
    have.push(data.docNames.map((_, k) => new Map([[data.clientOf(d, k), lines]])));
    done.push(data.docNames.map(() => false));
    if (probeIdx.has(d)) {
      probes.set(
        d,
        data.docNames.map((_, k) => {
          const doc = new Y.Doc();
          Y.applyUpdate(doc, data.offline[d]![k]!);
          return doc;
        }),
      );
    }
    const docIndex = new Map(data.docNames.map((n, k) => [n, k]));
    devices.push(
      makeDevice(server, {
        device: data.deviceOf(d),
        onContent(docName, update) {
          const k = docIndex.get(docName)!;
          // Probes keep what they receive and apply it after the timed window,
          // so their Y.Doc work does not slow the generator while it is measuring.
          if (probeIdx.has(d)) probeInbox.push([d, k, update]);
          if (done[d]![k]) return;
          mergeUpdateSv(update, have[d]![k]!);
          if (covers(have[d]![k]!, data.expected[k]!)) {
            done[d]![k] = true;
            converged += 1;
          }
        },
      }),
    );
  }
  const rss = rssSampler(server, 100);
  const cost = meter(server);
  const t0 = performance.now();
  let error: string | undefined;
  const opening = Promise.all(
    devices.map(async (dev, d) => {
      await dev.connect();
      await Promise.all(
        data.docNames.map((name, k) =>
          dev.open(name, {
            stateVector: Y.encodeStateVector(new Map([[data.clientOf(d, k), lines]])),
            offline: data.offline[d]![k]!,
          }),
        ),
      );
    }),
  ).catch((err: unknown) => {
    error = String(err);
  });
  const refusals = refusalsOf(server);
  const ok = await waitFor(() => converged === of || error !== undefined || refusals.count > 0, timeoutMs, 5);
  const ms = performance.now() - t0;
  const c = cost();
  const { peak } = rss.stop();
  await opening;
  for (const dev of devices) dev.close();
  for (const [d, k, update] of probeInbox) Y.applyUpdate(probes.get(d)![k]!, update);
  let probesOk = true;
  for (const docs of probes.values()) {
    for (const doc of docs) {
      const arr = doc.getArray<{ id: string }>(ROOT).toArray();
      const ids = new Set(arr.map((l) => l.id));
      if (arr.length !== nDevices * lines || ids.size !== arr.length) probesOk = false;
      doc.destroy();
    }
  }
  return { ms: ok ? ms : NaN, converged, of, probesOk, peakRss: peak, cost: c, error: ok ? error : (error ?? 'timeout') };
}
