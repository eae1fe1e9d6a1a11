import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../relay/sync/TokenBucket';

describe('TokenBucket.take', () => {
  it.each([
    ['allows a burst at once', [0, 0, 0], [true, true, true]],
    ['refuses past the burst at once', [0, 0, 0, 0], [true, true, true, false]],
    ['refills at the rate (2/s: one token per 500 ms)', [0, 0, 0, 0, 499, 500, 500], [true, true, true, false, false, true, false]],
    ['refills no more than the burst after a long pause', [0, 0, 0, 60_000, 60_000, 60_000, 60_000], [true, true, true, true, true, true, false]],
    ['a refused take costs nothing', [0, 0, 0, 100, 200, 300, 400, 500], [true, true, true, false, false, false, false, true]],
  ] as [string, number[], boolean[]][])('%s', (_what, times, expected) => {
    let now = 0;
    const bucket = new TokenBucket(3, 2, () => now);
    expect(
      times.map((t) => {
        now = t;
        return bucket.take();
      }),
    ).toEqual(expected);
  });
});
