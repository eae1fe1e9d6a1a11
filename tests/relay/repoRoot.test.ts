import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../relay/config';
import { repoRoot } from '../../relay/repoRoot';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('repoRoot', () => {
  it.each([
    ['relay/ (tsx, tests)', 'relay'],
    ['dist/relay (the bundle npm start runs)', 'dist/relay'],
  ])('is the repository root from %s', (_, from) => {
    expect(repoRoot(path.join(ROOT, from))).toBe(ROOT);
    expect(repoRoot()).toBe(ROOT);
  });

  it('throws when no folder above has a package.json', () => {
    expect(() => repoRoot('/')).toThrow(/no package.json/);
  });

  it('puts the default app folder at <repo>/dist/app', () => {
    expect(readConfig({}).appDir).toBe(path.join(ROOT, 'dist/app'));
  });
});
