/**
 * Replaying a record's review from scratch. The relay feeds each event to
 * `applyReviewEvent` as it decides it; replaying the same events in the same
 * order (the order of the decision log, which is the relay's arrival order,
 * not the merged order of the entries array) gives the same state byte for
 * byte. Time is part of each event, never read from a clock.
 */
import type { Role } from '../auth/roles';
import { decide } from './decide';
import { openDiscrepancyConflict, openFieldConflict, type DiscrepancyInput, type FieldConflictInput } from './openConflict';
import { resolve } from './resolve';
import type { ProposalEntry, ResolutionEntry } from './reviewEntries';
import type { ReviewState } from './ReviewState';
import { refuseEntry } from './stateUpdates';

/** One thing the relay decided on, with the time it decided. */
export type ReviewEvent =
  | { readonly type: 'proposal'; readonly entry: ProposalEntry; readonly now: number }
  | { readonly type: 'resolution'; readonly entry: ResolutionEntry; readonly now: number }
  | { readonly type: 'discrepancy'; readonly input: DiscrepancyInput; readonly now: number }
  | { readonly type: 'fieldConflict'; readonly input: FieldConflictInput; readonly now: number };

/**
 * Each user's role when the events were decided: a plain object keyed by
 * user id, or a function. Replay agrees with the live relay only if roles
 * are the ones the relay used (the log records the role of every decision).
 */
export type RoleLookup = Readonly<Record<string, Role>> | ((user: string) => Role | undefined);

/** The role of `user` under `roles`, or undefined for an unknown user. */
export function roleOf(roles: RoleLookup, user: string): Role | undefined {
  if (typeof roles === 'function') return roles(user);
  return Object.hasOwn(roles, user) ? roles[user] : undefined;
}

/**
 * Applies one event. Entries are attributed to their own `user` (the relay
 * has already refused entries signed by someone other than the sender); an
 * entry from a user with no role is refused.
 */
export function applyReviewEvent(state: ReviewState, event: ReviewEvent, roles: RoleLookup): ReviewState {
  switch (event.type) {
    case 'proposal':
    case 'resolution': {
      const { entry, now } = event;
      if (Object.hasOwn(state.outcomes, entry.id)) return state;
      const role = roleOf(roles, entry.user);
      if (!role) return refuseEntry(state, entry, undefined, `unknown user ${entry.user}`, now);
      const actor = { user: entry.user, role };
      return entry.kind === 'proposal' ? decide(state, entry, actor, now) : resolve(state, entry, actor, now);
    }
    case 'discrepancy':
      return openDiscrepancyConflict(state, event.input, event.now);
    case 'fieldConflict':
      return openFieldConflict(state, event.input, event.now);
  }
}

/** Replays `events` in order, starting from `start` (usually `emptyReviewState(record, kind)`). */
export function replay(events: readonly ReviewEvent[], roles: RoleLookup, start: ReviewState): ReviewState {
  return events.reduce((state, event) => applyReviewEvent(state, event, roles), start);
}
