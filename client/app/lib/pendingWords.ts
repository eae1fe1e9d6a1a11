/**
 * How the header words what this device holds that the relay does not:
 * record changes and photos, each named, so "3 waiting" never hides that a
 * photo is among them (the "pending counts include photos").
 */
import { plural } from './format';

/** The header's words for what is waiting; null when nothing is. */
export interface PendingWords {
  /** e.g. "2 changes, 1 photo on this device only". */
  full: string;
  /** A phone's one line, e.g. "3 waiting" (changes and photos together). */
  short: string;
}

/** See the module comment; `changes` not yet acknowledged, `photos` not yet on the relay. */
export function pendingWords(changes: number, photos: number): PendingWords | null {
  if (changes <= 0 && photos <= 0) return null;
  const parts = [changes > 0 && plural(changes, 'change'), photos > 0 && plural(photos, 'photo')].filter(Boolean);
  return { full: `${parts.join(', ')} on this device only`, short: `${Math.max(0, changes) + Math.max(0, photos)} waiting` };
}
