/**
 * The three sides of the code base and who may import whom: shared/ imports
 * nothing from client/ or relay/, and client/ and relay/ never import each
 * other (what both need lives in shared/).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const SIDES = ['shared', 'client', 'relay'] as const;
type Side = (typeof SIDES)[number];

/** Which sides each side may import from (besides itself and packages). */
const MAY_IMPORT: Record<Side, readonly Side[]> = { shared: [], client: ['shared'], relay: ['shared'] };

function sourcesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...sourcesUnder(path));
    else if (/\.(ts|svelte)$/.test(name)) found.push(path);
  }
  return found;
}

/** Relative specifiers of every import, export-from and dynamic import in `source`. */
function relativeImports(source: string): string[] {
  const specs = [...source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"](\.[^'"]*)['"]/g)].map((m) => m[1]!);
  return specs;
}

/** The side a path inside the repository belongs to, or null (tests, bench, build). */
function sideOf(path: string): Side | null {
  const first = relative(ROOT, path).split(sep)[0];
  return (SIDES as readonly string[]).includes(first ?? '') ? (first as Side) : null;
}

/** `side:file -> target` for every import of a side that crosses into a side it may not use. */
function crossings(side: Side): string[] {
  const bad: string[] = [];
  for (const file of sourcesUnder(join(ROOT, side))) {
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
      const target = sideOf(resolve(dirname(file), spec));
      if (target === null || target === side || MAY_IMPORT[side].includes(target)) continue;
      bad.push(`${relative(ROOT, file)} -> ${spec}`);
    }
  }
  return bad;
}

describe('import boundaries', () => {
  it('finds the imports it checks', () => {
    expect(relativeImports(`import { a } from '../relay/x';\nexport * from './y';\nconst m = await import('../../client/z');\nimport './side';`)).toEqual([
      '../relay/x',
      './y',
      '../../client/z',
      './side',
    ]);
  });

  it.each(SIDES)('%s imports only from the sides it may', (side) => {
    expect(sourcesUnder(join(ROOT, side)).length).toBeGreaterThan(5);
    expect(crossings(side)).toEqual([]);
  });
});

/** The record model's writers: screens reach them only through the app's RecordActions. */
const RECORD_WRITERS = ['addReceiveLine', 'reverseEntry', 'addCount', 'requestRecount', 'addPhoto', 'proposeChange', 'resolveConflict', 'editField', 'appendEntry', 'createReceipt', 'createCountSheet'];

/** Names imported from the record model (shared/model, shared/review) by `source`. */
function modelImports(source: string): string[] {
  return [...source.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*['"][^'"]*shared\/(?:model|review)(?:\/[^'"]*)?['"]/g)].flatMap((m) =>
    m[1]!
      .split(',')
      .map((name) => name.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!)
      .filter(Boolean),
  );
}

describe('one way for screens to write', () => {
  it('finds the names it checks', () => {
    expect(modelImports(`import { addReceiveLine, type EntryId } from '../../../shared/model';\nimport { editField as edit } from '../../../shared/review/editField';`)).toEqual(['addReceiveLine', 'EntryId', 'editField']);
  });

  it.each(['client/app/screens', 'client/app/components'])('%s write records only through RecordActions', (dir) => {
    const direct = sourcesUnder(join(ROOT, dir)).flatMap((file) =>
      modelImports(readFileSync(file, 'utf8'))
        .filter((name) => RECORD_WRITERS.includes(name))
        .map((name) => `${relative(ROOT, file)}: ${name}`),
    );
    expect(direct).toEqual([]);
  });
});
