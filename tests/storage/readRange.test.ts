/**
 * readRange against a real LevelDB in a temp folder: every entry of the
 * range, in order, across batch boundaries, and the iterator closed after,
 * also when a read fails.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Level } from 'level';
import { readRange } from '../../relay/storage/readRange';
import { makeTempDir } from './support/tempDir';

describe('readRange', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function openDb(): Promise<Level<string, string>> {
    const { dir, remove } = await makeTempDir('range');
    const db = new Level<string, string>(dir);
    await db.open();
    cleanups.push(async () => {
      await db.close();
      await remove();
    });
    return db;
  }

  const key = (i: number): string => `k!${String(i).padStart(5, '0')}`;

  // Batches are 16, 64, 256, then 1,000: counts around each boundary.
  it.each([0, 1, 15, 16, 17, 80, 81, 336, 337, 1_336, 2_500])('reads all %i entries of a range, in order', async (count) => {
    const db = await openDb();
    await db.batch(Array.from({ length: count }, (_, i) => ({ type: 'put' as const, key: key(i), value: `v${i}` })));
    // Entries outside the range stay out.
    await db.put('a!before', 'x');
    await db.put('z!after', 'x');
    const entries = await readRange(db.iterator({ gte: 'k!', lt: 'k!~' }));
    expect(entries).toEqual(Array.from({ length: count }, (_, i) => [key(i), `v${i}`]));
  });

  it('reads keys in reverse', async () => {
    const db = await openDb();
    await db.batch(Array.from({ length: 40 }, (_, i) => ({ type: 'put' as const, key: key(i), value: 'v' })));
    expect(await readRange(db.keys({ gte: 'k!', lt: 'k!~', reverse: true }))).toEqual(Array.from({ length: 40 }, (_, i) => key(39 - i)));
  });

  it('closes the iterator when it has read everything', async () => {
    const db = await openDb();
    await db.put(key(1), 'v');
    const iterator = db.iterator();
    await readRange(iterator);
    await expect(iterator.next()).rejects.toMatchObject({ code: 'LEVEL_ITERATOR_NOT_OPEN' });
  });

  it('closes the iterator when a read fails, and passes the failure on', async () => {
    const db = await openDb();
    await db.batch(Array.from({ length: 20 }, (_, i) => ({ type: 'put' as const, key: key(i), value: 'v' })));
    const iterator = db.iterator();
    let reads = 0;
    const failing = {
      nextv: async (size: number) => {
        if (++reads === 2) throw new Error('disk went away');
        return iterator.nextv(size);
      },
      close: () => iterator.close(),
    };
    await expect(readRange(failing)).rejects.toThrow('disk went away');
    await expect(iterator.next()).rejects.toMatchObject({ code: 'LEVEL_ITERATOR_NOT_OPEN' });
  });
});
