/**
 * Builds the app into dist/app when it is missing or older than any of its
 * sources, so `npm start` (via `prestart`) and the e2e tests always serve the
 * app the sources describe. Run as a script or import `ensureAppBuilt`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BUILT = ['dist/app/index.html', 'dist/app/sw.js'];
const SOURCES = ['client/app', 'client/sync', 'shared', 'vite.config.ts', 'package-lock.json'];

/** The newest modification time (ms) of `entry` and everything under it. */
function newest(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const child of readdirSync(entry)) latest = Math.max(latest, newest(path.join(entry, child)));
  return latest;
}

/** True when dist/app is missing or older than a source it is built from. */
export function appIsStale(): boolean {
  const built = BUILT.map((f) => path.join(ROOT, f));
  if (!built.every((f) => existsSync(f))) return true;
  const builtAt = Math.min(...built.map((f) => statSync(f).mtimeMs));
  return SOURCES.map((s) => path.join(ROOT, s)).some((s) => existsSync(s) && newest(s) > builtAt);
}

/** Runs `vite build` when the app is stale; returns how long it took (0 when it was up to date). Throws if the build fails. */
export function ensureAppBuilt(): number {
  if (!appIsStale()) return 0;
  const started = Date.now();
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (result.status !== 0) throw new Error(`vite build of the app failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return Date.now() - started;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const ms = ensureAppBuilt();
    process.stdout.write(ms ? `built the app into dist/app in ${ms} ms\n` : 'the app in dist/app is up to date\n');
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}
