/**
 * Photo compression in real Chromium, through the compression worker the app
 * uses: a 12-megapixel camera JPEG with an EXIF rotation and a GPS position
 * comes out at most 2,048 px on its long side, upright, at most 600 KB,
 * without EXIF or location, named by the SHA-256 of its bytes, with a
 * thumbnail of at most 320 px.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PhotoCompressor } from '../../client/app/lib/photos/PhotoCompressor';
import { PhotoError } from '../../client/app/lib/photos/compressImage';
import { DEFAULT_PHOTO_SIZE } from '../../client/app/lib/photos/photoSize';
import { cameraJpeg, contains, markersBeforeScan } from './exifJpeg';

const APP1 = 0xe1;
const KB = 1024;

async function hex(blob: Blob): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The RGB of pixel (x, y) of a decoded JPEG. */
async function pixel(blob: Blob, x: number, y: number): Promise<[number, number, number]> {
  const bitmap = await createImageBitmap(blob);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const g = canvas.getContext('2d')!;
  g.drawImage(bitmap, 0, 0);
  bitmap.close();
  const [r, gr, b] = g.getImageData(x, y, 1, 1).data;
  return [r!, gr!, b!];
}
const isRed = ([r, g, b]: [number, number, number]) => r > 200 && g < 60 && b < 60;

describe('PhotoCompressor', () => {
  let compressor: PhotoCompressor;
  afterEach(() => compressor?.destroy());

  it('turns a 4000x3000 camera JPEG rotated by EXIF into an upright 1536x2048 JPEG of at most 600 KB, without EXIF or GPS', async () => {
    const input = await cameraJpeg(4000, 3000, { orientation: 6 });
    const inputBytes = new Uint8Array(await input.arrayBuffer());
    // The input really carries what a phone writes: an APP1 EXIF segment with a GPS IFD, and Chromium reads its rotation.
    expect(markersBeforeScan(inputBytes)).toContain(APP1);
    expect(contains(inputBytes, 'Exif')).toBe(true);
    const decoded = await createImageBitmap(input, { imageOrientation: 'from-image' });
    expect([decoded.width, decoded.height]).toEqual([3000, 4000]);
    decoded.close();

    compressor = new PhotoCompressor();
    const out = await compressor.compress(input);
    const bytes = new Uint8Array(await out.photo.arrayBuffer());

    expect([out.width, out.height]).toEqual([1536, 2048]);
    expect(out.photo.type).toBe('image/jpeg');
    expect(out.photo.size).toBeLessThanOrEqual(600 * KB);
    expect(out.photo.size).toBeLessThan(input.size);
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
    expect(markersBeforeScan(bytes)).not.toContain(APP1);
    expect(contains(bytes, 'Exif')).toBe(false);
    // Upright: orientation 6 turns the stored top-left corner to the top right.
    const bitmap = await createImageBitmap(out.photo);
    expect([bitmap.width, bitmap.height]).toEqual([1536, 2048]);
    bitmap.close();
    expect(isRed(await pixel(out.photo, 1400, 100))).toBe(true);
    expect(isRed(await pixel(out.photo, 100, 100))).toBe(false);
    expect(isRed(await pixel(out.photo, 1400, 1900))).toBe(false);

    expect(out.photoId).toBe(await hex(out.photo));
    expect(Math.max(out.thumbWidth, out.thumbHeight)).toBe(320);
    expect([out.thumbWidth, out.thumbHeight]).toEqual([240, 320]);
    expect(out.thumb.size).toBeLessThan(40 * KB);
    expect(contains(new Uint8Array(await out.thumb.arrayBuffer()), 'Exif')).toBe(false);
    expect(out.thumbId).toBe(await hex(out.thumb));
    expect(out.thumbId).not.toBe(out.photoId);
  });

  it("obeys a smaller longest side (the site's setting): 1,024 px, still upright", async () => {
    compressor = new PhotoCompressor();
    const out = await compressor.compress(await cameraJpeg(4000, 3000, { orientation: 6 }), { ...DEFAULT_PHOTO_SIZE, maxSide: 1024 });
    expect([out.width, out.height]).toEqual([768, 1024]);
    const bitmap = await createImageBitmap(out.photo);
    expect([bitmap.width, bitmap.height]).toEqual([768, 1024]);
    bitmap.close();
    expect(isRed(await pixel(out.photo, 700, 50))).toBe(true);
    expect(isRed(await pixel(out.photo, 50, 50))).toBe(false);
    expect([out.thumbWidth, out.thumbHeight]).toEqual([240, 320]);
  });

  it('keeps a photo with fine detail everywhere within 600 KB by lowering the quality, then the size', async () => {
    compressor = new PhotoCompressor();
    const out = await compressor.compress(await cameraJpeg(4000, 3000, { noise: true, quality: 0.95 }));
    expect(out.photo.size).toBeLessThanOrEqual(600 * KB);
    expect(out.width / out.height).toBeCloseTo(4 / 3, 2);
    expect(Math.max(out.width, out.height)).toBeLessThanOrEqual(2048);
  });

  it('keeps a small photo at its size, and gives the same id to the same bytes', async () => {
    compressor = new PhotoCompressor();
    const input = await cameraJpeg(800, 600);
    const [a, b] = await Promise.all([compressor.compress(input), compressor.compress(input)]);
    expect([a.width, a.height]).toEqual([800, 600]);
    expect(a.photoId).toBe(b.photoId);
    expect(a.thumbId).toBe(b.thumbId);
  });

  it('refuses what is not a picture with a reason in words, and goes on with the next photo', async () => {
    compressor = new PhotoCompressor();
    const junk = new File([new TextEncoder().encode('not a photo at all')], 'notes.txt', { type: 'text/plain' });
    const error = await compressor.compress(junk).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PhotoError);
    expect((error as Error).message).toMatch(/cannot read that picture \(text\/plain\)/);
    const next = await compressor.compress(await cameraJpeg(400, 300));
    expect(next.width).toBe(400);
  });
});
