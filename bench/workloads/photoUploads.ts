/**
 * photo uploads (issue 15): `devices` devices each send `photosPerDevice`
 * photos of `photoBytes` to the relay's tus endpoint `/files/` with
 * tus-js-client (what the app uses), one photo after another per device, all
 * devices at once, through a loopback proxy that cuts every connection once
 * mid-upload (bench/lib/CuttingProxy.ts); tus-js-client resumes each from the
 * offset the relay answers to its HEAD. Measured: time from the first byte to
 * the last photo "on the relay" (its final PATCH answered, which the relay
 * sends only after the file is fsynced), bytes that reached the relay /
 * bytes stored, and the relay's RSS sampled every 100 ms. The floor: the same
 * files as plain HTTP PUTs, no resume, through the same proxy without cuts,
 * to a bare node server that streams each to disk with fsync
 * (bench/servers/putFloorMain.ts). Every stored file is checked against its
 * SHA-256 afterwards (not timed).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Upload } from 'tus-js-client';
import { ChildServer } from '../servers/ChildServer';
import { putFloorSpec } from '../servers/putFloorServer';
import { tallyCredentials } from '../servers/tallyCredentials';
import { CuttingProxy } from '../lib/CuttingProxy';
import { pool } from '../clients/makeDevice';
import { lateGrowth, type LateGrowth, type RssSample } from '../lib/rssFlatness';
import type { BenchDiagnostics } from '../servers/ChildServer';

export interface PhotoUploadOptions {
  devices: number;
  photosPerDevice: number;
  photoBytes: number;
  /** Longest wait for every photo, in ms. */
  timeoutMs: number;
}

export const defaultPhotoUploads: PhotoUploadOptions = { devices: 20, photosPerDevice: 10, photoBytes: 500 * 1024, timeoutMs: 180_000 };

/** One side's figures (Tally over tus with cuts, or the PUT floor). */
export interface UploadRun {
  /** First byte sent to the last photo stored and answered. */
  ms: number;
  photos: number;
  /** Bytes that reached the server (HTTP headers included): what a resume sends again shows here. */
  bytesSent: number;
  /**
   * Bytes devices wrote into the link, also those lost in a cut. Over loopback a
   * device writes a whole photo into its socket at once, so this counts the
   * rest of the photo at every cut, far more than a phone's small in-flight
   * window on a real link would lose.
   */
  bytesOnLink: number;
  /** Bytes of the photos as stored (each file checked against its SHA-256). */
  bytesStored: number;
  connections: number;
  cuts: number;
  /** RSS of the server process: before the first byte, highest during the run, after the last answer. */
  rssStart: number;
  rssPeak: number;
  rssEnd: number;
  /** Highest RSS in each tenth of the run (to see a climb). */
  rssByTenth: number[];
  /** RSS growth over the run's last two thirds, per photo stored then (bench/lib/rssFlatness.ts). */
  rssLate: LateGrowth;
  /**
   * The relay's memory after a full garbage collection, before the first byte
   * and after the last answer (Tally only, started with --expose-gc): what it
   * still holds, apart from garbage not yet collected.
   */
  held?: { before: BenchDiagnostics['memory']; after: BenchDiagnostics['memory'] };
  serverCpuMs: number;
}

export interface PhotoUploadResult {
  options: PhotoUploadOptions;
  tally: UploadRun;
  floor: UploadRun;
}

interface Photo {
  bytes: Buffer;
  sha256: string;
}

/** JPEG-looking photos of random bytes (the relay checks magic bytes and hashes, not pixels; random bytes do not compress). */
function makePhotos(count: number, size: number): Photo[] {
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(size);
    bytes.set([0xff, 0xd8, 0xff, 0xe0]);
    return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
}

/** A seeded generator for the cut points, so runs cut alike. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Runs the workload against a freshly started Tally relay (`tally`), then against the PUT floor. */
export async function runPhotoUploads(tally: ChildServer, o: PhotoUploadOptions = defaultPhotoUploads): Promise<PhotoUploadResult> {
  const token = tallyCredentials()?.token;
  if (!token) throw new Error('the photo workload needs the bench user (relay/cli/users.ts)');
  const photos = makePhotos(o.devices * o.photosPerDevice, o.photoBytes);
  const byDevice = Array.from({ length: o.devices }, (_, d) => photos.slice(d * o.photosPerDevice, (d + 1) * o.photosPerDevice));

  const tallyRun = await measure(tally, { cutAfterBytes: [Math.round(o.photoBytes * 0.2), Math.round(o.photoBytes * 0.8)] }, o, byDevice, (port, photo) =>
    tusUpload(`http://127.0.0.1:${port}/files/`, token, photo),
  );
  const tallyStored = await storedBytes(join(tally.dataDir, 'files', 'photos'), photos);

  const floorServer = new ChildServer(putFloorSpec);
  try {
    await floorServer.startFresh('photos');
    const floorRun = await measure(floorServer, { cutAfterBytes: null }, o, byDevice, (port, photo) => plainPut(port, photo));
    const floorStored = await storedBytes(join(floorServer.dataDir, 'photos'), photos);
    return { options: o, tally: { ...tallyRun, bytesStored: tallyStored }, floor: { ...floorRun, bytesStored: floorStored } };
  } finally {
    await floorServer.stop().catch(() => floorServer.kill());
    floorServer.cleanup();
  }
}

type Send = (proxyPort: number, photo: Photo) => Promise<void>;

async function measure(server: ChildServer, link: { cutAfterBytes: readonly [number, number] | null }, o: PhotoUploadOptions, byDevice: Photo[][], send: Send): Promise<Omit<UploadRun, 'bytesStored'>> {
  const proxy = new CuttingProxy({ targetPort: server.port, cutAfterBytes: link.cutAfterBytes, random: seeded(15) });
  await proxy.listen();
  const heldBefore = await heldMemory(server);
  const cpu0 = server.totalCpuMs();
  const t0 = performance.now();
  const samples: RssSample[] = [];
  const sample = (): void => {
    const rss = server.rss();
    if (rss > 0) samples.push({ atMs: performance.now() - t0, rss });
  };
  sample();
  const sampling = setInterval(sample, 100);
  const storedAtMs: number[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const all = Promise.all(
      byDevice.map((mine) =>
        pool(mine, 1, async (photo) => {
          await send(proxy.port, photo);
          storedAtMs.push(performance.now() - t0);
        }),
      ),
    );
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`photos not all stored after ${o.timeoutMs / 1000} s`)), o.timeoutMs);
    });
    await Promise.race([all, limit]);
  } finally {
    clearTimeout(timer);
  }
  const ms = performance.now() - t0;
  const serverCpuMs = server.totalCpuMs() - cpu0;
  clearInterval(sampling);
  sample();
  await proxy.close();
  const heldAfter = heldBefore && (await heldMemory(server));
  const rss = samples.map((s) => s.rss);
  const tenth = Math.max(1, Math.ceil(rss.length / 10));
  const rssByTenth: number[] = [];
  for (let i = 0; i < rss.length; i += tenth) rssByTenth.push(Math.max(...rss.slice(i, i + tenth)));
  return {
    ms,
    photos: byDevice.flat().length,
    bytesSent: proxy.bytesToServer,
    bytesOnLink: proxy.bytesFromClients,
    connections: proxy.connections,
    cuts: proxy.cuts,
    rssStart: rss[0] ?? 0,
    rssPeak: Math.max(0, ...rss),
    rssEnd: rss[rss.length - 1] ?? 0,
    rssByTenth,
    rssLate: lateGrowth(samples, storedAtMs, ms),
    ...(heldBefore && heldAfter && { held: { before: heldBefore, after: heldAfter } }),
    serverCpuMs,
  };
}

/** The server's memory after a full collection (`/debug/diagnostics?gc=1`); undefined for a server without it, or not started with --expose-gc. */
async function heldMemory(server: ChildServer): Promise<BenchDiagnostics['memory'] | undefined> {
  const read = async (): Promise<BenchDiagnostics['memory'] | undefined> => {
    const res = await fetch(`http://127.0.0.1:${server.port}/debug/diagnostics?gc=1`, { signal: AbortSignal.timeout(5_000) });
    if (res.status !== 200) return undefined;
    const { memory } = (await res.json()) as BenchDiagnostics;
    return memory?.collected ? memory : undefined;
  };
  try {
    // V8 frees ArrayBuffers on a thread of its own after a collection: the second reading sees them gone.
    if (!(await read())) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 200));
    return await read();
  } catch {
    return undefined;
  }
}

/** One photo with tus-js-client, as the app sends it: resumed from the relay's offset after every cut. */
function tusUpload(endpoint: string, token: string, photo: Photo): Promise<void> {
  return new Promise((resolve, reject) => {
    const upload = new Upload(photo.bytes, {
      endpoint,
      headers: { authorization: `Bearer ${token}` },
      metadata: { sha256: photo.sha256, filetype: 'image/jpeg' },
      uploadSize: photo.bytes.byteLength,
      // A cut is expected once per connection; more retries than that mean the relay is failing.
      retryDelays: [0, 100, 250, 500, 1_000, 2_000, 4_000, 8_000],
      onSuccess: () => resolve(),
      onError: (err) => reject(new Error(`tus upload of ${photo.sha256.slice(0, 12)} failed: ${err.message.split('\n')[0]}`)),
    });
    upload.start();
  });
}

/** One photo as a plain HTTP PUT (keep-alive, as tus-js-client's requests). */
function plainPut(port: number, photo: Photo): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: `/${photo.sha256}`, headers: { 'content-length': photo.bytes.byteLength } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`PUT answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(photo.bytes);
  });
}

/** Bytes of the photos stored under `dir`, each read back and checked against its SHA-256. */
async function storedBytes(dir: string, photos: Photo[]): Promise<number> {
  let total = 0;
  for (const photo of photos) {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of createReadStream(join(dir, photo.sha256))) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).byteLength;
    }
    if (hash.digest('hex') !== photo.sha256) throw new Error(`stored photo ${photo.sha256.slice(0, 12)} does not match its hash`);
    total += bytes;
  }
  return total;
}
