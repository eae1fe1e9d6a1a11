/** The header's words for what waits on this device: record changes and photos, each named. */
import { describe, expect, it } from 'vitest';
import { pendingWords } from '../../client/app/lib/pendingWords';

describe('pendingWords', () => {
  it.each([
    [0, 0, null],
    [1, 0, { full: '1 change on this device only', short: '1 waiting' }],
    [4, 0, { full: '4 changes on this device only', short: '4 waiting' }],
    [0, 1, { full: '1 photo on this device only', short: '1 waiting' }],
    [0, 3, { full: '3 photos on this device only', short: '3 waiting' }],
    [2, 1, { full: '2 changes, 1 photo on this device only', short: '3 waiting' }],
    [1, 5, { full: '1 change, 5 photos on this device only', short: '6 waiting' }],
  ])('%i changes and %i photos', (changes, photos, words) => {
    expect(pendingWords(changes, photos)).toEqual(words);
  });
});
