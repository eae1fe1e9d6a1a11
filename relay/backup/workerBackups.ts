/**
 * The running relay's backups, each taken on a worker thread
 * (backupWorker.ts) that opens the document store beside it. The archive's
 * bytes come back through a ring of shared memory (backupRing.ts) and are
 * written to the output from there: the relay's thread only writes views and
 * answers a few messages a second, so its acks do not wait behind a backup's
 * reading, hashing and garbage (README, Benchmark: backup).
 */
import { Buffer } from 'node:buffer';
import { finished, type Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { SharedDocStore } from '../storage/LevelDocStore';
import type { BackupManifest, BackupTaker } from './backupArchive';
import { BACKUP_PACE, type BackupPace } from './backupPacer';
import { RING_SLOTS, SLOT_BYTES, type FromBackupWorker, type ToBackupWorker } from './backupRing';
import type { BackupWorkerData } from './backupWorker';

/** Options of `workerBackups`. */
export interface WorkerBackupsOptions {
  /** The document store, shared with the worker for the length of a backup (LevelDocStore). */
  store: { shareWithWorker<T>(fn: (shared: SharedDocStore) => Promise<T>): Promise<T> };
  dataDir: string;
  photosDir?: string;
  site: string;
  /** How fast the worker reads (default BACKUP_PACE's byte rate). */
  pace?: BackupPace;
}

/** Backups of a running relay, each on its own worker thread. */
export function workerBackups(options: WorkerBackupsOptions): BackupTaker {
  return {
    site: options.site,
    take: (out) => options.store.shareWithWorker((shared) => backupOnWorker(shared, out, options)),
  };
}

/**
 * The worker: the bundled relay (dist/relay) has its script beside itself;
 * run from source (tests, tsx) it is the TypeScript file, loaded through
 * tsx's loader registered in the new thread first.
 */
function startWorker(workerData: BackupWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./backupWorker.mjs', import.meta.url), { workerData });
  const script = new URL('./backupWorker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(script)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

function backupOnWorker(shared: SharedDocStore, out: Writable, options: WorkerBackupsOptions): Promise<BackupManifest> {
  const ring = new SharedArrayBuffer(RING_SLOTS * SLOT_BYTES);
  const workerData: BackupWorkerData = {
    dbPath: shared.path,
    dataDir: options.dataDir,
    ...(options.photosDir && { photosDir: options.photosDir }),
    site: options.site,
    pace: options.pace ?? BACKUP_PACE,
    ring,
  };
  const worker = startWorker(workerData);
  const tell = (m: ToBackupWorker): void => worker.postMessage(m);

  return new Promise<BackupManifest>((resolve, reject) => {
    let manifest: BackupManifest | null = null;
    let outDone = false;
    let settled = false;
    const settle = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if (err) {
        if (!out.destroyed) out.destroy(err);
        reject(err);
      } else {
        resolve(manifest!);
      }
    };
    const maybeDone = (): void => {
      if (manifest && outDone) settle(null);
    };

    worker.on('message', (m: FromBackupWorker) => {
      switch (m.kind) {
        case 'bytes':
          // A view of the slot, not a copy; the slot is reused only once the output has taken it.
          out.write(Buffer.from(ring, m.slot * SLOT_BYTES, m.length), (err) => (err ? settle(err) : tell({ kind: 'free', slot: m.slot })));
          return;
        case 'mayRead':
          void shared.whenWritesIdle().then(() => !settled && tell({ kind: 'read' }));
          return;
        case 'end':
          out.end();
          return;
        case 'done':
          manifest = m.manifest;
          return maybeDone();
        case 'failed':
          return settle(new Error(m.message));
      }
    });
    worker.on('error', (err) => settle(err));
    worker.on('exit', (code) => {
      if (!manifest) settle(new Error(`the backup worker stopped (exit code ${code}) before the archive was complete`));
    });
    // The output finished (everything written) or failed (a client that went away): either ends the backup.
    finished(out, (err) => {
      if (err) return settle(err);
      outDone = true;
      maybeDone();
    });
  });
}
