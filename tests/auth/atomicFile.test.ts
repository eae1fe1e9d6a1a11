import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileLockTimeout, withFileLock, writeFileAtomic } from '../../relay/auth/atomicFile';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tally-atomic-'));
  dirs.push(dir);
  return dir;
}

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temp file behind', async () => {
    const dir = await tempDir();
    const path = join(dir, 'f.json');
    await writeFile(path, 'old');
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['f.json']);
  });

  it('fails cleanly when the folder is missing', async () => {
    const dir = await tempDir();
    await expect(writeFileAtomic(join(dir, 'nope', 'f.json'), 'x')).rejects.toThrow(/ENOENT/);
  });
});

describe('withFileLock', () => {
  it('runs one holder at a time', async () => {
    const lock = join(await tempDir(), 'l.lock');
    const order: string[] = [];
    const hold = (name: string) =>
      withFileLock(lock, async () => {
        order.push(`${name} in`);
        await new Promise((r) => setImmediate(r));
        order.push(`${name} out`);
      });
    await Promise.all([hold('a'), hold('b'), hold('c')]);
    for (let i = 0; i < order.length; i += 2) expect(order[i + 1]).toBe(order[i]?.replace('in', 'out'));
  });

  it('gives up with FileLockTimeout while a live holder keeps the lock', async () => {
    const lock = join(await tempDir(), 'l.lock');
    await writeFile(lock, 'someone else\n');
    await expect(withFileLock(lock, async () => 1, { timeoutMs: 100 })).rejects.toBeInstanceOf(FileLockTimeout);
  });

  it('releases the lock when the holder throws', async () => {
    const dir = await tempDir();
    const lock = join(dir, 'l.lock');
    await expect(withFileLock(lock, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await readdir(dir)).toEqual([]);
  });
});
