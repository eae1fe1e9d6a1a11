/**
 * How big a photo is kept: the longest side, the thumbnail's, the JPEG
 * quality, and the byte budget a 12-megapixel phone photo must fit. The
 * longest side is the site's setting `photoMaxSide` (shared/model/siteSettings,
 * set in Site setup) when the photo is taken; the rest are constants.
 */
import { DEFAULT_SITE_SETTINGS } from '../../../../shared/model/siteSettings';

/** What compression aims for. */
export interface PhotoSize {
  /** Longest side of the kept photo, in pixels. */
  maxSide: number;
  /** Longest side of the thumbnail, in pixels. */
  thumbSide: number;
  /** JPEG quality tried first (0..1). */
  quality: number;
  /** Largest photo kept, in bytes: past it the quality steps down, then the size. */
  maxBytes: number;
}

export const DEFAULT_PHOTO_SIZE: PhotoSize = { maxSide: DEFAULT_SITE_SETTINGS.photoMaxSide, thumbSide: 320, quality: 0.8, maxBytes: 600 * 1024 };

/** Qualities tried in turn until a photo fits its byte budget. */
export const QUALITY_STEPS: readonly number[] = [0.8, 0.7, 0.6, 0.5];

/** `width` x `height` scaled down (never up) so the longest side is at most `maxSide`, in whole pixels (at least 1). */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const longest = Math.max(width, height);
  if (longest <= maxSide) return { width, height };
  const scale = maxSide / longest;
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** The qualities to try from `start` down: `start` first, then the steps below it. */
export function qualitiesFrom(start: number): number[] {
  return [start, ...QUALITY_STEPS.filter((q) => q < start)];
}
