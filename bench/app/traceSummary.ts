/**
 * `npx tsx bench/app/traceSummary.ts <trace.json> [--top N]`: what a trace
 * recorded by `TRACE_DIR=<folder> npm run bench:app` spent its main thread
 * on. A dev aid for finding a step's cost: the renderer's longest tasks, and
 * the JS functions with the most self time and total time from the V8
 * sampling profile the trace carries (times at the throttled CPU).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  id?: string;
  args?: { data?: { cpuProfile?: CpuProfileChunk; timeDeltas?: number[] } };
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  parent?: number;
}

interface CpuProfileChunk {
  nodes?: ProfileNode[];
  samples?: number[];
}

/** Self and total milliseconds per function, from the profile's samples. */
export function profileTimes(events: readonly TraceEvent[]): { self: Map<string, number>; total: Map<string, number>; sampledMs: number } {
  const nodes = new Map<number, ProfileNode>();
  const samples: { node: number; deltaUs: number }[] = [];
  for (const event of events) {
    if (event.name !== 'ProfileChunk') continue;
    const profile = event.args?.data?.cpuProfile;
    for (const node of profile?.nodes ?? []) nodes.set(node.id, node);
    const deltas = event.args?.data?.timeDeltas ?? [];
    (profile?.samples ?? []).forEach((node, i) => samples.push({ node, deltaUs: deltas[i] ?? 0 }));
  }
  const label = (frame: CallFrame): string => `${frame.functionName || '(anonymous)'} ${(frame.url ?? '').split('/').pop() ?? ''}:${(frame.lineNumber ?? 0) + 1}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let sampledMs = 0;
  // A sample's time is the gap to the next one.
  for (let i = 0; i < samples.length - 1; i++) {
    const ms = (samples[i + 1]!.deltaUs ?? 0) / 1000;
    const leaf = nodes.get(samples[i]!.node);
    if (!leaf || leaf.callFrame.functionName === '(idle)') continue;
    sampledMs += ms;
    self.set(label(leaf.callFrame), (self.get(label(leaf.callFrame)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let node: ProfileNode | undefined = leaf; node; node = node.parent === undefined ? undefined : nodes.get(node.parent)) {
      const name = label(node.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + ms);
    }
  }
  return { self, total, sampledMs };
}

function top(map: Map<string, number>, n: number): string[] {
  return [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, ms]) => `${ms.toFixed(1).padStart(8)} ms  ${name}`);
}

function main(): void {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
  const n = Number(values.top);
  for (const file of positionals) {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents?: TraceEvent[] } | TraceEvent[];
    const events = Array.isArray(raw) ? raw : (raw.traceEvents ?? []);
    const tasks = events.filter((e) => e.name === 'RunTask' && e.ph === 'X' && e.dur);
    // The renderer's main thread is the one with the most task time.
    const byThread = new Map<string, number>();
    for (const task of tasks) byThread.set(`${task.pid}:${task.tid}`, (byThread.get(`${task.pid}:${task.tid}`) ?? 0) + task.dur!);
    const main = [...byThread].sort((a, b) => b[1] - a[1])[0]?.[0];
    const mainTasks = tasks.filter((t) => `${t.pid}:${t.tid}` === main).sort((a, b) => b.dur! - a.dur!);
    const start = Math.min(...mainTasks.map((t) => t.ts));
    console.log(`# ${file}`);
    console.log(`main thread: ${mainTasks.length} tasks, ${(mainTasks.reduce((s, t) => s + t.dur!, 0) / 1000).toFixed(1)} ms busy`);
    console.log('longest tasks (ms, at ms from the first):');
    for (const task of mainTasks.slice(0, 8)) console.log(`  ${(task.dur! / 1000).toFixed(1).padStart(8)} @ ${((task.ts - start) / 1000).toFixed(0)}`);
    const { self, total, sampledMs } = profileTimes(events);
    console.log(`JS sampled: ${sampledMs.toFixed(1)} ms\nself time:`);
    for (const line of top(self, n)) console.log(`  ${line}`);
    console.log('total time:');
    for (const line of top(total, n)) console.log(`  ${line}`);
  }
}

main();
