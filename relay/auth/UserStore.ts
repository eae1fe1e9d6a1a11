/**
 * Where the relay keeps its users and their tokens. Implementations:
 * `FileUserStore` (relay/auth, the real one: `<dataDir>/users.json`, shared
 * with the users CLI) and `MemoryUserStore` (tests). Both run the acceptance
 * suite in tests/auth/userStoreAcceptance.ts.
 *
 * Reads are synchronous over the store's current snapshot, so the relay can
 * check a user on every message; the snapshot follows outside changes (the
 * CLI revoking someone) within seconds, and `onChange` says when.
 */
import type { Role } from '../../shared/auth/roles';

/** A user id: opaque, made by the store, never reused. */
export type UserId = string & { readonly __brand: 'UserId' };

/** A user as everyone but the store sees it: no token, no hash. */
export interface User {
  readonly id: UserId;
  /** Display and sign-in name; unique among active users (case-insensitive). */
  readonly name: string;
  readonly role: Role;
  /** ms since epoch. */
  readonly createdAt: number;
  /** Set once the user is revoked; a revoked user's token gets nothing. */
  readonly revokedAt?: number;
}

/** A user as stored: with the SHA-256 (hex) of their token. */
export interface StoredUser extends User {
  readonly tokenHash: string;
}

/** A newly issued token, shown once to whoever issued it and never stored in clear. */
export interface IssuedToken {
  readonly user: User;
  readonly token: string;
}

/** A one-time enrolment code, shown once (as a sign-in link) and stored hashed. */
export interface IssuedEnrolment {
  readonly user: User;
  readonly code: string;
  /** ms since epoch; the code is refused after this. */
  readonly expiresAt: number;
}

/** Why a store operation failed, as a stable code (the CLI maps these to exit codes). */
export type UserStoreErrorCode = 'invalid' | 'duplicate' | 'notFound' | 'alreadyRevoked' | 'locked' | 'corrupt';

/** A store operation refused with a reason a person can act on. */
export class UserStoreError extends Error {
  override name = 'UserStoreError';
  constructor(
    readonly code: UserStoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The relay's users. */
export interface UserStore {
  /**
   * The active user holding `token`, or null for a missing, malformed,
   * unknown or revoked token. Compares hashes in constant time.
   */
  authenticate(token: string): User | null;

  /** The user with id `id` (revoked or not), if any. */
  get(id: string): User | undefined;

  /** Every user, revoked ones included, in creation order. */
  list(): readonly User[];

  /**
   * Subscribes to changes of the user list (made here or, for file stores,
   * by another process). The relay uses it to drop revoked users' sockets.
   * Returns the unsubscribe function.
   */
  onChange(listener: (users: readonly User[]) => void): () => void;

  /** Adds a user and issues their token. Throws UserStoreError (`invalid`, `duplicate`). */
  add(input: { name: string; role: Role }): Promise<IssuedToken>;

  /**
   * Revokes the user with this id, or the active user with this name.
   * Throws UserStoreError (`notFound`, `alreadyRevoked`).
   */
  revoke(nameOrId: string): Promise<User>;

  /**
   * Gives the user with this id, or the active user with this name, another
   * role; their token stays valid. Throws UserStoreError (`notFound`,
   * `alreadyRevoked`, `invalid` for an unknown role).
   */
  setRole(nameOrId: string, role: Role): Promise<User>;

  /**
   * Issues a one-time enrolment code for an active user, valid for `ttlMs`
   * (default 24 hours). Throws UserStoreError (`notFound`).
   */
  createEnrolment(userId: string, options?: { ttlMs?: number }): Promise<IssuedEnrolment>;

  /**
   * Redeems an enrolment code: the first valid use issues the user a fresh
   * token (replacing their previous one); an unknown, used or expired code,
   * or one for a revoked user, gives null.
   */
  redeemEnrolment(code: string): Promise<IssuedToken | null>;

  /**
   * The active user `code` would sign in, without redeeming it (the relay
   * checks the enrolling device first); null for a code `redeemEnrolment`
   * would refuse. Read from the current snapshot.
   */
  enrolmentUser(code: string): User | null;

  /** Stops watching and releases timers; the store must not be used afterwards. */
  close(): Promise<void>;
}
