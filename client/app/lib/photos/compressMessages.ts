/** Messages between the page and the compression worker. */
import type { CompressedPhoto } from './compressImage';
import type { PhotoSize } from './photoSize';

/** Page to worker: compress `file`. */
export interface CompressRequest {
  id: number;
  file: Blob;
  size: PhotoSize;
}

/** Worker to page: the compressed photo, or why not in words. */
export type CompressResponse = { id: number; ok: true; result: CompressedPhoto } | { id: number; ok: false; message: string };
