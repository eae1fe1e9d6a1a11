/**
 * What a connection may do with presence (y-protocols awareness): set only
 * its own awareness client's state, within a size, at a bounded rate. A
 * room applies these per entry of an awareness update before applying any
 * (`RoomAwareness`); refused entries are dropped, never forwarded, and the
 * socket stays open, because presence is best-effort.
 */

/** The limits presence is held to; `defaultPresenceLimits` are the relay's. */
export interface PresenceLimits {
  /** Largest state, as the bytes of its JSON in the update; larger ones are refused. */
  maxStateBytes: number;
  /** Awareness updates a peer may send at once before the rate applies (the bucket's size). */
  burst: number;
  /** Awareness updates a peer may send per second after the burst (the bucket's refill). */
  perSecond: number;
}

/**
 * A stock y-websocket client sends one update per local state change and
 * one every 15 s to stay alive; a name and a cursor fit in a few hundred
 * bytes. 8 KB leaves room for any honest state; a burst of 10 then 5 a
 * second covers a user moving a cursor, not a flood.
 */
export const defaultPresenceLimits: Readonly<PresenceLimits> = Object.freeze({ maxStateBytes: 8 * 1024, burst: 10, perSecond: 5 });

/** Why presence was refused, defined once: log lines name these. */
export const PresenceRefusal = {
  /** An entry for an awareness client the peer does not control. */
  notOwnClient: 'notOwnClient',
  /** An entry whose state is larger than `maxStateBytes`. */
  stateTooLarge: 'stateTooLarge',
  /** A whole update beyond the peer's rate. */
  rateLimited: 'rateLimited',
} as const;

export type PresenceRefusalKind = (typeof PresenceRefusal)[keyof typeof PresenceRefusal];

/** What the room holds for the client an entry is for, and what the entry says. */
export interface PresenceEntryNews {
  /** The entry's clock. */
  clock: number;
  /** The clock the room holds for that client (0 for a client it never saw). */
  heldClock: number;
  /** True when the entry's state is null (a removal). */
  removes: boolean;
  /** True when the room holds a state for that client. */
  held: boolean;
}

/**
 * True when applying the entry would change the room's presence, as
 * y-protocols decides: a newer clock, or a removal at the same clock of a
 * state still held. Stock y-websocket clients send back every awareness
 * update they receive, so most entries from them are old news; those are
 * ignored before anything is judged or counted.
 */
export function entryIsNews(entry: PresenceEntryNews): boolean {
  return entry.clock > entry.heldClock || (entry.clock === entry.heldClock && entry.removes && entry.held);
}

/** What judging one entry needs to know. */
export interface PresenceEntryFacts {
  /** The client id the entry is for. */
  clientId: number;
  /** Bytes of the entry's JSON state. */
  stateBytes: number;
  /** The client id the peer controls, or null before it set any. */
  ownClient: number | null;
  /** True when another live peer controls `clientId`. */
  controlledByOther: boolean;
  /** The relay's own awareness client id, which no peer may take. */
  relayClient: number;
}

/**
 * Why one entry of a peer's awareness update is refused, or null to apply
 * it. A peer that controls no client yet takes the first one it sets that
 * nobody else controls.
 */
export function presenceEntryRefusal(facts: PresenceEntryFacts, limits: PresenceLimits): PresenceRefusalKind | null {
  const mine = facts.ownClient === null ? !facts.controlledByOther && facts.clientId !== facts.relayClient : facts.clientId === facts.ownClient;
  if (!mine) return PresenceRefusal.notOwnClient;
  if (facts.stateBytes > limits.maxStateBytes) return PresenceRefusal.stateTooLarge;
  return null;
}
