/**
 * Runs work right after the next frame is painted: what a tap or a scan must
 * show goes on screen first, and what can wait a frame (storing and sending
 * the change) follows. A hidden page paints no frames and its timers are
 * throttled, so there the work runs at the end of the current task, and work
 * still waiting when the page is hidden (the phone's screen turned off, the
 * app switched away from, the tab closed) runs at once: a phone may stop the
 * page any moment after. A frame that does not come within `MAX_WAIT_MS` is
 * not waited for; without frames at all (Node) the work runs on the next turn.
 */

import { onPageLeaving } from './pageLeaving';

/** Longest wait for a frame (a page hidden meanwhile runs no frame callbacks). */
const MAX_WAIT_MS = 50;

/** Work waiting for its frame, run at once when the page is hidden. */
const waiting = new Set<() => void>();
let watchingVisibility = false;

function runWaiting(): void {
  for (const run of [...waiting]) run();
}

function watchVisibility(): void {
  if (watchingVisibility) return;
  watchingVisibility = true;
  onPageLeaving(runWaiting);
}

/** Calls `work` once, after the next frame (see the module comment). */
export function afterNextPaint(work: () => void): void {
  if (typeof requestAnimationFrame === 'undefined' || typeof document === 'undefined') {
    setTimeout(work, 0);
    return;
  }
  if (document.hidden) {
    queueMicrotask(work);
    return;
  }
  watchVisibility();
  const run = (): void => {
    if (!waiting.delete(run)) return;
    clearTimeout(fallback);
    work();
  };
  waiting.add(run);
  // setTimeout inside the frame callback: the frame's style, layout and paint come first.
  requestAnimationFrame(() => setTimeout(run, 0));
  const fallback = setTimeout(run, MAX_WAIT_MS);
}

/** `afterNextPaint` as a promise. */
export function nextPaint(): Promise<void> {
  return new Promise((resolve) => afterNextPaint(resolve));
}
