/**
 * The one WebSocket a device keeps to the relay's `/mux` endpoint, carrying
 * every open document (framing in PROTOCOL.md). It reconnects with backoff and
 * jitter, routes document frames to the document that asked for them, and
 * keeps the connection facts the UI shows: online, last contact, relay health.
 */
import { CloseCode, closeCodeName } from '../../shared/protocol/closeCodes';
import {
  MalformedFrameError,
  readMuxFrame,
  type AckFrame,
  type DocFrame,
  type ErrorFrame,
  type MuxFrame,
} from '../../shared/protocol/muxMessages';
import { backoffDelay, defaultBackoff, type BackoffOptions } from './backoff';
import { Listeners } from './Listeners';
import { toMuxUrl } from './muxUrl';
import { consoleLog, describeRelayError, SyncErrorSource, type SyncError, type SyncLog } from './SyncError';

/** The part of the WebSocket API the connection uses; both the browser's and `ws`'s sockets fit. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
  removeEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
}

/** A WebSocket class: `globalThis.WebSocket` in browsers, `ws`'s `WebSocket` in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Where the socket is in its life. */
export type ConnectionState = 'connecting' | 'online' | 'offline' | 'destroyed';

/** What the UI shows about the connection. A new object on every change. */
export interface ConnectionSnapshot {
  state: ConnectionState;
  /** True only while a socket to the relay is open (not `navigator.onLine`). */
  online: boolean;
  /** Last time the relay was heard from: socket opened or a frame arrived (ms since epoch). */
  lastContactAt: number | null;
  /** When the next reconnect attempt is due, while offline. */
  nextRetryAt: number | null;
  /** Connection attempts that failed since the relay was last heard from. */
  failedAttempts: number;
  /** The relay's storage health from its last `status` frame. */
  relayStorage: { ok: boolean; detail: string } | null;
  /** Last connection-wide problem (socket closed with a code, relay-wide error frame). */
  lastError: SyncError | null;
}

/** What a document receives from the connection. */
export interface MuxDocHandler {
  /** The socket (re)opened: subscribe again. */
  onOnline(): void;
  /** The socket closed: anything in flight is lost and will be re-sent. */
  onOffline(): void;
  /** A frame addressed to this document. */
  onFrame(frame: DocFrame | AckFrame | ErrorFrame): void;
}

/** Options of a MuxConnection. */
export interface MuxConnectionOptions {
  /** The relay's address (`http://host:port`, `ws://host:port/mux`, ...). */
  url: string;
  /** Sent as the `token` query parameter. */
  token?: string;
  /** Defaults to `globalThis.WebSocket`; Node tests pass `ws`'s class. */
  WebSocketImpl?: WebSocketConstructor;
  /** Reconnect delays. */
  backoff?: BackoffOptions;
  /** A socket that has not opened after this long is abandoned and retried (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * An open socket that has heard nothing for this long is treated as dead and
   * replaced (default 75 s; the relay sends a status frame every 30 s, because
   * browsers cannot see WebSocket pings and a half-open socket looks online forever).
   */
  staleAfterMs?: number;
  /** Start connecting at once (default true). */
  autoConnect?: boolean;
  /** Clock, for tests. */
  now?: () => number;
  /** Jitter source, for tests. */
  random?: () => number;
  log?: SyncLog;
}

const OPEN = 1;

/** One multiplexed socket per device; see the module comment. */
export class MuxConnection {
  private readonly url: string;
  private readonly WebSocketImpl: WebSocketConstructor;
  private readonly backoff: BackoffOptions;
  private readonly connectTimeoutMs: number;
  private readonly staleAfterMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly log: SyncLog;
  private readonly handlers = new Map<string, MuxDocHandler>();
  private readonly listeners = new Listeners();
  private socket: WebSocketLike | null = null;
  private detachSocket: (() => void) | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private staleTimer: ReturnType<typeof setTimeout> | null = null;
  private lastFrameAt = 0;
  private wanted: boolean;
  private snapshot: ConnectionSnapshot;

  constructor(options: MuxConnectionOptions) {
    this.url = toMuxUrl(options.url, options.token);
    const Impl = options.WebSocketImpl ?? (globalThis.WebSocket as unknown as WebSocketConstructor | undefined);
    if (!Impl) throw new Error('no WebSocket class: pass WebSocketImpl (e.g. ws in Node)');
    this.WebSocketImpl = Impl;
    this.backoff = options.backoff ?? defaultBackoff;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.staleAfterMs = options.staleAfterMs ?? 75_000;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? consoleLog;
    this.wanted = options.autoConnect ?? true;
    this.snapshot = {
      state: 'offline',
      online: false,
      lastContactAt: null,
      nextRetryAt: null,
      failedAttempts: 0,
      relayStorage: null,
      lastError: null,
    };
    if (this.wanted) this.openSocket();
  }

  /** The current connection facts. */
  get(): ConnectionSnapshot {
    return this.snapshot;
  }

  /** True while a socket to the relay is open. */
  get online(): boolean {
    return this.snapshot.online;
  }

  /** Calls `listener` after every change of the snapshot; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  /** Routes frames for `doc` to `handler` (one handler per document); returns the detach function. */
  attach(doc: string, handler: MuxDocHandler): () => void {
    if (this.handlers.has(doc)) throw new Error(`document ${doc} is already attached`);
    this.handlers.set(doc, handler);
    return () => {
      if (this.handlers.get(doc) === handler) this.handlers.delete(doc);
    };
  }

  /** Sends one frame if the socket is open; returns false (nothing sent) otherwise. */
  send(frame: Uint8Array): boolean {
    if (!this.socket || this.socket.readyState !== OPEN || !this.snapshot.online) return false;
    this.socket.send(frame);
    return true;
  }

  /** Connects now, skipping any backoff wait (e.g. the OS reported the network is back). */
  reconnectNow(): void {
    if (this.snapshot.state === 'destroyed') return;
    this.wanted = true;
    if (this.socket) return;
    this.clearRetry();
    this.openSocket();
  }

  /** Closes the socket and stops reconnecting until `reconnectNow()`. */
  disconnect(): void {
    this.wanted = false;
    this.clearRetry();
    this.dropSocket(1000, 'client disconnect');
    if (this.snapshot.state !== 'destroyed') this.update({ state: 'offline', online: false, nextRetryAt: null });
  }

  /** Closes the socket and removes every listener and timer this connection added. */
  destroy(): void {
    if (this.snapshot.state === 'destroyed') return;
    this.disconnect();
    this.handlers.clear();
    this.update({ state: 'destroyed' });
    this.listeners.clear();
  }

  /** Listener and timer counts, for tests that prove destroy() releases everything. */
  debugCounts(): { handlers: number; listeners: number; timers: number; socket: boolean } {
    const timers = (this.retryTimer ? 1 : 0) + (this.connectTimer ? 1 : 0) + (this.staleTimer ? 1 : 0);
    return { handlers: this.handlers.size, listeners: this.listeners.size, timers, socket: this.socket !== null };
  }

  private openSocket(): void {
    let ws: WebSocketLike;
    try {
      ws = new this.WebSocketImpl(this.url);
    } catch (err) {
      this.recordError(SyncErrorSource.connection, `cannot open a socket to ${this.url}: ${String(err)}`);
      this.update({ failedAttempts: this.snapshot.failedAttempts + 1 });
      this.scheduleRetry();
      return;
    }
    ws.binaryType = 'arraybuffer';
    const onOpen = () => this.handleOpen();
    const onMessage = (event: { data: unknown }) => this.handleMessage(event.data);
    const onError = () => {
      // Browsers give no detail here; the close event that always follows carries the code.
    };
    const onClose = (event: { code: number; reason: string }) => this.handleClose(event.code, event.reason);
    ws.addEventListener('open', onOpen);
    ws.addEventListener('message', onMessage);
    ws.addEventListener('error', onError);
    ws.addEventListener('close', onClose);
    this.socket = ws;
    this.detachSocket = () => {
      ws.removeEventListener('open', onOpen);
      ws.removeEventListener('message', onMessage);
      ws.removeEventListener('error', onError);
      ws.removeEventListener('close', onClose);
    };
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      this.recordError(SyncErrorSource.connection, `relay did not answer within ${this.connectTimeoutMs} ms`);
      ws.close();
    }, this.connectTimeoutMs);
    this.update({ state: 'connecting', online: false, nextRetryAt: null });
  }

  private handleOpen(): void {
    this.clearConnectTimer();
    this.lastFrameAt = this.now();
    this.watchStaleness(this.staleAfterMs);
    this.update({ state: 'online', online: true, lastContactAt: this.lastFrameAt });
    for (const handler of [...this.handlers.values()]) this.callHandler(() => handler.onOnline());
  }

  private handleMessage(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) {
      this.log.warn('relay sent a non-binary frame; ignored');
      return;
    }
    let frame: MuxFrame;
    try {
      frame = readMuxFrame(new Uint8Array(data));
    } catch (err) {
      if (err instanceof MalformedFrameError) {
        this.recordError(SyncErrorSource.connection, `relay sent a malformed frame: ${err.message}`);
        this.abandonSocket(CloseCode.malformed.code, CloseCode.malformed.reason);
      } else {
        // A newer relay may know frame types this client does not; skipping keeps it compatible.
        this.log.warn('relay sent an unknown frame type; ignored', err);
      }
      return;
    }
    const now = this.now();
    this.lastFrameAt = now;
    // Contact is reported at one-second resolution so a stream of acks does not re-render the UI per frame.
    if (this.snapshot.failedAttempts !== 0 || now - (this.snapshot.lastContactAt ?? 0) >= 1000) {
      this.update({ lastContactAt: now, failedAttempts: 0 });
    }
    this.dispatch(frame);
  }

  private dispatch(frame: MuxFrame): void {
    switch (frame.type) {
      case 'status':
        this.update({ relayStorage: { ok: frame.storageOk, detail: frame.detail } });
        return;
      case 'error':
        if (frame.doc === '') {
          this.recordError(SyncErrorSource.relay, describeRelayError(frame.code, frame.reason), frame.code);
          return;
        }
        break;
      case 'doc':
      case 'ack':
        break;
      default:
        this.log.warn(`relay sent a ${frame.type} frame, which only devices send; ignored`);
        return;
    }
    const handler = this.handlers.get(frame.doc);
    // Frames for a document closed a moment ago are expected and harmless.
    if (handler) this.callHandler(() => handler.onFrame(frame));
  }

  private handleClose(code: number, reason: string): void {
    const wasOnline = this.snapshot.online;
    this.releaseSocket();
    if (code !== 1000 && code !== 1005) {
      const name = closeCodeName(code);
      const what = reason || name || 'connection lost';
      this.recordError(SyncErrorSource.connection, `relay closed the connection: ${what} (${code})`, code);
    }
    this.update({ state: 'offline', online: false, failedAttempts: this.snapshot.failedAttempts + 1 });
    if (wasOnline) for (const handler of [...this.handlers.values()]) this.callHandler(() => handler.onOffline());
    if (this.wanted) this.scheduleRetry();
  }

  private watchStaleness(delayMs: number): void {
    this.staleTimer = setTimeout(() => {
      this.staleTimer = null;
      const silentMs = this.now() - this.lastFrameAt;
      if (silentMs < this.staleAfterMs) return this.watchStaleness(this.staleAfterMs - silentMs);
      this.recordError(SyncErrorSource.connection, `relay silent for ${silentMs} ms; reconnecting`);
      this.abandonSocket(4000, 'relay silent');
    }, delayMs);
  }

  /** Closes a socket this side gave up on and retries; the close handshake may never finish, so it is not awaited. */
  private abandonSocket(code: number, reason: string): void {
    this.dropSocket(code, reason);
    this.update({ failedAttempts: this.snapshot.failedAttempts + 1 });
    if (this.wanted) this.scheduleRetry();
  }

  private scheduleRetry(): void {
    this.clearRetry();
    const delay = backoffDelay(Math.max(0, this.snapshot.failedAttempts - 1), this.backoff, this.random);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.wanted && !this.socket) this.openSocket();
    }, delay);
    this.update({ state: 'offline', online: false, nextRetryAt: this.now() + delay });
  }

  private dropSocket(code: number, reason: string): void {
    const ws = this.socket;
    if (!ws) return;
    const wasOnline = this.snapshot.online;
    this.releaseSocket();
    // ws (Node) re-emits an 'error' when a socket still connecting is closed and throws if nobody
    // listens, so a last pair of listeners stays until 'close' and then removes itself.
    const swallow = () => {};
    const done = () => {
      ws.removeEventListener('error', swallow);
      ws.removeEventListener('close', done);
    };
    ws.addEventListener('error', swallow);
    ws.addEventListener('close', done);
    ws.close(code, reason);
    this.update({ state: 'offline', online: false });
    if (wasOnline) for (const handler of [...this.handlers.values()]) this.callHandler(() => handler.onOffline());
  }

  private releaseSocket(): void {
    this.detachSocket?.();
    this.detachSocket = null;
    this.socket = null;
    this.clearConnectTimer();
    if (this.staleTimer) clearTimeout(this.staleTimer);
    this.staleTimer = null;
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private clearConnectTimer(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  private recordError(source: SyncError['source'], message: string, code?: number): void {
    const error: SyncError = code === undefined ? { source, message, at: this.now() } : { source, message, code, at: this.now() };
    this.update({ lastError: error });
  }

  private callHandler(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.log.warn('a document handler threw', err);
    }
  }

  private update(patch: Partial<ConnectionSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    this.listeners.notify((err) => this.log.warn('a connection listener threw', err));
  }
}
