/**
 * How fast a backup may read while the relay acknowledges writes. On a small
 * LAN box the backup's cost is CPU (its store is mostly in the page cache):
 * run flat out it took a third of a 2-core machine, and the ack path's
 * threads, fsync included, waited for their turn (README, Benchmark: backup).
 * So a backup goes at a bounded byte rate, and pauses longer while the
 * relay's event loop is busier than its share.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** A backup's pace. */
export interface BackupPace {
  /** Bytes a second the backup reads at most. */
  maxBytesPerSecond: number;
  /** The share of the relay's event loop (0..1) above which the backup pauses until the loop was that idle. */
  loopShare: number;
  /** The longest single pause. */
  maxPauseMs: number;
}

/**
 * The pace of backups taken while the relay runs: 1 GB in 35 s at the least
 * (48 s on the busy bench machine), taking about an eighth of its 2 cores
 * where flat out took a third.
 */
export const BACKUP_PACE: BackupPace = { maxBytesPerSecond: 30 * 2 ** 20, loopShare: 0.5, maxPauseMs: 500 };

/** Shorter pauses are carried into the next piece instead of slept (timers are no finer than a millisecond or two). */
const MIN_PAUSE_MS = 4;

/** What the pacer knows after a piece of `bytes`. */
export interface PaceState {
  /** performance.now() now. */
  now: number;
  /** When the byte rate lets the backup go on (the bytes so far at `maxBytesPerSecond`); 0 at the start. */
  readyAt: number;
  bytes: number;
  /** The event loop's active and idle ms since the last piece (performance.eventLoopUtilization). */
  loopActiveMs: number;
  loopIdleMs: number;
}

/**
 * The pause after a piece, and the new `readyAt`: the longer of what the
 * byte rate asks (a leaky bucket: time not used does not pile up into a
 * burst later) and what keeps the loop's share, at most `maxPauseMs`; none
 * under MIN_PAUSE_MS.
 */
export function nextPause(state: PaceState, pace: BackupPace): { pauseMs: number; readyAt: number } {
  const readyAt = Math.max(state.readyAt, state.now) + (state.bytes / pace.maxBytesPerSecond) * 1000;
  const forRate = readyAt - state.now;
  const forLoop = state.loopActiveMs / pace.loopShare - (state.loopActiveMs + state.loopIdleMs);
  const pauseMs = Math.min(pace.maxPauseMs, Math.max(forRate, forLoop));
  return { pauseMs: pauseMs >= MIN_PAUSE_MS ? pauseMs : 0, readyAt };
}

/**
 * Returns a function to await after each piece of `bytes`: it pauses as
 * `nextPause` says, or yields one turn of the event loop (so a piece never
 * runs on into the next in the same turn). `pace` false: no pause at all but
 * that turn (a backup taken before the relay serves anyone).
 */
export function backupPacer(pace: BackupPace | false): (bytes: number) => Promise<void> {
  let since = performance.eventLoopUtilization();
  let readyAt = 0;
  return async (bytes) => {
    let pauseMs = 0;
    if (pace) {
      const { active, idle } = performance.eventLoopUtilization(since);
      ({ pauseMs, readyAt } = nextPause({ now: performance.now(), readyAt, bytes, loopActiveMs: active, loopIdleMs: idle }, pace));
    }
    await (pauseMs > 0 ? sleep(pauseMs) : new Promise((resolve) => setImmediate(resolve)));
    since = performance.eventLoopUtilization();
  };
}
