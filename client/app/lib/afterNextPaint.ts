/**
 * Runs work right after the next frame is painted: what a tap or a scan must
 * show goes on screen first, and what can wait a frame (storing and sending
 * the change) follows. A hidden page paints no frames and its timers are
 * throttled, so there the work runs at the end of the current task; a frame
 * that does not come within `MAX_WAIT_MS` is not waited for; without frames
 * at all (Node) the work runs on the next turn.
 */

/** Longest wait for a frame (a page hidden meanwhile runs no frame callbacks). */
const MAX_WAIT_MS = 50;

/** Calls `work` once, after the next frame (see the module comment). */
export function afterNextPaint(work: () => void): void {
  if (typeof requestAnimationFrame === 'undefined') {
    setTimeout(work, 0);
    return;
  }
  if (typeof document !== 'undefined' && document.hidden) {
    queueMicrotask(work);
    return;
  }
  let done = false;
  const run = (): void => {
    if (done) return;
    done = true;
    clearTimeout(fallback);
    work();
  };
  // setTimeout inside the frame callback: the frame's style, layout and paint come first.
  requestAnimationFrame(() => setTimeout(run, 0));
  const fallback = setTimeout(run, MAX_WAIT_MS);
}

/** `afterNextPaint` as a promise. */
export function nextPaint(): Promise<void> {
  return new Promise((resolve) => afterNextPaint(resolve));
}
