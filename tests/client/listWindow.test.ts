/** How much of a newest-first list a screen shows: a first screenful, more on scroll, and what was added while open. */
import { describe, expect, it } from 'vitest';
import { windowSize } from '../../client/app/lib/listWindow';

describe('windowSize', () => {
  it.each([
    ['a short list shows whole', { count: 3, firstCount: 3, limit: 12, maxGrown: 50 }, 3],
    ['a long list shows its first screenful', { count: 500, firstCount: 500, limit: 12, maxGrown: 50 }, 12],
    ['scrolling asks for more', { count: 500, firstCount: 500, limit: 32, maxGrown: 50 }, 32],
    ['a scan adds its row without pushing one out', { count: 501, firstCount: 500, limit: 12, maxGrown: 50 }, 13],
    ['rows added while open are kept, up to the cap', { count: 600, firstCount: 500, limit: 12, maxGrown: 50 }, 62],
    ['a list that grows from short keeps everything added', { count: 14, firstCount: 3, limit: 12, maxGrown: 50 }, 14],
    ['before the list had any row, nothing counts as added', { count: 500, firstCount: 0, limit: 12, maxGrown: 50 }, 12],
    ['an empty list shows nothing', { count: 0, firstCount: 0, limit: 12, maxGrown: 50 }, 0],
  ])('%s', (_name, window, size) => {
    expect(windowSize(window)).toBe(size);
  });
});
