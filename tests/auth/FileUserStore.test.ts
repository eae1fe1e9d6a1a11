import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { User } from '../../relay/auth/UserStore';
import { FileUserStore, USERS_FILE, type FileUserStoreOptions } from '../../relay/auth/FileUserStore';
import { hashToken } from '../../relay/auth/tokens';
import { runUserStoreTests } from './userStoreAcceptance';

const dirs: string[] = [];
const stores: FileUserStore[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tally-users-'));
  dirs.push(dir);
  return dir;
}

async function openStore(dir: string, options: FileUserStoreOptions = {}): Promise<FileUserStore> {
  const store = await FileUserStore.open(dir, options);
  stores.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Resolves with the first user list `store` reports that satisfies `test`; fails after `ms`. */
function nextChange(store: FileUserStore, test: (users: readonly User[]) => boolean, ms = 5_000): Promise<readonly User[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching change within ${ms} ms`));
    }, ms);
    const off = store.onChange((users) => {
      if (!test(users)) return;
      clearTimeout(timer);
      off();
      resolve(users);
    });
  });
}

runUserStoreTests('FileUserStore', async ({ now }) => FileUserStore.open(await tempDir(), { now }));

describe('FileUserStore on disk', () => {
  it('stores only the SHA-256 of each token, readable only by its owner, and leaves no temp or lock files', async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    const { user, token } = await store.add({ name: 'ann', role: 'crew' });
    const text = await readFile(join(dir, USERS_FILE), 'utf8');
    expect(text).not.toContain(token);
    expect(JSON.parse(text)).toMatchObject({ version: 1, users: [{ id: user.id, name: 'ann', role: 'crew', tokenHash: hashToken(token) }] });
    expect((await stat(join(dir, USERS_FILE))).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual([USERS_FILE]);
  });

  it('reads what another instance wrote when opened', async () => {
    const dir = await tempDir();
    const writer = await openStore(dir, { watch: false });
    const { token } = await writer.add({ name: 'ann', role: 'supervisor' });
    const reader = await openStore(dir, { watch: false });
    expect(reader.authenticate(token)?.role).toBe('supervisor');
  });

  it.each([
    ['fs.watch', { pollMs: 60_000 }],
    ['the poll fallback alone', { fsWatch: false, pollMs: 200 }],
  ])('notices a revocation by another process through %s', async (_how, options) => {
    const dir = await tempDir();
    const relay = await openStore(dir, options);
    const cli = await openStore(dir, { watch: false });
    const added = nextChange(relay, (users) => users.length === 1);
    const { user, token } = await cli.add({ name: 'ann', role: 'crew' });
    await added;
    expect(relay.authenticate(token)?.id).toBe(user.id);
    const revoked = nextChange(relay, (users) => users[0]?.revokedAt !== undefined);
    await cli.revoke('ann');
    await revoked;
    expect(relay.authenticate(token)).toBeNull();
  });

  it('keeps serving the last good users when the file is broken by hand, and recovers when fixed', async () => {
    const dir = await tempDir();
    const errors: Error[] = [];
    const relay = await openStore(dir, { pollMs: 100, onError: (e) => errors.push(e) });
    const { token } = await relay.add({ name: 'ann', role: 'crew' });
    const good = await readFile(join(dir, USERS_FILE), 'utf8');
    await writeFile(join(dir, USERS_FILE), '{ "version": 1, "users": [', 'utf8');
    await expect.poll(() => errors.length, { timeout: 5_000 }).toBeGreaterThan(0);
    expect(errors[0]?.message).toMatch(/not valid JSON/);
    expect(relay.authenticate(token)?.name).toBe('ann');
    const fixed = JSON.parse(good) as { users: { name: string }[] };
    (fixed.users[0] as { name: string }).name = 'Ann B';
    const renamed = nextChange(relay, (users) => users[0]?.name === 'Ann B');
    await writeFile(join(dir, USERS_FILE), JSON.stringify(fixed), 'utf8');
    await renamed;
  });

  it('refuses to open a file it cannot understand, naming the problem', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, USERS_FILE), JSON.stringify({ version: 1, users: [{ id: 'u', name: 'x', role: 'boss' }], enrolments: [] }));
    await expect(FileUserStore.open(dir)).rejects.toThrow(/user 0 needs id, name, role/);
  });

  it('loses no change when two processes write at the same time', async () => {
    const dir = await tempDir();
    const a = await openStore(dir, { watch: false });
    const b = await openStore(dir, { watch: false });
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).add({ name: `user${i}`, role: 'crew' })));
    const reader = await openStore(dir, { watch: false });
    expect(reader.list().map((u) => u.name).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `user${i}`).sort());
  });

  it('takes over a lock left behind by a crashed process', async () => {
    const dir = await tempDir();
    const lock = join(dir, `${USERS_FILE}.lock`);
    await writeFile(lock, '999999 crashed\n');
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    const store = await openStore(dir, { watch: false });
    await expect(store.add({ name: 'ann', role: 'crew' })).resolves.toBeDefined();
  });

  it('close() stops watching: no more change reports', async () => {
    const dir = await tempDir();
    const relay = await openStore(dir, { pollMs: 50 });
    let reports = 0;
    relay.onChange(() => reports++);
    await relay.close();
    const cli = await openStore(dir, { watch: false });
    await cli.add({ name: 'ann', role: 'crew' });
    expect(await relay.refresh()).toBe(false);
    expect(reports).toBe(0);
  });
});
