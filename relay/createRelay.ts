/**
 * The relay's composition root: an HTTP server with `/healthz`, the
 * WebSocket endpoints behind their door (UpgradeRouter: `/sync/<doc>` stock
 * y-websocket, `/mux` multiplexed), the connections it admitted
 * (ConnectionSet), the document registry and the heartbeat. Everything is injected, so tests
 * run many relays in one process on port 0.
 */
import type { RelayMetrics } from './metrics/RelayMetrics';
import type { BackupTaker } from './backup/backupArchive';
import { backupRoute } from './http/backupRoute';
import path from 'node:path';
import { NoticeLog } from './notices/NoticeLog';
import { noticesRoute } from './notices/noticesRoute';
import { NoticeReceipts } from './notices/NoticeReceipts';
import { DEFAULT_MAX_PHOTO_BYTES, photoEndpoint } from './photos/photoEndpoint';
import { PhotoStore } from './photos/PhotoStore';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { DocStore, StoreHealth } from './storage/DocStore';
import { CloseCode } from '../shared/protocol/closeCodes';
import { resolveLimits, type RelayLimits } from './limits';
import { silentLog, type RelayLog } from './log';
import { DocRegistry } from './sync/DocRegistry';
import { apiHandler } from './http/api';
import { serveApp } from './http/serveApp';
import { ConnectionSet } from './net/ConnectionSet';
import { UpgradeRouter } from './net/UpgradeRouter';
import { noticeFrame } from './net/MuxConnection';
import { ChangeFeed } from './sync/ChangeFeed';
import { RecordSummaries } from './sync/RecordSummaries';
import type { UserStore } from './auth/UserStore';
import { authenticateWith, openPrincipal } from './auth/authenticateUpgrade';
import type { DeviceStore } from './auth/DeviceStore';
import { MemoryDeviceStore } from './auth/MemoryDeviceStore';
import { PerUserLimits } from './net/PerUserLimits';
import type { Role } from '../shared/auth/roles';
import { RECORD_PREFIX } from '../shared/model/recordLayout';
import { followRecord } from './review/followRecord';
import type { RelayDiagnostics } from './diag/RelayDiagnostics';
import type { Scheduler } from './scheduler';
import { SiteDocWriter } from './site/SiteDocWriter';
import { SiteUserNames } from './site/SiteUserNames';
import type { DocRoom, RoomFollower } from './sync/DocRoom';
import { toSiteId } from '../shared/model/ids';
import { RecentRefusals } from './health/RecentRefusals';
import { SendLogPulls } from './health/SendLogPulls';
import { collectSiteHealth } from './health/siteHealth';
import { DeviceSightings } from './health/DeviceSightings';
import { healthRoute } from './health/healthRoute';
import { relayVersion } from './health/relayVersion';

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
  /** When timed work runs (idle eviction); default Node's timers. Tests move a ManualScheduler on instead of waiting. */
  scheduler?: Scheduler;
  /** Serve HTTPS/WSS with this certificate (PEM) instead of plain HTTP. */
  tls?: { cert: string; key: string };
  /**
   * Photos at `/files/` (tus uploads in, GET out), kept in `dir`
   * (`<data>/files`); only with users, since every request needs a token.
   */
  photos?: { dir: string; maxPhotoBytes?: number };
  /** Backups at `GET /api/admin/backup` (admins), taken by this; only with users. */
  backup?: BackupTaker;
  /**
   * The priority channel (safety alerts, quality holds): its log in `file`
   * (`<data>/notices.log`), served at `/api/notices` and sent to every `/mux`
   * device; only with users, since every notice names who issued it. What
   * each device received is kept beside it in `notice-receipts.json`.
   */
  notices?: { file: string };
  /**
   * The data folder's identity (`<data>/IDENTITY`, storeIdentity.ts), told to
   * `/mux` devices that ask so they notice a restore; absent: never told.
   */
  storeId?: string;
  /** When the last good scheduled backup finished (ms), for /healthz; absent when backups are not scheduled. */
  lastBackupAt?: () => number | null;
  /** The data folder: the health page shows the free space of its disk. */
  dataDir?: string;
  /** How long a device has to answer an admin's pull of its send log (default 15 s). */
  sendLogPullTimeoutMs?: number;
  /** Prometheus metrics at `GET /metrics` (with `token`, a scrape needs `Authorization: Bearer <token>`). */
  metrics?: { registry: RelayMetrics; token?: string };
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
  /** Seconds since the last good scheduled backup (null: none yet); absent when backups are not scheduled. */
  lastBackupAgeSeconds?: number | null;
}

export async function createRelay(options: RelayOptions): Promise<Relay> {
  const { store } = options;
  const limits = resolveLimits(options.limits);
  const log = options.log ?? silentLog;
  const { users } = options;
  const authenticate = users ? authenticateWith(users) : (_req: http.IncomingMessage, url: URL) => openPrincipal(url);
  const devices = users ? (options.devices ?? new MemoryDeviceStore()) : undefined;
  const perUser = new PerUserLimits({ maxConnections: limits.maxConnectionsPerUser, maxRefusalsPerMinute: limits.maxRefusalsPerMinute });
  const connections = new ConnectionSet(perUser);
  const roleOf = (user: string): Role | undefined => {
    if (!users) return 'admin';
    const found = users.get(user);
    return found && found.revokedAt === undefined ? found.role : undefined;
  };
  const site = toSiteId(options.site ?? 'main');
  const stages = options.diagnostics?.stages;
  const registry = new DocRegistry({ store, limits, log, site, follow: (room) => follow(room), stages, scheduler: options.scheduler });
  const changeFeed = new ChangeFeed(registry);
  const recordSummaries = new RecordSummaries(registry);
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
  const stats = (): RelayStats => {
    const lastBackupAt = options.lastBackupAt?.();
    return {
      connections: connections.size,
      docsInMemory: registry.size,
      watchedDocs: changeFeed.watchedDocs,
      storage: store.health(),
      ...(lastBackupAt !== undefined && { lastBackupAgeSeconds: lastBackupAt === null ? null : Math.round((Date.now() - lastBackupAt) / 1000) }),
    };
  };

  const api = users && devices ? apiHandler({ users, devices, site, log }) : undefined;
  const app = options.appDir ? serveApp(options.appDir) : undefined;
  const backup = users && options.backup ? backupRoute({ backups: options.backup, users, log }) : undefined;
  // The health page: devices' reports live on their connections; refusals and pulls here.
  const startedAt = Date.now();
  const refusalLog = new RecentRefusals();
  const sendLogPulls = new SendLogPulls({ timeoutMs: options.sendLogPullTimeoutMs });
  // Devices no longer connected: kept beside the data (a status file, like notice-receipts.json).
  const sightings = await DeviceSightings.open(options.dataDir === undefined ? undefined : path.join(options.dataDir, 'device-sightings.json'), {
    onError: (err) => log.warn({ err: String(err) }, 'device sightings could not be read or written'),
  });
  const health = users
    ? healthRoute({
        users,
        log,
        collect: () =>
          collectSiteHealth({
            version: relayVersion(),
            startedAt,
            storage: () => store.health(),
            dataDir: options.dataDir,
            lastBackupAt: options.lastBackupAt,
            devices: () => connections.muxConnections(),
            bindings: () => devices?.list() ?? [],
            sightings: () => sightings.list(),
            userOf: (id) => {
              const user = users.get(id);
              return user && { name: user.name, role: user.role, revoked: user.revokedAt !== undefined };
            },
            otherConnections: () => connections.size - connections.muxConnections().length,
            refusals: refusalLog,
          }),
        pull: (device) => sendLogPulls.pull(device, connections.muxConnections().filter((c) => c.principal.device === device)),
      })
    : undefined;
  options.metrics?.registry.observe({
    connections: () => connections.size,
    openDocs: () => registry.size,
    storageOk: () => store.health().ok,
    lastBackupAgeSeconds: () => stats().lastBackupAgeSeconds ?? null,
  });
  const metrics = options.metrics ? options.metrics.registry.handler(options.metrics.token) : undefined;
  const photoStore = users && options.photos ? new PhotoStore(options.photos.dir) : undefined;
  await photoStore?.open();
  const photos = users && photoStore ? photoEndpoint({ store: photoStore, users, maxPhotoBytes: options.photos?.maxPhotoBytes ?? DEFAULT_MAX_PHOTO_BYTES, log }) : undefined;
  const notices = users && devices && options.notices ? await NoticeLog.open(options.notices.file) : undefined;
  const noticeReceipts = notices && options.notices
    ? await NoticeReceipts.open(path.join(path.dirname(options.notices.file), 'notice-receipts.json'), { onError: (err) => log.warn({ err: String(err) }, 'notice receipts could not be read or written') })
    : undefined;
  const noticesApi = users && devices && notices ? noticesRoute({ notices, users, devices, receipts: noticeReceipts, log }) : undefined;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/healthz') {
      const s = stats();
      res.writeHead(s.storage.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ ok: s.storage.ok, ...s }));
      return;
    }
    if (metrics?.(req, res)) return;
    if (backup?.(req, res)) return;
    if (health?.(req, res)) return;
    if (options.diagnostics?.handle(req, res)) return;
    if (noticesApi?.(req, res)) return;
    if (api?.(req, res)) return;
    if (photos?.handle(req, res)) return;
    if (app?.(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  };
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : http.createServer(onRequest);

  const router = new UpgradeRouter({ authenticate, devices, connections, perUser, registry, changeFeed, recordSummaries, store, limits, log, stages, notices, noticeReceipts, sightings, metrics: options.metrics?.registry, refusalLog, sendLogPulls, storeId: options.storeId });
  // Each new notice goes to every connected device at once, one frame built for all.
  const unsubscribeNotices = notices?.onNotice((notice) => connections.broadcastNotice(noticeFrame(notice)));
  server.on('upgrade', router.upgrade);

  // A revoked (or re-enrolled) user's sockets close as soon as the store notices.
  const unsubscribeUsers = users?.onChange(() => connections.revoke(users));

  const unsubscribeHealth = store.onHealthChange((health) => {
    if (!health.ok) log.error({ err: health.lastError }, 'storage failing: changes are held and retried, nothing is acknowledged');
    else log.info({}, 'storage recovered');
    connections.broadcastStatus(health);
  });

  const heartbeat = setInterval(() => connections.heartbeat(store.health()), limits.pingIntervalMs);
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
        router.close();
        sendLogPulls.destroy();
        clearInterval(heartbeat);
        unsubscribeHealth();
        unsubscribeNotices?.();
        unsubscribeUsers?.();
        userNames?.destroy();
        photos?.close();
        server.close();
        connections.closeAll(CloseCode.shuttingDown);
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
        recordSummaries.destroy();
        await notices?.close();
        await noticeReceipts?.close();
        // Give clients a moment to answer the 1001 close; then cut.
        await connections.terminateAll(CLOSE_HANDSHAKE_MS);
        // After the sockets: each one's close records its device's last contact.
        await sightings.close();
        router.destroy();
        server.closeAllConnections();
      })();
      return closed;
    },
  };
}

/** How long a shutdown waits for clients to answer its close frame. */
const CLOSE_HANDSHAKE_MS = 1_000;
