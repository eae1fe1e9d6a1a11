/**
 * What every UserStore implementation shares: reads over an in-memory
 * snapshot of the users data, change notification, and the user operations
 * written once as `mutate(fn)` steps. A subclass only says how a mutation
 * reaches durable storage (`commit`) and when the snapshot changes from
 * outside (`replaceSnapshot`).
 */
import type { Role } from '../../shared/auth/roles';
import { parseRole } from '../../shared/auth/roles';
import {
  UserStoreError,
  type IssuedEnrolment,
  type IssuedToken,
  type StoredUser,
  type User,
  type UserId,
  type UserStore,
} from './UserStore';
import { findByToken, hashToken, newSecret, newUserId } from './tokens';
import { activeUser, checkName, publicUser, replaceUser, withEnrolment, withRevoked, withRole, withUser, type UsersData } from './usersData';

/** Default lifetime of an enrolment code. */
export const ENROLMENT_TTL_MS = 24 * 60 * 60 * 1000;

/** Options every store takes. */
export interface UserStoreOptions {
  /** The clock (ms since epoch); injected by tests. */
  now?: () => number;
  /** Reports problems that must not throw: a listener failing, a corrupt file on reload. */
  onError?: (error: Error) => void;
}

/** What a first-start bootstrap produced: the admin and their one-time sign-in link. */
export interface BootstrapResult {
  readonly user: User;
  /** `/enrol#code=...`: the code travels in the fragment, so it never reaches a server log. */
  readonly path: string;
  readonly expiresAt: number;
}

/** A mutation step: the new data (or the same object for "no change") and a result. */
export type Mutation<T> = (data: UsersData) => { data: UsersData; result: T };

/** A UserStore over a snapshot; subclasses make mutations durable. */
export abstract class SnapshotUserStore implements UserStore {
  protected snapshot: UsersData;
  protected readonly now: () => number;
  protected readonly onError: (error: Error) => void;
  private readonly listeners = new Set<(users: readonly User[]) => void>();

  protected constructor(initial: UsersData, options: UserStoreOptions) {
    this.snapshot = initial;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => {});
  }

  /** Applies `fn` to the freshest data and makes the result durable, returning `fn`'s result. */
  protected abstract mutate<T>(fn: Mutation<T>): Promise<T>;

  /** Swaps in new data and tells listeners if the users changed. */
  protected replaceSnapshot(next: UsersData): void {
    const changed = JSON.stringify(next.users) !== JSON.stringify(this.snapshot.users);
    this.snapshot = next;
    if (!changed) return;
    const users = this.list();
    for (const listener of [...this.listeners]) {
      try {
        listener(users);
      } catch (error) {
        this.onError(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  authenticate(token: string): User | null {
    const active = this.snapshot.users.filter((u) => u.revokedAt === undefined);
    const user = findByToken(token, active, (u) => u.tokenHash);
    return user ? publicUser(user) : null;
  }

  get(id: string): User | undefined {
    const user = this.snapshot.users.find((u) => u.id === id);
    return user ? publicUser(user) : undefined;
  }

  list(): readonly User[] {
    return this.snapshot.users.map(publicUser);
  }

  onChange(listener: (users: readonly User[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async add(input: { name: string; role: Role }): Promise<IssuedToken> {
    const name = checkName(input.name);
    let role: Role;
    try {
      role = parseRole(input.role);
    } catch (error) {
      throw new UserStoreError('invalid', (error as Error).message);
    }
    const token = newSecret();
    const user: StoredUser = { id: newUserId() as UserId, name, role, tokenHash: hashToken(token), createdAt: this.now() };
    return this.mutate((data) => ({ data: withUser(data, user), result: { user: publicUser(user), token } }));
  }

  async revoke(nameOrId: string): Promise<User> {
    return this.mutate((data) => {
      const { data: next, user } = withRevoked(data, nameOrId, this.now());
      return { data: next, result: publicUser(user) };
    });
  }

  async setRole(nameOrId: string, role: Role): Promise<User> {
    let checked: Role;
    try {
      checked = parseRole(role);
    } catch (error) {
      throw new UserStoreError('invalid', (error as Error).message);
    }
    return this.mutate((data) => {
      const { data: next, user } = withRole(data, nameOrId, checked);
      return { data: next, result: publicUser(user) };
    });
  }

  async createEnrolment(userId: string, options: { ttlMs?: number } = {}): Promise<IssuedEnrolment> {
    const code = newSecret();
    return this.mutate((data) => {
      const user = activeUser(data, userId);
      const now = this.now();
      const expiresAt = now + (options.ttlMs ?? ENROLMENT_TTL_MS);
      const next = withEnrolment(data, { codeHash: hashToken(code), userId: user.id, createdAt: now, expiresAt }, now);
      return { data: next, result: { user: publicUser(user), code, expiresAt } };
    });
  }

  enrolmentUser(code: string): User | null {
    const { enrolments, users } = this.snapshot;
    const record = findByToken(code, enrolments, (e) => e.codeHash);
    const user = record && users.find((u) => u.id === record.userId && u.revokedAt === undefined);
    if (!record || !user || record.usedAt !== undefined || record.expiresAt <= this.now()) return null;
    return publicUser(user);
  }

  async redeemEnrolment(code: string): Promise<IssuedToken | null> {
    const token = newSecret();
    return this.mutate((data) => {
      const now = this.now();
      const record = findByToken(code, data.enrolments, (e) => e.codeHash);
      const user = record && data.users.find((u) => u.id === record.userId && u.revokedAt === undefined);
      if (!record || !user || record.usedAt !== undefined || record.expiresAt <= now) return { data, result: null };
      const signedIn: StoredUser = { ...user, tokenHash: hashToken(token) };
      let next = replaceUser(data, signedIn);
      next = { ...next, enrolments: next.enrolments.map((e) => (e === record ? { ...e, usedAt: now } : e)) };
      if (next.bootstrap?.userId === user.id && next.bootstrap.signedInAt === undefined) {
        next = { ...next, bootstrap: { userId: user.id, signedInAt: now } };
      }
      return { data: next, result: { user: publicUser(signedIn), token } };
    });
  }

  /**
   * First start: with no users, creates an admin and a one-time sign-in
   * link. Until that admin has signed in, every call issues a fresh link (the
   * older ones stop working), so a lost or expired link never locks anyone
   * out. Otherwise returns null.
   */
  async bootstrapAdmin(options: { ttlMs?: number } = {}): Promise<BootstrapResult | null> {
    const code = newSecret();
    return this.mutate((data) => {
      const now = this.now();
      let next = data;
      let admin: StoredUser | undefined;
      if (data.users.length === 0) {
        admin = { id: newUserId() as UserId, name: 'admin', role: 'admin', tokenHash: hashToken(newSecret()), createdAt: now };
        next = { ...withUser(data, admin), bootstrap: { userId: admin.id } };
      } else if (data.bootstrap && data.bootstrap.signedInAt === undefined) {
        admin = data.users.find((u) => u.id === data.bootstrap?.userId && u.revokedAt === undefined);
      }
      if (!admin) return { data, result: null };
      const expiresAt = now + (options.ttlMs ?? ENROLMENT_TTL_MS);
      next = withEnrolment(next, { codeHash: hashToken(code), userId: admin.id, createdAt: now, expiresAt }, now);
      return { data: next, result: { user: publicUser(admin), path: `/enrol#code=${code}`, expiresAt } };
    });
  }

  /**
   * True while a first-start link may still be redeemed: the admin that
   * `bootstrapAdmin` made has not signed in and is not revoked. The relay
   * removes the link file it wrote once this turns false.
   */
  bootstrapPending(): boolean {
    const boot = this.snapshot.bootstrap;
    if (!boot || boot.signedInAt !== undefined) return false;
    return this.snapshot.users.some((u) => u.id === boot.userId && u.revokedAt === undefined);
  }

  abstract close(): Promise<void>;
}
