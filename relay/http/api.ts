/**
 * The relay's small JSON API: device enrolment, the session of a token, and
 * user administration for the admin page (admins only). Everything else
 * travels over the WebSocket endpoints.
 *
 *   POST /api/enrol            { code }            -> { token, user }      (410 when used or expired)
 *   GET  /api/session          Bearer token        -> { user, site }
 *   GET  /api/users            admin               -> { users }
 *   POST /api/users            admin { name, role } -> { user, token, link }
 *   POST /api/users/:id/enrol  admin               -> { user, link, expiresAt }
 *   POST /api/users/:id/revoke admin               -> { user }
 */
import type http from 'node:http';
import { can, Permission, parseRole } from '../../shared/auth/roles';
import { UserStoreError, type User, type UserStore } from '../../shared/auth/UserStore';
import type { RelayLog } from '../log';

export interface ApiOptions {
  users: UserStore;
  site: string;
  log: RelayLog;
}

const MAX_BODY = 16 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Returns the API's HTTP handler; it returns false for paths it does not own. */
export function apiHandler(options: ApiOptions): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  const { users, site, log } = options;
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
      const { code } = (await readJson(req)) as { code?: unknown };
      if (typeof code !== 'string' || code.length === 0) throw new HttpError(400, 'code is required');
      const issued = await users.redeemEnrolment(code);
      if (!issued) throw new HttpError(410, 'this sign-in link was already used or has expired: ask for a new one');
      log.info({ user: issued.user.id, name: issued.user.name }, 'device enrolled');
      return { token: issued.token, user: publicUser(issued.user) };
    }
    if (req.method === 'GET' && path === '/api/session') return { user: publicUser(bearer(req)), site };
    if (req.method === 'GET' && path === '/api/users') {
      admin(req);
      return { users: users.list().map(publicUser) };
    }
    if (req.method === 'POST' && path === '/api/users') {
      const by = admin(req);
      const { name, role } = (await readJson(req)) as { name?: unknown; role?: unknown };
      if (typeof name !== 'string') throw new HttpError(400, 'name is required');
      const issued = await users.add({ name, role: parseRole(role) });
      const enrolment = await users.createEnrolment(issued.user.id);
      log.info({ by: by.id, user: issued.user.id, role: issued.user.role }, 'user added');
      return { user: publicUser(issued.user), link: `/enrol#code=${enrolment.code}`, expiresAt: enrolment.expiresAt };
    }
    const m = /^\/api\/users\/([^/]+)\/(enrol|revoke)$/.exec(path);
    if (req.method === 'POST' && m) {
      const by = admin(req);
      const id = decodeURIComponent(m[1]!);
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
        if (err instanceof Error && /role/i.test(err.message)) return send(res, 400, { error: err.message });
        log.error({ path, err: String(err) }, 'API request failed');
        send(res, 500, { error: 'internal error' });
      },
    );
    return true;
  };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
}
