import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileUserStore, USERS_FILE } from '../../relay/auth/FileUserStore';
import { bootstrapAdminIfEmpty } from '../../relay/cli/users';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function dataDir(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'tally-boot-')), 'data');
  dirs.push(dir);
  return dir;
}

const codeOf = (path: string) => path.replace('/enrol#code=', '');

async function redeem(dir: string, code: string) {
  const store = await FileUserStore.open(dir, { watch: false });
  try {
    return await store.redeemEnrolment(code);
  } finally {
    await store.close();
  }
}

describe('bootstrapAdminIfEmpty', () => {
  it('creates the data folder, an admin and a sign-in link whose code is stored only hashed', async () => {
    const dir = await dataDir();
    const boot = await bootstrapAdminIfEmpty(dir);
    expect(boot?.path).toMatch(/^\/enrol#code=[A-Za-z0-9_-]{43}$/);
    expect(boot?.user).toMatchObject({ name: 'admin', role: 'admin' });
    const file = await readFile(join(dir, USERS_FILE), 'utf8');
    expect(file).not.toContain(codeOf(boot?.path as string));
  });

  it('gives a fresh link on each start until the admin signs in, then nothing', async () => {
    const dir = await dataDir();
    const first = await bootstrapAdminIfEmpty(dir);
    const second = await bootstrapAdminIfEmpty(dir);
    expect(second?.path).not.toBe(first?.path);
    expect(await redeem(dir, codeOf(first?.path as string))).toBeNull();
    const signedIn = await redeem(dir, codeOf(second?.path as string));
    expect(signedIn?.user.role).toBe('admin');
    expect(await bootstrapAdminIfEmpty(dir)).toBeNull();
  });

  it('honours the expiry it was given', async () => {
    const dir = await dataDir();
    const boot = await bootstrapAdminIfEmpty(dir, { ttlMs: 1_000, now: () => 5_000 });
    expect(boot?.expiresAt).toBe(6_000);
  });
});
