/**
 * syncedWriteStream (relay/backup/syncedWriteStream.ts): what a backup is
 * written through. The file holds exactly what was written, across many
 * syncs; a write into a folder that does not exist fails the stream.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { syncedWriteStream } from '../../relay/backup/syncedWriteStream';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

describe('syncedWriteStream', () => {
  it.each([
    ['nothing', 0, 1024],
    ['less than one sync', 1000, 4096],
    ['many syncs, chunks not aligned to them', 300_000, 4096],
  ])('writes %s whole', async (_what, bytes, syncEvery) => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-synced-'));
    const data = randomBytes(bytes);
    const chunks = Array.from({ length: Math.ceil(bytes / 7_777) }, (_, i) => data.subarray(i * 7_777, (i + 1) * 7_777));
    const file = path.join(dir, 'archive.tar');
    await pipeline(Readable.from(chunks), syncedWriteStream(file, syncEvery));
    expect(Buffer.compare(await readFile(file), data)).toBe(0);
  });

  it('fails the stream when the file cannot be created', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-synced-'));
    await expect(pipeline(Readable.from([Buffer.from('x')]), syncedWriteStream(path.join(dir, 'missing', 'archive.tar')))).rejects.toThrow(/ENOENT/);
  });
});
