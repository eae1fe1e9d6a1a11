/**
 * The current time as a reactive value that ticks while someone reads it
 * ("last contact 4 min ago" stays true without a reload). The interval runs
 * only while a component or effect depends on it.
 */
import { createSubscriber } from 'svelte/reactivity';

export class Clock {
  readonly #subscribe: () => void;

  constructor(intervalMs = 5000) {
    this.#subscribe = createSubscriber((update) => {
      const timer = setInterval(update, intervalMs);
      return () => clearInterval(timer);
    });
  }

  /** ms since epoch, re-read every interval. */
  get now(): number {
    this.#subscribe();
    return Date.now();
  }
}

/** One clock for the whole app. */
export const clock = new Clock();
