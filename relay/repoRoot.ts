/**
 * The repository root, found by walking up to the nearest package.json. The
 * relay runs from relay/ (tests, tsx) and from the bundle in dist/relay
 * (`npm start`), so a fixed `..` from this module would point at different
 * folders; the walk finds the same root from both.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The nearest folder at or above `from` (default: this module's folder) holding a package.json. Throws when there is none. */
export function repoRoot(from: string = import.meta.dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json at or above ${from}`);
  }
}
