import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSiteUsers, type SiteUser, type SiteUsers } from '../support/siteUsers';
import { startTestRelay, type TestRelay } from '../support/testRelay';

describe('/api/notices', () => {
  let users: SiteUsers;
  let t: TestRelay;
  let dir: string;

  beforeAll(async () => {
    users = await createSiteUsers();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-notices-http-'));
    t = await startTestRelay({ dir, users: users.store, notices: { file: path.join(dir, 'notices.log') } });
  });
  afterAll(async () => {
    await t.cleanup();
    await users.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (who: SiteUser | null, body: unknown, query = ''): Promise<Response> =>
    fetch(`${t.relay.url}/api/notices${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(who && { authorization: `Bearer ${who.token}` }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const get = (who: SiteUser | null, since: string): Promise<Response> =>
    fetch(`${t.relay.url}/api/notices?since=${since}`, { headers: who ? { authorization: `Bearer ${who.token}` } : {} });
  const answer = async (res: Response): Promise<[number, unknown]> => [res.status, await res.json()];
  const spill = { kind: 'safety', severity: 'danger', text: 'spill in aisle 4', zone: 'aisle 4' };
  const hold = { kind: 'hold', item: 'X-100', lot: 'L-7', bins: ['A-1'], text: 'supplier recall' };

  it('stores notices in order, answers 201 with their seq, and serves the later ones to any role', async () => {
    expect(await answer(await post(users.crew, spill))).toEqual([201, { seq: 1 }]);
    expect(await answer(await post(users.supervisor, hold))).toEqual([201, { seq: 2 }]);
    expect(await answer(await post(users.supervisor, { kind: 'release', hold: 2, text: 'tested fine' }))).toEqual([201, { seq: 3 }]);

    const [status, body] = await answer(await get(users.auditor, '1'));
    expect(status).toBe(200);
    const notices = (body as { notices: { seq: number; user: string; device: string | null; body: unknown; acks: unknown[] }[] }).notices;
    expect(notices.map((n) => [n.seq, n.user, n.device, n.body, n.acks])).toEqual([
      [2, users.supervisor.id, null, hold],
      [3, users.supervisor.id, null, { kind: 'release', hold: 2, text: 'tested fine' }],
    ].map((row) => [...row, []]));
    expect(await answer(await get(users.crew, '3'))).toEqual([200, { notices: [] }]);
  });

  it.each([
    ['no token', null, spill],
    ['a token of no user', { id: 'x', name: 'x', role: 'crew', token: 'not-a-token' } as SiteUser, spill],
  ])('refuses a notice with %s: 401', async (_what, who, body) => {
    expect((await post(who, body)).status).toBe(401);
    expect((await get(who, '0')).status).toBe(401);
  });

  it.each([
    ['an auditor', 'auditor', spill, 'an auditor may not issue notices'],
    ['an auditor', 'auditor', hold, 'an auditor may not issue notices'],
    ['a crew member', 'crew', hold, 'a crew may not issue a hold notice'],
    ['a crew member', 'crew', { kind: 'release', hold: 2, text: 'x' }, 'a crew may not issue a release notice'],
  ] as const)('refuses %s a %j notice: 403', async (_what, role, body, reason) => {
    const stored = async (): Promise<number> => ((await (await get(users.supervisor, '0')).json()) as { notices: unknown[] }).notices.length;
    const before = await stored();
    expect(await answer(await post(users[role], body))).toEqual([403, { error: reason }]);
    expect(await stored()).toBe(before);
  });

  it('refuses a device that is not the caller\'s: 403', async () => {
    expect(await answer(await post(users.crew, spill, '?device=dev-of-nobody'))).toEqual([403, { error: 'device "dev-of-nobody" is not enrolled to you' }]);
  });

  it.each([
    ['text that is not JSON', '{nope', 'body is not JSON'],
    ['no kind', { text: 'x' }, 'kind must be one of safety, hold, release'],
    ['no severity', { kind: 'safety', text: 'x' }, 'severity must be one of danger, warning, info'],
    ['a hold without a lot', { kind: 'hold', item: 'X-100', text: 'x' }, 'lot is required'],
    ['a release of a hold already released', { kind: 'release', hold: 2, text: 'again' }, 'notice 2 is not an active hold'],
    ['a release of a safety alert', { kind: 'release', hold: 1, text: 'x' }, 'notice 1 is not an active hold'],
  ])('refuses %s: 400 with the reason', async (_what, body, reason) => {
    expect(await answer(await post(users.supervisor, body))).toEqual([400, { error: reason }]);
  });

  it('refuses a since that is not a seq: 400', async () => {
    expect(await answer(await get(users.crew, 'soon'))).toEqual([400, { error: 'since must be a seq (a whole number from 0)' }]);
  });

  it('keeps every notice answered 201 across a restart on the same folder', async () => {
    const [, body] = await answer(await post(users.crew2, { kind: 'safety', severity: 'warning', text: 'forklift down in B' }));
    const { seq } = body as { seq: number };
    await t.restart();
    const [, after] = await answer(await get(users.crew, String(seq - 1)));
    expect((after as { notices: { seq: number; user: string }[] }).notices.map((n) => [n.seq, n.user])).toEqual([[seq, users.crew2.id]]);
    expect(await answer(await post(users.crew, spill))).toEqual([201, { seq: seq + 1 }]);
  });
});
