/**
 * The device's heartbeat and its answer to a send-log request, seen from a
 * bare `ws` server that reads every frame the device sends (the silent
 * relay): a heartbeat as soon as the socket opens, again after the sync
 * state changes and on the interval; the whole log when asked; nothing
 * left running after destroy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DeviceReporter, heartbeatOf } from '../../client/sync/DeviceReporter';
import { MuxConnection } from '../../client/sync/MuxConnection';
import { MemorySendLogStore, SendLog } from '../../client/sync/SendLog';
import { SyncedDoc } from '../../client/sync/SyncedDoc';
import { SyncStatus } from '../../client/sync/SyncStatus';
import { readHeartbeat } from '../../shared/health/heartbeat';
import { readSendLog, summarizeSendLog } from '../../shared/health/sendLog';
import { writeSendLogRequestFrame, type MuxFrame } from '../../shared/protocol/muxMessages';
import { collectingLog } from './syncFixtures';
import { startSilentRelay, type SilentRelay } from './silentRelay';

describe('DeviceReporter', () => {
  let relay: SilentRelay | undefined;
  const cleanups: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await relay?.close();
  });

  async function setUp(intervalMs = 60_000, minGapMs = 20) {
    relay = await startSilentRelay();
    const log = collectingLog();
    const connection = new MuxConnection({ url: relay.url, WebSocketImpl: WebSocket as never, log });
    const status = new SyncStatus(connection, log);
    const sendLog = new SendLog({ store: new MemorySendLogStore(), flushMs: 60_000, log });
    const reporter = new DeviceReporter({ connection, status, sendLog, intervalMs, minGapMs });
    cleanups.push(() => connection.destroy(), () => status.destroy(), () => sendLog.destroy(), () => reporter.destroy());
    return { connection, status, sendLog, reporter };
  }
  const heartbeats = () => relay!.frames.filter((f) => f.frame.type === 'heartbeat').map((f) => readHeartbeat((f.frame as { json: string }).json));
  const isHeartbeat = (f: MuxFrame) => (f.type === 'heartbeat' ? f : undefined);

  it('reports as soon as the socket opens, before anything else, and every field reads as the relay checks it', async () => {
    await setUp();
    await relay!.waitForFrame(isHeartbeat);
    expect(relay!.frames[0]?.frame.type).toBe('heartbeat');
    expect(heartbeats()[0]).toMatchObject({ pending: 0, openDocs: 0, stuckCount: 0, sendLog: { attempts: 0 } });
  });

  it('reports again soon after the sync state changes, and on the interval', async () => {
    const { connection, status } = await setUp(100);
    await relay!.waitForFrame(isHeartbeat);
    const doc = new SyncedDoc({ name: 'record:R-1', connection, persistence: null, watchdogMs: 60_000, log: collectingLog() });
    cleanups.push(() => doc.destroy());
    status.track(doc);
    await doc.whenLoaded;
    doc.doc.getArray('lines').push([{ id: 'l1' }]);
    await relay!.waitForFrame((f) => (f.type === 'heartbeat' && readHeartbeat(f.json).pending === 1 ? f : undefined));
    expect(heartbeats().at(-1)).toMatchObject({ pending: 1, docsWithPending: 1, openDocs: 1 });
    // Nothing changes from here: the interval alone brings the next ones.
    const seen = heartbeats().length;
    await relay!.waitForFrame((_f, socket) => (heartbeats().length >= seen + 2 ? socket : undefined), 5_000);
  });

  it('answers a send-log request with every attempt it holds, under the same request id', async () => {
    const { sendLog } = await setUp();
    await relay!.waitForFrame(isHeartbeat);
    sendLog.sent('record:R-1', 1, 10, 5);
    sendLog.acked('record:R-1', 1);
    sendLog.sent('record:R-1', 2, 10, 6);
    relay!.send(writeSendLogRequestFrame(42));
    const answer = await relay!.waitForFrame((f) => (f.type === 'sendLog' ? f : undefined));
    expect(answer.requestId).toBe(42);
    expect(readSendLog(answer.json).map((a) => [a.changeNo, a.result])).toEqual([
      [1, 'acked'],
      [2, 'sent'],
    ]);
  });

  it('leaves no timer or listener once destroyed', async () => {
    const { connection, reporter } = await setUp(50);
    await relay!.waitForFrame(isHeartbeat);
    reporter.destroy();
    expect(reporter.hasTimer).toBe(false);
    expect(connection.debugCounts()).toMatchObject({ handlers: 0 });
  });

  it('cuts what it reports to what the relay reads', () => {
    const stuckDocs = Array.from({ length: 25 }, (_, i) => ({ doc: `record:R-${i}`, reason: 'x'.repeat(600) }));
    const snapshot = { online: true, connection: 'online', lastContactAt: 1, nextRetryAt: null, relayStorage: null, openDocs: 25, pendingTotal: 30, docsWithPending: stuckDocs.map((d) => d.doc), notSavedOnDevice: [], stuckDocs, lastError: { source: 'relay', message: 'm'.repeat(900), at: 12.7 }, allOnRelay: false } as const;
    const hb = heartbeatOf(snapshot as never, summarizeSendLog([], 0), 99.4);
    expect(() => readHeartbeat(JSON.stringify(hb))).not.toThrow();
    expect(hb).toMatchObject({ stuckCount: 25, at: 99, lastError: { at: 13 } });
    expect(hb.stuck).toHaveLength(20);
  });
});
