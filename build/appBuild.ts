/**
 * The app as the relay serves it: `vite build` of client/app into dist/app.
 * `npm start` (via build/ensureBuilt.ts) and the e2e tests rebuild it when stale.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureFresh, type BuildTarget } from './ensureFresh';

const ROOT = path.resolve(import.meta.dirname, '..');

/** dist/app, built by Vite from the app, the sync core and shared/. */
export const appBuild: BuildTarget = {
  name: 'the app (dist/app)',
  root: ROOT,
  outputs: ['dist/app/index.html', 'dist/app/sw.js'],
  sources: ['client/app', 'client/sync', 'shared', 'vite.config.ts', 'package-lock.json'],
  build: () => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 180_000,
    });
    if (result.status !== 0) throw new Error(`vite build of the app failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  },
};

/** Runs `vite build` when dist/app is stale; returns how long it took (0 when it was up to date). Throws if the build fails. */
export function ensureAppBuilt(): number {
  return ensureFresh(appBuild);
}
