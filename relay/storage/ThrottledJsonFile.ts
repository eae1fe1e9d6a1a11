/**
 * A small status file kept as one line of JSON and rewritten at most once
 * per delay, however often it changes (device-sightings.json,
 * notice-receipts.json). Each write replaces the whole file atomically
 * (writeFileAtomic), so a reader or a restart after a crash finds the old
 * or the new file, never half of one; what a crash loses is the last delay's
 * changes, which is why only statuses a device says again are kept this way.
 */
import { writeFileAtomic } from '../auth/atomicFile';

/** Options of `ThrottledJsonFile`. */
export interface ThrottledJsonFileOptions {
  /** The file; its folder must exist. */
  path: string;
  /** Writes are coalesced to at most one per this long, ms. */
  delayMs: number;
  /** What the file holds now: asked when a write is queued, written as `JSON.stringify` of it and a newline. */
  snapshot: () => unknown;
  /** Told about a write that failed; the write is tried again after the delay (until closed). */
  onError: (err: unknown) => void;
}

export class ThrottledJsonFile {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: ThrottledJsonFileOptions) {}

  /** The content changed: writes it when the delay is over (once, however many calls come meanwhile). */
  schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.write();
    }, this.options.delayMs);
    // A pending status write does not keep the process alive; close() is what writes it on the way out.
    this.timer.unref?.();
  }

  /** Writes now what is scheduled, if anything; resolves once every queued write has ended (a failure goes to onError). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.write();
    }
    await this.writing;
  }

  /** Writes what is scheduled and stops writing: later schedules, and retries of a failed write, do nothing. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  /** Queues one write of the content as it is now, after the ones before it. */
  private write(): void {
    const text = `${JSON.stringify(this.options.snapshot())}\n`;
    this.writing = this.writing.then(() => writeFileAtomic(this.options.path, text)).catch((err: unknown) => {
      this.options.onError(err);
      this.schedule();
    });
  }
}
