/** What the health page's figures are made of, from their sources (the route's own test is siteHealth.test.ts). */
import { mkdtemp, rm, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectSiteHealth, diskSpace, type SiteHealthSources } from '../../relay/health/siteHealth';
import { RecentRefusals } from '../../relay/health/RecentRefusals';
import type { Principal } from '../../relay/net/Principal';

const NOW = 10_000_000;
const principal = (user: string, name: string, device: string | null): Principal => ({ user, name, device, role: 'crew', mayWrite: true, open: false });
const sources = (patch: Partial<SiteHealthSources> = {}): SiteHealthSources => ({
  version: '1.2.3',
  startedAt: NOW - 90_000,
  storage: () => ({ ok: true, pendingWrites: 0 }),
  dataDir: undefined,
  lastBackupAt: undefined,
  devices: () => [],
  otherConnections: () => 0,
  refusals: new RecentRefusals(),
  now: () => NOW,
  ...patch,
});

describe('collectSiteHealth', () => {
  it.each<[string, SiteHealthSources['lastBackupAt'], unknown]>([
    ['backups not scheduled', undefined, { scheduled: false }],
    ['scheduled, none good yet', () => null, { scheduled: true, lastAgeSeconds: null }],
    ['scheduled, the last good one two hours ago', () => NOW - 7_200_000, { scheduled: true, lastAgeSeconds: 7_200 }],
  ])('%s', async (_what, lastBackupAt, backups) => {
    expect((await collectSiteHealth(sources({ lastBackupAt }))).backups).toEqual(backups);
  });

  it('says when storage fails and since when, with the writes waiting', async () => {
    const h = await collectSiteHealth(sources({ storage: () => ({ ok: false, lastError: 'ENOSPC: no space left on device', pendingWrites: 4, failingSince: NOW - 5_000 }) }));
    expect(h.storage).toEqual({ ok: false, lastError: 'ENOSPC: no space left on device', pendingWrites: 4, failingSince: NOW - 5_000 });
    expect(h).toMatchObject({ version: '1.2.3', uptimeSeconds: 90, at: NOW });
  });

  it('lists devices by user name then device, with what they reported', async () => {
    const conn = (p: Principal, heardAt: number) => ({ principal: p, connectedAt: NOW - 60_000, heardAt, report: null, reportedAt: null });
    const h = await collectSiteHealth(
      sources({ devices: () => [conn(principal('u2', 'Zoe', 'z-1'), NOW - 1), conn(principal('u1', 'Ana', 'b'), NOW - 2), conn(principal('u1', 'Ana', 'a'), NOW - 3)], otherConnections: () => 2 }),
    );
    expect(h.devices.map((d) => `${d.userName}/${d.device}@${NOW - d.lastContactAt}`)).toEqual(['Ana/a@3', 'Ana/b@2', 'Zoe/z-1@1']);
    expect(h.otherConnections).toBe(2);
  });
});

describe('diskSpace', () => {
  it("reads the free and total bytes of the folder's disk, and says why when it cannot", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tally-disk-'));
    try {
      const s = await statfs(dir);
      expect(await diskSpace(dir)).toEqual({ freeBytes: expect.any(Number), totalBytes: s.blocks * s.bsize, error: null });
      expect(await diskSpace(path.join(dir, 'gone'))).toMatchObject({ freeBytes: null, error: expect.stringMatching(/ENOENT/) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
