/**
 * One rule for everything `npm start` builds (the app in dist/app, the relay
 * bundle in dist/relay): outputs are built from sources, and rebuilt when an
 * output is missing or a source is newer than the oldest output.
 */
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';

/** Something built from sources into outputs. Paths are relative to `root`. */
export interface BuildTarget {
  /** What it is and where, for messages: "the app (dist/app)". */
  name: string;
  /** The folder every path below is relative to (the repository root). */
  root: string;
  /** Files the build writes. All must exist and be newer than every source. */
  outputs: readonly string[];
  /** Files and folders (everything under them counts) the outputs are built from; missing ones are ignored. */
  sources: readonly string[];
  /** Writes the outputs; throws when the build fails. */
  build: () => void;
}

/** The newest modification time (ms) of `entry` and everything under it. */
function newest(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const child of readdirSync(entry)) latest = Math.max(latest, newest(path.join(entry, child)));
  return latest;
}

/** True when an output of `target` is missing or older than one of its sources. */
export function isStale(target: BuildTarget): boolean {
  const outputs = target.outputs.map((f) => path.join(target.root, f));
  if (!outputs.every((f) => existsSync(f))) return true;
  const builtAt = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  return target.sources.map((s) => path.join(target.root, s)).some((s) => existsSync(s) && newest(s) > builtAt);
}

/** Builds `target` when it is stale; returns how long that took in ms (0 when it was up to date). Throws if the build fails. */
export function ensureFresh(target: BuildTarget): number {
  if (!isStale(target)) return 0;
  const startedAt = Date.now();
  target.build();
  // Date the outputs to when the build started: a source saved while it ran
  // (people edit while tests run) is then newer, and the next check rebuilds.
  const at = startedAt / 1000;
  for (const f of target.outputs) utimesSync(path.join(target.root, f), at, at);
  return Date.now() - startedAt;
}
