/**
 * `node --import tsx build/ensureBuilt.ts [app] [relay]`: builds the named
 * targets (both when none is named) when they are missing or stale. It is
 * `npm start`'s prestart and `npm run users`' preusers. Says what it built on
 * stderr, so a script reading the users CLI's stdout sees only the CLI.
 */
import { appBuild } from './appBuild';
import { ensureFresh, type BuildTarget } from './ensureFresh';
import { relayBundle } from './relayBundle';

const TARGETS: Record<string, BuildTarget> = { relay: relayBundle, app: appBuild };

const names = process.argv.slice(2);
const unknown = names.filter((n) => !(n in TARGETS));
if (unknown.length) {
  process.stderr.write(`unknown build target ${unknown.join(', ')} (known: ${Object.keys(TARGETS).join(', ')})\n`);
  process.exit(2);
}
for (const name of names.length ? names : Object.keys(TARGETS)) {
  const target = TARGETS[name]!;
  try {
    const ms = ensureFresh(target);
    if (ms) process.stderr.write(`built ${target.name} in ${ms} ms\n`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}
