/**
 * SIGKILL at any moment loses nothing acknowledged: a child process appends
 * and compacts through a LevelDocStore and is killed mid-stream, several
 * rounds in a row; every line it saw acknowledged must be in the store, once.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LevelDocStore } from '../../relay/storage/LevelDocStore';
import { makeTempDir } from './support/tempDir';
import { linesOf } from './support/yjsUpdates';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const writerScript = join(here, 'fixtures', 'crashWriter.ts');

/** Runs the writer on `dir` until it has reported `acks` acknowledgements, then SIGKILLs it. */
async function writeUntilKilled(dir: string, round: number, acks: number): Promise<Map<string, string[]>> {
  const child = spawn(process.execPath, ['--import', 'tsx', writerScript, dir, String(round)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acked = new Map<string, string[]>();
  let count = 0;
  let partial = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const [kind, doc, id] = line.split(' ');
      if (kind !== 'ack' || !doc || !id) continue;
      acked.set(doc, [...(acked.get(doc) ?? []), id]);
      if (++count === acks) child.kill('SIGKILL');
    }
  });
  const signal = await exited;
  if (signal !== 'SIGKILL') throw new Error(`writer exited before it was killed: ${stderr}`);
  return acked;
}

describe('LevelDocStore killed mid-stream', () => {
  let remove: () => Promise<void> = async () => {};
  afterEach(async () => remove());

  it('keeps every acknowledged line, once, across three kills', async () => {
    const temp = await makeTempDir('crash');
    remove = temp.remove;
    const acked = new Map<string, string[]>();
    for (let round = 1; round <= 3; round++) {
      for (const [doc, ids] of await writeUntilKilled(temp.dir, round, 1500)) {
        acked.set(doc, [...(acked.get(doc) ?? []), ...ids]);
      }
    }

    const store = await LevelDocStore.open(temp.dir);
    try {
      expect(acked.size).toBe(4);
      for (const [doc, ids] of acked) {
        const lines = linesOf(await store.load(doc));
        const stored = new Set(lines);
        expect(stored.size).toBe(lines.length);
        const missing = ids.filter((id) => !stored.has(id));
        expect(missing).toEqual([]);
      }
    } finally {
      await store.close();
    }
  }, 60_000);
});
