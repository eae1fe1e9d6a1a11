import { describe, expect, it } from 'vitest';
import {
  defaultPresenceLimits,
  entryIsNews,
  presenceEntryRefusal,
  PresenceRefusal,
  type PresenceEntryFacts,
  type PresenceEntryNews,
} from '../../relay/policy/presenceRefusal';

const RELAY = 99;
const facts = (f: Partial<PresenceEntryFacts>): PresenceEntryFacts => ({
  clientId: 1,
  stateBytes: 20,
  ownClient: null,
  controlledByOther: false,
  relayClient: RELAY,
  ...f,
});
const MAX = defaultPresenceLimits.maxStateBytes;

describe('presenceEntryRefusal', () => {
  it.each([
    ['a first client nobody controls (the peer takes it)', {}, null],
    ['its own client', { ownClient: 1 }, null],
    ['its own client, a state of exactly the limit', { ownClient: 1, stateBytes: MAX }, null],
    ['its own client, one byte over the limit', { ownClient: 1, stateBytes: MAX + 1 }, PresenceRefusal.stateTooLarge],
    ['a first client, over the limit', { stateBytes: MAX + 1 }, PresenceRefusal.stateTooLarge],
    ['another client, once it has its own', { ownClient: 2 }, PresenceRefusal.notOwnClient],
    ['another client nobody controls, once it has its own', { ownClient: 2, clientId: 3 }, PresenceRefusal.notOwnClient],
    ["a first client another peer controls", { controlledByOther: true }, PresenceRefusal.notOwnClient],
    ["the relay's own client", { clientId: RELAY }, PresenceRefusal.notOwnClient],
    ['another client, oversized: the identity is what is refused', { ownClient: 2, stateBytes: MAX + 1 }, PresenceRefusal.notOwnClient],
  ] as [string, Partial<PresenceEntryFacts>, string | null][])('%s', (_what, f, expected) => {
    expect(presenceEntryRefusal(facts(f), defaultPresenceLimits)).toBe(expected);
  });
});

describe('entryIsNews', () => {
  it.each([
    ['a client never seen', { clock: 1, heldClock: 0, removes: false, held: false }, true],
    ['a newer clock', { clock: 4, heldClock: 3, removes: false, held: true }, true],
    ['a newer clock removing', { clock: 4, heldClock: 3, removes: true, held: true }, true],
    ['the same clock, a state (a stock client sending back what it got)', { clock: 3, heldClock: 3, removes: false, held: true }, false],
    ['the same clock, removing a held state', { clock: 3, heldClock: 3, removes: true, held: true }, true],
    ['the same clock, removing a state already gone', { clock: 3, heldClock: 3, removes: true, held: false }, false],
    ['an older clock', { clock: 2, heldClock: 3, removes: false, held: true }, false],
  ] as [string, PresenceEntryNews, boolean][])('%s: %s', (_what, entry, expected) => {
    expect(entryIsNews(entry)).toBe(expected);
  });
});
