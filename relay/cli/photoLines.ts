/** How the photo commands print a photo and a total. */
import type { PhotoFile } from '../photos/orphanPhotos';

/** `<sha256>  512.0 KB  last changed <ISO time>` */
export function describePhoto(photo: PhotoFile): string {
  return `${photo.sha256}  ${kb(photo.bytes)}  last changed ${new Date(photo.changedAt).toISOString()}`;
}

/** The total size of `photos`, in words. */
export function sizeOf(photos: readonly PhotoFile[]): string {
  return kb(photos.reduce((sum, p) => sum + p.bytes, 0));
}

function kb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}
