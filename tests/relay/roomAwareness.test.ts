/**
 * RoomAwareness on its own: peers are plain objects, updates are hand-built,
 * the clock is injected. What a peer would see is what was broadcast; what a
 * newcomer would see is the room's answer to a query.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RoomAwareness } from '../../relay/sync/RoomAwareness';
import { defaultPresenceLimits } from '../../relay/policy/presenceRefusal';
import type { LogLine } from '../support/testRelay';
import { awarenessMessage } from '../../relay/net/ywsCodec';
import { awarenessUpdate, readAwarenessMessage, type AwarenessEntryInput } from '../support/yMessages';

interface FakePeer {
  label: string;
}

const VICTIM = 1001;
const OTHER = 2002;
const { burst, perSecond, maxStateBytes } = defaultPresenceLimits;

/** A JSON state of exactly `bytes` bytes. */
const stateOfBytes = (bytes: number): { pad: string } => ({ pad: 'x'.repeat(bytes - '{"pad":""}'.length) });

describe('RoomAwareness', () => {
  let now = 0;
  let rooms: RoomAwareness<FakePeer>[] = [];
  let broadcast: AwarenessEntryInput[][] = [];
  let logs: LogLine[] = [];
  const victim: FakePeer = { label: 'victim' };
  const other: FakePeer = { label: 'other' };

  const room = (): RoomAwareness<FakePeer> => {
    now = 0;
    broadcast = [];
    logs = [];
    const r = new RoomAwareness<FakePeer>({
      broadcast: (update) => broadcast.push(readAwarenessMessage(awarenessMessage(update))!),
      log: {
        debug: () => {},
        info: () => {},
        warn: (obj, msg) => logs.push({ level: 'warn', obj, msg }),
        error: (obj, msg) => logs.push({ level: 'error', obj, msg }),
      },
      doc: 'doc:test',
      now: () => now,
    });
    rooms.push(r);
    return r;
  };
  /** Every state the room holds, as a newcomer (a query) would get them. */
  const states = (r: RoomAwareness<FakePeer>): Record<number, unknown> =>
    Object.fromEntries(readAwarenessMessage(awarenessMessage(r.allStates()))!.map((e) => [e.clientId, e.state]));
  /** Every state that was forwarded for `clientId`, in order. */
  const forwarded = (clientId: number): unknown[] => broadcast.flat().filter((e) => e.clientId === clientId).map((e) => e.state);
  const refusals = (): unknown[] => logs.filter((l) => l.msg === 'presence refused').map((l) => (l.obj as { kind: string }).kind);

  afterEach(() => {
    for (const r of rooms) r.destroy();
    rooms = [];
  });

  describe('apply', () => {
    it.each([
      ['sets it as its first update', [[{ clientId: VICTIM, clock: 2, state: { name: 'forged' } }]]],
      ['removes it as its first update', [[{ clientId: VICTIM, clock: 2, state: null }]]],
      [
        'sets it after setting its own',
        [[{ clientId: OTHER, clock: 1, state: { name: 'other' } }], [{ clientId: VICTIM, clock: 2, state: { name: 'forged' } }]],
      ],
      [
        'sets it in the same update as its own',
        [[{ clientId: OTHER, clock: 1, state: { name: 'other' } }, { clientId: VICTIM, clock: 2, state: { name: 'forged' } }]],
      ],
      [
        'sets it in the same update before its own',
        [[{ clientId: VICTIM, clock: 2, state: { name: 'forged' } }, { clientId: OTHER, clock: 1, state: { name: 'other' } }]],
      ],
    ] as [string, AwarenessEntryInput[][]][])("refuses a peer that %s for another peer's client", (_what, updates) => {
      const r = room();
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 1, state: { name: 'victim' } }]), victim);
      for (const update of updates) r.apply(awarenessUpdate(update), other);
      expect(states(r)[VICTIM]).toEqual({ name: 'victim' });
      expect(forwarded(VICTIM)).toEqual([{ name: 'victim' }]);
      expect(r.controllerOf(VICTIM)).toBe(victim);
      expect(refusals()).toEqual(['notOwnClient']);
      // Its own client is still the one it set, wherever it came in the update.
      if (updates.flat().some((e) => e.clientId === OTHER)) expect(states(r)[OTHER]).toEqual({ name: 'other' });
    });

    it("ignores another peer's state sent back unchanged, as stock clients do: no warning, no rate, no client id taken", () => {
      const r = room();
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 3, state: { name: 'victim' } }]), victim);
      const echo = awarenessUpdate([{ clientId: VICTIM, clock: 3, state: { name: 'victim' } }]);
      for (let i = 0; i < 1000; i++) r.apply(echo, other);
      r.peerLeft(victim);
      // The removal the room sent, sent back: the state is gone already.
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 3, state: null }]), other);
      expect(refusals()).toEqual([]);
      expect(broadcast).toHaveLength(2);
      // Its own first state still becomes its own, within the rate.
      for (let clock = 1; clock <= burst; clock++) r.apply(awarenessUpdate([{ clientId: OTHER, clock, state: { n: clock } }]), other);
      expect(r.controllerOf(OTHER)).toBe(other);
      expect(states(r)).toEqual({ [OTHER]: { n: burst } });
    });

    it("refuses another peer's removal at the same clock while the state is held (what a client's own timeout sends)", () => {
      const r = room();
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 3, state: { name: 'victim' } }]), victim);
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 3, state: null }]), other);
      expect(states(r)).toEqual({ [VICTIM]: { name: 'victim' } });
      expect(refusals()).toEqual(['notOwnClient']);
    });

    it("lets a peer remove its own state, and keeps its client id its own", () => {
      const r = room();
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 1, state: { name: 'victim' } }]), victim);
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 2, state: null }]), victim);
      expect(states(r)).toEqual({});
      expect(forwarded(VICTIM)).toEqual([{ name: 'victim' }, null]);
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 3, state: { name: 'taken' } }]), other);
      expect(states(r)).toEqual({});
      expect(r.controllerOf(VICTIM)).toBe(victim);
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 3, state: { name: 'back' } }]), victim);
      expect(states(r)).toEqual({ [VICTIM]: { name: 'back' } });
    });

    it.each([
      ['of exactly the limit', maxStateBytes, true],
      ['one byte over the limit', maxStateBytes + 1, false],
    ])('a state %s (%s bytes) is applied: %s', (_what, bytes, applied) => {
      const r = room();
      const big = stateOfBytes(bytes);
      expect(JSON.stringify(big).length).toBe(bytes);
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 1, state: big }]), victim);
      expect(forwarded(VICTIM)).toEqual(applied ? [big] : []);
      expect(refusals()).toEqual(applied ? [] : ['stateTooLarge']);
    });

    it('drops updates beyond the burst, and takes them again at the rate', () => {
      const r = room();
      const send = (clock: number): void => r.apply(awarenessUpdate([{ clientId: VICTIM, clock, state: { n: clock } }]), victim);
      for (let clock = 1; clock <= 1000; clock++) send(clock);
      expect(forwarded(VICTIM)).toHaveLength(burst);
      expect(states(r)[VICTIM]).toEqual({ n: burst });
      now = 1000 / perSecond;
      send(1001);
      send(1002);
      expect(states(r)[VICTIM]).toEqual({ n: 1001 });
      expect(forwarded(VICTIM)).toHaveLength(burst + 1);
      // One warn line for the whole flood.
      expect(refusals()).toEqual(['rateLimited']);
    });

    it('warns once a minute per kind and peer, however many refusals', () => {
      const r = room();
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 1, state: {} }]), victim);
      for (let i = 0; i < burst; i++) {
        r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 2 + i, state: { name: 'forged' } }, { clientId: OTHER, clock: 2 + i, state: stateOfBytes(maxStateBytes + 1) }]), other);
      }
      expect(refusals()).toEqual(['notOwnClient', 'stateTooLarge']);
      now = 60_000;
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 99, state: { name: 'forged' } }]), other);
      expect(logs.at(-1)!.obj).toMatchObject({ conn: 'other', doc: 'doc:test', kind: 'notOwnClient', client: VICTIM, suppressed: burst - 1 });
    });

    it.each([
      ['truncated bytes', new Uint8Array([1, 5, 2, 4, 0x6e])],
      ['a state that is not JSON', awarenessUpdate([{ clientId: OTHER, clock: 1, state: { ok: true } }]).map((b) => (b === 0x7d ? 0x20 : b))],
    ])('throws on %s, applying nothing and taking no client id', (_what, bytes) => {
      const r = room();
      expect(() => r.apply(bytes, other)).toThrow();
      expect(broadcast).toEqual([]);
      expect(r.controllerOf(OTHER)).toBeUndefined();
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 1, state: { name: 'victim' } }]), other);
      expect(r.controllerOf(VICTIM)).toBe(other);
    });
  });

  describe('controllerOf', () => {
    it('names the live peer that set a client id, and nobody once it left', () => {
      const r = room();
      expect(r.controllerOf(VICTIM)).toBeUndefined();
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 1, state: { name: 'victim' } }]), victim);
      expect(r.controllerOf(VICTIM)).toBe(victim);
      expect(r.controllerOf(OTHER)).toBeUndefined();
      r.peerLeft(victim);
      expect(r.controllerOf(VICTIM)).toBeUndefined();
    });

    it('is not set by a refused update', () => {
      const r = room();
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 1, state: stateOfBytes(maxStateBytes + 1) }]), victim);
      expect(r.controllerOf(VICTIM)).toBeUndefined();
    });
  });

  describe('peerLeft', () => {
    it('removes the state of the peer that left, tells everyone, and frees its client id', () => {
      const r = room();
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 1, state: { name: 'victim' } }]), victim);
      r.apply(awarenessUpdate([{ clientId: OTHER, clock: 1, state: { name: 'other' } }]), other);
      r.peerLeft(victim);
      expect(states(r)).toEqual({ [OTHER]: { name: 'other' } });
      expect(forwarded(VICTIM)).toEqual([{ name: 'victim' }, null]);
      // The same client coming back on a new connection (a stock client reconnecting) takes it again.
      const again: FakePeer = { label: 'victim again' };
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 3, state: { name: 'victim' } }]), again);
      expect(r.controllerOf(VICTIM)).toBe(again);
      expect(states(r)[VICTIM]).toEqual({ name: 'victim' });
    });

    it('forgets a peer that never set a state', () => {
      const r = room();
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 1, state: { name: 'victim' } }]), victim);
      r.peerLeft(other);
      expect(states(r)).toEqual({ [VICTIM]: { name: 'victim' } });
      expect(broadcast).toHaveLength(1);
    });

    it('lets peers leave a room where nobody ever sent presence, which then takes presence as usual', () => {
      const r = room();
      r.peerLeft(victim);
      expect(r.controllerOf(VICTIM)).toBeUndefined();
      expect(r.statesUpdate()).toBeNull();
      expect(broadcast).toHaveLength(0);
      r.apply(awarenessUpdate([{ clientId: VICTIM, clock: 1, state: { name: 'victim' } }]), victim);
      expect(r.controllerOf(VICTIM)).toBe(victim);
      expect(forwarded(VICTIM)).toEqual([{ name: 'victim' }]);
    });
  });
});
