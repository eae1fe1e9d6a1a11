/**
 * Turns a WebSocket upgrade request into a Principal: the token comes from
 * `?token=` (browsers cannot set headers on a WebSocket) or an
 * `Authorization: Bearer` header; the device id from `?device=` (whose
 * owner relay/auth/deviceGate.ts checks next).
 */
import type http from 'node:http';
import { canWrite } from '../../shared/auth/roles';
import { isDeviceId, type DeviceId } from '../../shared/model/ids';
import type { UserStore } from './UserStore';
import type { Principal } from '../net/Principal';

/** The bearer token of a request, from the query or the Authorization header. */
export function tokenOf(req: http.IncomingMessage, url: URL): string | null {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return fromQuery;
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  return null;
}

/** The device id a client gave, or null when missing or not a device id. */
export function deviceOf(url: URL): DeviceId | null {
  const device = url.searchParams.get('device');
  return isDeviceId(device) ? device : null;
}

/** Authenticates against `users`; null for a missing, wrong or revoked token. */
export function authenticateWith(users: UserStore): (req: http.IncomingMessage, url: URL) => Principal | null {
  return (req, url) => {
    const token = tokenOf(req, url);
    if (!token) return null;
    const user = users.authenticate(token);
    if (!user) return null;
    return { user: user.id, name: user.name, device: deviceOf(url), role: user.role, mayWrite: canWrite(user.role), open: false };
  };
}

/** The principal of a relay without a user store: anyone, as an admin, unchecked. */
export function openPrincipal(url: URL): Principal {
  return { user: 'anonymous', name: 'anonymous', device: deviceOf(url), role: 'admin', mayWrite: true, open: true };
}
