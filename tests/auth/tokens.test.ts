import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findByToken, hashToken, isTokenHash, MAX_TOKEN_LENGTH, newSecret } from '../../relay/auth/tokens';

describe('newSecret', () => {
  it('is 32 random bytes in base64url', () => {
    const a = newSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(newSecret()).not.toBe(a);
  });
});

describe('hashToken', () => {
  it('is the SHA-256 of the token in lowercase hex', () => {
    expect(hashToken('abc')).toBe(createHash('sha256').update('abc').digest('hex'));
    expect(isTokenHash(hashToken('abc'))).toBe(true);
  });
});

describe('findByToken', () => {
  const items = [
    { name: 'a', hash: hashToken('token-a') },
    { name: 'broken', hash: 'not-a-hash' },
    { name: 'b', hash: hashToken('token-b') },
  ];
  const hashOf = (i: { hash: string }) => i.hash;

  // token, expected item name
  it.each<[unknown, string | undefined]>([
    ['token-a', 'a'],
    ['token-b', 'b'],
    ['token-c', undefined],
    ['', undefined],
    ['x'.repeat(MAX_TOKEN_LENGTH + 1), undefined],
    [null, undefined],
    ['not-a-hash', undefined],
  ])('%j finds %s', (token, name) => {
    expect(findByToken(token as string, items, hashOf)?.name).toBe(name);
  });
});
