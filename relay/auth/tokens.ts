/**
 * Bearer tokens, enrolment codes and their hashes.
 *
 * Tokens and codes are 32 random bytes (256 bits), so they are stored as a
 * plain SHA-256. Slow password hashes (bcrypt, scrypt) exist to make guessing
 * a low-entropy password expensive; nobody can enumerate 2^256 tokens however
 * fast the hash is, and a fast hash keeps authenticating every connection cheap.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Longest token `hashToken` will look at; anything longer is not ours. */
export const MAX_TOKEN_LENGTH = 256;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A fresh secret: 32 random bytes, base64url (43 characters). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored form of a token or code: SHA-256, lowercase hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** True when `hash` looks like what `hashToken` returns. */
export function isTokenHash(hash: unknown): hash is string {
  return typeof hash === 'string' && SHA256_HEX.test(hash);
}

/**
 * Finds the item whose hash matches `token`, comparing against every
 * candidate in constant time (no early exit), so timing reveals nothing.
 */
export function findByToken<T>(token: string, items: readonly T[], hashOf: (item: T) => string): T | undefined {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
  const wanted = Buffer.from(hashToken(token), 'hex');
  let found: T | undefined;
  for (const item of items) {
    const hash = hashOf(item);
    if (!isTokenHash(hash)) continue;
    if (timingSafeEqual(wanted, Buffer.from(hash, 'hex')) && found === undefined) found = item;
  }
  return found;
}

/** A new user id: `u-` and 12 random base64url characters. */
export function newUserId(): string {
  return `u-${randomBytes(9).toString('base64url')}`;
}
