/**
 * Global setup of the e2e project: builds the app into dist/app when it is
 * missing or older than any of its sources, so `npm test` from a clean clone
 * tests the app it would ship (the relay serves dist/app).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BUILT = path.join(ROOT, 'dist/app/index.html');
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
  if (!existsSync(BUILT) || !existsSync(path.join(ROOT, 'dist/app/sw.js'))) return true;
  const builtAt = statSync(BUILT).mtimeMs;
  return SOURCES.some((source) => existsSync(path.join(ROOT, source)) && newest(path.join(ROOT, source)) > builtAt);
}

export default function setup(): void {
  if (!appIsStale()) return;
  const started = Date.now();
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (result.status !== 0) {
    throw new Error(`vite build of the app failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  process.stdout.write(`e2e: built the app into dist/app in ${Date.now() - started} ms\n`);
}
