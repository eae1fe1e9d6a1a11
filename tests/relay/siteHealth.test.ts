/**
 * `GET /api/admin/health` and the pull of a device's send log, against a
 * real relay on 127.0.0.1 over a real LevelDB in a temp folder: who may ask,
 * what devices report with their heartbeats (every field a checked claim,
 * user and device from the connection), the recent refusals, free disk, and
 * a device's whole log pulled over its socket.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createSyncClient, type SyncClient } from '../../client/sync/createSyncClient';
import { waitFor } from '../../client/sync/waitFor';
import { summarizeSendLog } from '../../shared/health/sendLog';
import type { PulledSendLog, SiteHealth } from '../../shared/health/siteHealth';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { writeHeartbeatFrame, writeSendLogFrame } from '../../shared/protocol/muxMessages';
import { addReceiveLine, createAuthor, createReceipt, recordDocName, toRecordId } from '../../shared/model';
import { addLines, collectingLog, untilState } from '../client/syncFixtures';
import { eventually } from '../support/eventually';
import { tryReadFrame } from '../support/muxClient';
import { connectRaw, type RawClient } from '../support/rawClient';
import { createSiteUsers, type SiteUser, type SiteUsers } from '../support/siteUsers';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { fillUp, mountTmpfs } from '../support/tmpfs';
import { mkdtemp, rm, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { toDeviceId } from '../../shared/model/ids';

const heartbeat = (patch: Record<string, unknown> = {}) =>
  JSON.stringify({
    pending: 3,
    docsWithPending: 1,
    openDocs: 2,
    notSavedOnDevice: 0,
    stuckCount: 1,
    stuck: [{ doc: 'record:R-9', reason: 'relay has not acknowledged 3 changes for 30 s' }],
    lastError: { message: 'storage failed: ENOSPC', at: 5 },
    sendLog: summarizeSendLog([], 0),
    at: 1_700_000_000_000,
    ...patch,
  });

describe('site health', () => {
  let users: SiteUsers;
  let admin: SiteUser;
  let t: TestRelay;
  const raws: RawClient[] = [];
  const clients: SyncClient[] = [];

  beforeAll(async () => {
    users = await createSiteUsers();
    const added = await users.store.add({ name: 'ada', role: 'admin' });
    admin = { id: added.user.id, name: 'ada', role: 'admin', token: added.token };
    t = await startTestRelay({ users: users.store, sendLogPullTimeoutMs: 500 });
  });
  afterEach(async () => {
    for (const c of raws.splice(0)) c.close();
    for (const c of clients.splice(0)) await c.destroy();
    await eventually(() => t.relay.stats().connections === 0, 5_000, 'every connection closed');
  });
  afterAll(async () => {
    await t.cleanup();
    await users.cleanup();
  });

  const get = (token?: string) => fetch(`${t.relay.url}/api/admin/health`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const health = async (): Promise<SiteHealth> => {
    const res = await get(admin.token);
    expect(res.status).toBe(200);
    return (await res.json()) as SiteHealth;
  };
  const pull = (device: string, token = admin.token) =>
    fetch(`${t.relay.url}/api/admin/health/devices/${encodeURIComponent(device)}/send-log`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const raw = async (who: SiteUser, device: string): Promise<RawClient> => {
    const c = await connectRaw(t.wsUrl(`/mux?token=${who.token}&device=${device}`));
    raws.push(c);
    return c;
  };
  const syncClient = (who: SiteUser, device: string, relay = t, watchdogMs?: number): SyncClient => {
    const client = createSyncClient({ url: relay.relay.url, token: who.token, device, WebSocketImpl: WebSocket as never, persistence: 'none', log: collectingLog(), ...(watchdogMs && { watchdogMs }) });
    clients.push(client);
    return client;
  };

  /** Writes receipt `id` with `lines` lines from `client` (a crew device) as the model does; waits for the acks unless told not to. */
  const writeReceipt = async (client: SyncClient, who: SiteUser, device: string, id: string, lines: number, acked = true) => {
    const synced = client.open(recordDocName(toRecordId(id)));
    await untilState(synced, (s) => s.live, 'live');
    const author = createAuthor({ user: who.id, device });
    createReceipt(synced.doc, author, { id, site: 'main', supplier: 'ACME' });
    // Notes of 2,000 characters: on a full disk, even one change needs room the log does not have.
    for (let l = 0; l < lines; l++) addReceiveLine(synced.doc, author, { item: `SKU-${l}`, qty: 1, note: 'n'.repeat(2_000) });
    if (acked) await untilState(synced, (s) => s.onRelay, 'on the relay');
    return synced;
  };
  /** The detail the relay logged when it closed a socket. */
  const closeDetails = () => t.logs.filter((l) => l.msg === 'closing connection').map((l) => (l.obj as { detail?: string }).detail ?? '');

  describe('who may ask', () => {
    it.each([
      ['no token', 401, undefined],
      ['a wrong token', 401, 'nope'],
      ['a crew member', 403, 'crew'],
      ['a supervisor', 403, 'supervisor'],
      ['an auditor', 403, 'auditor'],
    ] as const)('%s gets %i, for the page and for a pull', async (_who, status, role) => {
      const token = role === undefined || role === 'nope' ? role : users[role].token;
      expect((await get(token)).status).toBe(status);
      expect((await pull('any-device', token ?? '')).status).toBe(status);
    });
  });

  it('answers storage state, free disk, version, uptime and backups', async () => {
    const h = await health();
    expect(h.storage).toEqual({ ok: true, lastError: null, pendingWrites: 0, failingSince: null });
    expect(h.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(h.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(h.backups).toEqual({ scheduled: false });
    // startTestRelay passes no data folder: the page says so rather than guess.
    expect(h.disk).toMatchObject({ freeBytes: null, error: expect.stringMatching(/data folder/) });
    expect(h.devices).toEqual([]);
  });

  it('on a full disk: storage failing with its error, little free disk, and the stuck device with the watchdog reason', async () => {
    const disk = mountTmpfs(4096);
    let full: TestRelay | undefined;
    try {
      full = await startTestRelay({ dir: disk.dir, dataDir: disk.dir, users: users.store });
      const healthOf = async (): Promise<SiteHealth> => (await (await fetch(`${full!.relay.url}/api/admin/health`, { headers: { authorization: `Bearer ${admin.token}` } })).json()) as SiteHealth;
      const before = await healthOf();
      const fs = await statfs(disk.dir);
      expect(before.disk.totalBytes).toBe(fs.blocks * fs.bsize);
      expect(before.disk.freeBytes).toBeGreaterThan(0);
      expect(before.disk.error).toBeNull();

      const client = syncClient(users.crew, 'ann-phone', full, 300);
      await writeReceipt(client, users.crew, 'ann-phone', 'R-5', 1);
      fillUp(path.join(disk.dir, 'filler'));
      const synced = await writeReceipt(client, users.crew, 'ann-phone', 'R-6', 3, false);
      await untilState(synced, (s) => s.stuck, 'stuck', 15_000);
      let h!: SiteHealth;
      await eventually(async () => {
        h = await healthOf();
        return (h.devices[0]?.report?.stuckCount ?? 0) > 0;
      }, 15_000, 'a heartbeat reporting the stuck document');
      expect(h.storage).toMatchObject({ ok: false, lastError: expect.stringMatching(/ENOSPC|space/i) });
      expect(h.storage.pendingWrites).toBeGreaterThan(0);
      expect(h.disk.freeBytes).toBeLessThan(before.disk.freeBytes!);
      expect(h.devices[0]!.report).toMatchObject({ pending: expect.any(Number), docsWithPending: 1 });
      expect(h.devices[0]!.report!.pending).toBeGreaterThan(0);
      expect(h.devices[0]!.report!.stuck[0]).toMatchObject({ doc: 'record:R-6', reason: expect.stringMatching(/relay has not acknowledged .* storage failing/) });

      await rm(path.join(disk.dir, 'filler'));
      await untilState(synced, (s) => s.onRelay, 'on the relay once space is back', 15_000);
      for (const c of clients.splice(0)) await c.destroy();
    } finally {
      await full?.cleanup();
      disk.remove();
    }
  });

  it('lists a connected device with its user, last contact and what its heartbeats report', async () => {
    const client = syncClient(users.crew, 'ann-phone');
    await writeReceipt(client, users.crew, 'ann-phone', 'R-1', 2);
    const acked = client.sendLog.summary().lastHour.acked;
    expect(acked).toBeGreaterThan(0);
    let h!: SiteHealth;
    await eventually(async () => {
      h = await health();
      return h.devices[0]?.report?.sendLog.lastHour.acked === acked;
    }, 10_000, 'a heartbeat reporting the acked attempts');
    const [device] = h.devices;
    expect(device).toMatchObject({ device: 'ann-phone', user: users.crew.id, userName: 'ann', role: 'crew' });
    expect(device!.lastContactAt).toBeGreaterThanOrEqual(device!.connectedAt);
    expect(device!.report).toMatchObject({ pending: 0, openDocs: 1, stuckCount: 0, sendLog: { attempts: acked, oldestUnacked: null } });
  });

  it('keeps what a heartbeat claims, never who it claims to be', async () => {
    const c = await raw(users.crew, 'ann-tablet');
    c.send(writeHeartbeatFrame(heartbeat({ user: users.supervisor.id, device: 'sue-phone' })));
    await eventually(async () => Boolean((await health()).devices[0]?.report), 5_000, 'the report');
    const [device] = (await health()).devices;
    expect(device).toMatchObject({ device: 'ann-tablet', user: users.crew.id, reportedAt: expect.any(Number) });
    expect(device!.report).toMatchObject({ pending: 3, stuckCount: 1, stuck: [{ doc: 'record:R-9' }], lastError: { message: 'storage failed: ENOSPC' } });
    expect(device!.report).not.toHaveProperty('user');
  });

  it.each([
    ['a negative pending count', heartbeat({ pending: -1 }), /heartbeat: pending/],
    ['a string for a count', heartbeat({ openDocs: 'many' }), /heartbeat: openDocs/],
    ['text that is not JSON', 'pending=3', /heartbeat: heartbeat is not JSON/],
    ['a stuck list of 21', heartbeat({ stuckCount: 21, stuck: Array.from({ length: 21 }, () => ({ doc: 'd', reason: 'r' })) }), /at most 20/],
  ])('drops a heartbeat carrying %s, keeping nothing of it, and keeps the device connected', async (_what, json, reason) => {
    const c = await raw(users.crew, 'ann-phone');
    c.send(writeHeartbeatFrame(heartbeat({ pending: 4 })));
    await eventually(async () => (await health()).devices[0]?.report?.pending === 4, 10_000, 'the readable heartbeat');
    c.send(writeHeartbeatFrame(json));
    // Its records keep syncing: the socket stays, the report it replaced is gone, the log says why.
    await eventually(async () => (await health()).devices[0]?.report === null, 10_000, 'the report dropped');
    const warned = t.logs.filter((l) => l.msg === 'heartbeat that does not read: its report is dropped').map((l) => (l.obj as { reason: string }).reason);
    expect(warned.at(-1)).toMatch(reason);
    c.send(writeHeartbeatFrame(heartbeat({ pending: 2 })));
    await eventually(async () => (await health()).devices[0]?.report?.pending === 2, 10_000, 'a readable heartbeat again');
  });

  it('keeps the newest refusals with user, device, document, code and reason', async () => {
    const client = syncClient(users.auditor, 'aud-tablet');
    const doc = client.open('record:R-2');
    await untilState(doc, (s) => s.live, 'live');
    addLines(doc.doc, 'no', 1);
    await untilState(doc, (s) => s.refused !== null, 'refused');
    const { refusals } = await health();
    expect(refusals[0]).toMatchObject({ user: users.auditor.id, device: 'aud-tablet', doc: 'record:R-2', code: 3 });
    expect(refusals[0]!.reason.length).toBeGreaterThan(0);
  });

  it("lists a connection refused at the door for naming another user's device", async () => {
    const owner = await raw(users.crew, 'ann-handheld');
    expect((await (await raw(users.crew2, 'ann-handheld')).closed).code).toBe(CloseCode.forbidden.code);
    owner.close();
    const [refusal] = (await health()).refusals;
    expect(refusal).toMatchObject({ user: users.crew2.id, device: 'ann-handheld', doc: '', code: CloseCode.forbidden.code, reason: expect.stringMatching(/enrolled to another user/) });
  });

  describe('pulling a send log', () => {
    it("answers with the device's whole log, pulled over its socket", async () => {
      const client = syncClient(users.crew, 'ann-phone');
      await writeReceipt(client, users.crew, 'ann-phone', 'R-3', 3);
      const expected = client.sendLog.entries().map((a) => `${a.doc}#${a.changeNo} ${a.result}`);
      expect(expected.length).toBeGreaterThan(0);
      const res = await pull('ann-phone');
      expect(res.status).toBe(200);
      const log = (await res.json()) as PulledSendLog;
      expect(log).toMatchObject({ device: 'ann-phone', user: users.crew.id });
      expect(log.attempts.map((a) => `${a.doc}#${a.changeNo} ${a.result}`)).toEqual(expected);
      expect(log.attempts.every((a) => a.doc === 'record:R-3' && a.result === 'acked')).toBe(true);
    });

    it('404 for a device not connected, 400 for a name that is no device id', async () => {
      expect((await pull('nobody-here')).status).toBe(404);
      expect((await pull('bad name!')).status).toBe(400);
    });

    it('504 when the device does not answer in time; a late answer is ignored', async () => {
      const c = await raw(users.crew, 'silent-phone');
      const res = await pull('silent-phone');
      expect(res.status).toBe(504);
      const request = await c.waitFor((m) => {
        const f = tryReadFrame(m);
        return f?.type === 'sendLogRequest' ? f : undefined;
      });
      c.send(writeSendLogFrame(request.requestId, JSON.stringify({ attempts: [] })));
      c.send(writeHeartbeatFrame(heartbeat()));
      await eventually(async () => (await health()).devices.some((d) => d.device === 'silent-phone' && d.report !== null), 5_000, 'the socket still open after the late answer');
    });

    it("takes no answer from another device's socket, and closes a socket whose answer does not read (502)", async () => {
      const asked = await raw(users.crew, 'ann-phone');
      const other = await raw(users.crew2, 'bob-phone');
      const pending = pull('ann-phone');
      const request = await asked.waitFor((m) => {
        const f = tryReadFrame(m);
        return f?.type === 'sendLogRequest' ? f : undefined;
      });
      other.send(writeSendLogFrame(request.requestId, JSON.stringify({ attempts: [] })));
      asked.send(writeSendLogFrame(request.requestId, JSON.stringify({ attempts: [{ id: 'one' }] })));
      const res = await pending;
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: string }).error).toMatch(/attempts\[0\]\.id/);
      expect((await asked.closed).code).toBe(CloseCode.malformed.code);
      expect(closeDetails().at(-1)).toMatch(/^sendLog: attempts\[0\]\.id/);
      expect(other.ws.readyState).toBe(WebSocket.OPEN);
    });
  });

  it('lists a device that has gone with its user, last contact and the state it last reported, also after a restart', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tally-health-absent-'));
    const r = await startTestRelay({ users: users.store, dir, dataDir: dir });
    try {
      const healthOf = async (): Promise<SiteHealth> => (await (await fetch(`${r.relay.url}/api/admin/health`, { headers: { authorization: `Bearer ${admin.token}` } })).json()) as SiteHealth;
      // Enrolled to the supervisor and never connected; the crew's handheld reports 4 changes pending, then goes.
      await r.devices!.claim(toDeviceId('sue-scanner'), users.supervisor.id);
      const c = await connectRaw(`${r.relay.url.replace('http', 'ws')}/mux?token=${users.crew.token}&device=ann-handheld`);
      c.send(writeHeartbeatFrame(heartbeat({ pending: 4, docsWithPending: 2 })));
      await eventually(async () => (await healthOf()).devices[0]?.report?.pending === 4, 10_000, 'the heartbeat');
      const connected = await healthOf();
      expect(connected.absentDevices.map((d) => d.device)).toEqual(['sue-scanner']);
      c.close();
      await eventually(async () => (await healthOf()).devices.length === 0, 5_000, 'the handheld gone');

      const expectAbsent = (h: SiteHealth): void => {
        const [handheld, scanner, ...rest] = h.absentDevices;
        expect(rest).toEqual([]);
        expect(handheld).toMatchObject({ device: 'ann-handheld', user: users.crew.id, userName: 'ann', role: 'crew', revoked: false, enrolledAt: expect.any(Number), reportedAt: expect.any(Number) });
        expect(handheld!.lastContactAt).toBeGreaterThanOrEqual(connected.devices[0]!.lastContactAt);
        expect(handheld!.lastContactAt).toBeLessThanOrEqual(h.at);
        expect(handheld!.report).toMatchObject({ pending: 4, docsWithPending: 2, stuckCount: 1, stuck: [{ doc: 'record:R-9', reason: 'relay has not acknowledged 3 changes for 30 s' }] });
        expect(scanner).toMatchObject({ device: 'sue-scanner', user: users.supervisor.id, userName: 'sue', role: 'supervisor', lastContactAt: null, report: null, enrolledAt: expect.any(Number) });
      };
      const gone = await healthOf();
      expectAbsent(gone);
      await r.restart();
      const restarted = await healthOf();
      expectAbsent(restarted);
      expect(restarted.absentDevices[0]!.lastContactAt).toBe(gone.absentDevices[0]!.lastContactAt);
    } finally {
      await r.cleanup();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps no report once a device has gone', async () => {
    const client = syncClient(users.crew, 'ann-phone');
    await waitFor(client.connection, (s) => s.online, 5_000);
    await eventually(async () => (await health()).devices.length === 1, 5_000, 'the device listed');
    await client.destroy();
    clients.splice(0);
    await eventually(async () => (await health()).devices.length === 0, 5_000, 'the device gone');
  });
});
