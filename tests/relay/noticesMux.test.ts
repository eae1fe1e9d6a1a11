import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { writeNoticeFrame, writeNoticeSeenFrame, type MuxFrame } from '../../shared/protocol/muxMessages';
import { eventually } from '../support/eventually';
import { openDoc, tryReadFrame } from '../support/muxClient';
import { connectRaw, type RawClient } from '../support/rawClient';
import { createSiteUsers, type SiteUser, type SiteUsers } from '../support/siteUsers';
import { startTestRelay, type TestRelay } from '../support/testRelay';

type NoticeView = { seq: number; user: string; device: string | null; body: { kind: string; text: string }; acks: { user: string; device: string | null }[] };

describe('notices on /mux', () => {
  let users: SiteUsers;
  let t: TestRelay;
  let dir: string;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    users = await createSiteUsers();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-notices-mux-'));
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

  const post = async (who: SiteUser, body: unknown): Promise<number> => {
    const res = await fetch(`${t.relay.url}/api/notices`, { method: 'POST', headers: { authorization: `Bearer ${who.token}` }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { seq: number }).seq;
  };
  const listed = async (since = 0): Promise<NoticeView[]> =>
    ((await (await fetch(`${t.relay.url}/api/notices?since=${since}`, { headers: { authorization: `Bearer ${users.auditor.token}` } })).json()) as { notices: NoticeView[] }).notices;
  const connect = async (who: SiteUser, query: string): Promise<RawClient> => {
    const c = await connectRaw(t.wsUrl(`/mux?token=${who.token}&device=${who.name}-phone${query}`));
    clients.push(c);
    return c;
  };
  const frames = (c: RawClient): MuxFrame[] => c.received.map((m) => tryReadFrame(m)).filter((f): f is MuxFrame => f !== undefined);
  const kinds = (c: RawClient): string[] => frames(c).map((f) => (f.type === 'notice' ? `notice ${f.seq}` : f.type));
  const waitNotice = (c: RawClient, seq: number): Promise<MuxFrame> =>
    c.waitFor((m) => {
      const f = tryReadFrame(m);
      return f?.type === 'notice' && f.seq === seq ? f : undefined;
    });
  const waitDoc = (c: RawClient): Promise<true> => c.waitFor((m) => (tryReadFrame(m)?.type === 'doc' ? true : undefined));
  const spill = (text: string) => ({ kind: 'safety', severity: 'danger', text });

  it('sends the notices after ?notices= right after status, before any document frame, and none without it', async () => {
    const first = await post(users.crew, spill('spill in aisle 4'));
    const second = await post(users.supervisor, { kind: 'hold', item: 'X-100', lot: 'L-7', text: 'recall' });
    const third = await post(users.crew2, spill('forklift down'));

    const device = await connect(users.crew, `&notices=${first}`);
    openDoc(device, 'record:R1'); // at once, as a device does on connect
    await waitDoc(device);
    expect(kinds(device).slice(0, 4)).toEqual(['status', `notice ${second}`, `notice ${third}`, 'doc']);
    const replayed = frames(device).find((f) => f.type === 'notice' && f.seq === second);
    expect(replayed?.type === 'notice' && JSON.parse(replayed.json)).toMatchObject({ seq: second, user: users.supervisor.id, device: null, body: { kind: 'hold', item: 'X-100', lot: 'L-7' } });

    const upToDate = await connect(users.crew2, `&notices=${third}`);
    const noQuery = await connect(users.supervisor, '');
    for (const c of [upToDate, noQuery]) {
      openDoc(c, 'record:R1');
      await waitDoc(c);
      expect(kinds(c).filter((k) => k.startsWith('notice'))).toEqual([]);
    }
  });

  it('sends a new notice to every connected device, whatever its role', async () => {
    const devices = [await connect(users.crew, ''), await connect(users.auditor, ''), await connect(users.supervisor, '&notices=0')];
    for (const c of devices) await c.waitFor((m) => (tryReadFrame(m)?.type === 'status' ? true : undefined));
    const seq = await post(users.crew2, spill('smoke at dock 2'));
    for (const c of devices) {
      const f = await waitNotice(c, seq);
      expect(f.type === 'notice' && JSON.parse(f.json)).toMatchObject({ seq, user: users.crew2.id, body: { kind: 'safety', severity: 'danger', text: 'smoke at dock 2' } });
    }
  });

  it('records a noticeSeen as an acknowledgement of that user and device, ignoring a seq it does not hold', async () => {
    const seq = await post(users.supervisor, spill('wet floor'));
    const device = await connect(users.crew, '');
    device.send(writeNoticeSeenFrame(9_999));
    device.send(writeNoticeSeenFrame(seq));
    await eventually(async () => (await listed(seq - 1))[0]!.acks.length > 0, 10_000, 'the acknowledgement');
    expect((await listed(seq - 1))[0]!.acks).toMatchObject([{ user: users.crew.id, device: `${users.crew.name}-phone` }]);
    expect(t.logs.some((l) => l.msg === 'noticeSeen of a notice the relay does not hold: ignored')).toBe(true);
  });

  it.each([
    ['a notices= that is not a seq', '&notices=latest', CloseCode.malformed.code],
    ['a notices= that is negative', '&notices=-1', CloseCode.malformed.code],
  ])('refuses %s at the door', async (_what, query, code) => {
    const c = await connect(users.crew, query);
    expect((await c.closed).code).toBe(code);
    expect(c.received).toEqual([]);
  });

  it('closes a device that sends a notice frame (relay to device only): notices are issued over HTTP', async () => {
    const before = (await listed()).length;
    const c = await connect(users.supervisor, '');
    c.send(writeNoticeFrame(1, JSON.stringify(spill('forged'))));
    expect((await c.closed).code).toBe(CloseCode.unknownType.code);
    expect((await listed()).length).toBe(before);
  });

  it('keeps every notice answered 201 and every acknowledgement across a restart on the same folder', async () => {
    const seq = await post(users.crew, spill('gas smell in C'));
    const reader = await connect(users.crew2, '');
    reader.send(writeNoticeSeenFrame(seq));
    await eventually(async () => (await listed(seq - 1))[0]!.acks.length > 0, 10_000, 'the acknowledgement');
    await t.restart();
    const device = await connect(users.auditor, `&notices=${seq - 1}`);
    const f = await waitNotice(device, seq);
    expect(f.type === 'notice' && JSON.parse(f.json)).toMatchObject({ seq, body: { text: 'gas smell in C' } });
    expect((await listed(seq - 1))[0]!.acks).toMatchObject([{ user: users.crew2.id, device: `${users.crew2.name}-phone` }]);
  });
});
