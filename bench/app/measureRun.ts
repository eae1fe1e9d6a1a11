/**
 * One run of the app bench on a fresh device (a new browser context): sign
 * in, start the shift, read the device's storage, open the big receipt and
 * scan into it, read the JS heap, then close the page and open the app again
 * offline. Every step has a time cap; a step that hits it is recorded as
 * "did not finish" and the steps that need it are skipped.
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright';
import { Device, PHONE } from '../../tests/e2e/support/devices';
import type { AppUser } from '../../tests/e2e/support/appRelay';
import { armInput, inputAt, LOAD_OUTCOME, longestIn, longTasks, PROBE_SCRIPT, raceTimeout, until, WATCH_KEY, type Condition, type Outcome } from './pageProbe';

/** A step's figure in one run, or why there is none. */
export type StepSample = { ok: true; value: number; extra?: Record<string, number> } | { ok: false; reason: string };

/** The steps of a run, by id. */
export type RunSamples = Partial<Record<StepId, StepSample[]>>;

export const STEP_IDS = ['shiftStart', 'shiftLongTask', 'coldStart', 'coldLongTask', 'storage', 'openBig', 'scan', 'firstScan', 'heap'] as const;
export type StepId = (typeof STEP_IDS)[number];

/** Time caps of the steps. */
export interface StepCaps {
  shiftStartMs: number;
  coldStartMs: number;
  openMs: number;
  scanMs: number;
}

/** Options of `measureRun`. */
export interface RunOptions {
  browser: Browser;
  origin: string;
  user: AppUser;
  /** Rows the records list must show: every seeded record. */
  listedRecords: number;
  bigId: string;
  bigLines: number;
  caps: StepCaps;
  /** Steps not to try (they failed in earlier runs). */
  skip: ReadonlySet<StepId>;
  scansPerRun: number;
  /** Label of this run (device name). */
  label: string;
  log: (line: string) => void;
}

const RECORDS_LIST: Omit<Condition, 'minCount'> = { selector: '[data-testid="record-row"]', countAttrOf: '[data-testid="records"]' };
const AFTER_COLD_START_MS = 3_000;
/** How long the page may take to hand over its long-task log. */
const ANSWER_MS = 30_000;
/** Taps on "Fetch again" after a shift start that gave up, to get every record onto the device for the later steps. */
const FETCH_AGAIN_ATTEMPTS = 3;

const fail = (reason: string): StepSample => ({ ok: false, reason });
const dnf = (capMs: number): StepSample => fail(`did not finish in ${Math.round(capMs / 1000)} s`);

function outcomeSample(outcome: Outcome, from: number | null, capMs: number): StepSample {
  if ('timeout' in outcome) return dnf(capMs);
  if (from === null) return fail('the tap or key press was not seen by the page');
  if ('failed' in outcome) return fail(`after ${((outcome.at - from) / 1000).toFixed(1)} s the page said "${outcome.failed}"`);
  return { ok: true, value: outcome.at - from };
}

async function throttle(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
}

async function heapAfterGc(context: BrowserContext, page: Page): Promise<number> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize;
}

/** A timed tap: the figure, and the tap and the moment the condition held on the page's clock. */
interface Tapped {
  sample: StepSample;
  tapAt: number | null;
  at: number | null;
}

/**
 * Taps `target` (waiting up to `capMs` for it to take taps) and times until
 * `condition` holds. The page watches for the condition from before the tap,
 * so the figure ends at the first frame that shows it, not when the bench
 * gets round to asking.
 */
async function tapAndWait(page: Page, target: Locator, condition: Condition, capMs: number): Promise<Tapped> {
  await armInput(page);
  const started = performance.now();
  const outcome = until(page, condition, capMs);
  try {
    await target.click({ timeout: capMs });
  } catch (err) {
    return { sample: fail(`the page did not take the tap within ${Math.round(capMs / 1000)} s (${(err as Error).message.split('\n')[0]})`), tapAt: null, at: null };
  }
  const seen = await outcome;
  const tapAt = await inputAt(page, 'tap');
  const sample = outcomeSample(seen, tapAt, Math.max(capMs, performance.now() - started));
  return { sample, tapAt, at: sample.ok && 'at' in seen ? seen.at : null };
}

/**
 * After a shift start that gave up: taps "Fetch again" (untimed) until the
 * device is ready, so the later figures are still taken with every record
 * held. False when it never got there (within one shift-start cap in all).
 */
async function fetchAgainUntilReady(page: Page, options: RunOptions): Promise<boolean> {
  // All attempts share one cap, so a device that never gets there costs one cap, not several.
  const deadline = performance.now() + options.caps.shiftStartMs;
  for (let attempt = 1; attempt <= FETCH_AGAIN_ATTEMPTS && performance.now() < deadline - 1_000; attempt++) {
    const again = await tapAndWait(page, page.getByTestId('start-shift'), { selector: '[data-testid="shift-ready"]', failSelector: '[data-testid="shift-problem"]' }, deadline - performance.now());
    options.log(`  shift start, fetch again ${attempt} (untimed): ${again.sample.ok ? 'ready' : again.sample.reason}`);
    if (again.sample.ok) return true;
  }
  return false;
}

/** What TRACE_DIR=<folder> records around the open and scan steps (a dev aid: see bench/app/traceSummary.ts). */
const TRACE_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'disabled-by-default-v8.cpu_profiler', 'blink.user_timing'];

/** Runs every step once on a fresh device; see the module comment. */
export async function measureRun(options: RunOptions): Promise<RunSamples> {
  const samples: RunSamples = {};
  const add = (id: StepId, sample: StepSample): void => {
    (samples[id] ??= []).push(sample);
    options.log(`  ${id}: ${sample.ok ? Math.round(sample.value) : sample.reason}`);
  };
  const context = await options.browser.newContext({ viewport: PHONE, serviceWorkers: 'allow' });
  // Signing in with thousands of records listed can take longer than Playwright's default 30 s.
  context.setDefaultTimeout(options.caps.shiftStartMs);
  context.setDefaultNavigationTimeout(options.caps.shiftStartMs);
  let current: StepId = 'shiftStart';
  try {
    await context.addInitScript(PROBE_SCRIPT);
    const device = await Device.enrol(context, options.origin, options.user, options.label);
    const page = device.page;
    await throttle(context, page);

    // Start shift: from the tap until the page says ready.
    const traceDir = process.env.TRACE_DIR;
    if (traceDir) await options.browser.startTracing(page, { path: `${traceDir}/shift-${options.label}.json`, categories: TRACE_CATEGORIES });
    const shift = await tapAndWait(page, page.getByTestId('start-shift'), { selector: '[data-testid="shift-ready"]', failSelector: '[data-testid="shift-problem"]' }, options.caps.shiftStartMs);
    if (traceDir) await options.browser.stopTracing();
    add('shiftStart', shift.sample);
    if (shift.sample.ok && shift.at !== null && shift.tapAt !== null) {
      add('shiftLongTask', { ok: true, value: longestIn(await longTasks(page), shift.tapAt, shift.at) });
    } else if (!(await fetchAgainUntilReady(page, options))) {
      return samples;
    }
    current = 'storage';
    // Device storage right after the shift start.
    const estimate = (await page.evaluate('navigator.storage.estimate()')) as { usage?: number; usageDetails?: { indexedDB?: number } };
    // The records live in IndexedDB; the rest of the origin's usage is mostly the service worker's copy of the app.
    const indexedDB = estimate.usageDetails?.indexedDB;
    add('storage', { ok: true, value: indexedDB ?? estimate.usage ?? NaN, extra: { total: estimate.usage ?? NaN, indexedDB: indexedDB ?? NaN } });

    current = 'openBig';
    // Opening the big receipt: from the tap on its row until its lines and scan field are on screen.
    await device.go('/');
    const listed = await until(page, { selector: `[data-testid="record-row"][data-record-id="${options.bigId}"]` }, options.caps.openMs);
    if (!('at' in listed)) {
      add('openBig', fail(`its row was not listed within ${options.caps.openMs / 1000} s`));
      return samples;
    }
    const row = page.locator(`[data-testid="record-row"][data-record-id="${options.bigId}"]`);
    await row.scrollIntoViewIfNeeded({ timeout: options.caps.openMs });
    if (traceDir) await options.browser.startTracing(page, { path: `${traceDir}/open-${options.label}.json`, categories: TRACE_CATEGORIES });
    const opened = await tapAndWait(page, row, { selector: '[data-testid="line"]', minCount: Math.min(10, options.bigLines) }, options.caps.openMs);
    if (traceDir) await options.browser.stopTracing();
    add('openBig', opened.sample);
    if (!opened.sample.ok) return samples;
    await until(page, { selector: '[data-testid="scan-field"]' }, options.caps.openMs);

    current = 'scan';
    // Scan-to-line-visible with the big receipt open: Enter in the scan field until the new line shows.
    for (let i = 0; i < options.scansPerRun && !options.skip.has('scan'); i++) {
      const code = `BENCH-${options.label}-${i}`;
      await page.getByTestId('scan-field').fill(code);
      await armInput(page);
      // Watched from before the key press: the figure ends at the first frame that shows the line.
      const line = until(page, { selector: '[data-testid="line"]', text: code }, options.caps.scanMs);
      if (traceDir) await options.browser.startTracing(page, { path: `${traceDir}/scan-${options.label}-${i}.json`, categories: TRACE_CATEGORIES });
      await page.getByTestId('scan-field').press('Enter');
      const scan = outcomeSample(await line, await inputAt(page, 'enter'), options.caps.scanMs);
      add('scan', scan);
      if (i === 0) (samples.firstScan ??= []).push(scan);
      if (traceDir) await options.browser.stopTracing();
    }

    current = 'heap';
    // JS heap with every held record and the big receipt open, after a garbage collection.
    add('heap', { ok: true, value: await heapAfterGc(context, page) });

    current = 'coldStart';
    if (!options.skip.has('coldStart')) await coldStart(options, context, page, add);
    return samples;
  } catch (err) {
    // What was measured before the failure still counts; the step it stopped in is a failure.
    const why = (err as Error).message.split('\n')[0] ?? String(err);
    if (!samples[current]?.length) add(current, fail(`the run stopped: ${why}`));
    else options.log(`  run stopped: ${why}`);
    return samples;
  } finally {
    await raceTimeout(context.close(), 30_000, undefined);
  }
}

/** Closes the page, goes offline and opens the app again: time from navigation start to the full records list. */
async function coldStart(options: RunOptions, context: BrowserContext, page: Page, add: (id: StepId, sample: StepSample) => void): Promise<void> {
  const cap = options.caps.coldStartMs;
  const watch = { condition: { ...RECORDS_LIST, minCount: options.listedRecords }, timeoutMs: cap };
  await page.evaluate(`localStorage.setItem(${JSON.stringify(WATCH_KEY)}, ${JSON.stringify(JSON.stringify(watch))})`);
  await page.close();
  await context.setOffline(true);
  const again = await context.newPage();
  await throttle(context, again);
  // The outcome comes over the console, so nothing is evaluated in the page while it starts.
  const told = new Promise<Outcome>((resolve) => {
    again.on('console', (message) => {
      const text = message.text();
      if (text.startsWith(LOAD_OUTCOME)) resolve(JSON.parse(text.slice(LOAD_OUTCOME.length)) as Outcome);
    });
  });
  const loaded = raceTimeout(again.goto(`${options.origin}/`, { waitUntil: 'commit', timeout: cap }), cap, null);
  if ((await loaded) === null) return add('coldStart', fail(`the app did not load offline within ${cap / 1000} s`));
  const outcome = await raceTimeout(told, cap + 15_000, { timeout: true } as const);
  const sample = outcomeSample(outcome, 0, cap);
  if (!sample.ok || !('at' in outcome)) return add('coldStart', sample);
  // Long tasks over the next few seconds: is the list usable once it shows? (Nothing is asked of the page meanwhile.)
  await again.waitForTimeout(AFTER_COLD_START_MS);
  // A page still busy long after the list showed may not answer at all: that is the figure then.
  const tasks = await raceTimeout(longTasks(again), ANSWER_MS, null);
  // Where the start went, by the app's own user-timing marks (tally:*), on the same clock.
  const marks = (await raceTimeout(
    again.evaluate(`Object.fromEntries(performance.getEntriesByType('mark').filter((m) => m.name.startsWith('tally:')).map((m) => [m.name.slice(6), m.startTime]))`),
    ANSWER_MS,
    {},
  )) as Record<string, number>;
  add('coldStart', { ...sample, extra: marks });
  if (tasks === null) return add('coldLongTask', fail(`the page did not answer for ${ANSWER_MS / 1000} s after the list showed`));
  const after = tasks.filter((t) => t.start >= outcome.at && t.start < outcome.at + AFTER_COLD_START_MS);
  add('coldLongTask', { ok: true, value: Math.max(0, ...after.map((t) => t.duration)), extra: { over100: after.filter((t) => t.duration > 100).length } });
}
