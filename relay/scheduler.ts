/**
 * When the relay's timed work runs (idle eviction, for now), injected so
 * tests can move time on instead of waiting for it
 * (tests/support/ManualScheduler.ts).
 */
export interface Scheduler {
  /** Runs `task` once after `ms`; returns what cancels it. Never holds the process open. */
  after(ms: number, task: () => void): () => void;
}

/** Node's timers. */
export const realTime: Scheduler = {
  after(ms, task) {
    const timer = setTimeout(task, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
