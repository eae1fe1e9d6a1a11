/**
 * Reading what a device claims about itself (its heartbeat, its send log) as
 * untrusted input: every field is checked for its type and size, and the
 * first one that is wrong throws a ClaimError naming it. Unknown fields are
 * dropped, never kept: nothing a device sends reaches the health page unless
 * a reader here names it.
 */

/** A device's claim that is not what the protocol says (PROTOCOL.md §5). */
export class ClaimError extends Error {
  override name = 'ClaimError';
}

/** A JSON object whose fields are still unchecked. */
export type Claim = Readonly<Record<string, unknown>>;

/** `value` as an object (not null, not an array); throws naming `what` otherwise. */
export function claimObject(value: unknown, what: string): Claim {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ClaimError(`${what} must be an object`);
  return value as Claim;
}

/** Parses `json` (at most `maxChars` characters) as an object. */
export function parseClaim(json: string, what: string, maxChars: number): Claim {
  if (json.length > maxChars) throw new ClaimError(`${what} is ${json.length} characters (at most ${maxChars})`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ClaimError(`${what} is not JSON`);
  }
  return claimObject(value, what);
}

/** `claim[field]` as a whole number from 0 to `max`. */
export function wholeNumber(claim: Claim, field: string, max: number): number {
  const value = Object.hasOwn(claim, field) ? claim[field] : undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new ClaimError(`${field} must be a whole number from 0 to ${max}`);
  }
  return value;
}

/** `claim[field]` as a whole number from 0 to `max`, or null. */
export function wholeNumberOrNull(claim: Claim, field: string, max: number): number | null {
  return Object.hasOwn(claim, field) && claim[field] === null ? null : wholeNumber(claim, field, max);
}

/** `claim[field]` as a string of at most `max` characters. */
export function text(claim: Claim, field: string, max: number): string {
  const value = Object.hasOwn(claim, field) ? claim[field] : undefined;
  if (typeof value !== 'string') throw new ClaimError(`${field} must be a string`);
  if (value.length > max) throw new ClaimError(`${field} must be at most ${max} characters`);
  return value;
}

/** `claim[field]` as a string of at most `max` characters, or null. */
export function textOrNull(claim: Claim, field: string, max: number): string | null {
  return Object.hasOwn(claim, field) && claim[field] === null ? null : text(claim, field, max);
}

/** `claim[field]` as one of `values`. */
export function oneOf<T extends string>(claim: Claim, field: string, values: readonly T[]): T {
  const value = Object.hasOwn(claim, field) ? claim[field] : undefined;
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) throw new ClaimError(`${field} must be one of ${values.join(', ')}`);
  return value as T;
}

/** `claim[field]` as an array of at most `max` items, each read by `read`. */
export function list<T>(claim: Claim, field: string, max: number, read: (item: Claim, index: number) => T): T[] {
  const value = Object.hasOwn(claim, field) ? claim[field] : undefined;
  if (!Array.isArray(value)) throw new ClaimError(`${field} must be an array`);
  if (value.length > max) throw new ClaimError(`${field} must hold at most ${max} items`);
  return value.map((item, i) => {
    try {
      return read(claimObject(item, `${field}[${i}]`), i);
    } catch (err) {
      if (err instanceof ClaimError && !err.message.startsWith(`${field}[`)) throw new ClaimError(`${field}[${i}].${err.message}`);
      throw err;
    }
  });
}

/** `claim[field]` read by `read` as an object, or null. */
export function objectOrNull<T>(claim: Claim, field: string, read: (value: Claim) => T): T | null {
  const value = Object.hasOwn(claim, field) ? claim[field] : undefined;
  if (value === null) return null;
  try {
    return read(claimObject(value, field));
  } catch (err) {
    if (err instanceof ClaimError && !err.message.startsWith(field)) throw new ClaimError(`${field}.${err.message}`);
    throw err;
  }
}
