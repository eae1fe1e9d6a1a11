/**
 * How long this process could not run JavaScript, and why: the event loop's
 * delay (perf_hooks.monitorEventLoopDelay) and the garbage collector's pauses
 * (PerformanceObserver 'gc'). The bench reads both beside its latency, so a
 * reader can tell a slow relay from a busy machine or a collector at work.
 */
import { PerformanceObserver, constants, monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Figures in ms. */
export interface PausesSnapshot {
  loopDelay: { p50: number; p99: number; max: number; mean: number };
  gc: { count: number; totalMs: number; maxMs: number; majorCount: number; majorMs: number };
  /** How long the figures were gathered, ms. */
  overMs: number;
}

export interface PauseMonitor {
  snapshot(): PausesSnapshot;
  reset(): void;
  stop(): void;
}

const ns = (v: number): number => Math.round(v / 1e4) / 100;

/** Starts watching; `resolutionMs` is the sampling timer of the loop delay. */
export function watchPauses(resolutionMs = 5): PauseMonitor {
  const loop: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
  loop.enable();
  let gc = { count: 0, totalMs: 0, maxMs: 0, majorCount: 0, majorMs: 0 };
  let since = performance.now();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count++;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        gc.majorCount++;
        gc.majorMs += entry.duration;
      }
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    snapshot: () => ({
      loopDelay: { p50: ns(loop.percentile(50)), p99: ns(loop.percentile(99)), max: ns(loop.max), mean: ns(loop.mean) },
      gc: { ...gc, totalMs: Math.round(gc.totalMs * 100) / 100, maxMs: Math.round(gc.maxMs * 100) / 100, majorMs: Math.round(gc.majorMs * 100) / 100 },
      overMs: Math.round(performance.now() - since),
    }),
    reset: () => {
      loop.reset();
      gc = { count: 0, totalMs: 0, maxMs: 0, majorCount: 0, majorMs: 0 };
      since = performance.now();
    },
    stop: () => {
      loop.disable();
      observer.disconnect();
    },
  };
}
