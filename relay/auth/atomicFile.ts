/**
 * Durable replacement of a small file that another process may read or
 * write at the same time (the relay and the users CLI share users.json).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `path` with `content` so a reader sees the old or the new file,
 * never a partial one, and the new one survives a power cut: write a temp
 * file beside it, fsync it, rename over, fsync the directory (the rename
 * itself lives in the directory).
 */
export async function writeFileAtomic(path: string, content: string, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows) cannot fsync a directory; the rename still happened.
    if ((error as NodeJS.ErrnoException).code !== 'EISDIR' && (error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
  } finally {
    await handle.close();
  }
}

/** Options of `withFileLock`. */
export interface FileLockOptions {
  /** Give up after this long (ms). Default 5000. */
  timeoutMs?: number;
  /** A lock older than this (ms) is taken to be left by a crashed process. Default 10000. */
  staleMs?: number;
}

/** Thrown when the lock could not be taken in time. */
export class FileLockTimeout extends Error {
  override name = 'FileLockTimeout';
}

/**
 * Runs `fn` while holding `lockPath`, a file created exclusively. Holders
 * keep it for milliseconds (read, change, write), so waiting is short and a
 * lock much older than that was left behind by a crash and is removed.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const staleMs = options.staleMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(lockPath, `${process.pid} ${new Date().toISOString()}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > staleMs) {
      await unlink(lockPath).catch(() => {});
      continue;
    }
    if (Date.now() > deadline) throw new FileLockTimeout(`${lockPath} is held by another process (waited ${timeoutMs} ms)`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(100, 10 * 2 ** Math.min(attempt, 4)) + Math.random() * 10));
  }
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => {});
  }
}
