import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEVICES_FILE, FileDeviceStore } from '../../relay/auth/FileDeviceStore';
import { toDeviceId } from '../../shared/model/ids';
import { runDeviceStoreTests } from './deviceStoreAcceptance';

const dirs: string[] = [];
const stores: FileDeviceStore[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tally-devices-'));
  dirs.push(dir);
  return dir;
}

async function openStore(dir: string): Promise<FileDeviceStore> {
  const store = await FileDeviceStore.open(dir);
  stores.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

runDeviceStoreTests('FileDeviceStore', async ({ now }) => FileDeviceStore.open(await tempDir(), { now }));

describe('FileDeviceStore on disk', () => {
  it('writes devices.json readable only by its owner and leaves no temp or lock files', async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    await Promise.all([store.claim(toDeviceId('a'), 'u-ann'), store.claim(toDeviceId('b'), 'u-bob')]);
    expect(JSON.parse(await readFile(join(dir, DEVICES_FILE), 'utf8'))).toMatchObject({
      version: 1,
      devices: [
        { device: 'a', user: 'u-ann' },
        { device: 'b', user: 'u-bob' },
      ],
    });
    expect((await stat(join(dir, DEVICES_FILE))).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual([DEVICES_FILE]);
  });

  it('keeps bindings across a reopen (a relay restart)', async () => {
    const dir = await tempDir();
    const first = await openStore(dir);
    await first.claim(toDeviceId('scanner-1'), 'u-ann');
    await first.close();
    const reopened = await openStore(dir);
    expect(reopened.ownerOf('scanner-1')?.user).toBe('u-ann');
    expect((await reopened.claim(toDeviceId('scanner-1'), 'u-bob')).ok).toBe(false);
  });

  it('sees a release made by another process at the next claim', async () => {
    const dir = await tempDir();
    const relay = await openStore(dir);
    await relay.claim(toDeviceId('scanner-1'), 'u-ann');
    const cli = await openStore(dir);
    expect(await cli.release('scanner-1')).toMatchObject({ user: 'u-ann' });
    expect(relay.ownerOf('scanner-1')?.user).toBe('u-ann');
    expect(await relay.claim(toDeviceId('scanner-1'), 'u-bob')).toMatchObject({ ok: true, registered: true });
    expect(relay.ownerOf('scanner-1')?.user).toBe('u-bob');
  });

  it('never lets two processes bind one device to two users', async () => {
    const dir = await tempDir();
    const [one, two] = [await openStore(dir), await openStore(dir)];
    const [a, b] = await Promise.all([one.claim(toDeviceId('scanner-1'), 'u-ann'), two.claim(toDeviceId('scanner-1'), 'u-bob')]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    expect(a.binding.user).toBe(b.binding.user);
  });

  it.each([
    ['not JSON', '{ "version": 1, "devices": ['],
    ['an unknown version', JSON.stringify({ version: 2, devices: [] })],
    ['a bad device id', JSON.stringify({ version: 1, devices: [{ device: 'a b', user: 'u', firstSeenAt: 1 }] })],
    ['a device listed twice', JSON.stringify({ version: 1, devices: [{ device: 'a', user: 'u', firstSeenAt: 1 }, { device: 'a', user: 'v', firstSeenAt: 2 }] })],
  ])('refuses to open a file with %s, naming the problem', async (_what, text) => {
    const dir = await tempDir();
    await writeFile(join(dir, DEVICES_FILE), text);
    await expect(FileDeviceStore.open(dir)).rejects.toThrow(/devices file/);
  });
});
