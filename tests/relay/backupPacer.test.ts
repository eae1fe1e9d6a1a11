/**
 * A backup's pace (relay/backup/backupPacer.ts): the pause after each piece,
 * from the byte rate and the event loop's share, as a pure decision.
 */
import { describe, expect, it } from 'vitest';
import { nextPause, type BackupPace, type PaceState } from '../../relay/backup/backupPacer';

const MiB = 2 ** 20;
const pace: BackupPace = { maxBytesPerSecond: 10 * MiB, loopShare: 0.5, maxPauseMs: 500 };
const at = (state: Partial<PaceState>): PaceState => ({ now: 1_000, readyAt: 0, bytes: 0, loopActiveMs: 0, loopIdleMs: 0, ...state });

describe('nextPause', () => {
  it.each([
    ['a piece at the byte rate: its own time at that rate', at({ bytes: MiB }), { pauseMs: 100, readyAt: 1_100 }],
    ['a piece while the last one is still being paid for: after it', at({ bytes: MiB, readyAt: 1_050 }), { pauseMs: 150, readyAt: 1_150 }],
    ['time left unused earlier is no credit for a burst now', at({ bytes: MiB, readyAt: 200 }), { pauseMs: 100, readyAt: 1_100 }],
    ['a small piece: its pause is carried into the next, not slept', at({ bytes: 20_000 }), { pauseMs: 0, readyAt: 1_000 + (20_000 / (10 * MiB)) * 1000 }],
    ['a loop busier than its share: idle until it was that idle', at({ bytes: 20_000, loopActiveMs: 60, loopIdleMs: 20 }), { pauseMs: 40, readyAt: 1_000 + (20_000 / (10 * MiB)) * 1000 }],
    ['the loop asks longer than the rate: the loop wins', at({ bytes: MiB, loopActiveMs: 300, loopIdleMs: 0 }), { pauseMs: 300, readyAt: 1_100 }],
    ['a loop within its share and a rate not reached: no pause', at({ bytes: 10, loopActiveMs: 10, loopIdleMs: 90 }), { pauseMs: 0, readyAt: 1_000 + (10 / (10 * MiB)) * 1000 }],
    ['never longer than the longest pause', at({ bytes: 100 * MiB }), { pauseMs: 500, readyAt: 11_000 }],
  ])('%s', (_name, state, expected) => {
    const got = nextPause(state, pace);
    expect(got.pauseMs).toBeCloseTo(expected.pauseMs, 6);
    expect(got.readyAt).toBeCloseTo(expected.readyAt, 6);
  });
});
