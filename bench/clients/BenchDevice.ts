/**
 * What every workload sees of a device: a raw protocol client that opens
 * documents, sends plain encoded Yjs updates and reports the server's content
 * and acknowledgements. One implementation per server dialect; none of them
 * holds a Y.Doc, so the load generator stays light.
 */
import WebSocket from 'ws';
import type { Dialect } from '../servers/ChildServer';

export interface DeviceHandlers {
  /** Document content from the server (a sync step 2 or an update), with its arrival time. */
  onContent?(doc: string, update: Uint8Array, at: number): void;
  /** The server acknowledged the change sent with `token` (see the dialect for what that means). */
  onAck?(doc: string, token: number, at: number): void;
  /** The socket closed (code and reason as received). */
  onClose?(code: number, reason: string): void;
  /** The server refused a write or a document (Tally: a mux `error` frame; others: their refusal message). */
  onRefused?(doc: string, reason: string): void;
}

export interface OpenOptions {
  /** The device's state vector for the document (default: empty). */
  stateVector?: Uint8Array;
  /** What the device has that the server may lack: sent when the server asks (its sync step 1). */
  offline?: Uint8Array;
  /** Token reported through onAck when `offline` is acknowledged (default: not reported). */
  offlineToken?: number;
}

export interface BenchDevice {
  readonly dialect: Dialect;
  /** Opens the device's socket (for per-document dialects, nothing until `open`). */
  connect(): Promise<void>;
  /** Opens a document; resolves when the server's sync step 2 for it has arrived. */
  open(doc: string, options?: OpenOptions): Promise<void>;
  /** Sends a local change; `onAck(doc, token)` follows when the server acknowledges it. */
  send(doc: string, update: Uint8Array, token: number): void;
  /** Stops following a document. */
  closeDoc(doc: string): void;
  /** Closes every socket of this device. */
  close(): void;
  /** Bytes waiting in this device's socket send buffers. */
  buffered(): number;
}

/**
 * Opens a ws client socket with binary frames and no compression; resolves when
 * open. `onMessage` is attached before the handshake completes: a server that
 * speaks first (y-websocket) can have its first frame in the same packet as the
 * upgrade response, delivered before any later listener would be attached.
 */
export function openSocket(url: string, onMessage: (data: Buffer) => void, timeoutMs = 15_000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    ws.binaryType = 'nodebuffer';
    ws.on('message', onMessage);
    const fail = (err: unknown) => {
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    ws.once('open', () => {
      ws.off('error', fail);
      ws.on('error', () => {});
      resolve(ws);
    });
    ws.once('error', fail);
    ws.once('unexpected-response', (_req, res) => fail(new Error(`HTTP ${res.statusCode} for ${url}`)));
  });
}

/** A promise with its resolve and reject at hand. */
export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: Error) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
