/**
 * The tests' one polling helper: a bounded wait for state that no event
 * announces (relay stats, socket states, what a store holds), never a fixed
 * sleep. Where an event exists, wait on it instead (client `waitFor` on a
 * Subscribable).
 */

import { waitFor, type Subscribable } from '../../client/sync/waitFor';

/** How often `eventually` looks again, ms. */
const EVERY_MS = 5;

/**
 * Polls `check` until it returns true, or fails after `timeoutMs` naming
 * `what` (a function is asked at the time, to say what was seen instead).
 */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what: string | (() => string) = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, EVERY_MS));
  }
}

/**
 * Waits on `source`'s own change events (client `waitFor`) until `check`
 * holds, and returns the value then; fails after `timeoutMs` naming `what`.
 */
export async function untilValue<T>(source: Subscribable<T>, check: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  if (!(await waitFor(source, check, timeoutMs))) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  return source.get();
}
