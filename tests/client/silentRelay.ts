/**
 * A test double for a broken relay: a bare `ws` server on 127.0.0.1 port 0
 * that accepts `/mux` connections and frames and never answers unless the test
 * tells it to. It simulates a relay that has gone silent (or sends bad bytes),
 * which a real relay cannot be made to do on demand.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { readMuxFrame, type MuxFrame } from '../../shared/protocol/muxMessages';

export interface SilentRelay {
  url: string;
  /** Sockets accepted so far, in order (closed ones included). */
  sockets: WebSocket[];
  /** Every frame received, decoded, with the index of the socket it came on. */
  frames: Array<{ socket: number; frame: MuxFrame }>;
  /** Sends raw bytes to the newest socket. */
  send(bytes: Uint8Array): void;
  /** Resolves with the first (past or future) received frame `pick` accepts. */
  waitForFrame<T>(pick: (frame: MuxFrame, socket: number) => T | undefined, timeoutMs?: number): Promise<T>;
  /** Resolves once `n` sockets have been accepted in total. */
  waitForSockets(n: number, timeoutMs?: number): Promise<void>;
  /** Closes every socket and stops listening. */
  close(): Promise<void>;
}

export async function startSilentRelay(): Promise<SilentRelay> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/mux' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const sockets: WebSocket[] = [];
  const frames: SilentRelay['frames'] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  wss.on('connection', (ws) => {
    const index = sockets.push(ws) - 1;
    ws.on('message', (data: Buffer) => {
      frames.push({ socket: index, frame: readMuxFrame(new Uint8Array(data)) });
      wake();
    });
    ws.on('error', () => {});
    wake();
  });
  const until = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> => {
    const hit = check();
    if (hit !== undefined) return Promise.resolve(hit);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`silent relay: timed out waiting for ${what}`));
      }, timeoutMs);
      const waiter = () => {
        const value = check();
        if (value === undefined) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(value);
      };
      waiters.add(waiter);
    });
  };
  const port = (wss.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    sockets,
    frames,
    send(bytes) {
      sockets.at(-1)?.send(bytes);
    },
    waitForFrame(pick, timeoutMs = 10_000) {
      return until(
        () => {
          for (const { frame, socket } of frames) {
            const hit = pick(frame, socket);
            if (hit !== undefined) return hit;
          }
          return undefined;
        },
        timeoutMs,
        'a matching frame',
      );
    },
    async waitForSockets(n, timeoutMs = 10_000) {
      await until(() => (sockets.length >= n ? true : undefined), timeoutMs, `${n} sockets`);
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
