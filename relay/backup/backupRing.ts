/**
 * How a backup taken on a worker thread (backupWorker.ts) reaches the relay's
 * thread without new memory there. The worker copies the archive's bytes
 * into the slots of one SharedArrayBuffer and says which slot holds how
 * many; the relay's thread writes a view of that slot to the output and
 * hands the slot back once the write is done. So the archive's gigabyte
 * never becomes new Buffers on the thread that acknowledges writes: read
 * there, they drove its garbage collector to a full collection every 200 ms
 * (README, Benchmark: backup).
 */
import { Writable } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';
import type { BackupManifest } from './backupArchive';

/** Slots of the ring, each written once filled (or at the end). */
export const RING_SLOTS = 8;
/** Bytes per slot. */
export const SLOT_BYTES = 256 * 1024;

/** From the worker to the relay's thread. */
export type FromBackupWorker =
  /** Slot `slot` holds `length` bytes of the archive, next in order. */
  | { kind: 'bytes'; slot: number; length: number }
  /** May the worker read the next batch of the snapshot? (Answered by `read` once no write waits for its fsync.) */
  | { kind: 'mayRead' }
  /** Every byte of the archive has been sent. */
  | { kind: 'end' }
  /** The archive is complete; its manifest. */
  | { kind: 'done'; manifest: BackupManifest }
  | { kind: 'failed'; message: string };

/** From the relay's thread to the worker. */
export type ToBackupWorker = { kind: 'free'; slot: number } | { kind: 'read' };

/** Where the worker posts and hears (its parentPort). */
export type RingPort = Pick<MessagePort, 'postMessage' | 'on' | 'off'>;

/**
 * The worker's end: a Writable that fills the ring's slots in order, posts
 * each full one, and waits for a slot to come back when all are out.
 */
export class RingWriter extends Writable {
  private readonly bytes: Uint8Array;
  private readonly free: number[] = [];
  private wakeFree: (() => void) | null = null;
  /** The slot being filled and how much of it is. */
  private slot: number | null = null;
  private filled = 0;

  constructor(
    ring: SharedArrayBuffer,
    private readonly port: RingPort,
  ) {
    super();
    this.bytes = new Uint8Array(ring);
    for (let i = 0; i < RING_SLOTS; i++) this.free.push(i);
    port.on('message', (m: ToBackupWorker) => {
      if (m.kind !== 'free') return;
      this.free.push(m.slot);
      this.wakeFree?.();
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.copy(chunk).then(() => done(), done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.send();
    this.port.postMessage({ kind: 'end' } satisfies FromBackupWorker);
    done();
  }

  private async copy(chunk: Uint8Array): Promise<void> {
    let at = 0;
    while (at < chunk.byteLength) {
      if (this.slot === null) this.slot = await this.takeSlot();
      const n = Math.min(SLOT_BYTES - this.filled, chunk.byteLength - at);
      this.bytes.set(chunk.subarray(at, at + n), this.slot * SLOT_BYTES + this.filled);
      this.filled += n;
      at += n;
      if (this.filled === SLOT_BYTES) this.send();
    }
  }

  /** Posts the slot being filled, if it holds anything. */
  private send(): void {
    if (this.slot === null || this.filled === 0) return;
    this.port.postMessage({ kind: 'bytes', slot: this.slot, length: this.filled } satisfies FromBackupWorker);
    this.slot = null;
    this.filled = 0;
  }

  private async takeSlot(): Promise<number> {
    while (this.free.length === 0) await new Promise<void>((resolve) => (this.wakeFree = resolve));
    this.wakeFree = null;
    return this.free.shift()!;
  }
}

/** The worker's way to ask before each batch of the snapshot (see FromBackupWorker's `mayRead`). */
export function askToRead(port: RingPort): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      const heard = (m: ToBackupWorker): void => {
        if (m.kind !== 'read') return;
        port.off('message', heard);
        resolve();
      };
      port.on('message', heard);
      port.postMessage({ kind: 'mayRead' } satisfies FromBackupWorker);
    });
}
