/**
 * The life of the device's socket to the relay, without knowing what travels
 * on it: connect, give up on a connect that hangs or a socket that has gone
 * silent (half-open), and reconnect with backoff and jitter until told to stop.
 */
import { backoffDelay, type BackoffOptions } from './backoff';
import { WEBSOCKET_OPEN, type WebSocketConstructor, type WebSocketLike } from './WebSocketLike';

/** Where the socket is in its life. */
export type SocketState = 'connecting' | 'online' | 'offline' | 'destroyed';

/** Options of a ReconnectingSocket (all required; MuxConnection fills in defaults). */
export interface ReconnectingSocketOptions {
  /** A function is asked again at every connect (a query parameter that changes, e.g. `notices=`). */
  url: string | (() => string);
  WebSocketImpl: WebSocketConstructor;
  backoff: BackoffOptions;
  /** A socket not open after this long is abandoned and retried. */
  connectTimeoutMs: number;
  /** An open socket that has heard nothing (see `heard()`) for this long is abandoned and retried. */
  staleAfterMs: number;
  now: () => number;
  random: () => number;
}

/** Why a socket went away. */
export interface SocketClosedError {
  /** The close reason, or this side's explanation when it gave up on the socket. */
  message: string;
  /** The close code, when there was one. */
  code?: number;
  /** This side gave up on the socket (timeout, silence, bad bytes); otherwise the relay or the network closed it. */
  local: boolean;
}

/** What the owner of the socket hears. */
export interface ReconnectingSocketEvents {
  /** `state`, `failedAttempts` or `nextRetryAt` changed. */
  onStateChange(): void;
  onOpen(): void;
  onMessage(data: unknown): void;
  /** The socket is gone; `error` says why unless it was a normal close. */
  onClosed(error: SocketClosedError | null): void;
}

/** One socket at a time, replaced when lost; see the module comment. */
export class ReconnectingSocket {
  /** Where the socket is. */
  state: SocketState = 'offline';
  /** Attempts that failed since the relay was last heard from. */
  failedAttempts = 0;
  /** When the next attempt is due, while waiting. */
  nextRetryAt: number | null = null;
  private socket: WebSocketLike | null = null;
  private detachSocket: (() => void) | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private staleTimer: ReturnType<typeof setTimeout> | null = null;
  private lastHeardAt = 0;
  private wanted = false;

  constructor(
    private readonly options: ReconnectingSocketOptions,
    private readonly events: ReconnectingSocketEvents,
  ) {}

  /** Timers set and whether a socket exists (tests check destroy leaves none). */
  get debugCounts(): { timers: number; socket: boolean } {
    const timers = [this.retryTimer, this.connectTimer, this.staleTimer].filter((t) => t !== null).length;
    return { timers, socket: this.socket !== null };
  }

  /** Sends if the socket is open; false means nothing was sent. */
  send(bytes: Uint8Array): boolean {
    if (this.state !== 'online' || this.socket?.readyState !== WEBSOCKET_OPEN) return false;
    this.socket.send(bytes);
    return true;
  }

  /** The relay was heard from: the backoff starts over and the socket is not stale. */
  heard(): void {
    this.lastHeardAt = this.options.now();
    if (this.failedAttempts !== 0) {
      this.failedAttempts = 0;
      this.events.onStateChange();
    }
  }

  /** Connects now, skipping any backoff wait. */
  connect(): void {
    if (this.state === 'destroyed') return;
    this.wanted = true;
    if (this.socket) return;
    this.clearTimer('retryTimer');
    this.open();
  }

  /** Closes the socket and stays disconnected until `connect()`. */
  disconnect(): void {
    this.wanted = false;
    this.clearTimer('retryTimer');
    const hadSocket = this.socket !== null;
    this.drop(1000, 'client disconnect');
    if (hadSocket) this.events.onClosed(null);
    if (this.state !== 'destroyed') this.setState({ state: 'offline', nextRetryAt: null });
  }

  /** Gives up on the current socket (this side's decision, e.g. malformed bytes) and retries. */
  abandon(code: number, reason: string, message: string): void {
    if (!this.socket) return;
    // A half-open socket may never finish the close handshake, so it is not awaited.
    this.drop(code, reason);
    this.failedAttempts += 1;
    this.events.onClosed({ message, code, local: true });
    if (this.wanted) this.scheduleRetry();
  }

  /** Closes the socket for good and clears every timer. */
  destroy(): void {
    this.disconnect();
    this.state = 'destroyed';
  }

  private open(): void {
    let ws: WebSocketLike;
    const url = typeof this.options.url === 'function' ? this.options.url() : this.options.url;
    try {
      ws = new this.options.WebSocketImpl(url);
    } catch (err) {
      this.failedAttempts += 1;
      this.events.onClosed({ message: `cannot open a socket to ${url}: ${String(err)}`, local: true });
      this.scheduleRetry();
      return;
    }
    ws.binaryType = 'arraybuffer';
    const onOpen = () => this.handleOpen();
    const onMessage = (event: { data: unknown }) => this.events.onMessage(event.data);
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
      this.abandon(4000, 'connect timeout', `relay did not answer within ${this.options.connectTimeoutMs} ms`);
    }, this.options.connectTimeoutMs);
    this.setState({ state: 'connecting', nextRetryAt: null });
  }

  private handleOpen(): void {
    this.clearTimer('connectTimer');
    this.lastHeardAt = this.options.now();
    this.watchStaleness(this.options.staleAfterMs);
    this.setState({ state: 'online' });
    this.events.onOpen();
  }

  private handleClose(code: number, reason: string): void {
    this.release();
    this.failedAttempts += 1;
    this.state = 'offline';
    const normal = code === 1000 || code === 1005;
    this.events.onClosed(normal ? null : { message: reason, code, local: false });
    if (this.wanted) this.scheduleRetry();
    else this.events.onStateChange();
  }

  private watchStaleness(delayMs: number): void {
    this.staleTimer = setTimeout(() => {
      this.staleTimer = null;
      const silentMs = this.options.now() - this.lastHeardAt;
      if (silentMs < this.options.staleAfterMs) return this.watchStaleness(this.options.staleAfterMs - silentMs);
      this.abandon(4000, 'relay silent', `relay silent for ${silentMs} ms; reconnecting`);
    }, delayMs);
  }

  private scheduleRetry(): void {
    this.clearTimer('retryTimer');
    const delay = backoffDelay(Math.max(0, this.failedAttempts - 1), this.options.backoff, this.options.random);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.wanted && !this.socket) this.open();
    }, delay);
    this.setState({ state: 'offline', nextRetryAt: this.options.now() + delay });
  }

  /** Closes the socket without hearing about it again. */
  private drop(code: number, reason: string): void {
    const ws = this.socket;
    if (!ws) return;
    this.release();
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
    this.state = 'offline';
  }

  private release(): void {
    this.detachSocket?.();
    this.detachSocket = null;
    this.socket = null;
    this.clearTimer('connectTimer');
    this.clearTimer('staleTimer');
  }

  private clearTimer(name: 'retryTimer' | 'connectTimer' | 'staleTimer'): void {
    const timer = this[name];
    if (timer) clearTimeout(timer);
    this[name] = null;
  }

  private setState(patch: { state: SocketState; nextRetryAt?: number | null }): void {
    this.state = patch.state;
    if (patch.nextRetryAt !== undefined) this.nextRetryAt = patch.nextRetryAt;
    this.events.onStateChange();
  }
}
