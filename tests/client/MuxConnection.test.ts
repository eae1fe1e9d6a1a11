import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MuxConnection, type MuxConnectionOptions, type MuxDocHandler } from '../../client/sync/MuxConnection';
import { toMuxUrl } from '../../client/sync/muxUrl';
import { waitFor } from '../../client/sync/waitFor';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { writeAckFrame, writeErrorFrame, writeStatusFrame, type MuxFrame } from '../../shared/protocol/muxMessages';
import { recordingWebSocket } from './recordingWebSocket';
import { startSilentRelay, type SilentRelay } from './silentRelay';

const quiet = { warn: () => {} };

describe('MuxConnection', () => {
  let relay: SilentRelay | undefined;
  const connections: MuxConnection[] = [];

  const connect = (options: Partial<MuxConnectionOptions> = {}): MuxConnection => {
    const c = new MuxConnection({
      url: relay!.url,
      WebSocketImpl: WebSocket as never,
      backoff: { minMs: 20, maxMs: 100 },
      log: quiet,
      ...options,
    });
    connections.push(c);
    return c;
  };
  const until = (c: MuxConnection, check: (s: ReturnType<MuxConnection['get']>) => boolean, what: string) =>
    waitFor(c, check, 5000).then((ok) => expect(ok, what).toBe(true));

  afterEach(async () => {
    for (const c of connections.splice(0)) c.destroy();
    await relay?.close();
    relay = undefined;
  });

  describe('toMuxUrl', () => {
    it.each([
      ['http://10.0.0.5:8787', {}, 'ws://10.0.0.5:8787/mux'],
      ['https://relay.site/', {}, 'wss://relay.site/mux'],
      ['ws://127.0.0.1:1/mux', { token: 't0k' }, 'ws://127.0.0.1:1/mux?token=t0k'],
      ['http://h/tally', { token: 'a b', device: 'scanner-7' }, 'ws://h/tally/mux?token=a+b&device=scanner-7'],
    ])('%s with %o → %s', (url, identity, expected) => {
      expect(toMuxUrl(url, identity)).toBe(expected);
    });

    it('refuses other protocols', () => {
      expect(() => toMuxUrl('ftp://h')).toThrow(/http\(s\) or ws\(s\)/);
    });
  });

  describe('online', () => {
    it('is true only while a socket to the relay is open', async () => {
      relay = await startSilentRelay();
      const c = connect();
      expect(c.online).toBe(false);
      await until(c, (s) => s.online, 'online');
      expect(c.get()).toMatchObject({ state: 'online', failedAttempts: 0 });
      expect(c.get().lastContactAt).toBeGreaterThan(0);
      await relay.close();
      await until(c, (s) => !s.online, 'offline after the relay went away');
      expect(c.get().state).not.toBe('online');
      expect(c.get().lastError?.message).toMatch(/connection to the relay lost \(1006\)|cannot reach the relay/);
    });
  });

  describe('frames', () => {
    it('keeps the relay storage status and connection-wide errors', async () => {
      relay = await startSilentRelay();
      const c = connect();
      await until(c, (s) => s.online, 'online');
      relay.send(writeStatusFrame(false, 'ENOSPC: no space left on device'));
      await until(c, (s) => s.relayStorage?.ok === false, 'storage status');
      expect(c.get().relayStorage).toEqual({ ok: false, detail: 'ENOSPC: no space left on device' });
      relay.send(writeErrorFrame('', 1, 'disk gone'));
      await until(c, (s) => s.lastError?.source === 'relay', 'relay error');
      expect(c.get().lastError).toMatchObject({ source: 'relay', code: 1, message: 'storage failed: disk gone' });
    });

    it('routes document frames to the document they name', async () => {
      relay = await startSilentRelay();
      const c = connect();
      const seen: MuxFrame[] = [];
      const handler: MuxDocHandler = { onOnline: () => {}, onOffline: () => {}, onFrame: (f) => seen.push(f) };
      c.attach('record:a', handler);
      expect(() => c.attach('record:a', handler)).toThrow(/already attached/);
      await until(c, (s) => s.online, 'online');
      relay.send(writeAckFrame('record:b', 7));
      relay.send(writeAckFrame('record:a', 3));
      relay.send(writeStatusFrame(true, 'sentinel'));
      await until(c, (s) => s.relayStorage?.detail === 'sentinel', 'sentinel status');
      expect(seen).toEqual([{ type: 'ack', doc: 'record:a', changeNo: 3 }]);
    });

    it('closes with 4400 and reconnects when the relay sends malformed bytes', async () => {
      relay = await startSilentRelay();
      const c = connect();
      await until(c, (s) => s.online, 'online');
      const closed = new Promise<number>((resolve) => relay!.sockets[0]!.once('close', (code) => resolve(code)));
      relay.send(new Uint8Array([2, 5, 0x61]));
      expect(await closed).toBe(CloseCode.malformed.code);
      await relay.waitForSockets(2);
      expect(c.get().lastError?.message).toMatch(/malformed frame/);
    });

    it('ignores frame types it does not know (a newer relay)', async () => {
      relay = await startSilentRelay();
      const c = connect();
      await until(c, (s) => s.online, 'online');
      relay.send(new Uint8Array([99, 1, 2]));
      relay.send(writeStatusFrame(true, 'still here'));
      await until(c, (s) => s.relayStorage?.detail === 'still here', 'later frame');
      expect(c.online).toBe(true);
      expect(relay.sockets).toHaveLength(1);
    });
  });

  describe('reconnect', () => {
    it('waits a jittered, growing delay capped at maxMs while the relay is down', async () => {
      relay = await startSilentRelay();
      const url = relay.url;
      await relay.close();
      relay = undefined;
      const delays: number[] = [];
      let lastRetryAt: number | null = null;
      const c = new MuxConnection({ url, WebSocketImpl: WebSocket as never, backoff: { minMs: 10, maxMs: 80 }, log: quiet });
      connections.push(c);
      c.subscribe(() => {
        const s = c.get();
        if (s.nextRetryAt !== null && s.nextRetryAt !== lastRetryAt) {
          lastRetryAt = s.nextRetryAt;
          delays.push(s.nextRetryAt - Date.now());
        }
      });
      await until(c, (s) => s.failedAttempts >= 6, 'six failed attempts');
      expect(delays.length).toBeGreaterThanOrEqual(5);
      // Ceilings 10, 20, 40, 80, 80: each delay lies in the upper half of its ceiling.
      const ceilings = [10, 20, 40, 80, 80];
      ceilings.forEach((ceiling, i) => {
        expect(delays[i]).toBeGreaterThanOrEqual(ceiling / 2 - 2);
        expect(delays[i]).toBeLessThanOrEqual(ceiling);
      });
      expect(c.online).toBe(false);
    });

    it('comes back when the relay drops the socket, and tells attached documents', async () => {
      relay = await startSilentRelay();
      const c = connect();
      const events: string[] = [];
      c.attach('record:a', { onOnline: () => events.push('online'), onOffline: () => events.push('offline'), onFrame: () => {} });
      await until(c, (s) => s.online, 'online');
      relay.sockets[0]!.terminate();
      await relay.waitForSockets(2);
      await until(c, (s) => s.online, 'online again');
      expect(events).toEqual(['online', 'offline', 'online']);
    });

    it('replaces a socket that has gone silent (half-open)', async () => {
      relay = await startSilentRelay();
      const c = connect({ staleAfterMs: 150 });
      await until(c, (s) => s.online, 'online');
      const openedAt = Date.now();
      await relay.waitForSockets(2);
      expect(Date.now() - openedAt).toBeGreaterThanOrEqual(140);
      expect(c.get().lastError?.message).toMatch(/relay silent/);
    });

    it('gives up on a connect the relay never answers and tries again', async () => {
      // A TCP listener that never speaks: the WebSocket handshake hangs.
      const sockets: net.Socket[] = [];
      const server = net.createServer((s) => void sockets.push(s));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      try {
        const { port } = server.address() as net.AddressInfo;
        const c = new MuxConnection({
          url: `http://127.0.0.1:${port}`,
          WebSocketImpl: WebSocket as never,
          backoff: { minMs: 10, maxMs: 20 },
          connectTimeoutMs: 100,
          log: quiet,
        });
        connections.push(c);
        await until(c, (s) => s.failedAttempts >= 2, 'two timed-out attempts');
        expect(c.get().lastError?.message).toBe('relay did not answer within 100 ms');
        expect(sockets.length).toBeGreaterThanOrEqual(2);
        expect(c.online).toBe(false);
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });

    it('stays offline after disconnect() until reconnectNow()', async () => {
      relay = await startSilentRelay();
      const c = connect();
      await until(c, (s) => s.online, 'online');
      c.disconnect();
      expect(c.get()).toMatchObject({ online: false, state: 'offline', nextRetryAt: null });
      expect(c.debugCounts()).toMatchObject({ timers: 0, socket: false });
      c.reconnectNow();
      await until(c, (s) => s.online, 'online after reconnectNow');
      expect(relay.sockets).toHaveLength(2);
    });
  });

  describe('destroy', () => {
    it('removes every listener and timer it added and closes the socket', async () => {
      relay = await startSilentRelay();
      const rec = recordingWebSocket();
      const c = connect({ WebSocketImpl: rec.Impl });
      const detach = c.attach('record:a', { onOnline: () => {}, onOffline: () => {}, onFrame: () => {} });
      c.subscribe(() => {});
      await until(c, (s) => s.online, 'online');
      const ws = rec.sockets[0]!.ws;
      expect(rec.listenerCount(ws)).toBe(4);
      const serverSideClosed = new Promise<number>((resolve) => relay!.sockets[0]!.once('close', (code) => resolve(code)));
      c.destroy();
      detach();
      expect(c.get().state).toBe('destroyed');
      expect(c.debugCounts()).toEqual({ handlers: 0, listeners: 0, timers: 0, socket: false });
      expect(await serverSideClosed).toBe(1000);
      await waitFor({ get: () => ws.readyState, subscribe: (cb) => (ws.once('close', cb), () => ws.off('close', cb)) }, (s) => s === WebSocket.CLOSED, 5000);
      expect(rec.listenerCount(ws)).toBe(0);
    });

    it('is safe while the socket is still connecting', async () => {
      relay = await startSilentRelay();
      const rec = recordingWebSocket();
      const c = connect({ WebSocketImpl: rec.Impl });
      expect(c.get().state).toBe('connecting');
      c.destroy();
      const ws = rec.sockets[0]!.ws;
      await new Promise<void>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve())));
      expect(rec.listenerCount(ws)).toBe(0);
      expect(c.debugCounts()).toEqual({ handlers: 0, listeners: 0, timers: 0, socket: false });
    });
  });
});
