/**
 * Which display names the site document's `users` map lacks or holds wrong,
 * given the relay's users. Names are only ever added or corrected, never
 * removed: a revoked user's name still labels what they did.
 */

/** A user as the name sync needs them: an id and the name people know them by. */
export interface NamedUser {
  readonly id: string;
  readonly name: string;
}

/** One display name to write into the site's `users` map. */
export interface UserNameWrite {
  readonly user: string;
  readonly displayName: string;
}

const NAME_MAX = 200;

/** A value the site document accepts as a user id or display name: 1-200 characters, no surrounding spaces. */
function isStorable(value: string): boolean {
  return value.length > 0 && value.length <= NAME_MAX && value.trim() === value;
}

/**
 * The names to write: every user whose entry in `held` (user id -> display
 * name as the site lists it) is missing or different, in `users` order.
 * Users whose id or name the site document would refuse are skipped.
 */
export function userNamesToWrite(users: readonly NamedUser[], held: ReadonlyMap<string, string>): UserNameWrite[] {
  const writes: UserNameWrite[] = [];
  for (const { id, name } of users) {
    if (!isStorable(id) || !isStorable(name) || held.get(id) === name) continue;
    writes.push({ user: id, displayName: name });
  }
  return writes;
}
