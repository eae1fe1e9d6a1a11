/**
 * The one WebSocket a device keeps to the relay's `/mux` endpoint, carrying
 * every open document (framing in PROTOCOL.md). It routes document frames to
 * the document that asked for them, reads the relay's status and errors, and
 * keeps the connection facts the UI shows: online, last contact, relay health.
 * The socket's life (reconnects, backoff, silence) is ReconnectingSocket's job.
 */
import { CloseCode, closeCodeName } from '../../shared/protocol/closeCodes';
import {
  MalformedFrameError,
  readMuxFrame,
  type AckFrame,
  type ChangedFrame,
  type DocFrame,
  type ErrorFrame,
  type MuxFrame,
  type SendLogRequestFrame,
  type NoticeFrame,
  type StatesFrame,
} from '../../shared/protocol/muxMessages';
import { defaultBackoff, type BackoffOptions } from './backoff';
import { Listeners } from './Listeners';
import { toMuxUrl } from './muxUrl';
import { ReconnectingSocket, type SocketClosedError, type SocketState } from './ReconnectingSocket';
import { consoleLog, describeRelayError, SyncErrorSource, type SyncError, type SyncLog } from './SyncError';
import type { WebSocketConstructor } from './WebSocketLike';

export type { WebSocketConstructor, WebSocketLike } from './WebSocketLike';

/** Where the socket is in its life. */
export type ConnectionState = SocketState;

/** What the UI shows about the connection. A new object on every change. */
export interface ConnectionSnapshot {
  state: ConnectionState;
  /** True only while a socket to the relay is open (not `navigator.onLine`). */
  online: boolean;
  /** Last time the relay was heard from: socket opened or a frame arrived (ms since epoch, 1 s resolution). */
  lastContactAt: number | null;
  /** When the next reconnect attempt is due, while offline. */
  nextRetryAt: number | null;
  /** Connection attempts that failed since the relay was last heard from. */
  failedAttempts: number;
  /** The relay's storage health from its last `status` frame. */
  relayStorage: { ok: boolean; detail: string } | null;
  /**
   * The identity of the relay's store, from the current connection's `status`
   * frame (a new one after a restore); null until it arrives, while offline,
   * or when the relay does not say (an older relay).
   */
  relayStore: string | null;
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
  /** The relay told its store identity on this connection (before any frame for the document); once per connection. */
  onRelayStore?(store: string): void;
}

/** What the bulk side of the device (fetchStates, watchChanges) receives from the connection. */
export interface MuxFeedHandler {
  /** The socket (re)opened. */
  onOnline(): void;
  /** The socket closed: answers still owed will not come. */
  onOffline(): void;
  /** A `states` or `changed` frame. */
  onFrame(frame: StatesFrame | ChangedFrame): void;
}

/** What the priority channel of the device receives from the connection. */
export interface MuxNoticeHandler {
  /** The socket (re)opened. */
  onOnline(): void;
  /** A `notice` frame (PROTOCOL.md §4). */
  onNotice(frame: NoticeFrame): void;
}

/** Options of a MuxConnection. */
export interface MuxConnectionOptions {
  /** The relay's address (`http://host:port`, `ws://host:port/mux`, ...). */
  url: string;
  /** Sent as the `token` query parameter. */
  token?: string;
  /** This device's id, sent as the `device` query parameter. */
  device?: string;
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
  /** More query parameters, asked for at every connect (the priority channel's `notices=<last seq held>`). */
  query?: () => Record<string, string>;
  /** Clock, for tests. */
  now?: () => number;
  /** Jitter source, for tests. */
  random?: () => number;
  log?: SyncLog;
}

/** One multiplexed socket per device; see the module comment. */
export class MuxConnection {
  private readonly socket: ReconnectingSocket;
  private readonly now: () => number;
  private readonly log: SyncLog;
  private readonly handlers = new Map<string, MuxDocHandler>();
  private readonly feedHandlers = new Set<MuxFeedHandler>();
  /** Who answers the relay's requests about this device (DeviceReporter). */
  private readonly requestHandlers = new Set<(frame: SendLogRequestFrame) => void>();
  private readonly storeListeners = new Set<(store: string) => void>();
  private readonly noticeHandlers = new Set<MuxNoticeHandler>();
  private readonly listeners = new Listeners();
  private snapshot: ConnectionSnapshot = {
    state: 'offline',
    online: false,
    lastContactAt: null,
    nextRetryAt: null,
    failedAttempts: 0,
    relayStorage: null,
    relayStore: null,
    lastError: null,
  };

  constructor(options: MuxConnectionOptions) {
    const WebSocketImpl = options.WebSocketImpl ?? (globalThis.WebSocket as unknown as WebSocketConstructor | undefined);
    if (!WebSocketImpl) throw new Error('no WebSocket class: pass WebSocketImpl (e.g. ws in Node)');
    this.now = options.now ?? Date.now;
    this.log = options.log ?? consoleLog;
    const baseUrl = toMuxUrl(options.url, {
      ...(options.token !== undefined && { token: options.token }),
      ...(options.device !== undefined && { device: options.device }),
    });
    const query = options.query;
    this.socket = new ReconnectingSocket(
      {
        url: query ? () => withQuery(askForStore(baseUrl), query()) : askForStore(baseUrl),
        WebSocketImpl,
        backoff: options.backoff ?? defaultBackoff,
        connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
        staleAfterMs: options.staleAfterMs ?? 75_000,
        now: this.now,
        random: options.random ?? Math.random,
      },
      {
        onStateChange: () => this.update({}),
        onOpen: () => this.handleOpen(),
        onMessage: (data) => this.handleMessage(data),
        onClosed: (error) => this.handleClosed(error),
      },
    );
    if (options.autoConnect ?? true) this.socket.connect();
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

  /**
   * Calls `listener` when the relay tells its store identity, once per
   * connection (and again should it change), before any `subscribe` listener
   * sees it in the snapshot: whatever rests on another store's acks (a
   * restore) is corrected first. Returns the unsubscribe function.
   */
  onRelayStore(listener: (store: string) => void): () => void {
    this.storeListeners.add(listener);
    return () => void this.storeListeners.delete(listener);
  }

  /** Routes `states` and `changed` frames (and online/offline) to `handler`; returns the detach function. */
  attachFeed(handler: MuxFeedHandler): () => void {
    this.feedHandlers.add(handler);
    return () => void this.feedHandlers.delete(handler);
  }

  /** Routes the relay's `sendLogRequest` frames to `handler`; returns the detach function. */
  attachRequests(handler: (frame: SendLogRequestFrame) => void): () => void {
    this.requestHandlers.add(handler);
    return () => void this.requestHandlers.delete(handler);
  }

  /** Routes `notice` frames (and online) to `handler`; returns the detach function. */
  attachNotices(handler: MuxNoticeHandler): () => void {
    this.noticeHandlers.add(handler);
    return () => void this.noticeHandlers.delete(handler);
  }

  /** Sends one frame if the socket is open; returns false (nothing sent) otherwise. */
  send(frame: Uint8Array): boolean {
    return this.socket.send(frame);
  }

  /** Connects now, skipping any backoff wait (e.g. the OS reported the network is back). */
  reconnectNow(): void {
    this.socket.connect();
  }

  /** Closes the socket and stops reconnecting until `reconnectNow()`. */
  disconnect(): void {
    this.socket.disconnect();
  }

  /** Closes the socket and removes every listener and timer this connection added. */
  destroy(): void {
    if (this.snapshot.state === 'destroyed') return;
    this.socket.destroy();
    this.handlers.clear();
    this.feedHandlers.clear();
    this.requestHandlers.clear();
    this.storeListeners.clear();
    this.noticeHandlers.clear();
    this.update({});
    this.listeners.clear();
  }

  /** Listener and timer counts, for tests that prove destroy() releases everything. */
  debugCounts(): { handlers: number; listeners: number; timers: number; socket: boolean } {
    return { handlers: this.handlers.size + this.feedHandlers.size + this.requestHandlers.size + this.noticeHandlers.size, listeners: this.listeners.size, ...this.socket.debugCounts };
  }

  private handleOpen(): void {
    // The relay may have been restored while the socket was down: its identity is told again.
    this.update({ lastContactAt: this.now(), relayStore: null });
    for (const handler of [...this.handlers.values()]) this.callHandler(() => handler.onOnline());
    for (const handler of [...this.feedHandlers]) this.callHandler(() => handler.onOnline());
    for (const handler of [...this.noticeHandlers]) this.callHandler(() => handler.onOnline());
  }

  private handleClosed(error: SocketClosedError | null): void {
    const wasOnline = this.snapshot.online;
    if (error) this.recordError(SyncErrorSource.connection, describeClose(error, wasOnline), error.code);
    else this.update({});
    if (!wasOnline) return;
    for (const handler of [...this.handlers.values()]) this.callHandler(() => handler.onOffline());
    for (const handler of [...this.feedHandlers]) this.callHandler(() => handler.onOffline());
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
        const { code, reason } = CloseCode.malformed;
        this.socket.abandon(code, reason, `relay sent a malformed frame: ${err.message}`);
      } else {
        // A newer relay may know frame types this client does not; skipping keeps it compatible.
        this.log.warn('relay sent an unknown frame type; ignored', err);
      }
      return;
    }
    this.socket.heard();
    const now = this.now();
    // Contact is reported at one-second resolution so a stream of acks does not re-render the UI per frame.
    if (now - (this.snapshot.lastContactAt ?? 0) >= 1000) this.update({ lastContactAt: now });
    this.dispatch(frame);
  }

  private dispatch(frame: MuxFrame): void {
    switch (frame.type) {
      case 'status': {
        const store = frame.store ?? null;
        // Documents first: no listener sees the new store beside acks only the old one gave.
        if (store !== null && store !== this.snapshot.relayStore) {
          for (const handler of [...this.handlers.values()]) this.callHandler(() => handler.onRelayStore?.(store));
          for (const listener of [...this.storeListeners]) this.callHandler(() => listener(store));
        }
        this.update({ relayStorage: { ok: frame.storageOk, detail: frame.detail }, relayStore: store });
        return;
      }
      case 'error':
        if (frame.doc === '') {
          this.recordError(SyncErrorSource.relay, describeRelayError(frame.code, frame.reason), frame.code);
          return;
        }
        break;
      case 'doc':
      case 'ack':
        break;
      case 'states':
      case 'changed':
        for (const handler of [...this.feedHandlers]) this.callHandler(() => handler.onFrame(frame));
        return;
      case 'sendLogRequest':
        for (const handler of [...this.requestHandlers]) this.callHandler(() => handler(frame));
        return;
      case 'notice':
        for (const handler of [...this.noticeHandlers]) this.callHandler(() => handler.onNotice(frame));
        return;
      default:
        this.log.warn(`relay sent a ${frame.type} frame, which only devices send; ignored`);
        return;
    }
    const handler = this.handlers.get(frame.doc);
    // Frames for a document closed a moment ago are expected and harmless.
    if (handler) this.callHandler(() => handler.onFrame(frame));
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

  /** Applies `patch` and the socket's current state, then tells the listeners. */
  private update(patch: Partial<ConnectionSnapshot>): void {
    const { state, failedAttempts, nextRetryAt } = this.socket;
    this.snapshot = { ...this.snapshot, ...patch, state, online: state === 'online', failedAttempts, nextRetryAt };
    this.listeners.notify((err) => this.log.warn('a connection listener threw', err));
  }
}

/** The `/mux` URL asking the relay to append its store identity to `status` frames (PROTOCOL.md §2). */
function askForStore(muxUrl: string): string {
  const url = new URL(muxUrl);
  url.searchParams.set('store', '1');
  return url.toString();
  }

/** `url` with `params` added. */
function withQuery(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [key, value] of Object.entries(params)) u.searchParams.set(key, value);
  return u.toString();
}

/** Words for a lost socket: "cannot reach the relay (1006)", "relay closed the connection: relay shutting down (1001)". */
function describeClose(error: SocketClosedError, wasOnline: boolean): string {
  if (error.local) return error.message;
  if (error.code === 1006) return wasOnline ? 'connection to the relay lost (1006)' : 'cannot reach the relay (1006)';
  const name = error.code === undefined ? undefined : closeCodeName(error.code);
  return `relay closed the connection: ${error.message || name || 'no reason given'} (${error.code})`;
}
