/**
 * GuardedSocket's two lanes over a real `ws` pair on 127.0.0.1: a client that
 * stops reading (its TCP socket paused) lets the relay's queue fill, and what
 * it reads once it resumes shows where a priority message went.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { silentLog } from '../../relay/log';
import { GuardedSocket, HANDOFF_BYTES } from '../../relay/net/GuardedSocket';

const FRAME_BYTES = 32 * 1024;
const NOTICE = 0xffff_ffff;

/** A frame of `FRAME_BYTES` whose first 4 bytes are its index and whose every byte after is `index % 251`. */
function frame(index: number, bytes = FRAME_BYTES): Uint8Array {
  const b = new Uint8Array(bytes).fill(index % 251);
  new DataView(b.buffer).setUint32(0, index);
  return b;
}
const indexOf = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0);
/** True when `b` is exactly the frame `frame(indexOf(b))` built: nothing split or mixed. */
const whole = (b: Uint8Array): boolean => b.byteLength === FRAME_BYTES && b.subarray(4).every((x) => x === indexOf(b) % 251);

interface Pair {
  server: GuardedSocket;
  client: WebSocket;
  received: Uint8Array[];
  /** Resolves once `n` messages arrived. */
  receivedCount(n: number): Promise<void>;
  closed: Promise<number>;
}

describe('GuardedSocket lanes', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  /** A server-side GuardedSocket and a client that has stopped reading. */
  async function pair(maxBufferedBytes = 64 * 1024 * 1024): Promise<Pair> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    client.binaryType = 'nodebuffer';
    const received: Uint8Array[] = [];
    const waiters: (() => void)[] = [];
    client.on('message', (data: Buffer) => {
      received.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      for (const w of waiters.splice(0)) w();
    });
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      client.once('open', resolve);
      client.once('error', reject);
    });
    client.pause();
    const server = new GuardedSocket(await accepted, maxBufferedBytes, silentLog, { label: 'test' });
    cleanups.push(async () => {
      client.terminate();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    });
    const receivedCount = async (n: number): Promise<void> => {
      while (received.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
    };
    return { server, client, received, receivedCount, closed };
  }

  describe('sendPriority', () => {
    it('overtakes every ordinary message still waiting in the relay, and no message is split or reordered', async () => {
      const p = await pair();
      const count = 400; // 12.5 MB: far more than the socket and the kernel take from a client that does not read
      for (let i = 0; i < count; i++) p.server.send(frame(i));
      const held = p.server.heldCount;
      expect(held).toBeGreaterThan(0);
      // What the socket took stops near the hand-off mark; the rest waits in the relay.
      expect(p.server.backlog - held * FRAME_BYTES).toBeLessThan(HANDOFF_BYTES + FRAME_BYTES + 64);
      p.server.sendPriority(frame(NOTICE));
      p.client.resume();
      await p.receivedCount(count + 1);

      const order = p.received.map(indexOf);
      expect(order.indexOf(NOTICE)).toBe(count - held);
      expect(order.filter((i) => i !== NOTICE)).toEqual(Array.from({ length: count }, (_, i) => i));
      expect(p.received.every(whole)).toBe(true);
      expect(p.server.heldCount).toBe(0);
      expect(p.server.backlog).toBe(0);
    });

    it('goes out at once, in order with other priority messages, when nothing waits', async () => {
      const p = await pair();
      p.server.send(frame(1, 100));
      p.server.sendPriority(frame(2, 100));
      p.server.sendPriority(frame(3, 100));
      p.server.send(frame(4, 100));
      expect(p.server.heldCount).toBe(0);
      p.client.resume();
      await p.receivedCount(4);
      expect(p.received.map(indexOf)).toEqual([1, 2, 3, 4]);
    });
  });

  describe('send', () => {
    it('counts what waits in the relay against the unread limit and closes a client past it (4408)', async () => {
      const p = await pair(4 * 1024 * 1024);
      for (let i = 0; i < 200 && p.server.isOpen; i++) p.server.send(frame(i));
      expect(p.server.isOpen).toBe(false);
      expect(p.server.heldCount).toBe(0); // dropped: the client was not reading them
      p.client.resume();
      expect(await p.closed).toBe(CloseCode.slowConsumer.code);
    });
  });

  describe('sendDrained', () => {
    it('waits its turn behind ordinary messages and resolves once its bytes left', async () => {
      const p = await pair();
      for (let i = 0; i < 100; i++) p.server.send(frame(i));
      expect(p.server.heldCount).toBeGreaterThan(0);
      let drained = false;
      const sent = p.server.sendDrained(frame(100)).then((ok) => (drained = ok));
      p.server.sendPriority(frame(NOTICE));
      expect(drained).toBe(false);
      p.client.resume();
      expect(await sent).toBe(true);
      await p.receivedCount(102);
      const order = p.received.map(indexOf).filter((i) => i !== NOTICE);
      expect(order).toEqual(Array.from({ length: 101 }, (_, i) => i));
    });
  });

  describe('close', () => {
    it('sends what waits before the close frame, so the client reads every message and then the code', async () => {
      const p = await pair();
      for (let i = 0; i < 100; i++) p.server.send(frame(i));
      expect(p.server.heldCount).toBeGreaterThan(0);
      p.server.close(CloseCode.forbidden, 'test');
      p.client.resume();
      expect(await p.closed).toBe(CloseCode.forbidden.code);
      expect(p.received.map(indexOf)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    });
  });
});
