/**
 * The door of the WebSocket endpoints: each HTTP upgrade is authenticated,
 * its device checked (and registered durably before the upgrade completes,
 * so a client cannot send a frame before that), then routed to `/mux` or
 * `/sync/<document>`, or closed with the code that says why.
 */
import type { ChangeCounters } from '../metrics/RelayMetrics';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { isDocName } from '../../shared/protocol/docNames';
import { checkDevice, type DeviceVerdict } from '../auth/deviceGate';
import type { DeviceStore } from '../auth/DeviceStore';
import { tokenOf } from '../auth/authenticateUpgrade';
import type { StageTimings } from '../diag/StageTimings';
import type { RelayLimits } from '../limits';
import type { RelayLog } from '../log';
import { writePolicyFor } from '../policy/writeRefusal';
import type { DocStore } from '../storage/DocStore';
import type { NoticeLog } from '../notices/NoticeLog';
import type { RecentRefusals } from '../health/RecentRefusals';
import type { SendLogPulls } from '../health/SendLogPulls';
import type { NoticeReceipts } from '../notices/NoticeReceipts';
import type { RecordSummaries } from '../sync/RecordSummaries';
import type { DeviceSightings } from '../health/DeviceSightings';
import type { ChangeFeed } from '../sync/ChangeFeed';
import type { DocRegistry } from '../sync/DocRegistry';
import { sendStatus, type ConnectionSet } from './ConnectionSet';
import { MuxConnection } from './MuxConnection';
import { PerDocConnection } from './PerDocConnection';
import type { PerUserLimits } from './PerUserLimits';
import type { Principal } from './Principal';

export interface UpgradeRouterOptions {
  /** Who an upgrade is (null: no valid token). */
  authenticate: (req: http.IncomingMessage, url: URL) => Principal | null;
  /** Which user owns each device; absent on an open relay. */
  devices: DeviceStore | undefined;
  connections: ConnectionSet;
  perUser: PerUserLimits;
  registry: DocRegistry;
  changeFeed: ChangeFeed;
  recordSummaries: RecordSummaries;
  /** Its health is sent to each new `/mux` connection. */
  store: DocStore;
  limits: RelayLimits;
  log: RelayLog;
  stages?: StageTimings;
  /** Where acknowledged and refused changes are counted (/metrics). */
  metrics?: ChangeCounters;
  /** The priority channel: a `/mux` device gets the notices after its `?notices=<seq>` right after `status`. */
  notices?: NoticeLog;
  /** Where refused changes, and connections of known users refused at the door, are kept for the health page. */
  refusalLog?: RecentRefusals;
  /** Where devices' `sendLog` answers go. */
  sendLogPulls?: SendLogPulls;
  /** The data folder's identity (storeIdentity.ts), in the `status` frames of `/mux` devices that ask (`store=1`). */
  storeId?: string;
  /** How far each device holds the notices (its `?notices=`), for the read-by list. */
  noticeReceipts?: NoticeReceipts;
  /** Where `/mux` connections record their device's last contact and heartbeat. */
  sightings?: DeviceSightings;
}

export class UpgradeRouter {
  /** Upgrades held until their device is registered durably. */
  private readonly waiting = new Set<Duplex>();
  private closing = false;
  private nextConnId = 1;
  private readonly wss: WebSocketServer;

  constructor(private readonly options: UpgradeRouterOptions) {
    // ws refuses far-oversized frames itself (1009) before buffering them;
    // anything between the limit and that ceiling gets our 4413. The
    // connection set tracks every socket, so ws's own client set (a Set
    // entry and a close listener per socket) is off.
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.limits.maxMessageBytes * 2 + 1024,
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  /** Handles one HTTP upgrade (the server's 'upgrade' event). */
  readonly upgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const { authenticate, devices, log } = this.options;
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    const principal = authenticate(req, url);
    const verdict = principal && devices ? checkDevice(devices, principal, log) : null;
    const upgrade = (who: Principal | null, v: DeviceVerdict | null): void =>
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req, url, who, v));
    if (!(verdict instanceof Promise)) return upgrade(principal, verdict);
    this.waiting.add(socket);
    // ws listens for socket errors only once it upgrades; until then an error must not crash the relay.
    const ignore = (): void => {};
    socket.on('error', ignore);
    void verdict.then((v) => {
      this.waiting.delete(socket);
      socket.off('error', ignore);
      if (this.closing || socket.destroyed) return void socket.destroy();
      // The user may have been revoked while the device was being written.
      upgrade(authenticate(req, url), v);
    });
  };

  /** Stops taking upgrades; those waiting for their device are dropped. */
  close(): void {
    this.closing = true;
    for (const socket of this.waiting) socket.destroy();
  }

  /** Lets go of the WebSocket server (after every socket was closed). */
  destroy(): void {
    this.wss.close();
  }

  private accept(ws: WebSocket, req: http.IncomingMessage, url: URL, principal: Principal | null, device: DeviceVerdict | null): void {
    const { connections, perUser, registry, limits, log } = this.options;
    const connId = this.nextConnId++;
    if (!principal) {
      log.warn({ connId, path: url.pathname }, 'refused connection without a valid token');
      return connections.refuse(ws, CloseCode.unauthorized.code, CloseCode.unauthorized.reason);
    }
    if (device && !device.ok) {
      log.warn({ connId, user: principal.user, device: principal.device, detail: device.detail }, 'refused connection: device check');
      this.options.refusalLog?.record({ user: principal.user, device: principal.device, doc: '', code: device.close.code, reason: device.close.reason });
      return connections.refuse(ws, device.close.code, device.close.reason);
    }
    if (device?.registered) connections.closeOthersOnDevice(principal);
    let docName: string | null = null;
    if (url.pathname.startsWith('/sync/')) {
      try {
        docName = decodeURIComponent(url.pathname.slice('/sync/'.length));
      } catch {
        docName = '';
      }
      if (!isDocName(docName)) {
        log.warn({ connId, path: url.pathname }, 'refused invalid document name');
        return connections.refuse(ws, CloseCode.badDocName.code, CloseCode.badDocName.reason);
      }
      const unknown = writePolicyFor(principal).refuseOpen(docName, registry.site);
      if (unknown !== null) {
        log.warn({ connId, doc: docName, reason: unknown }, 'refused to open a document');
        return connections.refuse(ws, CloseCode.badDocName.code, unknown.slice(0, 120));
      }
    } else if (url.pathname !== '/mux') {
      return connections.refuse(ws, CloseCode.badDocName.code, 'unknown endpoint: use /mux or /sync/<document>');
    }
    const noticesAfter = docName === null ? url.searchParams.get('notices') : null;
    if (noticesAfter !== null && !/^\d{1,15}$/.test(noticesAfter)) {
      return connections.refuse(ws, CloseCode.malformed.code, 'notices must be the last notice seq the device has');
    }
    if (!perUser.admit(principal)) {
      log.warn({ connId, user: principal.user, open: perUser.connectionsOf(principal.user) }, 'refused connection over the per-user limit');
      this.options.refusalLog?.record({ user: principal.user, device: principal.device, doc: '', code: CloseCode.tooManyConnections.code, reason: `${CloseCode.tooManyConnections.reason} (${limits.maxConnectionsPerUser})` });
      return connections.refuse(ws, CloseCode.tooManyConnections.code, `${CloseCode.tooManyConnections.reason} (${limits.maxConnectionsPerUser})`);
    }
    const token = keptToken(tokenOf(req, url));
    // Only a device that asks reads the identity: older ones refuse a status frame with trailing bytes.
    const store = docName === null && url.searchParams.get('store') === '1' ? this.options.storeId : undefined;
    const options = {
      principal,
      registry,
      changeFeed: this.options.changeFeed,
      recordSummaries: this.options.recordSummaries,
      limits,
      log,
      connId,
      refusals: perUser.refusalsOf(principal),
      onClosed: connections.forget,
      stages: this.options.stages,
      metrics: this.options.metrics,
      notices: this.options.notices,
      refusalLog: this.options.refusalLog,
      sendLogPulls: this.options.sendLogPulls,
      ...(store !== undefined && { store }),
      noticeReceipts: this.options.noticeReceipts,
      sightings: this.options.sightings,
    };
    if (docName === null) {
      const conn = new MuxConnection(ws, options);
      connections.track(conn, token);
      sendStatus(conn, this.options.store.health());
      if (principal.device) this.options.noticeReceipts?.connected(principal.user, principal.device, noticesAfter === null ? null : Math.min(Number(noticesAfter), this.options.notices?.lastSeq ?? 0));
      // Before any document frame: the device sends none before it is open, and these go in this same turn.
      if (noticesAfter !== null) for (const notice of this.options.notices?.since(Number(noticesAfter)) ?? []) conn.sendNotice(notice);
      return;
    }
    connections.track(new PerDocConnection(ws, docName, options), token);
  }
}

/**
 * The token as kept for the life of a connection. A token parsed from the
 * query is a slice of the whole request URL and would keep all of it alive;
 * the copy holds the token's characters only.
 */
function keptToken(token: string | null): string | null {
  return token === null ? null : Buffer.from(token, 'utf8').toString('utf8');
}
