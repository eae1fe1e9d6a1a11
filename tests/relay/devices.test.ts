/**
 * A device id belongs to one user: the relay binds it at enrolment or on
 * first use, refuses it to everyone else at the door (4403), keeps the
 * binding across restarts, and frees it only when an admin releases it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectRaw, type RawClient } from '../support/rawClient';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { createSiteUsers, type SiteUsers } from '../support/siteUsers';
import { tryReadFrame } from '../support/muxClient';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { DEVICES_FILE } from '../../relay/auth/FileDeviceStore';
import { runUsersCli, ExitCode } from '../../relay/cli/users';
import { signIn, SignInError } from '../../client/app/lib/session';

describe('device ownership', () => {
  let users: SiteUsers;
  let t: TestRelay;
  const clients: RawClient[] = [];
  const connect = async (token: string, device?: string, endpoint = '/mux'): Promise<RawClient> => {
    const query = new URLSearchParams({ token });
    if (device !== undefined) query.set('device', device);
    const c = await connectRaw(t.wsUrl(`${endpoint}?${query.toString()}`));
    clients.push(c);
    return c;
  };
  /** Resolves once the relay admitted the mux socket (its first status frame). */
  const admitted = (c: RawClient): Promise<true> => c.waitFor((m) => (tryReadFrame(m)?.type === 'status' ? true : undefined));
  const bindings = async (): Promise<{ device: string; user: string }[]> =>
    (JSON.parse(await readFile(path.join(t.dir, DEVICES_FILE), 'utf8')) as { devices: { device: string; user: string }[] }).devices;
  const enrol = (body: unknown): Promise<Response> => fetch(`${t.relay.url}/api/enrol`, { method: 'POST', body: JSON.stringify(body) });

  beforeEach(async () => {
    users = await createSiteUsers();
    t = await startTestRelay({ users: users.store });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await t.cleanup();
    await users.cleanup();
  });

  it("closes crew B naming crew A's device with 4403 at the door; A still connects", async () => {
    await admitted(await connect(users.crew.token, 'scanner-a'));
    const forger = await connect(users.crew2.token, 'scanner-a');
    expect(await forger.closed).toEqual({ code: CloseCode.forbidden.code, reason: 'device scanner-a is enrolled to another user' });
    expect(forger.received).toEqual([]);
    expect(t.logs).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'refused a device enrolled to another user', obj: expect.objectContaining({ user: users.crew2.id, device: 'scanner-a', owner: users.crew.id }) }),
    );
    const perDoc = await connect(users.crew2.token, 'scanner-a', '/sync/record:R1');
    expect((await perDoc.closed).code).toBe(CloseCode.forbidden.code);
    await admitted(await connect(users.crew.token, 'scanner-a'));
  });

  it('has the binding on disk before the first connection naming the device is admitted', async () => {
    await admitted(await connect(users.crew.token, 'scanner-a'));
    expect(await bindings()).toEqual([expect.objectContaining({ device: 'scanner-a', user: users.crew.id })]);
  });

  it('keeps the binding across a relay restart', async () => {
    await admitted(await connect(users.crew.token, 'scanner-a'));
    await t.restart();
    const forger = await connect(users.crew2.token, 'scanner-a');
    expect((await forger.closed).code).toBe(CloseCode.forbidden.code);
    await admitted(await connect(users.crew.token, 'scanner-a'));
  });

  it("keeps a revoked user's device bound to them", async () => {
    await admitted(await connect(users.crew.token, 'scanner-a'));
    await users.store.revoke(users.crew.id);
    const forger = await connect(users.crew2.token, 'scanner-a');
    expect((await forger.closed).code).toBe(CloseCode.forbidden.code);
  });

  it.each([
    ['no device', undefined],
    ['an empty device', ''],
    ['a device id with a space', 'scanner a'],
    ['a device id with a colon', 'scanner:1'],
    ['a device id of 65 characters', 'd'.repeat(65)],
  ])('admits a connection with %s to read, as no device, and binds nothing', async (_what, device) => {
    await admitted(await connect(users.crew.token, device));
    await expect(readFile(path.join(t.dir, DEVICES_FILE))).rejects.toThrow(/ENOENT/);
  });

  it('binds a device named at enrolment; another user enrolling it gets 409 and keeps their link', async () => {
    const ann = await users.store.createEnrolment(users.crew.id);
    const signedIn = await enrol({ code: ann.code, device: 'tablet-1' });
    expect(signedIn.status).toBe(200);
    expect(await bindings()).toEqual([expect.objectContaining({ device: 'tablet-1', user: users.crew.id })]);

    const bob = await users.store.createEnrolment(users.crew2.id);
    const refused = await enrol({ code: bob.code, device: 'tablet-1' });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: string }).error).toMatch(/^device tablet-1 is enrolled to another user: ask an admin to release it/);
    expect((await connect(users.crew2.token, 'tablet-1').then((c) => c.closed)).code).toBe(CloseCode.forbidden.code);
    expect((await enrol({ code: bob.code, device: 'tablet-2' })).status).toBe(200);
  });

  it("the app's sign-in sends its device: the relay binds it, and refuses it to another user in words", async () => {
    const ann = await users.store.createEnrolment(users.crew.id);
    const session = await signIn(t.relay.url, { code: ann.code }, { device: 'phone-7' });
    expect(session.user.id).toBe(users.crew.id);
    expect(await bindings()).toEqual([expect.objectContaining({ device: 'phone-7', user: users.crew.id })]);
    const bob = await users.store.createEnrolment(users.crew2.id);
    const refused = await signIn(t.relay.url, { code: bob.code }, { device: 'phone-7' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SignInError);
    expect((refused as Error).message).toMatch(/^This device \(phone-7\) belongs to another user\. An admin can release it/);
  });

  it('frees a released device for the next user, and closes its previous user there', async () => {
    const ann = await connect(users.crew.token, 'scanner-a');
    await admitted(ann);
    const io = { out: () => {}, err: () => {}, env: {}, cwd: t.dir };
    expect(await runUsersCli(['release-device', 'scanner-a', '--data', t.dir], io)).toBe(ExitCode.ok);
    await admitted(await connect(users.crew2.token, 'scanner-a'));
    expect(await ann.closed).toEqual({ code: CloseCode.forbidden.code, reason: CloseCode.forbidden.reason });
    expect(await bindings()).toEqual([expect.objectContaining({ device: 'scanner-a', user: users.crew2.id })]);
    const back = await connect(users.crew.token, 'scanner-a');
    expect((await back.closed).code).toBe(CloseCode.forbidden.code);
  });
});
