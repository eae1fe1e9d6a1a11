import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../client/sync/backoff';

describe('backoffDelay', () => {
  const options = { minMs: 100, maxMs: 1000 };

  it.each([
    // attempt, random, expected
    [0, 0, 50],
    [0, 1, 100],
    [1, 0, 100],
    [1, 1, 200],
    [3, 0.5, 600],
    [4, 1, 1000],
    [10, 0, 500],
    [10_000, 1, 1000],
  ])('attempt %i with random %d waits %i ms', (attempt, random, expected) => {
    expect(backoffDelay(attempt, options, () => random)).toBe(expected);
  });

  it('spreads devices over the upper half of the ceiling', () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(5, options));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1000);
    expect(new Set(delays).size).toBeGreaterThan(20);
  });

  it('never waits less than 1 ms, even when misconfigured', () => {
    expect(backoffDelay(0, { minMs: 0, maxMs: 0 }, () => 0)).toBeGreaterThanOrEqual(1);
  });
});
