/**
 * The compression worker: decodes, scales, re-encodes and hashes photos off
 * the main thread, so scanning and typing stay responsive while a 12 MP
 * photo is compressed. Vite bundles it as its own module (served by the
 * relay with the app, cached by the service worker: no CDN).
 * One photo at a time: each decoded photo holds ~48 MB of pixels.
 */
import { compressImage, PhotoError } from './compressImage';
import type { CompressRequest, CompressResponse } from './compressMessages';

interface WorkerScope {
  onmessage: ((event: MessageEvent<CompressRequest>) => void) | null;
  postMessage(message: CompressResponse): void;
}

const scope = self as unknown as WorkerScope;
let queue: Promise<void> = Promise.resolve();

scope.onmessage = (event) => {
  const { id, file, size } = event.data;
  queue = queue.then(async () => {
    try {
      scope.postMessage({ id, ok: true, result: await compressImage(file, size) });
    } catch (err) {
      const message = err instanceof PhotoError ? err.message : `The photo could not be compressed: ${(err as Error).message ?? String(err)}`;
      scope.postMessage({ id, ok: false, message });
    }
  });
};
