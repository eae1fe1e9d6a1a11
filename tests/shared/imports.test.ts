/**
 * The one-way import rule: the record model imports only yjs, lib0 and other
 * modules of shared/, never client/, relay/, Svelte, ws, level or the DOM.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const MODEL = join(import.meta.dirname, '../../shared/model');
const ALLOWED = /^(yjs|lib0(\/.*)?|\.\/.*|\.\.\/(protocol|model|auth)\/.*)$/;
const DOM_GLOBALS = /\b(window|document|navigator|indexedDB|localStorage)\./; // uses, not the words

const files = readdirSync(MODEL).filter((name) => name.endsWith('.ts'));

describe('shared/model imports', () => {
  it('has modules to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files)('%s imports only yjs, lib0 and shared/', (name) => {
    const source = readFileSync(join(MODEL, name), 'utf8');
    const specifiers = [...source.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]);
    expect(specifiers.filter((s) => !ALLOWED.test(s ?? ''))).toEqual([]);
    const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(code).not.toMatch(DOM_GLOBALS);
  });
});
