/**
 * The relay's composition root: an HTTP server with `/healthz`, the two
 * WebSocket endpoints (`/sync/<doc>` stock y-websocket, `/mux` multiplexed),
 * the document registry and the heartbeat. Everything is injected, so tests
 * run many relays in one process on port 0.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { DocStore, StoreHealth } from './storage/DocStore';
import { CloseCode } from '../shared/protocol/closeCodes';
import { isDocName } from '../shared/protocol/docNames';
import { resolveLimits, type RelayLimits } from './limits';
import { silentLog, type RelayLog } from './log';
import { DocRegistry } from './sync/DocRegistry';
import { apiHandler } from './http/api';
import { serveApp } from './http/serveApp';
import { MuxConnection } from './net/MuxConnection';
import { ChangeFeed } from './sync/ChangeFeed';
import { PerDocConnection } from './net/PerDocConnection';
import type { UserStore } from './auth/UserStore';
import { authenticateWith, openPrincipal, tokenOf } from './auth/authenticateUpgrade';
import type { DeviceStore } from './auth/DeviceStore';
import { MemoryDeviceStore } from './auth/MemoryDeviceStore';
import { checkDevice, type DeviceVerdict } from './auth/deviceGate';
import type { Principal } from './net/Principal';
import { PerUserLimits } from './net/PerUserLimits';
import type { Role } from '../shared/auth/roles';
import { writePolicyFor } from './policy/writeRefusal';
import { RECORD_PREFIX } from '../shared/model/recordLayout';
import { followRecord } from './review/followRecord';
import type { RelayDiagnostics } from './diag/RelayDiagnostics';
import { SiteDocWriter } from './site/SiteDocWriter';
import { SiteUserNames } from './site/SiteUserNames';
import type { DocRoom, RoomFollower } from './sync/DocRoom';
import { toSiteId } from '../shared/model/ids';

export interface RelayOptions {
  /** Where documents are stored (LevelDocStore in production). The caller closes it. */
  store: DocStore;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. */
  port?: number;
  /** Overrides of the default limits. */
  limits?: Partial<RelayLimits>;
  log?: RelayLog;
  /**
   * Who may connect. Every connection must carry a valid token of a user in
   * this store (4401 otherwise), and is closed within a poll of the store when
   * that user is revoked. Without a store the relay is open: everyone is an
   * unchecked admin (for tests and local experiments only; `npm start` always
   * passes one).
   */
  users?: UserStore;
  /**
   * Which user owns each device (`FileDeviceStore` in production). With
   * `users`, a connection naming a device of another user is refused (4403)
   * and a new device is bound to its first user before the connection is
   * admitted. Without it, a relay with users keeps the bindings in memory
   * (lost at restart). Unused by an open relay. The caller closes it.
   */
  devices?: DeviceStore;
  /** The built app to serve at `/` (dist/app); none when absent. */
  appDir?: string;
  /**
   * The site this relay serves (default 'main'): reported by /api/session,
   * and the site document `site:<site>` whose record index and display names
   * the relay writes.
   */
  site?: string;
  /** Pauses and per-stage timings, served at /debug/diagnostics (the bench; TALLY_DIAGNOSTICS=1). */
  diagnostics?: RelayDiagnostics;
  /** Serve HTTPS/WSS with this certificate (PEM) instead of plain HTTP. */
  tls?: { cert: string; key: string };
}

export interface Relay {
  readonly port: number;
  /** http://host:port */
  readonly url: string;
  /** Counters for /healthz and tests. */
  stats(): RelayStats;
  /** Closes every connection (1001), waits for pending writes, stops listening. The store stays open. */
  close(): Promise<void>;
}

export interface RelayStats {
  connections: number;
  docsInMemory: number;
  /** Documents at least one /mux connection watches for changes. */
  watchedDocs: number;
  storage: StoreHealth;
}

export async function createRelay(options: RelayOptions): Promise<Relay> {
  const { store } = options;
  const limits = resolveLimits(options.limits);
  const log = options.log ?? silentLog;
  const { users } = options;
  const authenticate = users ? authenticateWith(users) : (_req: http.IncomingMessage, url: URL) => openPrincipal(url);
  const devices = users ? (options.devices ?? new MemoryDeviceStore()) : undefined;
  const perUser = new PerUserLimits({ maxConnections: limits.maxConnectionsPerUser, maxRefusalsPerMinute: limits.maxRefusalsPerMinute });
  /** Every open connection, with the token it authenticated with (re-checked on user changes). */
  const connections = new Map<MuxConnection | PerDocConnection, string | null>();
  const forget = (conn: MuxConnection | PerDocConnection): void => {
    connections.delete(conn);
    perUser.leave(conn.principal);
  };
  /** Upgrades held until their device is registered durably. */
  const waiting = new Set<Duplex>();
  let closing = false;
  /** Sockets closed at the door (bad token, bad name), until their closing handshake ends. */
  const refused = new Set<WebSocket>();
  const roleOf = (user: string): Role | undefined => {
    if (!users) return 'admin';
    const found = users.get(user);
    return found && found.revokedAt === undefined ? found.role : undefined;
  };
  const site = toSiteId(options.site ?? 'main');
  const stages = options.diagnostics?.stages;
  const registry = new DocRegistry({ store, limits, log, site, follow: (room) => follow(room), stages });
  const changeFeed = new ChangeFeed(registry);
  // The site document's derived parts (record index, display names) are the relay's to write.
  const siteWriter = new SiteDocWriter({ registry, site, log });
  const userNames = users ? new SiteUserNames({ users, writer: siteWriter }) : undefined;
  /** What follows a room's accepted changes once its document is built. */
  function follow(room: DocRoom): RoomFollower | undefined {
    if (room.name === siteWriter.docName) {
      userNames?.publish();
      return undefined;
    }
    return room.name.startsWith(RECORD_PREFIX) ? followRecord(room, { roleOf, siteWriter, log }) : undefined;
  }
  let nextConnId = 1;

  const stats = (): RelayStats => ({ connections: connections.size, docsInMemory: registry.size, watchedDocs: changeFeed.watchedDocs, storage: store.health() });

  const api = users && devices ? apiHandler({ users, devices, site, log }) : undefined;
  const app = options.appDir ? serveApp(options.appDir) : undefined;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/healthz') {
      const s = stats();
      res.writeHead(s.storage.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ ok: s.storage.ok, ...s }));
      return;
    }
    if (options.diagnostics?.handle(req, res)) return;
    if (api?.(req, res)) return;
    if (app?.(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  };
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : http.createServer(onRequest);

  // ws refuses far-oversized frames itself (1009) before buffering them;
  // anything between the limit and that ceiling gets our 4413. `connections`
  // and `refused` track every socket, so ws's own client set (a Set entry and
  // a close listener per socket) is off.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxMessageBytes * 2 + 1024,
    perMessageDeflate: false,
    clientTracking: false,
  });

  // The device is checked before the upgrade completes: a client cannot
  // send a frame before its device is registered on disk.
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    const principal = authenticate(req, url);
    const verdict = principal && devices ? checkDevice(devices, principal, log) : null;
    const upgrade = (who: Principal | null, v: DeviceVerdict | null): void => wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req, url, who, v));
    if (!(verdict instanceof Promise)) return upgrade(principal, verdict);
    waiting.add(socket);
    // ws listens for socket errors only once it upgrades; until then an error must not crash the relay.
    const ignore = (): void => {};
    socket.on('error', ignore);
    void verdict.then((v) => {
      waiting.delete(socket);
      socket.off('error', ignore);
      if (closing || socket.destroyed) return void socket.destroy();
      // The user may have been revoked while the device was being written.
      upgrade(authenticate(req, url), v);
    });
  });

  function accept(ws: WebSocket, req: http.IncomingMessage, url: URL, principal: Principal | null, device: DeviceVerdict | null): void {
    const connId = nextConnId++;
    if (!principal) {
      log.warn({ connId, path: url.pathname }, 'refused connection without a valid token');
      return refuse(ws, CloseCode.unauthorized.code, CloseCode.unauthorized.reason);
    }
    if (device && !device.ok) {
      log.warn({ connId, user: principal.user, device: principal.device, detail: device.detail }, 'refused connection: device check');
      return refuse(ws, device.close.code, device.close.reason);
    }
    if (device?.registered) closeOthersOnDevice(principal);
    let docName: string | null = null;
    if (url.pathname.startsWith('/sync/')) {
      try {
        docName = decodeURIComponent(url.pathname.slice('/sync/'.length));
      } catch {
        docName = '';
      }
      if (!isDocName(docName)) {
        log.warn({ connId, path: url.pathname }, 'refused invalid document name');
        return refuse(ws, CloseCode.badDocName.code, CloseCode.badDocName.reason);
      }
      const unknown = writePolicyFor(principal).refuseOpen(docName, registry.site);
      if (unknown !== null) {
        log.warn({ connId, doc: docName, reason: unknown }, 'refused to open a document');
        return refuse(ws, CloseCode.badDocName.code, unknown.slice(0, 120));
      }
    } else if (url.pathname !== '/mux') {
      return refuse(ws, CloseCode.badDocName.code, 'unknown endpoint: use /mux or /sync/<document>');
    }
    if (!perUser.admit(principal)) {
      log.warn({ connId, user: principal.user, open: perUser.connectionsOf(principal.user) }, 'refused connection over the per-user limit');
      return refuse(ws, CloseCode.tooManyConnections.code, `${CloseCode.tooManyConnections.reason} (${limits.maxConnectionsPerUser})`);
    }
    const token = keptToken(tokenOf(req, url));
    const connection = { principal, registry, changeFeed, limits, log, connId, refusals: perUser.refusalsOf(principal), onClosed: forget, stages };
    if (docName === null) {
      const conn = new MuxConnection(ws, connection);
      connections.set(conn, token);
      const health = store.health();
      conn.sendStatus(health.ok, health.lastError ?? 'storage ok');
      return;
    }
    connections.set(new PerDocConnection(ws, docName, connection), token);
  }

  /** A device just bound to `principal`'s user was released by an admin: its previous user's sockets go. */
  function closeOthersOnDevice(principal: Principal): void {
    for (const conn of connections.keys()) {
      if (conn.principal.device === principal.device && conn.principal.user !== principal.user) {
        conn.socket.close(CloseCode.forbidden, `device ${principal.device} is now enrolled to another user`);
      }
    }
  }

  function refuse(ws: WebSocket, code: number, reason: string): void {
    refused.add(ws);
    ws.once('close', () => refused.delete(ws));
    ws.close(code, reason);
  }

  // A revoked (or re-enrolled) user's sockets close as soon as the store notices.
  const unsubscribeUsers = users?.onChange(() => {
    for (const [conn, token] of connections) {
      const user = token ? users.authenticate(token) : null;
      if (!user) conn.socket.close(CloseCode.unauthorized, 'token revoked');
      // A connection's rules are fixed when it opens: a user given another role reconnects under it.
      else if (user.role !== conn.principal.role) conn.socket.close(CloseCode.forbidden, 'role changed: reconnect');
    }
  });

  const unsubscribeHealth = store.onHealthChange((health) => {
    if (!health.ok) log.error({ err: health.lastError }, 'storage failing: changes are held and retried, nothing is acknowledged');
    else log.info({}, 'storage recovered');
    for (const conn of connections.keys()) {
      if (conn instanceof MuxConnection) conn.sendStatus(health.ok, health.lastError ?? 'storage ok');
    }
  });

  // Pings find half-open sockets on the relay's side; the status frame does
  // the same for devices, whose browsers cannot see WebSocket pings.
  const heartbeat = setInterval(() => {
    const health = store.health();
    for (const conn of connections.keys()) {
      conn.socket.heartbeat();
      if (conn instanceof MuxConnection) conn.sendStatus(health.ok, health.lastError ?? 'storage ok');
    }
  }, limits.pingIntervalMs);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closed: Promise<void> | undefined;
  return {
    port: address.port,
    url: `${options.tls ? 'https' : 'http'}://${host}:${address.port}`,
    stats,
    close() {
      closed ??= (async () => {
        closing = true;
        for (const socket of waiting) socket.destroy();
        clearInterval(heartbeat);
        unsubscribeHealth();
        unsubscribeUsers?.();
        userNames?.destroy();
        server.close();
        for (const conn of connections.keys()) conn.socket.close(CloseCode.shuttingDown);
        // A failing disk must not hang a shutdown forever: after the grace
        // period the caller's store.close() reports what was given up.
        const flushed = Promise.all([registry.whenAllDurable(), store.flush()]).then(() => true);
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), limits.closeTimeoutMs)));
        if (!(await Promise.race([flushed, timedOut]))) {
          log.error({ pendingWrites: store.health().pendingWrites, err: store.health().lastError }, 'pending writes could not be flushed before shutdown');
        }
        clearTimeout(timer);
        registry.destroyAll();
        changeFeed.destroy();
        // Give clients a moment to answer the 1001 close, so they see why the
        // socket went (cutting it at once can reach them as 1006); then cut.
        await closedOrAfter(Array.from(connections.keys(), (conn) => conn.socket.ws), CLOSE_HANDSHAKE_MS);
        for (const conn of connections.keys()) conn.socket.ws.terminate();
        for (const ws of refused) ws.terminate();
        wss.close();
        server.closeAllConnections();
      })();
      return closed;
    },
  };
}

/** How long a shutdown waits for clients to answer its close frame. */
const CLOSE_HANDSHAKE_MS = 1_000;

/** Resolves when every socket in `sockets` has closed, or after `ms`, whichever comes first. */
async function closedOrAfter(sockets: WebSocket[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const allClosed = Promise.all(
    sockets.map((ws) => (ws.readyState === ws.CLOSED ? undefined : new Promise<void>((resolve) => ws.once('close', () => resolve())))),
  );
  await Promise.race([allClosed, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * The token as kept for the life of a connection. A token parsed from the
 * query is a slice of the whole request URL and would keep all of it alive;
 * the copy holds the token's characters only.
 */
function keptToken(token: string | null): string | null {
  return token === null ? null : Buffer.from(token, 'utf8').toString('utf8');
}
