/**
 * The contents of `users.json` and the pure operations on it. Both stores
 * (file and memory) and the CLI change users only through these functions,
 * so the rules (unique active names, single-use codes) live in one place.
 */
import { isRole, ROLES, type Role } from '../../shared/auth/roles';
import { UserStoreError, type StoredUser, type User, type UserId } from './UserStore';
import { isTokenHash } from './tokens';

/** A one-time enrolment code, stored hashed. */
export interface EnrolmentRecord {
  readonly codeHash: string;
  readonly userId: UserId;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly usedAt?: number;
}

/** The file format, version 1. */
export interface UsersData {
  readonly version: 1;
  readonly users: readonly StoredUser[];
  readonly enrolments: readonly EnrolmentRecord[];
  /** The admin made on first start, until they first sign in with the printed link. */
  readonly bootstrap?: { readonly userId: UserId; readonly signedInAt?: number };
}

const NAME_MAX = 64;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Users data with nobody in it. */
export function emptyUsersData(): UsersData {
  return { version: 1, users: [], enrolments: [] };
}

/** The user without their token hash. */
export function publicUser(u: StoredUser): User {
  const { tokenHash: _hash, ...rest } = u;
  return rest;
}

/** Trims and checks a user name; throws UserStoreError('invalid'). */
export function checkName(name: unknown): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (trimmed.length === 0 || trimmed.length > NAME_MAX || CONTROL.test(trimmed)) {
    throw new UserStoreError('invalid', `a user name is 1-${NAME_MAX} printable characters (got ${JSON.stringify(name)})`);
  }
  return trimmed;
}

/** Checks parsed JSON as users data; throws UserStoreError('corrupt') naming the problem. */
export function parseUsersData(json: unknown): UsersData {
  const bad = (what: string): never => {
    throw new UserStoreError('corrupt', `users file: ${what}`);
  };
  if (typeof json !== 'object' || json === null) return bad('not an object');
  const o = json as Record<string, unknown>;
  if (o.version !== 1) return bad(`unknown version ${JSON.stringify(o.version)}`);
  if (!Array.isArray(o.users) || !Array.isArray(o.enrolments)) return bad('users and enrolments must be arrays');
  o.users.forEach((u: Record<string, unknown>, i) => {
    const ok =
      typeof u === 'object' && u !== null && typeof u.id === 'string' && typeof u.name === 'string' && isRole(u.role) &&
      isTokenHash(u.tokenHash) && typeof u.createdAt === 'number' && (u.revokedAt === undefined || typeof u.revokedAt === 'number');
    if (!ok) bad(`user ${i} needs id, name, role (${ROLES.join('/')}), tokenHash (sha256 hex), createdAt`);
  });
  o.enrolments.forEach((e: Record<string, unknown>, i) => {
    const ok = typeof e === 'object' && e !== null && isTokenHash(e.codeHash) && typeof e.userId === 'string' && typeof e.expiresAt === 'number';
    if (!ok) bad(`enrolment ${i} needs codeHash, userId, expiresAt`);
  });
  return json as UsersData;
}

/** The user with id `nameOrId`, else the active user with that name (case-insensitive). */
export function findUser(data: UsersData, nameOrId: string): StoredUser | undefined {
  const byId = data.users.find((u) => u.id === nameOrId);
  if (byId) return byId;
  const wanted = nameOrId.trim().toLowerCase();
  return data.users.find((u) => u.revokedAt === undefined && u.name.toLowerCase() === wanted);
}

/** Adds `user`; throws UserStoreError('duplicate') when an active user has the name. */
export function withUser(data: UsersData, user: StoredUser): UsersData {
  const clash = findUser(data, user.name);
  if (clash && clash.revokedAt === undefined && clash.id !== user.id) {
    throw new UserStoreError('duplicate', `there is already an active user named ${JSON.stringify(clash.name)} (${clash.id})`);
  }
  return { ...data, users: [...data.users, user] };
}

/** Revokes a user by id or active name; throws UserStoreError('notFound' | 'alreadyRevoked'). */
export function withRevoked(data: UsersData, nameOrId: string, now: number): { data: UsersData; user: StoredUser } {
  const user = findUser(data, nameOrId);
  if (!user) {
    const revoked = data.users.some((u) => u.name.toLowerCase() === nameOrId.trim().toLowerCase());
    if (revoked) throw new UserStoreError('alreadyRevoked', `${JSON.stringify(nameOrId)} is already revoked`);
    throw new UserStoreError('notFound', `no user with id or active name ${JSON.stringify(nameOrId)}`);
  }
  if (user.revokedAt !== undefined) throw new UserStoreError('alreadyRevoked', `${user.name} (${user.id}) is already revoked`);
  const revoked: StoredUser = { ...user, revokedAt: now };
  return { data: replaceUser(data, revoked), user: revoked };
}

/** The data with the active user `nameOrId` given `role`; throws UserStoreError as `withRevoked` does. */
export function withRole(data: UsersData, nameOrId: string, role: Role): { data: UsersData; user: StoredUser } {
  const user = findUser(data, nameOrId);
  if (!user) throw new UserStoreError('notFound', `no user with id or active name ${JSON.stringify(nameOrId)}`);
  if (user.revokedAt !== undefined) throw new UserStoreError('alreadyRevoked', `${user.name} (${user.id}) is revoked`);
  const changed: StoredUser = { ...user, role };
  return { data: user.role === role ? data : replaceUser(data, changed), user: changed };
}

/** Replaces the stored user with the same id. */
export function replaceUser(data: UsersData, user: StoredUser): UsersData {
  return { ...data, users: data.users.map((u) => (u.id === user.id ? user : u)) };
}

/** An active user by id; throws UserStoreError('notFound'). */
export function activeUser(data: UsersData, id: string): StoredUser {
  const user = data.users.find((u) => u.id === id && u.revokedAt === undefined);
  if (!user) throw new UserStoreError('notFound', `no active user with id ${JSON.stringify(id)}`);
  return user;
}

/**
 * Adds an enrolment code for a user, dropping that user's codes not yet used
 * (only the latest link works) and every used or expired code.
 */
export function withEnrolment(data: UsersData, record: EnrolmentRecord, now: number): UsersData {
  const kept = data.enrolments.filter((e) => e.usedAt === undefined && e.expiresAt > now && e.userId !== record.userId);
  return { ...data, enrolments: [...kept, record] };
}
