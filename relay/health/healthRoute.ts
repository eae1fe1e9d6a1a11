/**
 * The health page's API, for admins (401 without a valid token, 403 for any
 * other role):
 *
 *   GET  /api/admin/health                             -> SiteHealth
 *   POST /api/admin/health/devices/<device>/send-log   -> PulledSendLog
 *        404 not connected, 429 too many pulls at once, 504 no answer in time,
 *        502 the device's answer did not read (its socket is closed)
 */
import type http from 'node:http';
import { can, Permission } from '../../shared/auth/roles';
import { isDeviceId } from '../../shared/model/ids';
import type { SiteHealth } from '../../shared/health/siteHealth';
import type { UserStore } from '../auth/UserStore';
import type { RelayLog } from '../log';
import type { PullResult } from './SendLogPulls';

export const HEALTH_PATH = '/api/admin/health';
const PULL_PATH = /^\/api\/admin\/health\/devices\/([^/]+)\/send-log$/;

/** Options of `healthRoute`. */
export interface HealthRouteOptions {
  users: UserStore;
  collect(): Promise<SiteHealth>;
  /** Asks the sockets of `device` for its send log. */
  pull(device: string): Promise<PullResult>;
  log: RelayLog;
}

/** The routes' handler; false for any other path. */
export function healthRoute(options: HealthRouteOptions): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  return (req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const pull = PULL_PATH.exec(path);
    if (path !== HEALTH_PATH && !pull) return false;
    const header = req.headers.authorization ?? '';
    const user = header.startsWith('Bearer ') ? options.users.authenticate(header.slice(7).trim()) : null;
    if (!user) return send(res, 401, { error: 'missing or invalid token' });
    if (!can(user.role, Permission.manageUsers)) return send(res, 403, { error: `a ${user.role} may not see the site's health` });
    if (!pull) {
      if (req.method !== 'GET') return send(res, 405, { error: 'GET only' });
      void options.collect().then(
        (health) => send(res, 200, health),
        (err: unknown) => {
          options.log.error({ err: String(err) }, 'site health could not be gathered');
          send(res, 500, { error: 'internal error' });
        },
      );
      return true;
    }
    if (req.method !== 'POST') return send(res, 405, { error: 'POST only' });
    let device = '';
    try {
      device = decodeURIComponent(pull[1]!);
    } catch {
      // not a device id either
    }
    if (!isDeviceId(device)) return send(res, 400, { error: 'not a device id (1-64 of A-Z a-z 0-9 . _ -)' });
    void options.pull(device).then((result) => {
      options.log.info({ by: user.id, device, result: result.kind }, 'send log pulled');
      answerPull(res, device, result);
    });
    return true;
  };
}

function answerPull(res: http.ServerResponse, device: string, result: PullResult): void {
  switch (result.kind) {
    case 'pulled':
      return void send(res, 200, result.log);
    case 'notConnected':
      return void send(res, 404, { error: `device ${device} is not connected` });
    case 'busy':
      return void send(res, 429, { error: 'other send logs are being pulled: try again in a few seconds' });
    case 'timedOut':
      return void send(res, 504, { error: `device ${device} did not answer in time` });
    case 'malformed':
      return void send(res, 502, { error: `device ${device} sent a send log that does not read: ${result.reason}` });
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): true {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(json) });
  res.end(json);
  return true;
}
