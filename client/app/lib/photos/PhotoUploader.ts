/**
 * Sends the photos taken on this device to the relay, one file at a time,
 * with the tus 1.0 protocol (tus-js-client): every thumbnail before any full
 * photo, oldest first; only while the relay is in reach; after the record
 * changes waiting to be sent (up to `recordsFirstMs`, so a record stuck on
 * the relay never holds photos back for good). An upload that makes no
 * progress for `stallMs` is aborted; any try that does not finish is tried
 * again after a backoff with jitter (the sync core's), resuming from the
 * offset the relay has (the URL is kept in IndexedDB, tusUrlStorage.ts). A
 * refusal (4xx) marks the photo failed with the relay's words until the user
 * tries again. A file is "on the relay" only when the relay's final answer
 * (or a HEAD at full length) says so.
 */
import type { DetailedError, Upload } from 'tus-js-client';
import { backoffDelay, type BackoffOptions } from '../../../../client/sync/backoff';
import type { MediaStore, StoredFile, TakenPhoto } from './MediaStore';
import { uploadTrouble, type FileProgress, type UploadTrouble } from './photoState';
import { tusUrlStorage } from './tusUrlStorage';

/** What the uploader needs. */
export interface PhotoUploaderOptions {
  store: MediaStore;
  /** The relay's tus endpoint, e.g. `https://tally.lan:8787/files/`. */
  endpoint: string;
  /** The session's token, sent as `Authorization: Bearer` (never in the URL). */
  token: string;
  /** Is the relay in reach now (the device's relay connection)? */
  online(): boolean;
  /** Record changes this device has not had acknowledged: photos go after them. */
  recordsPending(): number;
  /** Calls `listener` when `online()` or `recordsPending()` may have changed; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Called when a file's progress changed (`stored` false) or what the store holds did (a file reached the relay, a refusal, a note). */
  onChange(stored: boolean): void;
  /** An upload making no progress this long is aborted and tried again (default 15 s). */
  stallMs?: number;
  /** Photos wait at most this long for record changes to be acknowledged (default 10 s). */
  recordsFirstMs?: number;
  /** Delays between tries (default 1 s growing to 60 s, with jitter). */
  backoff?: BackoffOptions;
}

const UPLOAD_BACKOFF: BackoffOptions = { minMs: 1_000, maxMs: 60_000 };

/** One file to send. */
interface Job {
  photo: TakenPhoto;
  file: StoredFile & { blob: Blob };
}

/** See the module comment. */
export class PhotoUploader {
  private running = false;
  private dirty = false;
  private destroyed = false;
  private wakeUp: (() => void) | null = null;
  private current: Upload | null = null;
  private sending: FileProgress | null = null;
  private readonly attempts = new Map<string, number>();
  private readonly notes = new Map<string, string>();
  private readonly off: () => void;
  private wasOnline: boolean;

  constructor(private readonly options: PhotoUploaderOptions) {
    this.wasOnline = options.online();
    this.off = options.subscribe(() => {
      const online = this.options.online();
      // Back in reach: try at once, whatever backoff was running.
      if (online && !this.wasOnline) this.kick();
      this.wasOnline = online;
    });
  }

  /** The file being sent now and how far it is. */
  progress(): FileProgress | null {
    return this.sending;
  }

  /** Why the last try of photo `id` did not finish, while a retry is waiting. */
  note(id: string): string | null {
    return this.notes.get(id) ?? null;
  }

  /** Looks for work now (a photo was taken, the user asked to try again, the relay came back). */
  kick(): void {
    this.dirty = true;
    this.attempts.clear();
    if (this.running) this.wake();
    else void this.run();
  }

  /** Stops sending (an upload in progress is aborted; it resumes from the relay's offset next session). */
  destroy(): void {
    this.destroyed = true;
    this.off();
    void this.current?.abort();
    this.wake();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (!this.destroyed) {
        this.dirty = false;
        const job = await this.next();
        if (!job) {
          if (this.dirty) continue;
          return;
        }
        if (!this.options.online()) {
          await this.sleep(null);
          continue;
        }
        await this.recordsFirst();
        if (this.destroyed || !this.options.online()) continue;
        const trouble = await this.send(job);
        if (this.destroyed) return;
        if (!trouble) {
          this.attempts.delete(job.file.id);
          this.notes.delete(job.photo.id);
          await this.options.store.markOnRelay(job.file.id);
        } else if (trouble.kind === 'refused') {
          this.notes.delete(job.photo.id);
          await this.options.store.setFailure(job.photo.id, trouble.reason);
        } else {
          this.notes.set(job.photo.id, trouble.reason);
        }
        this.sending = null;
        this.options.onChange(true);
        if (trouble?.kind === 'retry') {
          const attempt = this.attempts.get(job.file.id) ?? 0;
          this.attempts.set(job.file.id, attempt + 1);
          await this.sleep(backoffDelay(attempt, this.options.backoff ?? UPLOAD_BACKOFF));
        }
      }
    } catch (err) {
      console.warn('[tally app] the photo queue stopped; it starts again with the next photo or reconnect', err);
    } finally {
      this.running = false;
      this.sending = null;
    }
  }

  /** The next file to send: any thumbnail first, then full photos, oldest first; none for photos marked failed. */
  private async next(): Promise<Job | null> {
    const taken = (await this.options.store.taken()).filter((p) => !p.failure);
    if (taken.length === 0) return null;
    const files = new Map((await this.options.store.files()).map((f) => [f.id, f]));
    for (const role of ['thumb', 'photo'] as const) {
      for (const photo of taken) {
        const file = files.get(role === 'thumb' ? photo.thumbId : photo.id);
        if (file && !file.onRelay && file.blob) return { photo, file: { ...file, blob: file.blob } };
      }
    }
    return null;
  }

  /** Waits while record changes are pending, at most recordsFirstMs. */
  private async recordsFirst(): Promise<void> {
    if (this.options.recordsPending() === 0) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        off();
        resolve();
      };
      const timer = setTimeout(done, this.options.recordsFirstMs ?? 10_000);
      const off = this.options.subscribe(() => {
        if (this.destroyed || this.options.recordsPending() === 0 || !this.options.online()) done();
      });
    });
  }

  /**
   * True when the relay already serves file `id` (`HEAD /files/<sha256>`: it serves only photos it
   * checked and flushed to disk), e.g. the same picture taken on another device: nothing is sent again.
   */
  private async relayHas(id: string): Promise<boolean> {
    try {
      const res = await fetch(`${this.options.endpoint}${id}`, { method: 'HEAD', headers: { authorization: `Bearer ${this.options.token}` }, cache: 'no-store' });
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /** One try at sending `job`'s file; resolves with null once the relay holds it. */
  private async send(job: Job): Promise<UploadTrouble | null> {
    const stallMs = this.options.stallMs ?? 15_000;
    const { file } = job;
    this.sending = { id: file.id, sent: 0 };
    this.options.onChange(false);
    if (await this.relayHas(file.id)) return null;
    // Loaded with the first photo to send, not with the app: a cold start does not wait for it.
    const { Upload } = await import('tus-js-client');
    return new Promise((resolve) => {
      let lastProgress = Date.now();
      let settled = false;
      const finish = (trouble: UploadTrouble | null): void => {
        if (settled) return;
        settled = true;
        clearInterval(watchdog);
        this.current = null;
        resolve(trouble);
      };
      const upload = new Upload(file.blob, {
        endpoint: this.options.endpoint,
        headers: { Authorization: `Bearer ${this.options.token}` },
        metadata: { sha256: file.id, filetype: file.blob.type || 'image/jpeg' },
        uploadSize: file.blob.size,
        fingerprint: async () => `tally-photo:${file.id}:${file.blob.size}`,
        urlStorage: tusUrlStorage(this.options.store),
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        // tus-js-client retries only an offset conflict (a photo the relay finished meanwhile answers its creation
        // complete, then refuses the PATCH from 0 with 409; the retry's HEAD finds it whole). Everything else comes back here.
        retryDelays: [0, 1_000, 3_000],
        onShouldRetry: (err) => [409, 423].includes(err.originalResponse?.getStatus() ?? 0),
        onProgress: (sent) => {
          lastProgress = Date.now();
          this.sending = { id: file.id, sent };
          this.options.onChange(false);
        },
        onSuccess: () => finish(null),
        onError: (err) => {
          const res = (err as DetailedError).originalResponse ?? null;
          finish(uploadTrouble(res ? res.getStatus() : null, res ? res.getBody() ?? '' : ''));
        },
      });
      this.current = upload;
      const watchdog = setInterval(() => {
        if (this.destroyed) {
          void upload.abort();
          finish({ kind: 'retry', reason: 'the app was closed' });
        } else if (Date.now() - lastProgress > stallMs) {
          void upload.abort();
          finish({ kind: 'retry', reason: `no progress for ${Math.round(stallMs / 1000)} s` });
        }
      }, Math.min(1_000, stallMs / 2));
      void upload.findPreviousUploads().then(
        (previous) => {
          if (settled) return;
          const last = previous.at(-1);
          if (last) upload.resumeFromPreviousUpload(last);
          upload.start();
        },
        () => upload.start(),
      );
    });
  }

  /** Waits `ms` (null: until woken), or until `kick`, a reconnect or destroy wakes the queue. */
  private sleep(ms: number | null): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === null ? null : setTimeout(() => this.wake(), ms);
      this.wakeUp = () => {
        if (timer !== null) clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
    });
  }

  private wake(): void {
    this.wakeUp?.();
  }
}
