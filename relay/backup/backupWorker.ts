/**
 * A backup on its own thread (started by workerBackups.ts): opens the
 * document store's database beside the relay (classic-level's
 * multithreading), writes the archive from one snapshot into the ring of
 * backupRing.ts, and posts the manifest. Reading, hashing and packing a
 * gigabyte here leave the relay's thread, its heap and its garbage collector
 * to the writes it acknowledges.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { docDbAt } from '../storage/RecoveringLevel';
import { readSnapshotEntries } from '../storage/snapshotEntries';
import { writeBackup, type BackupSources } from './backupArchive';
import type { BackupPace } from './backupPacer';
import { askToRead, RingWriter, type FromBackupWorker } from './backupRing';

/** What the worker is started with. */
export interface BackupWorkerData {
  /** The document store's folder. */
  dbPath: string;
  dataDir: string;
  photosDir?: string;
  site: string;
  pace: BackupPace;
  ring: SharedArrayBuffer;
}

async function run(port: NonNullable<typeof parentPort>, data: BackupWorkerData): Promise<void> {
  const db = docDbAt(data.dbPath, { shared: true });
  await db.open();
  try {
    const mayRead = askToRead(port);
    const sources: BackupSources = {
      exportSnapshot: (onEntry) => readSnapshotEntries(db, onEntry, { beforeBatch: mayRead }),
      dataDir: data.dataDir,
      ...(data.photosDir && { photosDir: data.photosDir }),
      site: data.site,
    };
    // This thread's own loop may be busy all along: the relay's is another thread.
    const manifest = await writeBackup(sources, new RingWriter(data.ring, port), { pace: { ...data.pace, loopShare: 1 } });
    await db.close();
    port.postMessage({ kind: 'done', manifest } satisfies FromBackupWorker);
  } catch (err) {
    await db.close().catch(() => undefined);
    port.postMessage({ kind: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies FromBackupWorker);
  }
}

if (parentPort) void run(parentPort, workerData as BackupWorkerData);
