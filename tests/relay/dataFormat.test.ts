/**
 * The data folder's format: the decision table, and a real folder that is
 * stamped, refused when newer, and backed up before it is migrated.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideFormat, prepareDataFolder } from '../../relay/storage/dataFormat';

describe('decideFormat', () => {
  it.each([
    ['a new, empty folder is stamped', null, false, 1, { kind: 'stamp' }],
    ['a folder with data from before FORMAT existed is format 1: stamped', null, true, 1, { kind: 'stamp' }],
    ['the current format', 1, true, 1, { kind: 'current' }],
    ['an older format is migrated', 1, true, 2, { kind: 'migrate', from: 1 }],
    ['data from before FORMAT, under a relay of format 2, is migrated from 1', null, true, 2, { kind: 'migrate', from: 1 }],
  ] as const)('%s', (_name, found, holdsData, current, decision) => {
    expect(decideFormat(found, holdsData, current)).toEqual(decision);
  });

  it('refuses a newer format, saying what to do', () => {
    const decision = decideFormat(3, true, 1);
    expect(decision.kind).toBe('refuse');
    expect(decision.kind === 'refuse' && decision.reason).toMatch(/newer Tally \(data format 3; this relay reads format 1\)/);
  });
});

describe('prepareDataFolder', () => {
  let dir: string;
  let dataDir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-format-'));
    dataDir = path.join(dir, 'data');
    await import('node:fs/promises').then((fs) => fs.mkdir(dataDir));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const noBackup = async () => {
    throw new Error('no backup expected');
  };

  it('stamps a new folder and leaves a current one as it is', async () => {
    expect(await prepareDataFolder({ dataDir, backup: noBackup })).toEqual({ kind: 'stamp' });
    expect(await readFile(path.join(dataDir, 'FORMAT'), 'utf8')).toBe('tally-data 1\n');
    expect(await prepareDataFolder({ dataDir, backup: noBackup })).toEqual({ kind: 'current' });
  });

  it('refuses to start on a folder of a newer format', async () => {
    await writeFile(path.join(dataDir, 'FORMAT'), 'tally-data 9\n');
    await expect(prepareDataFolder({ dataDir, backup: noBackup })).rejects.toThrow(/written by a newer Tally \(data format 9/);
  });

  it('writes a backup beside an older folder before it migrates it', async () => {
    await writeFile(path.join(dataDir, 'FORMAT'), 'tally-data 1\n');
    const order: string[] = [];
    const decision = await prepareDataFolder({
      dataDir,
      current: 2,
      backup: async (out) => {
        order.push('backup');
        await new Promise<void>((resolve) => out.end('archive', () => resolve()));
      },
      migrations: { 1: async () => void order.push('migrate 1 -> 2') },
    });
    expect(decision).toEqual({ kind: 'migrate', from: 1 });
    expect(order).toEqual(['backup', 'migrate 1 -> 2']);
    expect(await readdir(dir)).toContain('data.before-format-2.tar');
    expect(await readFile(path.join(dataDir, 'FORMAT'), 'utf8')).toBe('tally-data 2\n');
  });
});

describe('the relay process', () => {
  it('will not start on a data folder of a newer format, and says why', async () => {
    const { spawnRelay } = await import('../support/relayProcess');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tally-format-proc-'));
    try {
      await writeFile(path.join(dir, 'FORMAT'), 'tally-data 9\n');
      await expect(spawnRelay(dir)).rejects.toThrow(/exited with 1 before listening[\s\S]*written by a newer Tally \(data format 9/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stamps the folder it starts on', async () => {
    const { spawnRelay } = await import('../support/relayProcess');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tally-format-proc-'));
    try {
      const relay = await spawnRelay(dir);
      relay.child.kill('SIGTERM');
      await relay.exited;
      expect(await readFile(path.join(dir, 'FORMAT'), 'utf8')).toBe('tally-data 1\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
