/**
 * A record's status as every reader says it, as pure functions of its review
 * map: the device's screens and summaries, and the relay's summaries.
 */
import type { RecordKind } from '../model';
import type { Conflict, ReviewState } from './ReviewState';
import { initialStatus } from './transitions';

/** The record's status: the review map's, or where a record of its kind starts. */
export function statusOf(kind: RecordKind, review: ReviewState | null): string {
  return review?.status ?? initialStatus(kind);
}

/** A record's status as the header shows it: undecided while a status conflict is open. */
export interface StatusShown {
  /** The status the review map holds (the incumbent while undecided). */
  readonly status: string;
  /** "Received", or "Undecided: received or rejected". */
  readonly text: string;
  readonly undecided: boolean;
}

/** The record's status in words; an open status conflict reads as undecided, never as the incumbent. */
export function statusShown(kind: RecordKind, review: ReviewState | null): StatusShown {
  const status = statusOf(kind, review);
  const conflict = openConflicts(review).find((c) => c.field === 'status');
  if (!conflict) return { status, text: statusText(status), undecided: false };
  // Sorted: the candidates' order is the relay's arrival order, which the words must not depend on.
  const values = [...new Set(conflict.candidates.map((c) => String(c.value)))].sort();
  return { status, text: `Undecided: ${values.join(' or ')}`, undecided: true };
}

/** The review map's open conflicts, oldest first. */
export function openConflicts(review: ReviewState | null): Conflict[] {
  if (!review) return [];
  return Object.values(review.conflicts)
    .filter((c) => c.status === 'open')
    .sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
}

/** Status names as crews say them. */
export function statusText(status: string): string {
  return status.charAt(0).toUpperCase() + status.slice(1);
}
