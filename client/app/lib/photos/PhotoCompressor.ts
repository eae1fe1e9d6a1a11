/**
 * The page's side of the compression worker: `compress(file)` resolves with
 * the compressed photo and thumbnail, or rejects with a `PhotoError` whose
 * message is shown as it is. The worker is started on first use and ended
 * by `destroy()`.
 */
import { PhotoError, type CompressedPhoto } from './compressImage';
import type { CompressRequest, CompressResponse } from './compressMessages';
import { DEFAULT_PHOTO_SIZE, type PhotoSize } from './photoSize';

export class PhotoCompressor {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (photo: CompressedPhoto) => void; reject: (err: Error) => void }>();

  constructor(private readonly size: PhotoSize = DEFAULT_PHOTO_SIZE) {}

  /** Compresses `file` in the worker to `size` (photos queue there, one at a time). */
  compress(file: Blob, size: PhotoSize = this.size): Promise<CompressedPhoto> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const request: CompressRequest = { id, file, size };
      worker.postMessage(request);
    });
  }

  /** Ends the worker; photos still being compressed are refused. */
  destroy(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const { reject } of this.waiting.values()) reject(new PhotoError('The app was closed before the photo was compressed.'));
    this.waiting.clear();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./compress.worker.ts', import.meta.url), { type: 'module', name: 'tally-photo-compression' });
    worker.onmessage = (event: MessageEvent<CompressResponse>) => {
      const answer = event.data;
      const waiting = this.waiting.get(answer.id);
      if (!waiting) return;
      this.waiting.delete(answer.id);
      if (answer.ok) waiting.resolve(answer.result);
      else waiting.reject(new PhotoError(answer.message));
    };
    worker.onerror = (event) => {
      // A worker that cannot start (or crashed) fails every photo waiting on it; the next photo starts a new one.
      event.preventDefault();
      const message = `The photo could not be compressed on this device (${event.message || 'the compression worker stopped'}).`;
      for (const { reject } of this.waiting.values()) reject(new PhotoError(message));
      this.waiting.clear();
      worker.terminate();
      if (this.worker === worker) this.worker = null;
    };
    this.worker = worker;
    return worker;
  }
}
