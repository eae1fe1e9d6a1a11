/**
 * Who is signed in on this device, and how a device gets there: a sign-in
 * link carries a one-time code (`/enrol#code=...`, redeemed at the relay for
 * a token) or the token itself (`/enrol#token=...`, from the users CLI). The
 * session is kept in localStorage so the app opens signed in with no network.
 */
import { isRole, type Role } from '../../../shared/auth/roles';
import type { KeyValueStore } from './device';

/** The signed-in user as the relay reported them. */
export interface SessionUser {
  id: string;
  name: string;
  role: Role;
}

/** What the device keeps between visits. */
export interface Session {
  token: string;
  user: SessionUser;
  site: string;
  /** The relay's base URL (`http://host:port`); the app is normally served by it. */
  relayUrl: string;
  signedInAt: number;
}

const SESSION_KEY = 'tally.session';

/** The stored session, or null when the device is not signed in (or the stored one is unreadable). */
export function loadSession(store: KeyValueStore = localStorage): Session | null {
  try {
    const raw = JSON.parse(store.getItem(SESSION_KEY) ?? 'null') as Partial<Session> | null;
    if (!raw || typeof raw.token !== 'string' || typeof raw.site !== 'string' || typeof raw.relayUrl !== 'string') return null;
    const user = raw.user;
    if (!user || typeof user.id !== 'string' || typeof user.name !== 'string' || !isRole(user.role)) return null;
    return { token: raw.token, user, site: raw.site, relayUrl: raw.relayUrl, signedInAt: Number(raw.signedInAt) || 0 };
  } catch {
    return null;
  }
}

/** Keeps `session` on this device. */
export function saveSession(session: Session, store: KeyValueStore = localStorage): void {
  store.setItem(SESSION_KEY, JSON.stringify(session));
}

/** Forgets the session (the records stay on the device). */
export function clearSession(store: KeyValueStore = localStorage): void {
  store.removeItem(SESSION_KEY);
}

/** What a sign-in link carries. */
export type SignInSecret = { code: string } | { token: string };

/**
 * Reads a sign-in link or its fragment: `/enrol#code=...`, `#token=...`, or a
 * whole URL pasted by hand. Returns null when it carries neither.
 */
export function parseSignInLink(text: string): SignInSecret | null {
  const hash = text.includes('#') ? text.slice(text.indexOf('#') + 1) : text;
  const params = new URLSearchParams(hash);
  const code = params.get('code')?.trim();
  if (code) return { code };
  const token = params.get('token')?.trim();
  if (token) return { token };
  return null;
}

/** Why signing in failed, in words for the person holding the device. */
export class SignInError extends Error {
  override name = 'SignInError';
}

type Fetch = typeof fetch;

/** Options of `signIn`. */
export interface SignInOptions {
  /**
   * This device's id (`deviceId()`), sent with a code so the relay binds the
   * device to the user signing in; a device bound to someone else is refused
   * before the code is spent.
   */
  device?: string;
  fetchImpl?: Fetch;
}

/**
 * Signs in with a link's secret: redeems a code (`POST /api/enrol`) or checks
 * a token (`GET /api/session`), then returns the session to keep.
 */
export async function signIn(relayUrl: string, secret: SignInSecret, options: SignInOptions = {}): Promise<Session> {
  const fetchImpl = options.fetchImpl ?? fetch;
  let token: string;
  if ('code' in secret) {
    const res = await call(fetchImpl, `${relayUrl}/api/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: secret.code, device: options.device }),
    });
    if (res.status === 410) throw new SignInError('This sign-in link was already used or has expired. Ask for a new one.');
    if (res.status === 409) {
      throw new SignInError(`This device (${options.device}) belongs to another user. An admin can release it; your sign-in link still works afterwards.`);
    }
    if (!res.ok) throw new SignInError(`The relay refused the sign-in link (${res.status}).`);
    const body = (await res.json()) as { token?: unknown };
    if (typeof body.token !== 'string') throw new SignInError('The relay answered without a token.');
    token = body.token;
  } else {
    token = secret.token;
  }
  const res = await call(fetchImpl, `${relayUrl}/api/session`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status === 401) throw new SignInError('The relay does not know this sign-in token (revoked or mistyped).');
  if (!res.ok) throw new SignInError(`The relay could not check the sign-in (${res.status}).`);
  const body = (await res.json()) as { user?: Partial<SessionUser>; site?: unknown };
  const user = body.user;
  if (!user || typeof user.id !== 'string' || typeof user.name !== 'string' || !isRole(user.role) || typeof body.site !== 'string') {
    throw new SignInError('The relay sent a session this app cannot read.');
  }
  return { token, user: { id: user.id, name: user.name, role: user.role }, site: body.site, relayUrl, signedInAt: Date.now() };
}

async function call(fetchImpl: Fetch, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetchImpl(url, { ...init, cache: 'no-store' });
  } catch {
    throw new SignInError('Cannot reach the relay. Signing in needs the relay once; try again where the network works.');
  }
}

/** The relay this app talks to: the one that served it (`npm run dev` forwards the relay's endpoints). */
export function defaultRelayUrl(): string {
  return location.origin;
}

/**
 * The user's role as the relay knows it now: an admin may have changed it
 * since this device signed in. The session's role when the relay cannot say.
 */
export async function currentRole(session: Session, fetchImpl: Fetch = fetch): Promise<Role> {
  try {
    const res = await fetchImpl(`${session.relayUrl}/api/session`, { headers: { authorization: `Bearer ${session.token}` }, cache: 'no-store' });
    if (!res.ok) return session.user.role;
    const body = (await res.json()) as { user?: { role?: unknown } };
    return isRole(body.user?.role) ? body.user.role : session.user.role;
  } catch {
    return session.user.role;
  }
}
