/** The relay's version: `version` of the repository's package.json, read once. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../repoRoot';

let version: string | undefined;

export function relayVersion(): string {
  if (version === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { version?: unknown };
      version = typeof pkg.version === 'string' ? pkg.version : 'unknown';
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
