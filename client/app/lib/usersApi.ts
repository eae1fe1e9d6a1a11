/**
 * The relay's user administration (admins only), over its JSON API: list
 * users, add one with a role, issue a one-time sign-in link, revoke. It needs
 * the relay (there is nothing to do offline: a device can only be enrolled
 * where the relay is reachable).
 */
import type { Role } from '../../../shared/auth/roles';
import type { Session } from './session';

/** A user as the relay lists them (never a token). */
export interface RelayUser {
  id: string;
  name: string;
  role: Role;
  createdAt: number;
  revokedAt?: number;
}

/** A sign-in link to open on (or scan into) the device being enrolled. */
export interface SignInLink {
  user: RelayUser;
  /** Absolute: `<relay>/enrol#code=...`. */
  url: string;
  expiresAt: number;
}

/** Why an admin request failed, in the relay's words. */
export class UsersApiError extends Error {
  override name = 'UsersApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The admin API bound to the signed-in admin's session. */
export class UsersApi {
  constructor(
    private readonly session: Pick<Session, 'relayUrl' | 'token'>,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {}

  async list(): Promise<RelayUser[]> {
    const body = (await this.call('GET', '/api/users')) as { users: RelayUser[] };
    return body.users;
  }

  /** Adds a user and returns their first sign-in link. */
  async add(name: string, role: Role): Promise<SignInLink> {
    return this.link(await this.call('POST', '/api/users', { name, role }));
  }

  /** A fresh one-time sign-in link for `userId` (earlier unused ones stop working). */
  async enrol(userId: string): Promise<SignInLink> {
    return this.link(await this.call('POST', `/api/users/${encodeURIComponent(userId)}/enrol`));
  }

  /** Revokes `userId`: the relay disconnects their devices within seconds. */
  async revoke(userId: string): Promise<RelayUser> {
    const body = (await this.call('POST', `/api/users/${encodeURIComponent(userId)}/revoke`)) as { user: RelayUser };
    return body.user;
  }

  private link(body: unknown): SignInLink {
    const { user, link, expiresAt } = body as { user: RelayUser; link: string; expiresAt: number };
    return { user, url: new URL(link, this.session.relayUrl).toString(), expiresAt };
  }

  private async call(method: string, path: string, json?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.session.relayUrl}${path}`, {
        method,
        cache: 'no-store',
        headers: { authorization: `Bearer ${this.session.token}`, ...(json !== undefined && { 'content-type': 'application/json' }) },
        ...(json !== undefined && { body: JSON.stringify(json) }),
      });
    } catch {
      throw new UsersApiError(0, 'Cannot reach the relay. Managing users needs the relay.');
    }
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    if (!res.ok) throw new UsersApiError(res.status, body.error ?? `the relay answered ${res.status}`);
    return body;
  }
}
