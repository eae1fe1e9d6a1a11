/**
 * A real FileUserStore in a temp folder with one user per role, for relay
 * tests that need tokens.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileUserStore } from '../../relay/auth/FileUserStore';
import type { Role } from '../../shared/auth/roles';

export interface SiteUser {
  id: string;
  name: string;
  role: Role;
  token: string;
}

export interface SiteUsers {
  store: FileUserStore;
  dir: string;
  crew: SiteUser;
  crew2: SiteUser;
  supervisor: SiteUser;
  auditor: SiteUser;
  cleanup(): Promise<void>;
}

export async function createSiteUsers(): Promise<SiteUsers> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tally-users-'));
  const store = await FileUserStore.open(dir, { pollMs: 100 });
  const add = async (name: string, role: Role): Promise<SiteUser> => {
    const { user, token } = await store.add({ name, role });
    return { id: user.id, name: user.name, role, token };
  };
  return {
    store,
    dir,
    crew: await add('ann', 'crew'),
    crew2: await add('bob', 'crew'),
    supervisor: await add('sue', 'supervisor'),
    auditor: await add('aud', 'auditor'),
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
