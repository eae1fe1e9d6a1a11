/**
 * A relay-side WebSocket with the relay's rules for sending and closing:
 * messages are never dropped to a connected client (a dropped Yjs update
 * stalls every later one), so a client that stops reading is disconnected
 * instead; every close carries a named code and leaves one log line.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { CloseInfo } from '../../shared/protocol/closeCodes';
import { CloseCode } from '../../shared/protocol/closeCodes';
import type { RelayLog } from '../log';

/** How long a closing socket may take to say goodbye before it is cut. */
const CLOSE_GRACE_MS = 2_000;

const EMPTY = new Uint8Array(0);

/** Whoever owns the socket, named in log lines. */
export interface SocketOwner {
  /** Built when a line is logged, not kept per connection. */
  readonly label: string;
}

/** The TCP socket under a ws WebSocket (ws keeps it in a private field). */
function tcpOf(ws: WebSocket): Duplex | null {
  return (ws as unknown as { _socket?: Duplex | null })._socket ?? null;
}

function uncork(socket: GuardedSocket, tcp: Duplex): void {
  socket.corked = false;
  tcp.uncork();
}

export class GuardedSocket {
  private closing = false;
  /** Messages are being held for one write at the end of this turn of the loop (`send`). */
  corked = false;
  /** Set by the relay's heartbeat; false until the next pong. */
  alive = true;

  constructor(
    readonly ws: WebSocket,
    private readonly maxBufferedBytes: number,
    private readonly log: RelayLog,
    private readonly owner: SocketOwner,
  ) {
    ws.on('pong', () => {
      this.alive = true;
    });
  }

  get isOpen(): boolean {
    return !this.closing && this.ws.readyState === this.ws.OPEN;
  }

  /** Sends one binary message; disconnects a client whose backlog passed the limit. */
  send(bytes: Uint8Array): void {
    if (!this.fits(bytes)) return;
    this.cork();
    this.ws.send(bytes, { binary: true });
  }

  /**
   * Holds what is sent until the current turn of the loop ends, so it leaves
   * in one write: when a fsync batch completes, hundreds of changes are acked
   * and forwarded at once, and one system call per message kept the loop
   * busy for hundreds of milliseconds (the ack tail).
   */
  private cork(): void {
    if (this.corked) return;
    const tcp = tcpOf(this.ws);
    if (tcp === null || tcp.destroyed) return;
    this.corked = true;
    tcp.cork();
    process.nextTick(uncork, this, tcp);
  }

  /**
   * Sends like `send`, resolving once `ws` handed the bytes to the OS (true)
   * or the socket is gone (false): a long stream waits on it before building
   * its next message, so it never piles up in the relay's memory.
   */
  sendDrained(bytes: Uint8Array): Promise<boolean> {
    // A stream sends one message at a time: one larger than the limit (a big record) may go alone.
    if (!this.fits(this.ws.bufferedAmount === 0 ? EMPTY : bytes)) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onClose = (): void => resolve(false);
      this.ws.once('close', onClose);
      this.ws.send(bytes, { binary: true }, (err) => {
        this.ws.off('close', onClose);
        resolve(!err);
      });
    });
  }

  /** True when `bytes` may be sent now; disconnects a client whose backlog would pass the limit. */
  private fits(bytes: Uint8Array): boolean {
    if (!this.isOpen) return false;
    if (this.ws.bufferedAmount + bytes.byteLength > this.maxBufferedBytes) {
      this.close(CloseCode.slowConsumer, `${this.ws.bufferedAmount} bytes unread`);
      return false;
    }
    return true;
  }

  /** Closes with a named code, logs why, and cuts the socket if the peer does not answer. */
  close(info: CloseInfo, detail = ''): void {
    if (this.closing) return;
    this.closing = true;
    const level = info.code === CloseCode.shuttingDown.code ? 'info' : 'warn';
    this.log[level]({ conn: this.owner.label, code: info.code, reason: info.reason, detail }, 'closing connection');
    try {
      this.ws.close(info.code, info.reason);
    } catch {
      this.ws.terminate();
      return;
    }
    const timer = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
    timer.unref();
    this.ws.once('close', () => clearTimeout(timer));
  }

  /** One heartbeat tick: terminate if the last ping went unanswered, else ping again. */
  heartbeat(): void {
    if (!this.alive) {
      this.log.warn({ conn: this.owner.label }, 'no pong since last ping: terminating half-open connection');
      this.ws.terminate();
      return;
    }
    this.alive = false;
    try {
      this.ws.ping();
    } catch {
      this.ws.terminate();
    }
  }
}
