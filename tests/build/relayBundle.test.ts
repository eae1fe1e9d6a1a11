import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureRelayBuilt, RELAY_ARGS, relayBundle } from '../../build/relayBundle';
import { isStale } from '../../build/ensureFresh';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string): string => readFileSync(path.join(ROOT, 'dist/relay', file), 'utf8');

describe('the relay bundle (dist/relay)', () => {
  beforeAll(() => {
    ensureRelayBuilt();
  }, 60_000);

  it('is started by npm start with the same node arguments the tests and the bench use', () => {
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBe(['node', ...RELAY_ARGS].join(' '));
  });

  it('is fresh after ensureRelayBuilt', () => {
    expect(isStale(relayBundle)).toBe(false);
  });

  it.each(['main.mjs', 'users.mjs'])('%s keeps npm packages external, names no closures at run time, and links its source map', (file) => {
    const code = read(file);
    expect(code).toMatch(/from "yjs"|from "ws"|from "node:fs"/);
    expect(code).not.toMatch(/node_modules\//);
    expect(code).not.toMatch(/\b__name\(/);
    expect(code.trimEnd().endsWith(`//# sourceMappingURL=${file}.map`)).toBe(true);
    const map = JSON.parse(read(`${file}.map`)) as { sources: string[] };
    expect(map.sources).toContain(file === 'main.mjs' ? '../../relay/main.ts' : '../../relay/cli/users.ts');
  });
});
