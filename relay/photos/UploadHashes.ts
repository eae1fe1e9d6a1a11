/**
 * The SHA-256 of each upload on its way in, kept as its bytes stream to disk,
 * so a finished upload is checked against its declared name without reading
 * it again. Only an aid: an upload whose running hash is not in memory (the
 * relay restarted, the upload was cut while another PATCH wrote, or it was
 * evicted) has the bytes already on disk hashed again, streamed, before it
 * goes on. The table is bounded: the least recently written upload leaves
 * first, and a finished or removed upload leaves at once.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';

/** Running hashes kept at most (a few hundred bytes each); more than the uploads a relay has in flight. */
export const DEFAULT_MAX_RUNNING_HASHES = 1024;

interface Running {
  hash: Hash;
  /** Bytes the hash has taken: the upload's offset once its last write succeeded. */
  bytes: number;
}

/** See the module comment. */
export class UploadHashes {
  private readonly running = new Map<string, Running>();

  constructor(private readonly max = DEFAULT_MAX_RUNNING_HASHES) {}

  /** How many uploads have a running hash (for tests and diagnostics). */
  get size(): number {
    return this.running.size;
  }

  /**
   * A pass-through that hashes upload `id`'s bytes from `offset` on, with the
   * hash of the first `offset` bytes taken from memory or, failing that, from
   * `file`. Its `wrote` keeps the hash for the next PATCH once every byte it
   * passed is on disk; a write that failed simply never calls it.
   */
  async tap(id: string, file: string, offset: number): Promise<HashTap> {
    const kept = this.running.get(id);
    this.running.delete(id);
    // A start that cannot be hashed (NaN bytes) is never kept: the finished upload is then read whole to check it.
    const running = kept && kept.bytes === offset ? kept : await hashOfStart(file, offset);
    const stream = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        running.hash.update(chunk);
        running.bytes += chunk.byteLength;
        done(null, chunk);
      },
    });
    const wrote = (end: number): void => {
      if (running.bytes === end) this.keep(id, running);
    };
    return { stream, wrote };
  }

  /**
   * The hex SHA-256 of upload `id` when its running hash covers exactly
   * `size` bytes, else null (the caller then reads the file). The upload
   * leaves the table either way.
   */
  digest(id: string, size: number): string | null {
    const running = this.running.get(id);
    this.running.delete(id);
    return running && running.bytes === size ? running.hash.digest('hex') : null;
  }

  /** Drops upload `id`'s hash (the upload was removed). */
  forget(id: string): void {
    this.running.delete(id);
  }

  private keep(id: string, running: Running): void {
    this.running.delete(id);
    this.running.set(id, running);
    while (this.running.size > this.max) {
      const oldest = this.running.keys().next().value;
      if (oldest === undefined) break;
      this.running.delete(oldest);
    }
  }
}

/** A hashing pass-through for one write (UploadHashes.tap). */
export interface HashTap {
  readonly stream: Transform;
  /** The write ended with the upload `end` bytes long on disk. */
  wrote(end: number): void;
}

/** The running hash of the first `bytes` bytes of `file`, read in a stream; NaN bytes when the file does not hold them. */
async function hashOfStart(file: string, bytes: number): Promise<Running> {
  const hash = createHash('sha256');
  if (bytes === 0) return { hash, bytes };
  let seen = 0;
  try {
    for await (const chunk of createReadStream(file, { start: 0, end: bytes - 1 })) {
      hash.update(chunk as Buffer);
      seen += (chunk as Buffer).byteLength;
    }
  } catch {
    return { hash, bytes: Number.NaN };
  }
  return { hash, bytes: seen === bytes ? bytes : Number.NaN };
}
