/**
 * The app bench's results: median, p95 and max of each figure over the runs,
 * beside the issue's target with ✅/❌, as markdown and JSON.
 */
import { bytes, ms } from '../lib/report';
import { quantile } from '../lib/measure';
import type { RunSamples, StepId, StepSample } from './measureRun';

/** Summary of one figure over every run. */
export interface FigureSummary {
  id: StepId;
  label: string;
  target: string;
  unit: 'ms' | 'bytes';
  runs: number;
  finished: number;
  median?: number;
  p95?: number;
  max?: number;
  met?: boolean;
  /** Why runs did not finish (distinct reasons). */
  failures: string[];
  note?: string;
}

/** Everything the bench writes. */
export interface AppBenchReport {
  date: string;
  machine: string;
  /** The commit the app was built from (`git describe --always --dirty`). */
  commit?: string;
  records: number;
  bigLines: number;
  runsAsked: number;
  /** Scans into the big receipt per run (older reports: 3). */
  scansPerRun?: number;
  seed: { ms: number; updateBytes: number; relayDocsBytes: number; relayBytesMeaning: string };
  figures: FigureSummary[];
  /** Every sample, by figure. */
  samples: RunSamples;
  runtimeMs: number;
}

interface FigureSpec {
  id: StepId;
  label: string;
  target: string;
  unit: 'ms' | 'bytes';
  /** True when the figure's p95 meets the target; none for a figure shown beside another. */
  meets?: (p95: number) => boolean;
}

/** The issue's targets; `relayBytes` is the relay's size for the same records. */
export function figureSpecs(relayBytes: number): FigureSpec[] {
  return [
    { id: 'shiftStart', label: 'Start shift: tap to "ready"', target: '≤ 5 s', unit: 'ms', meets: (v) => v <= 5_000 },
    { id: 'shiftLongTask', label: 'Start shift: longest long task', target: 'responsive (≤ 100 ms)', unit: 'ms', meets: (v) => v <= 100 },
    { id: 'coldStart', label: 'Cold start offline to the full records list', target: '≤ 1.5 s', unit: 'ms', meets: (v) => v <= 1_500 },
    { id: 'coldLongTask', label: 'Cold start: longest long task in the 3 s after', target: 'none > 100 ms', unit: 'ms', meets: (v) => v <= 100 },
    { id: 'storage', label: 'Device storage after shift start (IndexedDB)', target: `≤ 2× relay (${bytes(2 * relayBytes)})`, unit: 'bytes', meets: (v) => v <= 2 * relayBytes },
    { id: 'openBig', label: 'Open the 500-line receipt: tap to lines visible', target: '≤ 300 ms', unit: 'ms', meets: (v) => v <= 300 },
    { id: 'scan', label: 'Scan to line visible, big receipt open', target: '≤ 50 ms', unit: 'ms', meets: (v) => v <= 50 },
    { id: 'firstScan', label: 'Of those, the first scan after opening', target: '(shown, in the scans above)', unit: 'ms' },
    { id: 'heap', label: 'JS heap, records held + big receipt open (after GC)', target: '≤ 100 MB', unit: 'bytes', meets: (v) => v <= 100 * 2 ** 20 },
  ];
}

/** Summarizes every figure over the runs' samples. */
export function summarize(samples: RunSamples, relayBytes: number): FigureSummary[] {
  return figureSpecs(relayBytes).map((spec) => {
    const all: StepSample[] = samples[spec.id] ?? [];
    const values = all.flatMap((s) => (s.ok ? [s.value] : [])).sort((a, b) => a - b);
    const failures = [...new Set(all.flatMap((s) => (s.ok ? [] : [s.reason])))];
    const summary: FigureSummary = { id: spec.id, label: spec.label, target: spec.target, unit: spec.unit, runs: all.length, finished: values.length, failures };
    if (values.length === 0) return { ...summary, met: all.length > 0 && spec.meets ? false : undefined };
    const p95 = quantile(values, 0.95);
    // A run that did not finish fails the target whatever the others did.
    const met = spec.meets ? spec.meets(p95) && failures.length === 0 : undefined;
    return { ...summary, median: quantile(values, 0.5), p95, max: values.at(-1), met };
  });
}

const show = (unit: FigureSummary['unit'], v: number | undefined) => (unit === 'ms' ? ms(v) : bytes(v));

/** The results as markdown. */
export function renderMarkdown(report: AppBenchReport): string {
  const rows = report.figures.map((f) => {
    const mark = f.met === undefined ? '' : f.met ? ' ✅' : ' ❌';
    const runs = `${f.finished} of ${f.runs}`;
    if (f.finished === 0) {
      const why = f.runs === 0 ? 'not reached' : f.failures.join('; ');
      return `| ${f.label} | ${f.target} | — | — | ${why}${mark} | ${runs} |`;
    }
    const dnf = f.failures.length ? ` (and: ${f.failures.join('; ')})` : '';
    return `| ${f.label} | ${f.target} | ${show(f.unit, f.median)} | ${show(f.unit, f.p95)} | ${show(f.unit, f.max)}${mark}${dnf} | ${runs} |`;
  });
  const storage = (report.samples.storage ?? []).flatMap((s) => (s.ok && s.extra ? [s.extra] : []));
  const idbKnown = storage.some((e) => Number.isFinite(e.indexedDB));
  const totals = storage.map((e) => e.total ?? NaN).filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const over100 = (report.samples.coldLongTask ?? []).flatMap((s) => (s.ok && s.extra ? [s.extra.over100 ?? 0] : []));
  const coldMarks = coldStartMarks(report.samples.coldStart ?? []);
  return [
    `# App bench: ${report.records.toLocaleString('en-US')} receipts of 3 lines + one of ${report.bigLines} lines`,
    '',
    `${report.date}, ${report.commit ? `app at ${report.commit}, ` : ''}${report.machine}. Chromium (/usr/bin/chromium), 360×740, CPU throttled 4× (CDP), a fresh browser context per run, ${report.runsAsked} runs asked. Total ${ms(report.runtimeMs)}.`,
    '',
    '| figure | target | median | p95 | max | runs |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'The ✅/❌ is for the p95 (a run that did not finish is a ❌). When a shift start gave up, "Fetch again" was tapped (untimed, up to 3 times within one cap) until the device was ready, so the later figures are for a device holding every record.',
    `Scans: ${report.scansPerRun ?? 'several'} per run, each a sample, so the scans' p95 is a 95th percentile and not just the slowest scan of the set; the first scan after opening (the scan path's code runs for the first time) is also shown on its own. "runs" counts samples that finished of those tried; the cold start and the scans are not tried again once they did not finish twice.`,
    '',
    `- Relay bytes for the same records: ${bytes(report.seed.relayDocsBytes)} (${report.seed.relayBytesMeaning}); the updates the seeder sent add up to ${bytes(report.seed.updateBytes)}.`,
    idbKnown
      ? `- Device storage is \`navigator.storage.estimate().usageDetails.indexedDB\` right after the shift start; the whole origin (with the service worker's copy of the app) was ${bytes(quantile(totals, 0.5))} (median).`
      : '- The browser gave no usageDetails: the storage figure is the whole origin (IndexedDB and the app cache).',
    ...(over100.length ? [`- Long tasks > 100 ms in the 3 s after the cold-start list showed, per run: ${over100.join(', ')}.`] : []),
    ...(coldMarks ? [`- Where a cold start goes (the app's tally:* marks, median ms from navigation): ${coldMarks}.`] : []),
    `- Seeding took ${ms(report.seed.ms)} (each record one \`change\` over /mux, acknowledged).`,
    '',
  ].join('\n');
}

/** "main 310, tab-lock 820, …": the median of each mark over the cold starts that finished, in time order. */
function coldStartMarks(samples: readonly StepSample[]): string | null {
  const byMark = new Map<string, number[]>();
  for (const s of samples) if (s.ok && s.extra) for (const [name, at] of Object.entries(s.extra)) byMark.set(name, [...(byMark.get(name) ?? []), at]);
  if (byMark.size === 0) return null;
  const medians = [...byMark].map(([name, ats]) => [name, quantile([...ats].sort((a, b) => a - b), 0.5)] as const);
  return medians
    .sort((a, b) => a[1] - b[1])
    .map(([name, at]) => `${name} ${Math.round(at)}`)
    .join(', ');
}
