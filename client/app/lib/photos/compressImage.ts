/**
 * Compression of one photo, run inside the compression worker
 * (compress.worker.ts): the browser decodes the photo with its EXIF
 * orientation applied (`createImageBitmap`, `imageOrientation: 'from-image'`),
 * draws it at most `maxSide` pixels on an OffscreenCanvas and encodes a new
 * JPEG. A re-encoded JPEG carries none of the original's metadata: no EXIF,
 * no location, no camera serial. The thumbnail is drawn from the same
 * decoded bitmap. Ids are the SHA-256 of the bytes kept.
 */
import { DEFAULT_PHOTO_SIZE, fitWithin, qualitiesFrom, type PhotoSize } from './photoSize';
import { sha256Hex } from './sha256';

/** A compressed photo and its thumbnail, each with its id. */
export interface CompressedPhoto {
  photo: Blob;
  photoId: string;
  width: number;
  height: number;
  thumb: Blob;
  thumbId: string;
  thumbWidth: number;
  thumbHeight: number;
}

/** Why a photo could not be compressed, in words for the person holding the device. */
export class PhotoError extends Error {
  override name = 'PhotoError';
}

const TYPE = 'image/jpeg';
/** Thumbnails are small whatever their quality; this keeps them a few KB. */
const THUMB_QUALITY = 0.7;
/** When no quality fits the budget, the size steps down by this much (a guard: phone photos fit at 0.8 or 0.7). */
const SHRINK = 0.8;

/** Compresses `input` (a photo file from the camera or the gallery); see the module comment. */
export async function compressImage(input: Blob, size: PhotoSize = DEFAULT_PHOTO_SIZE): Promise<CompressedPhoto> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(input, { imageOrientation: 'from-image' });
  } catch {
    throw new PhotoError(`This device cannot read that picture (${input.type || 'unknown type'}). Take it again with the camera, or pick a JPEG or PNG.`);
  }
  try {
    const photo = await encodeWithin(bitmap, size);
    const thumbSize = fitWithin(photo.width, photo.height, size.thumbSide);
    const thumb = await encode(bitmap, thumbSize.width, thumbSize.height, THUMB_QUALITY);
    const [photoId, thumbId] = await Promise.all([sha256Hex(photo.blob), sha256Hex(thumb)]);
    return { photo: photo.blob, photoId, width: photo.width, height: photo.height, thumb, thumbId, thumbWidth: thumbSize.width, thumbHeight: thumbSize.height };
  } finally {
    bitmap.close();
  }
}

/** The photo at its longest side, at the first quality that fits the byte budget (smaller when none does). */
async function encodeWithin(bitmap: ImageBitmap, size: PhotoSize): Promise<{ blob: Blob; width: number; height: number }> {
  let side = size.maxSide;
  for (;;) {
    const { width, height } = fitWithin(bitmap.width, bitmap.height, side);
    for (const quality of qualitiesFrom(size.quality)) {
      const blob = await encode(bitmap, width, height, quality);
      if (blob.size <= size.maxBytes || side <= size.thumbSide) return { blob, width, height };
    }
    side = Math.max(size.thumbSide, Math.round(Math.max(width, height) * SHRINK));
  }
}

async function encode(bitmap: ImageBitmap, width: number, height: number, quality: number): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) throw new PhotoError('This device cannot draw pictures off screen (no OffscreenCanvas 2D).');
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  context.drawImage(bitmap, 0, 0, width, height);
  return canvas.convertToBlob({ type: TYPE, quality });
}
