import { MuxType } from '../../shared/protocol/muxMessages';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createSyncClient, type SyncClient } from '../../client/sync';
import { DeviceNotices, noticesQuery } from '../../client/app/lib/notices/DeviceNotices';
import { MemoryNoticeStore } from '../../client/app/lib/notices/NoticeStore';
import type { KeyValueStore } from '../../client/app/lib/device';
import type { NoticeReads } from '../../shared/model/noticeReads';
import { eventually } from '../support/eventually';
import { createSiteUsers, type SiteUser, type SiteUsers } from '../support/siteUsers';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { memoryKeyValueStore } from '../support/memoryKeyValueStore';

/** One device: its sync client, its notices, and a switch for its network (socket and HTTP alike). */
interface Device {
  client: SyncClient;
  notices: DeviceNotices;
  store: MemoryNoticeStore;
  kv: KeyValueStore;
  posts: string[];
  /** While set, a POST waits for it before it goes out. */
  gate: Promise<void> | null;
  /** While set, the relay's answer to a POST waits for it before the device sees it. */
  answerGate: Promise<void> | null;
  goOffline(): void;
  goOnline(): void;
}

describe('DeviceNotices against a real relay', () => {
  let users: SiteUsers;
  let t: TestRelay;
  let dir: string;
  const devices: Device[] = [];

  beforeAll(async () => {
    users = await createSiteUsers();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-device-notices-'));
    t = await startTestRelay({ dir, users: users.store, notices: { file: path.join(dir, 'notices.log') } });
  });
  afterEach(async () => {
    for (const d of devices.splice(0)) {
      d.notices.destroy();
      await d.client.destroy();
    }
  });
  afterAll(async () => {
    await t.cleanup();
    await users.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const open = (who: SiteUser, name: string, kept?: { store: MemoryNoticeStore; kv: KeyValueStore }): Device => {
    const kv = kept?.kv ?? memoryKeyValueStore();
    const store = kept?.store ?? new MemoryNoticeStore();
    let offline = false;
    const posts: string[] = [];
    const client = createSyncClient({
      url: t.relay.url,
      token: who.token,
      device: name,
      persistence: 'none',
      WebSocketImpl: WebSocket as never,
      backoff: { minMs: 20, maxMs: 100 },
      query: () => noticesQuery('main', kv),
    });
    const notices = new DeviceNotices({
      site: 'main',
      relayUrl: t.relay.url,
      token: who.token,
      device: name,
      user: { id: who.id, role: who.role },
      connection: client.connection,
      store,
      kv,
      confirmAfterMs: 50,
      retryMs: 50,
      fetch: async (input, init) => {
        if (offline) throw new TypeError('Failed to fetch');
        if (init?.method === 'POST') {
          posts.push(String((init.headers as Record<string, string>)['idempotency-key']));
          await d.gate;
          const answer = await fetch(input, init);
          await d.answerGate;
          return answer;
        }
        return fetch(input, init);
      },
    });
    const d: Device = {
      client,
      notices,
      store,
      kv,
      posts,
      gate: null,
      answerGate: null,
      goOffline() {
        offline = true;
        client.connection.disconnect();
      },
      goOnline() {
        offline = false;
        client.connection.reconnectNow();
      },
    };
    devices.push(d);
    return d;
  };
  const post = async (who: SiteUser, body: unknown): Promise<number> => {
    const res = await fetch(`${t.relay.url}/api/notices`, { method: 'POST', headers: { authorization: `Bearer ${who.token}` }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { seq: number }).seq;
  };
  const readsOf = async (seq: number): Promise<NoticeReads> =>
    (await (await fetch(`${t.relay.url}/api/notices/${seq}/reads`, { headers: { authorization: `Bearer ${users.supervisor.token}` } })).json()) as NoticeReads;
  const online = (d: Device) => eventually(() => d.client.connection.online, 10_000, 'the device online');

  it('keeps every notice and the holds in force, and asks only for later ones after a restart of the device', async () => {
    const hold = await post(users.supervisor, { kind: 'hold', item: 'X-100', lot: 'L-7', text: 'recall' });
    const other = await post(users.supervisor, { kind: 'hold', item: 'Y-1', lot: 'L-1', text: 'wet' });
    await post(users.supervisor, { kind: 'release', hold: other, text: 'dry' });
    const ann = open(users.crew, 'ann-phone');
    await eventually(() => ann.notices.get().lastSeq >= other + 1, 10_000, 'the replay');
    expect(ann.notices.get().holds.map((h) => h.seq)).toEqual([hold]);
    expect(ann.notices.get().banner.map((n) => n.seq)).toContain(hold);
    // The relay hears that the device holds them.
    await eventually(async () => (await readsOf(hold)).pending.find((p) => p.device === 'ann-phone')?.received === true, 10_000, 'the receipt');

    // A second life of the same device storage: it connects with notices=<last seq> and gets nothing twice.
    const kept = { store: ann.store, kv: ann.kv };
    ann.notices.destroy();
    await ann.client.destroy();
    devices.splice(devices.indexOf(ann), 1);
    expect(noticesQuery('main', kept.kv)).toEqual({ notices: String(other + 1) });
    const again = open(users.crew, 'ann-phone', kept);
    await again.notices.whenLoaded;
    expect(again.notices.get().holds.map((h) => h.seq)).toEqual([hold]);
  });

  it('sends an acknowledgement tapped offline on reconnect, and marks it confirmed once the relay lists it', async () => {
    const bob = open(users.crew2, 'bob-phone');
    await online(bob);
    const seq = await post(users.supervisor, { kind: 'safety', severity: 'danger', text: 'forklift down' });
    await eventually(() => bob.notices.get().banner.some((n) => n.seq === seq), 10_000, 'the banner');
    bob.goOffline();
    await bob.notices.markRead(seq);
    expect(bob.notices.get().banner.some((n) => n.seq === seq)).toBe(false);
    expect(bob.store.reads.get(seq)).toMatchObject({ confirmed: false });
    expect((await readsOf(seq)).reads).toEqual([]);
    bob.goOnline();
    await eventually(() => bob.store.reads.get(seq)?.confirmed === true, 10_000, 'the confirmation');
    expect((await readsOf(seq)).reads).toEqual([{ user: users.crew2.id, device: 'bob-phone', at: expect.any(Number) }]);
  });

  it('sends an acknowledgement again when the relay does not list it: one lost on the wire still reaches the read-by list', async () => {
    const bob = open(users.crew2, 'bob-phone');
    await online(bob);
    const seq = await post(users.supervisor, { kind: 'safety', severity: 'warning', text: 'spill in aisle 4' });
    await eventually(() => bob.notices.get().banner.some((n) => n.seq === seq), 10_000, 'the banner');
    // The socket takes the first acknowledgement and loses it (as one does that dies right after).
    const connection = bob.client.connection;
    const send = connection.send.bind(connection);
    let lost = 0;
    connection.send = (frame: Uint8Array) => {
      if (frame[0] === MuxType.noticeSeen && lost === 0) {
        lost++;
        return true;
      }
      return send(frame);
    };
    await bob.notices.markRead(seq);
    await eventually(() => bob.store.reads.get(seq)?.confirmed === true, 10_000, 'the confirmation');
    expect(lost).toBe(1);
    expect((await readsOf(seq)).reads).toEqual([{ user: users.crew2.id, device: 'bob-phone', at: expect.any(Number) }]);
  });

  it('posts a notice issued offline on reconnect, once, and applies its hold at once on the device', async () => {
    const sue = open(users.supervisor, 'sue-laptop');
    await online(sue);
    sue.goOffline();
    const issued = await sue.notices.issue({ kind: 'hold', item: 'Z-9', lot: 'L-3', text: 'seal broken' });
    expect(issued.ok).toBe(true);
    expect(sue.notices.get().holds.some((h) => h.item === 'Z-9' && h.seq === null)).toBe(true);
    sue.goOnline();
    await eventually(() => sue.notices.get().outgoing.length === 0 && sue.notices.get().holds.some((h) => h.item === 'Z-9' && h.seq !== null), 10_000, 'the notice stored and back');
    const stored = sue.notices.get().notices.filter((n) => n.body.kind === 'hold' && n.body.item === 'Z-9');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ user: users.supervisor.id, device: 'sue-laptop' });
    // Its own notice asks nothing of its issuer on this device.
    expect(sue.notices.get().banner.some((n) => n.seq === stored[0]!.seq)).toBe(false);
  });

  it('shows a hold it placed once when the notice comes back over the socket before the answer to its POST', async () => {
    const sue = open(users.supervisor, 'sue-tablet');
    await online(sue);
    let letGo!: () => void;
    sue.answerGate = new Promise((resolve) => (letGo = resolve));
    const holdsOn = (item: string) => sue.notices.get().holds.filter((h) => h.item === item);
    expect((await sue.notices.issue({ kind: 'hold', item: 'Q-1', lot: 'L-1', text: 'leaking drums' })).ok).toBe(true);
    await eventually(() => sue.notices.get().notices.some((n) => n.body.kind === 'hold' && n.body.item === 'Q-1'), 10_000, 'the hold back over the socket');
    expect(sue.notices.get().outgoing).toHaveLength(1);
    expect(holdsOn('Q-1')).toHaveLength(1);
    expect(holdsOn('Q-1')[0]!.seq).not.toBeNull();
    letGo();
    await eventually(() => sue.notices.get().outgoing.length === 0, 10_000, 'the answer in');
    expect(holdsOn('Q-1')).toHaveLength(1);
    expect(sue.posts).toHaveLength(1);
  });

  it('posts notices issued while an earlier post is under way, each once', async () => {
    const ben = open(users.crew2, 'ben-phone');
    await online(ben);
    const texts = ['smoke at dock 1', 'smoke at dock 2', 'smoke at dock 3'];
    let letGo!: () => void;
    ben.gate = new Promise((resolve) => (letGo = resolve));
    expect((await ben.notices.issue({ kind: 'safety', severity: 'warning', text: texts[0] })).ok).toBe(true);
    await eventually(() => ben.posts.length === 1, 10_000, 'the first post under way');
    for (const text of texts.slice(1)) expect((await ben.notices.issue({ kind: 'safety', severity: 'warning', text })).ok).toBe(true);
    letGo();
    await eventually(() => ben.notices.get().outgoing.length === 0, 10_000, 'every alert stored');
    const stored = ben.notices.get().notices.filter((n) => n.body.kind === 'safety' && texts.includes(n.body.text));
    expect(stored.map((n) => n.body.text).sort()).toEqual(texts);
    expect(ben.posts).toHaveLength(3);
  });

  it('keeps a notice the relay refuses, with the reason, and never sends it again', async () => {
    const ann = open(users.crew, 'ann-phone');
    await online(ann);
    const refused = await ann.notices.issue({ kind: 'hold', item: 'X', lot: 'L', text: 'no' });
    expect(refused).toEqual({ ok: false, reason: 'a crew may not issue a hold notice' });
    const ok = await ann.notices.issue({ kind: 'safety', severity: 'info', text: 'drill at 3' });
    expect(ok.ok).toBe(true);
    await eventually(() => ann.notices.get().outgoing.length === 0, 10_000, 'the alert stored');
    expect(ann.posts).toHaveLength(1);
  });
});
