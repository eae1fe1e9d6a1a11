/**
 * The relay's small JSON API: device enrolment, the session of a token, and
 * user administration for the admin page (admins only). Everything else
 * travels over the WebSocket endpoints. Every body is checked (jsonBody.ts):
 * one that is not a JSON object of the right field types gets 400.
 *
 *   POST /api/enrol            { code, device? }   -> { token, user }      (410 when used or expired,
 *                                                      409 when the device is another user's)
 *   GET  /api/session          Bearer token        -> { user, site }
 *   GET  /api/users            admin               -> { users }
 *   POST /api/users            admin { name, role } -> { user, token, link }
 *   POST /api/users/:id/enrol  admin               -> { user, link, expiresAt }
 *   POST /api/users/:id/revoke admin               -> { user }
 */
import type http from 'node:http';
import { can, isRole, Permission, ROLES } from '../../shared/auth/roles';
import type { DeviceStore } from '../auth/DeviceStore';
import { UserStoreError, type User, type UserStore } from '../auth/UserStore';
import type { DeviceId } from '../../shared/model/ids';
import type { RelayLog } from '../log';
import { deviceTakenReason } from '../auth/deviceGate';
import { HttpError } from './HttpError';
import { optionalDeviceId, readJsonObject, requiredString } from './jsonBody';

export interface ApiOptions {
  users: UserStore;
  /** Where a device named at enrolment is bound to the enrolled user. */
  devices: DeviceStore;
  site: string;
  log: RelayLog;
}

/** Returns the API's HTTP handler; it returns false for paths it does not own. */
export function apiHandler(options: ApiOptions): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  const { users, devices, site, log } = options;
  const publicUser = (u: User) => ({ id: u.id, name: u.name, role: u.role, createdAt: u.createdAt, revokedAt: u.revokedAt });

  const bearer = (req: http.IncomingMessage): User => {
    const header = req.headers.authorization ?? '';
    const user = header.startsWith('Bearer ') ? users.authenticate(header.slice(7).trim()) : null;
    if (!user) throw new HttpError(401, 'missing or invalid token');
    return user;
  };
  const admin = (req: http.IncomingMessage): User => {
    const user = bearer(req);
    if (!can(user.role, Permission.manageUsers)) throw new HttpError(403, `${user.role} may not manage users`);
    return user;
  };

  const route = async (req: http.IncomingMessage, path: string): Promise<unknown> => {
    if (req.method === 'POST' && path === '/api/enrol') {
      const body = await readJsonObject(req);
      const code = requiredString(body, 'code');
      const device = optionalDeviceId(body, 'device');
      // The device is bound before the code is spent, so a refused device leaves the link usable.
      const enrolling = device ? users.enrolmentUser(code) : null;
      if (device && enrolling) await claimForEnrolment(device, enrolling.id);
      const issued = await users.redeemEnrolment(code);
      if (!issued) throw new HttpError(410, 'this sign-in link was already used or has expired: ask for a new one');
      if (device && !enrolling) await claimForEnrolment(device, issued.user.id);
      log.info({ user: issued.user.id, name: issued.user.name, device }, 'device enrolled');
      return { token: issued.token, user: publicUser(issued.user) };
    }
    if (req.method === 'GET' && path === '/api/session') return { user: publicUser(bearer(req)), site };
    if (req.method === 'GET' && path === '/api/users') {
      admin(req);
      return { users: users.list().map(publicUser) };
    }
    if (req.method === 'POST' && path === '/api/users') {
      const by = admin(req);
      const body = await readJsonObject(req);
      const name = requiredString(body, 'name');
      const role = requiredString(body, 'role');
      if (!isRole(role)) throw new HttpError(400, `role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(role.slice(0, 40))}`);
      const issued = await users.add({ name, role });
      const enrolment = await users.createEnrolment(issued.user.id);
      log.info({ by: by.id, user: issued.user.id, role: issued.user.role }, 'user added');
      return { user: publicUser(issued.user), link: `/enrol#code=${enrolment.code}`, expiresAt: enrolment.expiresAt };
    }
    const m = /^\/api\/users\/([^/]+)\/(enrol|revoke)$/.exec(path);
    if (req.method === 'POST' && m) {
      const by = admin(req);
      const id = decodedSegment(m[1]!);
      if (m[2] === 'enrol') {
        const enrolment = await users.createEnrolment(id);
        return { user: publicUser(enrolment.user), link: `/enrol#code=${enrolment.code}`, expiresAt: enrolment.expiresAt };
      }
      const revoked = await users.revoke(id);
      log.info({ by: by.id, user: revoked.id }, 'user revoked');
      return { user: publicUser(revoked) };
    }
    throw new HttpError(404, `no such API: ${req.method} ${path}`);
  };

  /** Binds `device` to the enrolling user; 409 when it is someone else's. */
  const claimForEnrolment = async (device: DeviceId, user: string): Promise<void> => {
    const claim = await devices.claim(device, user);
    if (claim.ok) return;
    log.warn({ user, device, owner: claim.binding.user }, 'refused to enrol a device of another user');
    throw new HttpError(409, `${deviceTakenReason(device)}: ask an admin to release it (npm run users -- release-device ${device})`);
  };

  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://relay.invalid').pathname;
    if (!path.startsWith('/api/')) return false;
    route(req, path).then(
      (body) => send(res, 200, body),
      (err: unknown) => {
        if (err instanceof HttpError) return send(res, err.status, { error: err.message });
        if (err instanceof UserStoreError) {
          const status = err.code === 'notFound' ? 404 : err.code === 'duplicate' || err.code === 'alreadyRevoked' ? 409 : 400;
          return send(res, status, { error: err.message });
        }
        log.error({ path, err: String(err) }, 'API request failed');
        send(res, 500, { error: 'internal error' });
      },
    );
    return true;
  };
}

/** A URL path segment, decoded; 400 for a malformed escape (`%E0%A4%A`). */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `malformed user id in the path: ${segment.slice(0, 60)}`);
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
