/**
 * A raw WebSocket client for relay tests: sends hand-built bytes and waits
 * for specific replies or the close code, failing fast (never sleeping).
 */
import { WebSocket } from 'ws';

export interface RawClient {
  ws: WebSocket;
  /** Every binary message received so far, in order. */
  received: Uint8Array[];
  send(bytes: Uint8Array | string): void;
  /** Sends several messages in one socket write, so the relay reads them together (a device streaming lines). */
  sendTogether(messages: Uint8Array[]): void;
  /** Resolves with the first (already received or future) message matching `pred`. */
  waitFor<T>(pick: (msg: Uint8Array) => T | undefined, timeoutMs?: number): Promise<T>;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export async function connectRaw(url: string): Promise<RawClient> {
  const ws = new WebSocket(url);
  ws.binaryType = 'nodebuffer';
  const received: Uint8Array[] = [];
  const waiters = new Set<(msg: Uint8Array) => void>();
  ws.on('message', (data: Buffer) => {
    const msg = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    received.push(msg);
    for (const w of Array.from(waiters)) w(msg);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', (code) => reject(new Error(`closed before open: ${code}`)));
    ws.once('error', reject);
  });
  return {
    ws,
    received,
    closed,
    send: (bytes) => ws.send(bytes),
    sendTogether(messages) {
      // ws has no public way to batch frames: hold the socket's writes (ws nests its own cork) until all are queued.
      const socket = (ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
      socket.cork();
      for (const m of messages) ws.send(m);
      socket.uncork();
    },
    close: () => ws.close(),
    waitFor<T>(pick: (msg: Uint8Array) => T | undefined, timeoutMs = 10_000): Promise<T> {
      for (const msg of received) {
        const hit = pick(msg);
        if (hit !== undefined) return Promise.resolve(hit);
      }
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching message within ${timeoutMs} ms (${received.length} received)`));
        }, timeoutMs);
        const waiter = (msg: Uint8Array): void => {
          const hit = pick(msg);
          if (hit === undefined) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(hit);
        };
        waiters.add(waiter);
      });
    },
  };
}

