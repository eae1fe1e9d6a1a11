import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NoticeReads } from '../../shared/model/noticeReads';
import { writeNoticeSeenFrame, writeNoticesHeldFrame } from '../../shared/protocol/muxMessages';
import { eventually } from '../support/eventually';
import { tryReadFrame } from '../support/muxClient';
import { connectRaw, type RawClient } from '../support/rawClient';
import { createSiteUsers, type SiteUser, type SiteUsers } from '../support/siteUsers';
import { startTestRelay, type TestRelay } from '../support/testRelay';

describe('who read a notice: GET /api/notices/<seq>/reads', () => {
  let users: SiteUsers;
  let t: TestRelay;
  let dir: string;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    users = await createSiteUsers();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-notice-reads-'));
    t = await startTestRelay({ dir, users: users.store, notices: { file: path.join(dir, 'notices.log') } });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await t.cleanup();
    await users.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const post = async (who: SiteUser, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${t.relay.url}/api/notices`, { method: 'POST', headers: { authorization: `Bearer ${who.token}`, ...headers }, body: JSON.stringify(body) });
  const issue = async (who: SiteUser, text: string): Promise<number> => {
    const res = await post(who, { kind: 'safety', severity: 'warning', text });
    expect(res.status).toBe(201);
    return ((await res.json()) as { seq: number }).seq;
  };
  const reads = async (who: SiteUser, seq: number | string): Promise<Response> =>
    fetch(`${t.relay.url}/api/notices/${seq}/reads`, { headers: { authorization: `Bearer ${who.token}` } });
  const readsOf = async (seq: number): Promise<NoticeReads> => {
    const res = await reads(users.supervisor, seq);
    expect(res.status).toBe(200);
    return (await res.json()) as NoticeReads;
  };
  /** A device of `who` on /mux, once its status frame arrived. */
  const connect = async (who: SiteUser, device: string, query = ''): Promise<RawClient> => {
    const c = await connectRaw(t.wsUrl(`/mux?token=${who.token}&device=${device}${query}`));
    clients.push(c);
    await c.waitFor((m) => (tryReadFrame(m)?.type === 'status' ? true : undefined));
    return c;
  };
  const pendingOf = (r: NoticeReads, device: string) => r.pending.find((p) => p.device === device);

  it('lists the devices that have not received, received and read a notice, with last contact', async () => {
    // Three devices are enrolled (by connecting once) before the notice.
    for (const [who, device] of [[users.crew, 'ann-phone'], [users.crew2, 'bob-phone'], [users.auditor, 'aud-tab']] as const) (await connect(who, device)).close();
    await eventually(async () => (await readsOf(await issue(users.supervisor, 'probe'))).pending.every((p) => !p.connected), 10_000, 'the probe devices disconnected');

    const seq = await issue(users.supervisor, 'forklift down in aisle 2');
    const ann = await connect(users.crew, 'ann-phone', `&notices=${seq - 1}`);
    const bob = await connect(users.crew2, 'bob-phone', `&notices=${seq}`);
    ann.send(writeNoticesHeldFrame(seq));
    bob.send(writeNoticeSeenFrame(seq));
    await eventually(async () => (await readsOf(seq)).reads.length === 1 && pendingOf(await readsOf(seq), 'ann-phone')?.received === true, 10_000, 'the read and the receipt');

    const r = await readsOf(seq);
    expect(r.seq).toBe(seq);
    expect(r.reads).toEqual([{ user: users.crew2.id, device: 'bob-phone', at: expect.any(Number) }]);
    expect(pendingOf(r, 'bob-phone')).toBeUndefined();
    expect(pendingOf(r, 'ann-phone')).toMatchObject({ user: users.crew.id, received: true, connected: true });
    const aud = pendingOf(r, 'aud-tab');
    expect(aud).toMatchObject({ user: users.auditor.id, received: false, connected: false });
    expect(aud!.lastContact).toBeLessThan(Date.now());
    // Those that have not even received it come first.
    expect(r.pending[0]!.received).toBe(false);
  });

  it('takes no device\'s word beyond the notices that exist, and no frame speaks for another device', async () => {
    const seq = await issue(users.supervisor, 'mind the gap');
    const ann = await connect(users.crew, 'ann-phone');
    ann.send(writeNoticesHeldFrame(seq + 1_000));
    ann.send(writeNoticeSeenFrame(seq));
    await eventually(async () => pendingOf(await readsOf(seq), 'ann-phone') === undefined, 10_000, 'the read');
    const later = await issue(users.supervisor, 'after the claim');
    expect(pendingOf(await readsOf(later), 'ann-phone')).toMatchObject({ received: false });
    expect((await readsOf(seq)).reads).toEqual([{ user: users.crew.id, device: 'ann-phone', at: expect.any(Number) }]);
  });

  it.each([
    ['a crew member', () => users.crew, 403],
    ['an auditor', () => users.auditor, 200],
    ['a supervisor', () => users.supervisor, 200],
  ])('answers %s with %i', async (_who, who, status) => {
    const seq = await issue(users.crew, 'spill');
    expect((await reads(who(), seq)).status).toBe(status);
  });

  it('refuses a missing token, an unknown notice and another method', async () => {
    const seq = await issue(users.crew, 'spill');
    expect((await fetch(`${t.relay.url}/api/notices/${seq}/reads`)).status).toBe(401);
    expect((await reads(users.supervisor, 99_999)).status).toBe(404);
    const wrong = await fetch(`${t.relay.url}/api/notices/${seq}/reads`, { method: 'POST', headers: { authorization: `Bearer ${users.supervisor.token}` } });
    expect(wrong.status).toBe(405);
  });

  it('keeps what each device received across a restart (notice-receipts.json)', async () => {
    const seq = await issue(users.supervisor, 'drill at noon');
    const ann = await connect(users.crew, 'ann-phone');
    ann.send(writeNoticesHeldFrame(seq));
    await eventually(async () => pendingOf(await readsOf(seq), 'ann-phone')?.received === true, 10_000, 'the receipt');
    ann.close();
    await eventually(async () => pendingOf(await readsOf(seq), 'ann-phone')?.connected === false, 10_000, 'the disconnect');
    await t.restart();
    expect(pendingOf(await readsOf(seq), 'ann-phone')).toMatchObject({ received: true, connected: false });
    const file = JSON.parse(await readFile(path.join(dir, 'notice-receipts.json'), 'utf8')) as { devices: Record<string, { held: number }> };
    expect(file.devices['ann-phone']!.held).toBeGreaterThanOrEqual(seq);
  });
});

describe('POST /api/notices with an Idempotency-Key', () => {
  let users: SiteUsers;
  let t: TestRelay;
  let dir: string;

  beforeAll(async () => {
    users = await createSiteUsers();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-notice-keys-'));
    t = await startTestRelay({ dir, users: users.store, notices: { file: path.join(dir, 'notices.log') } });
  });
  afterAll(async () => {
    await t.cleanup();
    await users.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (who: SiteUser, body: unknown, key?: string): Promise<Response> =>
    fetch(`${t.relay.url}/api/notices`, { method: 'POST', headers: { authorization: `Bearer ${who.token}`, ...(key && { 'idempotency-key': key }) }, body: JSON.stringify(body) });
  const count = async (): Promise<number> =>
    ((await (await fetch(`${t.relay.url}/api/notices?since=0`, { headers: { authorization: `Bearer ${users.auditor.token}` } })).json()) as { notices: unknown[] }).notices.length;

  it('stores a notice once however often it is retried with its key, also after a restart and after its hold was released', async () => {
    const hold = { kind: 'hold', item: 'X-100', lot: 'L-7', text: 'recall' };
    const answers = await Promise.all([1, 2, 3].map(() => post(users.supervisor, hold, 'sue-laptop:41')));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    const seqs = await Promise.all(answers.map(async (a) => ((await a.json()) as { seq: number }).seq));
    expect(new Set(seqs).size).toBe(1);
    const release = { kind: 'release', hold: seqs[0], text: 'fine' };
    const released = ((await (await post(users.supervisor, release, 'sue-laptop:42')).json()) as { seq: number }).seq;
    await t.restart();
    // The release's retry answers its seq, not "not an active hold".
    const again = await post(users.supervisor, release, 'sue-laptop:42');
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual({ seq: released });
    expect(await count()).toBe(2);
  });

  it('keeps keys per user: the same key from someone else is a new notice', async () => {
    const before = await count();
    const alert = { kind: 'safety', severity: 'info', text: 'drill' };
    const a = (await (await post(users.crew, alert, 'k-1')).json()) as { seq: number };
    const b = (await (await post(users.crew2, alert, 'k-1')).json()) as { seq: number };
    expect(a.seq).not.toBe(b.seq);
    expect(await count()).toBe(before + 2);
  });

  it.each([['a key with spaces', 'a b'], ['a key too long', 'k'.repeat(101)]])('refuses %s with 400', async (_what, key) => {
    const res = await post(users.crew, { kind: 'safety', severity: 'info', text: 'x' }, key);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/Idempotency-Key/);
  });
});
