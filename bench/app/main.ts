/**
 * `npm run bench:app [-- --records N] [--runs R] [--name NAME]`: the app on
 * a phone-sized, CPU-throttled Chromium against a real relay seeded with N
 * receipts of 3 lines and one of 500 lines. Writes
 * `bench/results/app-<NAME>.md` and `.json` (NAME defaults to `latest`).
 * See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from 'playwright';
import { ensureAppBuilt } from '../../build/appBuild';
import { AppRelay, type AppUser } from '../../tests/e2e/support/appRelay';
import { addUser } from '../../tests/support/relayProcess';
import { measureRun, STEP_IDS, type RunSamples, type StepCaps, type StepId } from './measureRun';
import { renderMarkdown, summarize, type AppBenchReport } from './report';
import { seedReceipts } from './seed';

const RESULTS = path.resolve(import.meta.dirname, '../results');
const BIG_LINES = 500;
/**
 * A dozen scans per run, as receiving a delivery's first items would be: with
 * 3 per run, a 5-run set's p95 of 15 scans was its slowest scan (nearest
 * rank), which a 95th percentile is not.
 */
const SCANS_PER_RUN = 12;
/** A step that did not finish this many times is not tried in later runs. */
const GIVE_UP_AFTER = 2;

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function options() {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '1000' },
      runs: { type: 'string', default: '5' },
      name: { type: 'string', default: 'latest' },
    },
  });
  const records = Number(values.records);
  const runs = Number(values.runs);
  if (!Number.isSafeInteger(records) || records < 1) throw new Error(`--records must be a positive integer, got ${values.records}`);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  if (!/^[a-z0-9-]+$/.test(values.name)) throw new Error(`--name must be lower-case letters, digits and dashes`);
  return { records, runs, name: values.name };
}

/** Caps per step; shift start scales with the records (today's app needs about 20 s for 1,000). */
function capsFor(records: number): StepCaps {
  return { shiftStartMs: Math.max(120_000, records * 120), coldStartMs: 60_000, openMs: 30_000, scanMs: 10_000 };
}

/** Bytes of every file under `dir`. */
function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
    const p = path.join(dir, e.name);
    return sum + (e.isDirectory() ? folderBytes(p) : statSync(p).size);
  }, 0);
}

/** The checkout's commit, `-dirty` when files differ from it; undefined outside git. */
function gitDescribe(): string | undefined {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: import.meta.dirname, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const opts = options();
  const started = performance.now();
  const built = ensureAppBuilt();
  if (built) log(`built the app in ${built} ms`);

  const relay = await AppRelay.create();
  let browser: Browser | null = null;
  // Ctrl-C stops the relay and the browser and deletes the seeded data folder.
  const interrupted = (): void => {
    void Promise.allSettled([browser?.close(), relay.destroy()]).then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const seeder = await addUser(relay.dataDir, 'Bench Seeder', 'supervisor');
    const crew = await addUser(relay.dataDir, 'Bench Crew', 'crew');
    const user: AppUser = { name: 'Bench Crew', role: 'crew', token: crew.token };
    await relay.start();
    log(`seeding ${opts.records} receipts of 3 lines and one of ${BIG_LINES} lines…`);
    const seed = await seedReceipts({ url: relay.url, token: seeder.token, userId: seeder.id, device: 'bench-seeder', site: 'main', records: opts.records, bigLines: BIG_LINES });
    log(`seeded in ${Math.round(seed.ms)} ms (${seed.updateBytes} update bytes)`);
    // The relay's bytes on disk after a clean shutdown (it flushes and closes LevelDB), then back up on the same port.
    await relay.stop();
    const relayDocsBytes = folderBytes(path.join(relay.dataDir, 'docs'));
    await relay.start();
    log(`relay docs folder: ${relayDocsBytes} bytes`);

    const samples: RunSamples = {};
    const failures = new Map<StepId, number>();
    for (let run = 1; run <= opts.runs; run++) {
      log(`run ${run} of ${opts.runs}`);
      const skip = new Set([...failures].filter(([, n]) => n >= GIVE_UP_AFTER).map(([id]) => id));
      // A browser of its own per run: a page still busy from the last run cannot slow the next.
      browser = await launchBrowser();
      const got = await measureRun({
        browser,
        origin: relay.url,
        user,
        listedRecords: seed.ids.length,
        bigId: seed.bigId,
        bigLines: BIG_LINES,
        caps: capsFor(opts.records),
        skip,
        scansPerRun: SCANS_PER_RUN,
        label: `run${run}`,
        log,
      }).catch((err: unknown): RunSamples => {
        log(`  run failed: ${(err as Error).message.split('\n')[0]}`);
        return {};
      });
      await browser.close();
      browser = null;
      for (const id of STEP_IDS) {
        const list = got[id] ?? [];
        (samples[id] ??= []).push(...list);
        failures.set(id, (failures.get(id) ?? 0) + list.filter((s) => !s.ok).length);
      }
    }

    const report: AppBenchReport = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
      commit: gitDescribe(),
      records: opts.records,
      bigLines: BIG_LINES,
      runsAsked: opts.runs,
      scansPerRun: SCANS_PER_RUN,
      seed: { ms: seed.ms, updateBytes: seed.updateBytes, relayDocsBytes, relayBytesMeaning: "size of the relay's LevelDB folder <data>/docs after a clean shutdown" },
      figures: summarize(samples, relayDocsBytes),
      samples,
      runtimeMs: performance.now() - started,
    };
    mkdirSync(RESULTS, { recursive: true });
    const markdown = renderMarkdown(report);
    writeFileSync(path.join(RESULTS, `app-${opts.name}.md`), markdown);
    writeFileSync(path.join(RESULTS, `app-${opts.name}.json`), `${JSON.stringify(report, null, 2)}\n`);
    log(`\n${markdown}`);
  } finally {
    await browser?.close().catch(() => {});
    await relay.destroy();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
