/**
 * The relay as users run it: relay/main.ts (`npm start`) and the users CLI
 * (`npm run users`) bundled by esbuild into dist/relay/main.mjs and users.mjs
 * (with backupWorker.mjs, the thread backups run on),
 * run with `node --enable-source-maps`. Starting a prebuilt file skips tsx's
 * compile on every start, and leaves out the `__name(...)` wrapper tsx's
 * keepNames puts around every closure (a few % of the relay's CPU).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync, formatMessagesSync } from 'esbuild';
import { ensureFresh, type BuildTarget } from './ensureFresh';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT_DIR = 'dist/relay';

/**
 * Node arguments that start the relay, relative to the repository root (what
 * `npm start` runs). V8's young generation is capped at 8 MB per semi-space
 * (Node's default lets it grow to 16 MB): a burst of device connections grew it
 * to its maximum and held it there, about 20 KB of resident memory per idle
 * connection; the smaller one also keeps each scavenge short (bench/README.md).
 * V8 gets one background thread (`--v8-pool-size=1`, Node's default is 4): its
 * collector's helpers otherwise compete for a small box's cores with the
 * relay's own thread and LevelDB's fsyncs, which halved the ack p99 on the
 * 2-core bench machine (bench/README.md).
 */
export const RELAY_ARGS: readonly string[] = ['--enable-source-maps', '--max-semi-space-size=8', '--v8-pool-size=1', `${OUT_DIR}/main.mjs`];
/** Node arguments that run the users CLI, relative to the repository root (what `npm run users` runs). */
export const USERS_CLI_ARGS: readonly string[] = ['--enable-source-maps', `${OUT_DIR}/users.mjs`];

/** dist/relay, bundled from relay/ and shared/; npm packages stay in node_modules. */
export const relayBundle: BuildTarget = {
  name: 'the relay bundle (dist/relay)',
  root: ROOT,
  outputs: ['main', 'users', 'backupWorker'].flatMap((f) => [`${OUT_DIR}/${f}.mjs`, `${OUT_DIR}/${f}.mjs.map`]),
  sources: ['relay', 'shared', 'build/relayBundle.ts', 'build/ensureFresh.ts', 'tsconfig.json', 'package-lock.json'],
  build: bundleRelay,
};

/** Bundles the relay when dist/relay is stale; returns how long it took (0 when it was up to date). Throws if the build fails. */
export function ensureRelayBuilt(): number {
  return ensureFresh(relayBundle);
}

function bundleRelay(): void {
  const result = buildSync({
    absWorkingDir: ROOT,
    // backupWorker: the thread a running relay takes its backups on (relay/backup/workerBackups.ts finds it beside main.mjs).
    entryPoints: { main: 'relay/main.ts', users: 'relay/cli/users.ts', backupWorker: 'relay/backup/backupWorker.ts' },
    outdir: OUT_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // classic-level's native addon and every other package resolve from node_modules at run time.
    packages: 'external',
    sourcemap: 'linked',
    write: false,
    logLevel: 'silent',
  });
  if (result.warnings.length) process.stderr.write(formatMessagesSync(result.warnings, { kind: 'warning' }).join(''));
  // Maps first, and each file by rename: a relay starting while another
  // process (a parallel test worker) rebuilds reads a whole file, never half.
  const files = [...result.outputFiles].sort((a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')));
  mkdirSync(path.join(ROOT, OUT_DIR), { recursive: true });
  for (const file of files) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
}
