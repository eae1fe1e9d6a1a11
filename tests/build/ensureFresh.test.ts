import { mkdtemp, rm } from 'node:fs/promises';
import { mkdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureFresh, isStale, type BuildTarget } from '../../build/ensureFresh';

/** Blocks for `ms` (the builds under test are synchronous). */
const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

let root = '';
let builds = 0;
let duringBuild: () => void = () => {};

/** src/ (a folder) and config.json build into out/a.txt and out/b.txt. */
function target(): BuildTarget {
  return {
    name: 'test output',
    root,
    outputs: ['out/a.txt', 'out/b.txt'],
    sources: ['src', 'config.json', 'absent.json'],
    build: () => {
      builds++;
      duringBuild();
      mkdirSync(join(root, 'out'), { recursive: true });
      writeFileSync(join(root, 'out/a.txt'), 'a');
      writeFileSync(join(root, 'out/b.txt'), 'b');
    },
  };
}

/** Sets `file`'s modification time `seconds` from now. */
function touch(file: string, seconds = 0): void {
  const t = Date.now() / 1000 + seconds;
  utimesSync(join(root, file), t, t);
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tally-fresh-'));
  mkdirSync(join(root, 'src/deep'), { recursive: true });
  writeFileSync(join(root, 'src/deep/a.ts'), '');
  writeFileSync(join(root, 'config.json'), '{}');
  builds = 0;
  duringBuild = () => {};
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('isStale', () => {
  it('is stale while an output is missing', () => {
    expect(isStale(target())).toBe(true);
    ensureFresh(target());
    rmSync(join(root, 'out/b.txt'));
    expect(isStale(target())).toBe(true);
  });

  it('is fresh after a build (a source that does not exist is ignored), and stale again when a file anywhere under a source folder changes', () => {
    ensureFresh(target());
    expect(isStale(target())).toBe(false);
    touch('src/deep/a.ts', 5);
    expect(isStale(target())).toBe(true);
  });

  it('is stale when a source file changes', () => {
    ensureFresh(target());
    touch('config.json', 5);
    expect(isStale(target())).toBe(true);
  });
});

describe('ensureFresh', () => {
  it('builds only when stale and says how long it took', () => {
    expect(ensureFresh(target())).toBeGreaterThanOrEqual(0);
    expect(builds).toBe(1);
    expect(ensureFresh(target())).toBe(0);
    expect(builds).toBe(1);
  });

  it('dates the outputs to the start of the build, so a source saved while it ran is built next time', () => {
    duringBuild = () => {
      pause(30);
      writeFileSync(join(root, 'src/deep/a.ts'), 'saved during the build');
    };
    const before = Date.now();
    ensureFresh(target());
    expect(statSync(join(root, 'out/a.txt')).mtimeMs).toBeLessThan(before + 30);
    expect(isStale(target())).toBe(true);
  });

  it('throws what the build throws and leaves the target stale', () => {
    duringBuild = () => {
      throw new Error('compile error');
    };
    expect(() => ensureFresh(target())).toThrow('compile error');
    expect(isStale(target())).toBe(true);
  });
});
