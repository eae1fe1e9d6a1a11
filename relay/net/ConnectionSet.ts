/**
 * Every WebSocket the relay holds: the admitted connections of both
 * endpoints, each with the token it authenticated with (re-checked when the
 * users change), and the sockets closed at the door until their closing
 * handshake ends. It revokes, broadcasts the storage status, runs the
 * heartbeat and closes them all at shutdown.
 */
import type { WebSocket } from 'ws';
import { CloseCode, type CloseInfo } from '../../shared/protocol/closeCodes';
import type { UserStore } from '../auth/UserStore';
import type { StoreHealth } from '../storage/DocStore';
import { MuxConnection } from './MuxConnection';
import type { PerDocConnection } from './PerDocConnection';
import type { PerUserLimits } from './PerUserLimits';
import type { Principal } from './Principal';

export type Connection = MuxConnection | PerDocConnection;

/** Connections one turn of the loop pings (ConnectionSet.heartbeat). */
const HEARTBEAT_SLICE = 250;

export class ConnectionSet {
  private readonly open = new Map<Connection, string | null>();
  /** Sockets closed at the door (bad token, bad name), until their closing handshake ends. */
  private readonly refused = new Set<WebSocket>();

  constructor(private readonly perUser: PerUserLimits) {}

  get size(): number {
    return this.open.size;
  }

  /** Holds an admitted connection, with the token to re-check it by (null: an open relay). */
  track(conn: Connection, token: string | null): void {
    this.open.set(conn, token);
  }

  /** Lets go of a connection whose socket closed. */
  readonly forget = (conn: Connection): void => {
    this.open.delete(conn);
    this.perUser.leave(conn.principal);
  };

  /** Closes `ws` at the door with `code`, holding it until its closing handshake ends. */
  refuse(ws: WebSocket, code: number, reason: string): void {
    this.refused.add(ws);
    ws.once('close', () => this.refused.delete(ws));
    ws.close(code, reason);
  }

  /** A device just bound to `principal`'s user was released by an admin: its previous user's sockets go. */
  closeOthersOnDevice(principal: Principal): void {
    for (const conn of this.open.keys()) {
      if (conn.principal.device === principal.device && conn.principal.user !== principal.user) {
        conn.socket.close(CloseCode.forbidden, `device ${principal.device} is now enrolled to another user`);
      }
    }
  }

  /** Closes the connections whose token no longer authenticates, or whose user's role changed. */
  revoke(users: UserStore): void {
    for (const [conn, token] of this.open) {
      const user = token ? users.authenticate(token) : null;
      if (!user) conn.socket.close(CloseCode.unauthorized, 'token revoked');
      // A connection's rules are fixed when it opens: a user given another role reconnects under it.
      else if (user.role !== conn.principal.role) conn.socket.close(CloseCode.forbidden, 'role changed: reconnect');
    }
  }

  /** Every admitted `/mux` connection (the health page's devices). */
  muxConnections(): MuxConnection[] {
    return [...this.open.keys()].filter((conn): conn is MuxConnection => conn instanceof MuxConnection);
  }

  /** Tells every device (`/mux`) the storage health. */
  broadcastStatus(health: StoreHealth): void {
    for (const conn of this.open.keys()) if (conn instanceof MuxConnection) sendStatus(conn, health);
  }

  /** Sends every device (`/mux`) one notice frame, the moment it is stored. */
  broadcastNotice(frame: Uint8Array): void {
    for (const conn of this.open.keys()) if (conn instanceof MuxConnection) conn.sendNoticeFrame(frame);
  }

  /**
   * One heartbeat: pings find half-open sockets on the relay's side; the
   * status frame does the same for devices, whose browsers cannot see pings.
   * It runs in slices of HEARTBEAT_SLICE connections, each its own turn of
   * the loop: at 5,000 devices one pass is 5,000 socket writes (a few
   * hundred ms on a busy 2-core box), and a notice posted meanwhile must
   * not wait for all of them.
   */
  heartbeat(health: StoreHealth): void {
    const conns = Array.from(this.open.keys());
    const slice = (from: number): void => {
      const end = Math.min(from + HEARTBEAT_SLICE, conns.length);
      for (let i = from; i < end; i++) {
        const conn = conns[i]!;
        if (!this.open.has(conn)) continue; // closed since the pass began
        conn.socket.heartbeat();
        if (conn instanceof MuxConnection) sendStatus(conn, health);
      }
      if (end < conns.length) setImmediate(slice, end);
    };
    slice(0);
  }

  /** Asks every admitted connection to close with `info`. */
  closeAll(info: CloseInfo): void {
    for (const conn of this.open.keys()) conn.socket.close(info);
  }

  /**
   * Waits up to `ms` for every socket to finish its closing handshake (so
   * clients see why the socket went: cutting it at once can reach them as
   * 1006), then cuts whatever is left.
   */
  async terminateAll(ms: number): Promise<void> {
    await closedOrAfter(Array.from(this.open.keys(), (conn) => conn.socket.ws), ms);
    for (const conn of this.open.keys()) conn.socket.ws.terminate();
    for (const ws of this.refused) ws.terminate();
  }
}

/** Sends `conn` the status frame of `health`. */
export function sendStatus(conn: MuxConnection, health: StoreHealth): void {
  conn.sendStatus(health.ok, health.lastError ?? 'storage ok');
}

/** Resolves when every socket in `sockets` has closed, or after `ms`, whichever comes first. */
async function closedOrAfter(sockets: WebSocket[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const allClosed = Promise.all(
    sockets.map((ws) => (ws.readyState === ws.CLOSED ? undefined : new Promise<void>((resolve) => ws.once('close', () => resolve())))),
  );
  await Promise.race([allClosed, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
