import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnRelay, type RelayProcess } from '../support/relayProcess';
import { connectRaw } from '../support/rawClient';
import { eventually } from '../support/eventually';
import { openDoc, tryReadFrame } from '../support/muxClient';
import { FIRST_ADMIN_LINK_FILE } from '../../relay/auth/firstAdminLink';

/**
 * The tests run the relay with stdout piped, not a terminal: as a service
 * logging to a file would. The link must then be in a file only the relay's
 * user can read, never in the output.
 */
describe('npm start on an empty data folder, output not a terminal', () => {
  let dir = '';
  let relay: RelayProcess | undefined;
  afterEach(async () => {
    relay?.child.kill('SIGKILL');
    await relay?.exited;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const linkFile = (): string => path.join(dir, FIRST_ADMIN_LINK_FILE);
  /** The link in the file, after checking the file is private and the output does not hold it. */
  async function readLink(r: RelayProcess): Promise<{ link: string; code: string }> {
    // The file is settled before the relay prints that it listens, which spawnRelay waited for.
    expect((await stat(linkFile())).mode & 0o777).toBe(0o600);
    const found = /(http:\/\/\S+\/enrol#code=(\S+))/.exec(await readFile(linkFile(), 'utf8'));
    expect(found).not.toBeNull();
    const [, link, code] = found!;
    await eventually(() => r.output().includes(linkFile()), 5_000, 'the output names the file');
    expect(r.output()).toMatch(/First start/);
    expect(r.output()).not.toContain(code);
    expect(r.output()).not.toContain('enrol#code=');
    return { link: link!, code: code! };
  }
  const enrol = (code: string): Promise<Response> =>
    fetch(`${relay!.url}/api/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
  async function restart(): Promise<RelayProcess> {
    relay!.child.kill('SIGKILL');
    await relay!.exited;
    relay = await spawnRelay(dir);
    return relay;
  }

  it('writes a one-time admin sign-in link to a 0600 file, never to the output, and removes it once used', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-first-'));
    // A leftover readable by everyone is replaced, not reused.
    await writeFile(linkFile(), 'stale\n', { mode: 0o644 });
    relay = await spawnRelay(dir);
    const first = await readLink(relay);
    expect(first.link).toMatch(new RegExp(`^${relay.url}/enrol#code=`));

    // Until the admin signs in, every start writes a fresh link and the older one stops working.
    await restart();
    const { code } = await readLink(relay);
    expect(code).not.toBe(first.code);
    expect((await enrol(first.code)).status).toBe(410);

    const signedIn = await enrol(code);
    expect(signedIn.status).toBe(200);
    const { token, user } = (await signedIn.json()) as { token: string; user: { role: string; name: string } };
    expect(user).toMatchObject({ role: 'admin', name: 'admin' });
    await eventually(() => !existsSync(linkFile()), 5_000, 'the link file removed once used');

    const session = await fetch(`${relay.url}/api/session`, { headers: { authorization: `Bearer ${token}` } });
    expect(await session.json()).toMatchObject({ user: { role: 'admin' }, site: 'main' });
    expect((await enrol(code)).status).toBe(410);

    const c = await connectRaw(`ws://127.0.0.1:${relay.port}/mux?token=${token}&device=laptop`);
    openDoc(c, 'site:main');
    await c.waitFor((m) => (tryReadFrame(m)?.type === 'doc' ? true : undefined));
    c.close();

    // A start that issues no link leaves no link file behind (here, one left by a crash).
    await writeFile(linkFile(), 'left behind\n', { mode: 0o600 });
    await restart();
    expect(existsSync(linkFile())).toBe(false);
    expect(relay.output()).not.toMatch(/First start/);
  });
});
