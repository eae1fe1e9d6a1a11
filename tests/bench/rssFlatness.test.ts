/**
 * The photo bench's "flat RSS" figures (bench/lib/rssFlatness.ts) over
 * hand-made runs: a warm-up that levels off, a server that keeps every
 * photo, and the floor beside them.
 */
import { describe, expect, it } from 'vitest';
import { lateGrowth, rssFlat, type RssSample } from '../../bench/lib/rssFlatness';

const MB = 2 ** 20;
const PHOTO = 500 * 1024;
/** RSS every 100 ms over a 3 s run, from `rssAt(ms)`. */
const run = (rssAt: (ms: number) => number): RssSample[] => Array.from({ length: 31 }, (_, i) => ({ atMs: i * 100, rss: rssAt(i * 100) }));
/** 30 photos stored evenly over 3 s. */
const stored = Array.from({ length: 30 }, (_, i) => (i + 1) * 100);

const warmsUpThenHolds = run((ms) => (ms < 1000 ? 80 * MB + ms * 40_000 : 120 * MB));
const keepsEveryPhoto = run((ms) => 80 * MB + Math.floor(ms / 100) * PHOTO);
const floorLike = run((ms) => (ms < 1000 ? 80 * MB + ms * 20_000 : 100 * MB + ms * 100));

describe('lateGrowth', () => {
  it.each([
    ['levels off after the first third', warmsUpThenHolds, 0, 0],
    ['keeps each photo whole', keepsEveryPhoto, PHOTO * 0.95, PHOTO * 1.05],
  ])('%s', (_case, samples, low, high) => {
    const g = lateGrowth(samples, stored, 3000);
    expect(g.latePhotos).toBe(20);
    expect(g.perPhoto).toBeGreaterThanOrEqual(low);
    expect(g.perPhoto).toBeLessThanOrEqual(high);
  });

  it('takes the warm-up top from the first third and the late top from the rest', () => {
    const g = lateGrowth(run((ms) => (ms === 500 ? 200 * MB : 100 * MB)), stored, 3000);
    expect(g.warmRss).toBe(200 * MB);
    expect(g.lateRss).toBe(100 * MB);
    expect(g.perPhoto).toBeLessThan(0);
  });

  it('is 0 per photo when no photo was stored after the first third', () => {
    expect(lateGrowth(keepsEveryPhoto, [100, 200], 3000).perPhoto).toBe(0);
  });
});

describe('rssFlat', () => {
  const floor = lateGrowth(floorLike, stored, 3000);
  it.each([
    ['a server that levels off', warmsUpThenHolds, true],
    ['a server as the floor', floorLike, true],
    ['a server that keeps every photo', keepsEveryPhoto, false],
    ['a server that keeps a fifth of every photo', run((ms) => 80 * MB + Math.floor(ms / 100) * PHOTO * 0.2), false],
  ])('%s: %s', (_case, samples, flat) => {
    expect(rssFlat(lateGrowth(samples, stored, 3000), floor, PHOTO)).toBe(flat);
  });
});
