/**
 * A real, tiny filesystem (tmpfs, mounted as root) that tests can fill to
 * ENOSPC and free again: a full disk without mocks.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface TinyDisk {
  dir: string;
  /** Writes a filler file until the filesystem is full. */
  fill(): Promise<void>;
  /** Deletes the filler. */
  free(): Promise<void>;
  unmount(): Promise<void>;
}

export async function mountTinyDisk(sizeKb = 1024): Promise<TinyDisk> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tally-tinydisk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir]);
  const filler = path.join(dir, 'filler');
  return {
    dir,
    async fill() {
      const fh = await open(filler, 'a');
      const chunk = Buffer.alloc(16 * 1024, 1);
      try {
        for (;;) await fh.write(chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        await fh.close();
      }
    },
    async free() {
      await rm(filler, { force: true });
    },
    async unmount() {
      execFileSync('umount', ['-l', dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
