/**
 * A client flooding `noticeSeen` over a raw `/mux` socket: repeated seqs cost
 * no disk write, unknown seqs get an error frame, and past the connection's
 * budget frames are dropped with one error frame per run of drops; the
 * socket stays open and the relay goes on answering it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NOTICE_SEEN_BURST } from '../../relay/net/NoticeSeenGate';
import { MuxErrorCode, writeNoticeSeenFrame, type MuxFrame } from '../../shared/protocol/muxMessages';
import { openDoc, tryReadFrame } from '../support/muxClient';
import { connectRaw, type RawClient } from '../support/rawClient';
import { createSiteUsers, type SiteUser, type SiteUsers } from '../support/siteUsers';
import { startTestRelay, type TestRelay } from '../support/testRelay';

describe('a noticeSeen flood on /mux', () => {
  let users: SiteUsers;
  let t: TestRelay;
  let dir: string;
  const logFile = (): string => path.join(dir, 'notices.log');
  const clients: RawClient[] = [];

  beforeAll(async () => {
    users = await createSiteUsers();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-notice-flood-'));
    t = await startTestRelay({ dir, users: users.store, notices: { file: logFile() } });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await t.cleanup();
    await users.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const post = async (text: string): Promise<number> => {
    const res = await fetch(`${t.relay.url}/api/notices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${users.supervisor.token}` },
      body: JSON.stringify({ kind: 'safety', severity: 'warning', text }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { seq: number }).seq;
  };
  const connect = async (who: SiteUser, device: string): Promise<RawClient> => {
    const c = await connectRaw(t.wsUrl(`/mux?token=${who.token}&device=${device}`));
    clients.push(c);
    return c;
  };
  const ackLines = async (): Promise<{ seq: number; user: string; device: string }[]> =>
    (await readFile(logFile(), 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { t: string; seq: number; user: string; device: string })
      .filter((l) => l.t === 'ack');
  /** Every frame the relay sent before it answered a document opened now: frames are handled in order. */
  const framesUntilAnswered = async (c: RawClient, doc: string): Promise<MuxFrame[]> => {
    openDoc(c, doc);
    await c.waitFor((m) => {
      const f = tryReadFrame(m);
      return f?.type === 'doc' && f.doc === doc ? true : undefined;
    });
    return c.received.map((m) => tryReadFrame(m)).filter((f): f is MuxFrame => f !== undefined);
  };
  const errors = (frames: MuxFrame[]) => frames.flatMap((f) => (f.type === 'error' && f.code === MuxErrorCode.noticeSeenRefused ? [f] : []));

  it('writes one acknowledgement for 5,000 noticeSeen of the same notice, answering none of them', async () => {
    const seq = await post('wet floor at dock 1');
    const before = (await ackLines()).length;
    const c = await connect(users.crew, 'ann-flood');
    c.sendTogether(Array.from({ length: 5_000 }, () => writeNoticeSeenFrame(seq)));
    const frames = await framesUntilAnswered(c, 'record:after-duplicates');
    expect(errors(frames)).toEqual([]);
    const acks = (await ackLines()).slice(before);
    expect(acks).toMatchObject([{ seq, user: users.crew.id, device: 'ann-flood' }]);
    // A second connection of the same user and device finds it recorded: nothing more is written.
    const again = await connect(users.crew, 'ann-flood');
    again.send(writeNoticeSeenFrame(seq));
    await framesUntilAnswered(again, 'record:after-reconnect');
    expect((await ackLines()).slice(before)).toHaveLength(1);
  });

  it('answers a seq past the last notice with an error frame and records nothing', async () => {
    const last = await post('forklift parked in aisle 2');
    const before = (await ackLines()).length;
    const c = await connect(users.crew2, 'bob-phone');
    c.send(writeNoticeSeenFrame(last + 1));
    c.send(writeNoticeSeenFrame(0));
    const refused = errors(await framesUntilAnswered(c, 'record:after-unknown'));
    expect(refused.map((f) => [f.doc, f.reason])).toEqual([
      ['', `noticeSeen ${last + 1}: the relay holds notices 1 to ${last} only`],
      ['', `noticeSeen 0: the relay holds notices 1 to ${last} only`],
    ]);
    expect(await ackLines()).toHaveLength(before);
  });

  it('drops what passes the budget, telling once per run of drops (not per frame), and keeps the socket', async () => {
    const last = await post('gas smell near the charger');
    const before = (await ackLines()).length;
    const c = await connect(users.supervisor, 'sue-flood');
    const flood = 10_000;
    c.sendTogether(Array.from({ length: flood }, (_, i) => writeNoticeSeenFrame(last + 1 + i)));
    const refused = errors(await framesUntilAnswered(c, 'record:after-flood'));
    const tooFast = refused.filter((f) => f.reason.includes('send it again later')).length;
    // Unknown seqs spend the budget too: a burst of them was answered, and what refilled while the flood was read.
    const unknown = refused.length - tooFast;
    expect(unknown).toBeGreaterThanOrEqual(NOTICE_SEEN_BURST);
    expect(unknown).toBeLessThan(flood / 10);
    // Told once per run of drops: the first, then once after each frame the refilled bucket took.
    expect(tooFast).toBeGreaterThanOrEqual(1);
    expect(tooFast).toBeLessThanOrEqual(unknown - NOTICE_SEEN_BURST + 1);
    expect(await ackLines()).toHaveLength(before);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
  });
});
