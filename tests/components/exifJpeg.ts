/**
 * Test photos made in the browser: a canvas drawn like a scene (sky, boxes,
 * labels) and encoded as JPEG, with an EXIF segment spliced in that carries
 * an orientation and a GPS position, as a phone camera writes them.
 */

/** Draws a `width` x `height` scene whose top-left quarter is pure red (to tell which way is up), `noise` adds fine detail everywhere. */
export async function drawScene(width: number, height: number, options: { noise?: boolean } = {}): Promise<OffscreenCanvas> {
  const canvas = new OffscreenCanvas(width, height);
  const g = canvas.getContext('2d')!;
  const sky = g.createLinearGradient(0, 0, 0, height);
  sky.addColorStop(0, '#8ab4d8');
  sky.addColorStop(1, '#46525e');
  g.fillStyle = sky;
  g.fillRect(0, 0, width, height);
  for (let i = 0; i < 60; i++) {
    g.fillStyle = `hsl(${(i * 37) % 360} 45% ${30 + (i % 5) * 8}%)`;
    g.fillRect(((i * 613) % width) | 0, ((i * 389) % height) | 0, width / 9, height / 11);
    g.fillStyle = '#111';
    g.font = `${Math.round(height / 40)}px sans-serif`;
    g.fillText(`PALLET ${i} · SKU-${1000 + i}`, (i * 613) % width, ((i * 389) % height) + height / 20);
  }
  if (options.noise) {
    const tile = new ImageData(256, 256);
    for (let i = 0; i < tile.data.length; i += 4) {
      tile.data[i] = Math.random() * 255;
      tile.data[i + 1] = Math.random() * 255;
      tile.data[i + 2] = Math.random() * 255;
      tile.data[i + 3] = 90;
    }
    const bitmap = await createImageBitmap(tile);
    for (let y = 0; y < height; y += 256) for (let x = 0; x < width; x += 256) g.drawImage(bitmap, x, y);
    bitmap.close();
  }
  g.fillStyle = '#ff0000';
  g.fillRect(0, 0, width / 2, height / 2);
  return canvas;
}

/** An EXIF APP1 segment (big-endian TIFF): IFD0 with Orientation and a GPS IFD with a latitude and longitude. */
export function exifSegment(orientation: number): Uint8Array {
  const tiff = new Uint8Array(104);
  const v = new DataView(tiff.buffer);
  tiff.set([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]);
  // IFD0 at 8: two entries, then no next IFD.
  v.setUint16(8, 2);
  entry(v, 10, 0x0112, 3, 1, orientation << 16);
  entry(v, 22, 0x8825, 4, 1, 38);
  v.setUint32(34, 0);
  // GPS IFD at 38: N, latitude (rationals at 80), E.
  v.setUint16(38, 3);
  entry(v, 40, 0x0001, 2, 2, 0x4e000000);
  entry(v, 52, 0x0002, 5, 3, 80);
  entry(v, 64, 0x0003, 2, 2, 0x45000000);
  v.setUint32(76, 0);
  [51, 1, 30, 1, 1234, 100].forEach((n, i) => v.setUint32(80 + i * 4, n));
  const header = new TextEncoder().encode('Exif\0\0');
  const segment = new Uint8Array(4 + header.length + tiff.length);
  const s = new DataView(segment.buffer);
  s.setUint16(0, 0xffe1);
  s.setUint16(2, 2 + header.length + tiff.length);
  segment.set(header, 4);
  segment.set(tiff, 4 + header.length);
  return segment;
}

function entry(v: DataView, at: number, tag: number, type: number, count: number, value: number): void {
  v.setUint16(at, tag);
  v.setUint16(at + 2, type);
  v.setUint32(at + 4, count);
  v.setUint32(at + 8, value >>> 0);
}

/** `jpeg` with `segment` spliced in right after its start-of-image marker. */
export function spliceAfterSoi(jpeg: Uint8Array, segment: Uint8Array): Uint8Array {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  const out = new Uint8Array(jpeg.length + segment.length);
  out.set(jpeg.subarray(0, 2));
  out.set(segment, 2);
  out.set(jpeg.subarray(2), 2 + segment.length);
  return out;
}

/** A camera-like JPEG file: the scene, encoded at `quality`, with EXIF orientation and GPS. */
export async function cameraJpeg(width: number, height: number, options: { orientation?: number; noise?: boolean; quality?: number } = {}): Promise<File> {
  const canvas = await drawScene(width, height, options);
  const plain = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: options.quality ?? 0.92 })).arrayBuffer());
  const bytes = spliceAfterSoi(plain, exifSegment(options.orientation ?? 1));
  return new File([bytes as BlobPart], 'IMG_0001.jpg', { type: 'image/jpeg' });
}

/** The JPEG markers before the image data (SOS): APP1 is EXIF's. */
export function markersBeforeScan(jpeg: Uint8Array): number[] {
  const markers: number[] = [];
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1]!;
    markers.push(marker);
    if (marker === 0xda) break;
    at += 2 + ((jpeg[at + 2]! << 8) | jpeg[at + 3]!);
  }
  return markers;
}

/** True when `needle` occurs in `bytes`. */
export function contains(bytes: Uint8Array, needle: string): boolean {
  const n = new TextEncoder().encode(needle);
  outer: for (let i = 0; i + n.length <= bytes.length; i++) {
    for (let j = 0; j < n.length; j++) if (bytes[i + j] !== n[j]) continue outer;
    return true;
  }
  return false;
}
