/**
 * The throttled, atomically replaced JSON file behind device-sightings.json
 * and notice-receipts.json (relay/storage/ThrottledJsonFile.ts), on a real
 * temp folder: writes coalesced, close() writes what is pending, a failed
 * write told and tried again, and the file whole JSON at every moment, even
 * when its writer is SIGKILLed.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ThrottledJsonFile, type ThrottledJsonFileOptions } from '../../relay/storage/ThrottledJsonFile';
import { eventually } from '../support/eventually';
import { makeTempDir } from './support/tempDir';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const writerScript = join(here, 'fixtures', 'jsonFileWriter.ts');

/** A file whose content is `{ n }`, counting how often it was asked for (once per write). */
function counted(path: string, options: Partial<ThrottledJsonFileOptions> = {}) {
  const state = { n: 0, snapshots: 0, errors: [] as unknown[] };
  const file = new ThrottledJsonFile({
    path,
    delayMs: 60_000,
    snapshot: () => {
      state.snapshots++;
      return { n: state.n };
    },
    onError: (err) => state.errors.push(err),
    ...options,
  });
  return { file, state };
}

const readText = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '');

describe('ThrottledJsonFile', () => {
  let dir: string;
  let path: string;
  let remove: () => Promise<void> = async () => {};
  beforeEach(async () => {
    ({ dir, remove } = await makeTempDir('jsonfile'));
    path = join(dir, 'status.json');
  });
  afterEach(async () => remove());

  describe('schedule', () => {
    it('writes once when the delay is over, however many schedules came meanwhile, the content as it is then', async () => {
      const { file, state } = counted(path, { delayMs: 20 });
      for (let i = 0; i < 20; i++) {
        state.n = i + 1;
        file.schedule();
      }
      await eventually(async () => (await readText(path)) !== '', 5_000, 'the write');
      expect(await readFile(path, 'utf8')).toBe('{"n":20}\n');
      expect(state.snapshots).toBe(1);

      state.n = 21;
      file.schedule();
      await eventually(async () => (await readText(path)) === '{"n":21}\n', 5_000, 'the second write');
      expect(state.snapshots).toBe(2);
      await file.close();
      expect(state.errors).toEqual([]);
    });

    it('writes nothing before the delay is over', async () => {
      const { file, state } = counted(path);
      state.n = 1;
      file.schedule();
      await expect(readFile(path, 'utf8')).rejects.toThrow(/ENOENT/);
      expect(state.snapshots).toBe(0);
      await file.close();
    });
  });

  describe('flush', () => {
    it('writes what is scheduled now, and nothing when nothing is', async () => {
      const { file, state } = counted(path);
      await file.flush();
      await expect(readFile(path, 'utf8')).rejects.toThrow(/ENOENT/);
      state.n = 3;
      file.schedule();
      file.schedule();
      await file.flush();
      expect(await readFile(path, 'utf8')).toBe('{"n":3}\n');
      expect(state.snapshots).toBe(1);
      await file.flush();
      expect(state.snapshots).toBe(1);
      await file.close();
    });
  });

  describe('close', () => {
    it('writes what is pending, then stops writing', async () => {
      const { file, state } = counted(path);
      state.n = 5;
      file.schedule();
      await file.close();
      expect(await readFile(path, 'utf8')).toBe('{"n":5}\n');

      state.n = 6;
      file.schedule();
      await file.flush();
      expect(await readFile(path, 'utf8')).toBe('{"n":5}\n');
      expect(state.snapshots).toBe(1);
    });

    it('writes nothing when nothing is pending', async () => {
      const { file, state } = counted(path);
      await file.close();
      await expect(readFile(path, 'utf8')).rejects.toThrow(/ENOENT/);
      expect(state.snapshots).toBe(0);
    });
  });

  describe('a failed write', () => {
    it('is told to onError and tried again after the delay until it succeeds', async () => {
      const nested = join(dir, 'later', 'status.json');
      const { file, state } = counted(nested, { delayMs: 10 });
      state.n = 7;
      file.schedule();
      await eventually(() => state.errors.length >= 2, 5_000, 'two failed tries');
      expect(state.errors.every((err) => (err as NodeJS.ErrnoException).code === 'ENOENT')).toBe(true);
      await mkdir(join(dir, 'later'));
      await eventually(async () => (await readText(nested)) === '{"n":7}\n', 5_000, 'the write once the folder exists');
      await file.close();
      expect(await readdir(join(dir, 'later'))).toEqual(['status.json']);
    });

    it('is not tried again after close', async () => {
      const nested = join(dir, 'later', 'status.json');
      const { file, state } = counted(nested);
      file.schedule();
      await file.close();
      expect(state.errors).toHaveLength(1);
      await mkdir(join(dir, 'later'));
      // A retry would be a scheduled write, which flush() would do now.
      await file.flush();
      expect(state.snapshots).toBe(1);
      await expect(readFile(nested, 'utf8')).rejects.toThrow(/ENOENT/);
    });
  });

  describe('the file on disk', () => {
    it('is whole JSON whenever it is read while being rewritten, and no temp file is left', async () => {
      const pad = 'x'.repeat(200_000);
      let n = 0;
      let writes = 0;
      const file = new ThrottledJsonFile({
        path,
        delayMs: 0,
        snapshot: () => {
          writes++;
          return { n, pad };
        },
        onError: (err) => {
          throw err;
        },
      });
      let reads = 0;
      while (writes < 40) {
        n++;
        file.schedule();
        const text = await readText(path);
        if (text === '') continue;
        const value = JSON.parse(text) as { n: number; pad: string };
        expect(value.pad).toBe(pad);
        reads++;
      }
      await file.close();
      expect(reads).toBeGreaterThan(0);
      expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ n, pad });
      expect(await readdir(dir)).toEqual(['status.json']);
    });

    it('holds, whole, at least the last write flush() reported, after its writer is SIGKILLed', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', writerScript, path], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      let written = 0;
      let partial = '';
      child.stdout.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop()!;
        for (const line of lines) written = Math.max(written, Number(/^wrote (\d+)$/.exec(line)?.[1] ?? 0));
        if (written >= 30) child.kill('SIGKILL');
      });
      expect(await exited, stderr).toBe('SIGKILL');
      const value = JSON.parse(await readFile(path, 'utf8')) as { n: number; pad: string };
      expect(value.n).toBeGreaterThanOrEqual(written);
      expect(value.pad).toHaveLength(200_000);
    });
  });
});
