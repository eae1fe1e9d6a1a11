/**
 * A relay-side WebSocket with the relay's rules for sending and closing:
 * messages are never dropped to a connected client (a dropped Yjs update
 * stalls every later one), so a client that stops reading is disconnected
 * instead; every close carries a named code and leaves one log line.
 *
 * Two lanes (issue 16): once `HANDOFF_BYTES` wait in the socket's write
 * buffer, further messages wait whole in the relay's own queue, in order,
 * and go to the socket as it drains; a priority message (a notice) goes to
 * the socket at once, ahead of that queue. Bytes handed to the socket are
 * never overtaken, so no frame is split and the ordinary lane keeps its order.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { CloseInfo } from '../../shared/protocol/closeCodes';
import { CloseCode } from '../../shared/protocol/closeCodes';
import type { RelayLog } from '../log';

/** How long a closing socket may take to say goodbye before it is cut. */
const CLOSE_GRACE_MS = 2_000;

const EMPTY = new Uint8Array(0);

/**
 * Bytes the socket's write buffer may hold before messages wait in the
 * relay's queue instead: enough to keep the kernel busy between two `drain`s,
 * small enough that a notice is not stuck behind much more than what the
 * kernel already holds.
 */
export const HANDOFF_BYTES = 64 * 1024;

/** A message waiting in the ordinary lane, with what to call once it is handed to the OS (sendDrained). */
interface Held {
  bytes: Uint8Array;
  done?: (err?: Error) => void;
}

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
  /** The ordinary lane's messages not yet handed to the socket, oldest first (null: none, the usual case). */
  private held: Held[] | null = null;
  private heldBytes = 0;

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

  /** Sends one binary message in the ordinary lane; disconnects a client whose backlog passed the limit. */
  send(bytes: Uint8Array): void {
    if (!this.fits(bytes)) return;
    if (this.mustHold()) this.hold({ bytes });
    else this.write(bytes);
  }

  /**
   * Sends one message ahead of every ordinary one still waiting in the
   * relay (a notice of the priority channel); it still leaves after what the
   * socket already holds, and after earlier priority messages.
   */
  sendPriority(bytes: Uint8Array): void {
    if (!this.fits(bytes)) return;
    this.write(bytes);
  }

  /** Bytes waiting for the client: in the socket's buffer and in the relay's queue. */
  get backlog(): number {
    return this.ws.bufferedAmount + this.heldBytes;
  }

  /** Messages waiting in the relay's queue (not yet handed to the socket). */
  get heldCount(): number {
    return this.held?.length ?? 0;
  }

  private write(bytes: Uint8Array, done?: (err?: Error) => void): void {
    this.cork();
    this.ws.send(bytes, { binary: true }, done);
  }

  /** True when an ordinary message must wait: others wait already, or the socket holds enough. */
  private mustHold(): boolean {
    return this.held !== null || this.ws.bufferedAmount >= HANDOFF_BYTES;
  }

  private hold(entry: Held): void {
    this.heldBytes += entry.bytes.byteLength;
    if (this.held !== null) {
      this.held.push(entry);
      return;
    }
    this.held = [entry];
    this.ws.once('close', this.dropHeld);
    const tcp = tcpOf(this.ws);
    // Past HANDOFF_BYTES (above the socket's high-water mark) the socket owes a 'drain'.
    if (tcp !== null && tcp.writableNeedDrain) tcp.once('drain', this.release);
    else setImmediate(this.release);
  }

  /** Hands waiting messages to the socket, in order, until it holds HANDOFF_BYTES again. */
  private readonly release = (): void => {
    const held = this.held;
    if (held === null || !this.isOpen) return;
    let i = 0;
    while (i < held.length && this.ws.bufferedAmount < HANDOFF_BYTES) {
      const entry = held[i++]!;
      this.heldBytes -= entry.bytes.byteLength;
      this.write(entry.bytes, entry.done);
    }
    held.splice(0, i);
    if (held.length > 0) {
      const tcp = tcpOf(this.ws);
      if (tcp !== null && tcp.writableNeedDrain) tcp.once('drain', this.release);
      else setImmediate(this.release);
      return;
    }
    this.held = null;
    this.ws.off('close', this.dropHeld);
  };

  /** Hands every waiting message to the socket now (before a close frame, which must come last). */
  private flushHeld(): void {
    const held = this.held;
    if (held === null) return;
    this.held = null;
    this.heldBytes = 0;
    this.ws.off('close', this.dropHeld);
    for (const entry of held) this.write(entry.bytes, entry.done);
  }

  private readonly dropHeld = (): void => {
    const held = this.held;
    this.held = null;
    this.heldBytes = 0;
    for (const entry of held ?? []) entry.done?.(new Error('socket closed'));
  };

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
    if (!this.fits(this.backlog === 0 ? EMPTY : bytes)) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onClose = (): void => resolve(false);
      this.ws.once('close', onClose);
      const done = (err?: Error): void => {
        this.ws.off('close', onClose);
        resolve(!err);
      };
      if (this.mustHold()) this.hold({ bytes, done });
      else this.write(bytes, done);
    });
  }

  /** True when `bytes` may be sent now; disconnects a client whose backlog would pass the limit. */
  private fits(bytes: Uint8Array): boolean {
    if (!this.isOpen) return false;
    if (this.backlog + bytes.byteLength > this.maxBufferedBytes) {
      this.close(CloseCode.slowConsumer, `${this.backlog} bytes unread`);
      return false;
    }
    return true;
  }

  /** Closes with a named code, logs why, and cuts the socket if the peer does not answer. */
  close(info: CloseInfo, detail = ''): void {
    if (this.closing) return;
    // What waits goes before the close frame; a client that stopped reading would never read it.
    if (info.code === CloseCode.slowConsumer.code) this.dropHeld();
    else this.flushHeld();
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
      // The ping and whatever follows in this turn (the mux status frame) leave in one write.
      this.cork();
      this.ws.ping();
    } catch {
      this.ws.terminate();
    }
  }
}
