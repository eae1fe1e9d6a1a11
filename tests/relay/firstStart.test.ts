import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnRelay, type RelayProcess } from '../support/relayProcess';
import { connectRaw } from '../support/rawClient';
import { openDoc, tryReadFrame } from '../support/muxClient';

describe('npm start on an empty data folder', () => {
  let dir = '';
  let relay: RelayProcess | undefined;
  afterEach(async () => {
    relay?.child.kill('SIGKILL');
    await relay?.exited;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints a one-time admin sign-in link that enrols a device once', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-first-'));
    relay = await spawnRelay(dir);
    const deadline = Date.now() + 10_000;
    while (!/enrol#code=/.test(relay.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const link = /(http:\/\/\S+\/enrol#code=(\S+))/.exec(relay.output());
    expect(link).not.toBeNull();
    expect(relay.output()).toMatch(/First start/);
    const code = link![2]!;

    const enrol = (): Promise<Response> =>
      fetch(`${relay!.url}/api/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    const first = await enrol();
    expect(first.status).toBe(200);
    const { token, user } = (await first.json()) as { token: string; user: { role: string; name: string } };
    expect(user).toMatchObject({ role: 'admin', name: 'admin' });

    const session = await fetch(`${relay.url}/api/session`, { headers: { authorization: `Bearer ${token}` } });
    expect(await session.json()).toMatchObject({ user: { role: 'admin' }, site: 'main' });
    expect((await enrol()).status).toBe(410);

    const c = await connectRaw(`ws://127.0.0.1:${relay.port}/mux?token=${token}&device=laptop`);
    openDoc(c, 'site:main');
    await c.waitFor((m) => (tryReadFrame(m)?.type === 'doc' ? true : undefined));
    c.close();
  });
});
