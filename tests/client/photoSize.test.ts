import { describe, expect, it } from 'vitest';
import { fitWithin, qualitiesFrom } from '../../client/app/lib/photos/photoSize';

describe('fitWithin', () => {
  it.each([
    ['a 12 MP landscape photo', 4000, 3000, 2048, { width: 2048, height: 1536 }],
    ['a 12 MP portrait photo', 3000, 4000, 2048, { width: 1536, height: 2048 }],
    ['a square photo', 3000, 3000, 2048, { width: 2048, height: 2048 }],
    ['a photo already small enough', 1600, 1200, 2048, { width: 1600, height: 1200 }],
    ['a photo exactly at the limit', 2048, 1000, 2048, { width: 2048, height: 1000 }],
    ['a thumbnail of a portrait photo', 1536, 2048, 320, { width: 240, height: 320 }],
    ['a panorama', 12000, 1000, 2048, { width: 2048, height: 171 }],
    ['a one-pixel-high strip', 10000, 1, 320, { width: 320, height: 1 }],
  ])('%s', (_what, width, height, max, expected) => {
    expect(fitWithin(width, height, max)).toEqual(expected);
  });
});

describe('qualitiesFrom', () => {
  it.each([
    [0.8, [0.8, 0.7, 0.6, 0.5]],
    [0.75, [0.75, 0.7, 0.6, 0.5]],
    [0.5, [0.5]],
  ])('from %s', (start, expected) => {
    expect(qualitiesFrom(start)).toEqual(expected);
  });
});
