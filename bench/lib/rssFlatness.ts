/**
 * Whether a server's RSS stayed flat while it took photos, as plain figures
 * over its RSS samples and the times photos were stored. Under a stream of
 * bytes RSS first rises while V8's young generation and the allocator grow
 * to their working size, then holds; a server that kept each photo (or any
 * state per upload) would keep climbing by about what it kept. So the first
 * third of the run is the warm-up, and what counts is the growth over the
 * last two thirds, per photo stored in them.
 */

/** An RSS sample: bytes, at ms since the run began. */
export interface RssSample {
  atMs: number;
  rss: number;
}

/** RSS growth over the last two thirds of a run. */
export interface LateGrowth {
  /** Highest RSS of the first third (the warm-up's top). */
  warmRss: number;
  /** Highest RSS of the last two thirds. */
  lateRss: number;
  /** Photos stored during the last two thirds. */
  latePhotos: number;
  /** (lateRss - warmRss) / latePhotos, bytes; 0 when no photo was stored then. */
  perPhoto: number;
}

/**
 * The growth of `samples` over the last two thirds of a run of `runMs`, per
 * photo stored then (`storedAtMs`: when each photo was stored).
 */
export function lateGrowth(samples: readonly RssSample[], storedAtMs: readonly number[], runMs: number): LateGrowth {
  const third = runMs / 3;
  const peak = (from: number, to: number): number => Math.max(0, ...samples.filter((s) => s.atMs >= from && s.atMs <= to).map((s) => s.rss));
  const warmRss = peak(0, third);
  const lateRss = peak(third, Number.POSITIVE_INFINITY);
  const latePhotos = storedAtMs.filter((t) => t > third).length;
  return { warmRss, lateRss, latePhotos, perPhoto: latePhotos === 0 ? 0 : (lateRss - warmRss) / latePhotos };
}

/**
 * Flat: over the last two thirds, RSS grows per photo by no more than the
 * floor's growth (a bare node server streaming the same bytes to disk) plus
 * a tenth of a photo's bytes. A server holding photos whole would grow by
 * about a photo per photo; one streaming them grows as the floor does.
 */
export function rssFlat(tally: LateGrowth, floor: LateGrowth, photoBytes: number): boolean {
  return tally.perPhoto <= Math.max(0, floor.perPhoto) + 0.1 * photoBytes;
}
