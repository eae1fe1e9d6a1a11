/**
 * The send log as the sync core fills it, against the real relay over a real
 * LevelDocStore and real `ws` sockets: what the relay acknowledged, what the
 * watchdog gave up on (and the ack that came later), what a lost connection
 * cut off and the re-send after it, and what the relay refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createSyncClient, type SyncClient, type SyncClientOptions } from '../../client/sync/createSyncClient';
import { MemoryDevice } from '../../client/sync/MemoryDocPersistence';
import { waitFor } from '../../client/sync/waitFor';
import { eventually } from '../support/eventually';
import { createSiteUsers, type SiteUsers } from '../support/siteUsers';
import { HoldingStore, startRelayFixture, type RelayFixture } from './relayFixture';
import { addLines, collectingLog, untilState } from './syncFixtures';

const RECEIPT = 'receipt:R-1001';

describe('the send log of a device syncing with the real relay', () => {
  const fixtures: RelayFixture[] = [];
  const clients: SyncClient[] = [];
  let users: SiteUsers | null = null;

  const device = (fixture: RelayFixture, options: Partial<SyncClientOptions> = {}): SyncClient => {
    const client = createSyncClient({
      url: fixture.url,
      WebSocketImpl: WebSocket as never,
      persistence: new MemoryDevice().persistence,
      backoff: { minMs: 20, maxMs: 200 },
      log: collectingLog(),
      ...options,
    });
    clients.push(client);
    return client;
  };
  const results = (client: SyncClient) => client.sendLog.entries().map((a) => `${a.doc}#${a.changeNo} ${a.result}`);

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.destroy();
    for (const f of fixtures.splice(0)) await f.cleanup();
    await users?.cleanup();
    users = null;
  });

  it('logs each change sent live and its ack', async () => {
    const f = await startRelayFixture();
    fixtures.push(f);
    const client = device(f);
    const doc = client.open(RECEIPT);
    await untilState(doc, (s) => s.live, 'live');
    addLines(doc.doc, 'a', 3);
    await untilState(doc, (s) => s.onRelay, 'on the relay');
    expect(results(client)).toEqual([`${RECEIPT}#1 acked`, `${RECEIPT}#2 acked`, `${RECEIPT}#3 acked`]);
    for (const a of client.sendLog.entries()) {
      expect(a.changeAt).not.toBeNull();
      expect(a.resultAt).toBeGreaterThanOrEqual(a.sentAt);
      expect(a.bytes).toBeGreaterThan(0);
    }
  });

  it('marks attempts the watchdog gave up on as timed out, and keeps that when the ack comes', async () => {
    let holding!: HoldingStore;
    const f = await startRelayFixture({ wrapStore: (store) => (holding = new HoldingStore(store)) });
    fixtures.push(f);
    const client = device(f, { watchdogMs: 100 });
    const doc = client.open(RECEIPT);
    await untilState(doc, (s) => s.live, 'live');
    holding.hold();
    addLines(doc.doc, 'held', 1);
    await untilState(doc, (s) => s.stuck, 'stuck');
    expect(results(client)).toEqual([`${RECEIPT}#1 timedOut`]);
    expect(client.sendLog.summary().oldestUnacked).toMatchObject({ doc: RECEIPT, changeNo: 1 });
    holding.release();
    await untilState(doc, (s) => s.onRelay, 'on the relay after the release');
    const [attempt] = client.sendLog.entries();
    expect(attempt).toMatchObject({ result: 'acked' });
    expect(attempt!.timedOutAt).not.toBeNull();
    expect(client.sendLog.summary().lastHour).toMatchObject({ acked: 1, timedOut: 1, waiting: 0 });
  });

  it('marks attempts cut off by a lost connection, and logs the re-send that the relay then acknowledges', async () => {
    let holding!: HoldingStore;
    const f = await startRelayFixture({ wrapStore: (store) => (holding = new HoldingStore(store)) });
    fixtures.push(f);
    const client = device(f);
    const doc = client.open(RECEIPT);
    await untilState(doc, (s) => s.live, 'live');
    holding.hold();
    addLines(doc.doc, 'cut', 2);
    await eventually(() => holding.heldCount > 0, 5_000, 'the relay holding the change');
    client.connection.disconnect();
    await waitFor(client.connection, (s) => !s.online, 5_000);
    holding.release();
    expect(results(client)).toEqual([`${RECEIPT}#1 disconnected`, `${RECEIPT}#2 disconnected`]);
    client.connection.reconnectNow();
    await untilState(doc, (s) => s.onRelay, 'on the relay after reconnecting');
    expect(results(client)).toEqual([`${RECEIPT}#1 disconnected`, `${RECEIPT}#2 disconnected`, `${RECEIPT}#2 acked`]);
    // The re-send carries changes made this session: their time is known.
    expect(client.sendLog.entries()[2]?.changeAt).not.toBeNull();
  });

  it('logs a refusal with the relay code and reason', async () => {
    users = await createSiteUsers();
    const f = await startRelayFixture({ users: users.store });
    fixtures.push(f);
    const client = device(f, { token: users.auditor.token, device: 'aud-tablet' });
    const doc = client.open('record:R-1');
    await untilState(doc, (s) => s.live, 'live');
    addLines(doc.doc, 'no', 1);
    await untilState(doc, (s) => s.refused !== null, 'refused');
    const [attempt] = client.sendLog.entries();
    expect(attempt).toMatchObject({ doc: 'record:R-1', changeNo: 1, result: 'refused', code: 3 });
    expect(attempt!.reason).toMatch(/auditor|may not write|read-only/i);
    expect(client.sendLog.summary().lastRefusal).toMatchObject({ doc: 'record:R-1', code: 3 });
  });
});
