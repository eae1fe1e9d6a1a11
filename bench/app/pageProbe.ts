/**
 * What the bench runs inside the app's page, installed with addInitScript so
 * it is there before the app's own scripts: a long-task log, the moment of
 * the last tap or Enter, and a per-frame check of a DOM condition, so every
 * time is measured on the page's own clock (performance.now()), not by
 * Playwright's polling. Plain JavaScript in a string: functions serialized
 * from tsx-compiled code may reference helpers that do not exist in the page.
 */
import type { Page } from 'playwright';

/**
 * A DOM condition: at least `minCount` elements match `selector` (and contain
 * `text`, when given). When `countAttrOf` names an element whose
 * `data-count` attribute is set, that count is used instead (a virtual list
 * renders only the rows on screen).
 */
export interface Condition {
  selector: string;
  minCount?: number;
  text?: string;
  countAttrOf?: string;
  /** Resolve at once as failed when this matches (the page said it gave up). */
  failSelector?: string;
}

/** When a condition was met, on the page's clock, or why not. */
export type Outcome = { at: number } | { failed: string; at: number } | { timeout: true };

/** A long task the page logged. */
export interface LongTask {
  start: number;
  duration: number;
}

/** localStorage key of a condition the next page load watches from its first moment. */
export const WATCH_KEY = 'bench.watchOnLoad';

/** Prefix of the console message carrying the outcome of a watch that began at page load. */
export const LOAD_OUTCOME = '__bench.loadOutcome ';

export const PROBE_SCRIPT = `(() => {
  const LOAD_OUTCOME = ${JSON.stringify(LOAD_OUTCOME)};
  const bench = { longTasks: [], tapAt: null, enterAt: null, loadOutcome: null };
  window.__bench = bench;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) bench.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {}
  addEventListener('click', () => { if (bench.tapAt === null) bench.tapAt = performance.now(); }, true);
  addEventListener('keydown', (e) => { if (e.key === 'Enter' && bench.enterAt === null) bench.enterAt = performance.now(); }, true);
  const count = (c) => {
    if (c.countAttrOf) {
      const holder = document.querySelector(c.countAttrOf);
      const n = holder && holder.getAttribute('data-count');
      if (n !== null && n !== undefined && n !== '') return Number(n);
    }
    let els = document.querySelectorAll(c.selector);
    if (!c.text) return els.length;
    let n = 0;
    for (const el of els) if ((el.textContent || '').includes(c.text)) n++;
    return n;
  };
  bench.until = (c, timeoutMs) => new Promise((resolve) => {
    const t0 = performance.now();
    const check = () => {
      if (c.failSelector) {
        const bad = document.querySelector(c.failSelector);
        if (bad) return resolve({ failed: (bad.textContent || '').trim().slice(0, 300), at: performance.now() });
      }
      if (document.body && count(c) >= (c.minCount || 1)) return resolve({ at: performance.now() });
      if (performance.now() - t0 > timeoutMs) return resolve({ timeout: true });
      requestAnimationFrame(check);
    };
    check();
  });
  let watch = null;
  try { watch = JSON.parse(localStorage.getItem(${JSON.stringify(WATCH_KEY)}) || 'null'); } catch (e) {}
  // Told over the console: asking the page (an evaluate) would load Playwright's own script into it mid-start.
  if (watch) bench.until(watch.condition, watch.timeoutMs).then((o) => { bench.loadOutcome = o; console.debug(LOAD_OUTCOME + JSON.stringify(o)); });
})();`;

/** Forgets the last tap and Enter, so the next ones are timed. */
export function armInput(page: Page): Promise<void> {
  return page.evaluate('(window.__bench.tapAt = null, window.__bench.enterAt = null, undefined)');
}

/** The moment of the last tap (click) or Enter since `armInput`, on the page's clock. */
export function inputAt(page: Page, which: 'tap' | 'enter'): Promise<number | null> {
  return page.evaluate(which === 'tap' ? 'window.__bench.tapAt' : 'window.__bench.enterAt') as Promise<number | null>;
}

/**
 * Waits (in the page, frame by frame) until `condition` holds; a page that
 * does not answer in `timeoutMs` plus a margin counts as a timeout too.
 */
export async function until(page: Page, condition: Condition, timeoutMs: number): Promise<Outcome> {
  const inPage = page.evaluate(`window.__bench.until(${JSON.stringify(condition)}, ${timeoutMs})`) as Promise<Outcome>;
  return raceTimeout(inPage, timeoutMs + 15_000, { timeout: true } as const);
}

/** The long tasks logged so far. */
export function longTasks(page: Page): Promise<LongTask[]> {
  return page.evaluate('window.__bench.longTasks') as Promise<LongTask[]>;
}

/** The longest long task starting in [from, to), 0 when none. */
export function longestIn(tasks: readonly LongTask[], from: number, to: number): number {
  return Math.max(0, ...tasks.filter((t) => t.start + t.duration > from && t.start < to).map((t) => t.duration));
}

/** Resolves with `promise`, or with `fallback` after `ms`. */
export function raceTimeout<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([promise.catch(() => fallback), late]).finally(() => clearTimeout(timer));
}
