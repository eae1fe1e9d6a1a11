/**
 * Random proposal histories: replay is deterministic, the live relay path
 * (read the map, decide, write the map, one event at a time) equals replay
 * from scratch, no candidate is ever lost, and every entry gets an outcome.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Role } from '../../shared/auth/roles';
import type { DerivedCandidate } from '../../shared/review/openConflict';
import { applyReviewEvent, replay, type ReviewEvent } from '../../shared/review/replay';
import type { ProposalEntry, ResolutionEntry } from '../../shared/review/reviewEntries';
import { emptyReviewState, type ReviewState } from '../../shared/review/ReviewState';
import { readReviewState, writeReviewState } from '../../shared/review/reviewMap';
import { STATUSES, isStatusOf, type RecordKind } from '../../shared/review/transitions';
import { deepFreeze } from './fixtures';

const ROLES: Record<string, Role> = { ann: 'crew', bob: 'crew', sue: 'supervisor', sam: 'supervisor', al: 'auditor', ada: 'admin' };
const USERS = [...Object.keys(ROLES), 'zed']; // zed is unknown to the relay
const ALL_STATUSES = [...new Set([...STATUSES.receipt, ...STATUSES.count])];

/** A step of a history, before it is turned into an event against the state it meets. */
type Plan =
  | { t: 'proposal'; user: string; field: 'status' | 'hold' | 'acceptedCount'; status: number; flag: boolean; qty: number; bin: string; baseBack: number }
  | { t: 'resolution'; user: string; conflictPick: number; candidatePick: number; enter: boolean; qty: number; status: number; flag: boolean }
  | { t: 'discrepancy'; bin: string; counts: { k: number; user: string; qty: number }[] }
  | { t: 'fieldConflict'; name: string; base: string | null; edits: { k: number; user: string; value: string }[] }
  | { t: 'resend'; pick: number };

const user = fc.oneof(fc.constantFrom(...USERS), fc.constantFrom('sue', 'sam', 'ada'));
const bin = fc.constantFrom('A', 'B');
const plan: fc.Arbitrary<Plan> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('proposal' as const), user, field: fc.constantFrom('status' as const, 'status' as const, 'hold' as const, 'acceptedCount' as const), status: fc.nat(3), flag: fc.boolean(), qty: fc.nat(3), bin, baseBack: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('resolution' as const), user, conflictPick: fc.nat(9), candidatePick: fc.nat(9), enter: fc.boolean(), qty: fc.nat(3), status: fc.nat(4), flag: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('discrepancy' as const), bin, counts: fc.array(fc.record({ k: fc.nat(6), user, qty: fc.nat(3) }), { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('fieldConflict' as const), name: fc.constantFrom('dock', 'notes'), base: fc.constantFrom(null, 'e:1'), edits: fc.array(fc.record({ k: fc.nat(6), user, value: fc.constantFrom('x', 'y', 'z') }), { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('resend' as const), pick: fc.nat(30) }) },
);
const history = fc.record({ kind: fc.constantFrom<RecordKind>('receipt', 'count'), plans: fc.array(plan, { maxLength: 40, size: 'large' }) });

/** Turns plan i into a concrete event, looking at the state so resolutions can hit real conflicts. */
function materialize(p: Plan, i: number, state: ReviewState, earlier: ReviewEvent[]): ReviewEvent {
  const now = 10_000 + i * 10;
  // Mostly statuses of the record's kind; index 4 on a receipt-or-count list reaches the other kind's.
  const statusOf = (n: number) => (n < STATUSES[state.kind].length ? STATUSES[state.kind][n] : ALL_STATUSES[n % ALL_STATUSES.length]) as string;
  const header = (u: string, kind: 'p' | 'r') => ({ id: `${u}-dev:${kind}${i}`, user: u, device: `${u}-dev`, at: 500 + i, seq: i });
  switch (p.t) {
    case 'proposal': {
      const common = { ...header(p.user, 'p'), kind: 'proposal' as const, baseRevision: Math.max(0, state.revision - p.baseBack) };
      const entry: ProposalEntry =
        p.field === 'status' ? { ...common, field: 'status', value: statusOf(p.status) }
        : p.field === 'hold' ? { ...common, field: 'hold', value: p.flag }
        : { ...common, field: 'acceptedCount', bin: p.bin, item: 'X', value: p.qty };
      return { type: 'proposal', entry, now };
    }
    case 'resolution': {
      const ids = Object.keys(state.conflicts);
      const conflict = ids.length ? state.conflicts[ids[p.conflictPick % ids.length] as string] : undefined;
      const candidates = conflict?.candidates ?? [];
      const entered = conflict?.field === 'acceptedCount' ? p.qty : conflict?.field === 'hold' ? p.flag : conflict?.field === 'descriptive' ? 'typed' : statusOf(p.status);
      const chosen = p.enter || candidates.length === 0 ? { value: entered, note: 'decided' } : (candidates[p.candidatePick % candidates.length]?.proposalId as string);
      const entry: ResolutionEntry = { ...header(p.user, 'r'), kind: 'resolution', conflictId: conflict?.id ?? 'c1', chosen };
      return { type: 'resolution', entry, now };
    }
    case 'discrepancy': {
      const candidates: DerivedCandidate[] = p.counts.map((c) => ({ proposalId: `count:${p.bin}${c.k}`, user: c.user, device: `${c.user}-dev`, at: c.k, value: c.qty }));
      return { type: 'discrepancy', input: { bin: p.bin, item: 'X', candidates: dedupe(candidates) }, now };
    }
    case 'fieldConflict': {
      const candidates: DerivedCandidate[] = p.edits.map((e) => ({ proposalId: `edit:${p.name}${e.k}`, user: e.user, device: `${e.user}-dev`, at: e.k, value: e.value }));
      return { type: 'fieldConflict', input: { name: p.name, base: p.base, from: null, candidates: dedupe(candidates) }, now };
    }
    case 'resend': {
      const entries = earlier.filter((e) => e.type === 'proposal' || e.type === 'resolution');
      const again = entries[p.pick % Math.max(1, entries.length)];
      return again ? { ...again, now } : { type: 'discrepancy', input: { bin: 'A', item: 'X', candidates: [] }, now };
    }
  }
}

// The same derived entry always carries the same value, as it would in a real log.
const firstSeen = new Map<string, DerivedCandidate>();
function dedupe(list: DerivedCandidate[]): DerivedCandidate[] {
  return list.map((c) => {
    const held = firstSeen.get(c.proposalId);
    if (held) return held;
    firstSeen.set(c.proposalId, c);
    return c;
  });
}

/** Runs a history the way the relay does: read the map, apply one event, write the map. */
function live(kind: RecordKind, plans: Plan[]): { events: ReviewEvent[]; states: ReviewState[]; map: Y.Map<unknown> } {
  firstSeen.clear();
  const doc = new Y.Doc();
  doc.clientID = 1;
  const map = doc.getMap('review');
  const start = emptyReviewState('R-1', kind);
  const events: ReviewEvent[] = [];
  const states: ReviewState[] = [start];
  plans.forEach((p, i) => {
    const state = deepFreeze(readReviewState(map) ?? start);
    const event = materialize(p, i, state, events);
    const next = applyReviewEvent(state, event, ROLES);
    doc.transact(() => writeReviewState(map, next), 'relay');
    events.push(event);
    states.push(next);
  });
  return { events, states, map };
}

function encodedMapOf(state: ReviewState): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = 1;
  writeReviewState(doc.getMap('review'), state);
  return Y.encodeStateAsUpdate(doc);
}

const RUNS = { numRuns: 100 };

describe('replay (property)', () => {
  it('replaying the same history twice gives byte-identical JSON and Y.Map encodings', () => {
    fc.assert(
      fc.property(history, ({ kind, plans }) => {
        const { events } = live(kind, plans);
        const a = replay(events, ROLES, emptyReviewState('R-1', kind));
        const b = replay(events, ROLES, emptyReviewState('R-1', kind));
        expect(JSON.stringify(a)).toBe(JSON.stringify(b));
        expect(Buffer.from(encodedMapOf(a)).equals(encodedMapOf(b))).toBe(true);
      }),
      RUNS,
    );
  });

  it('the live relay path through the Y.Map equals replay from scratch', () => {
    fc.assert(
      fc.property(history, ({ kind, plans }) => {
        const { events, map, states } = live(kind, plans);
        const replayed = replay(events, ROLES, emptyReviewState('R-1', kind));
        expect(JSON.stringify(readReviewState(map) ?? states[0])).toBe(JSON.stringify(replayed));
        expect(JSON.stringify(states.at(-1))).toBe(JSON.stringify(replayed));
      }),
      RUNS,
    );
  });

  it('never loses a candidate, never reopens a conflict, and keeps each proposal in its conflict', () => {
    fc.assert(
      fc.property(history, ({ kind, plans }) => {
        const { events, states } = live(kind, plans);
        for (let i = 1; i < states.length; i++) {
          const before = states[i - 1] as ReviewState;
          const after = states[i] as ReviewState;
          for (const [id, c] of Object.entries(before.conflicts)) {
            const now = after.conflicts[id];
            expect(now?.candidates.slice(0, c.candidates.length)).toEqual(c.candidates);
            if (c.status === 'resolved') expect(now).toEqual(c);
          }
          expect(after.log.slice(0, before.log.length)).toEqual(before.log);
        }
        const final = states.at(-1) as ReviewState;
        for (const e of events) {
          if (e.type !== 'proposal') continue;
          const outcome = final.outcomes[e.entry.id];
          if (outcome?.result !== 'conflict' && outcome?.result !== 'resolved') continue;
          const conflict = final.conflicts[outcome.conflictId as string];
          expect(conflict?.candidates).toContainEqual({ proposalId: e.entry.id, source: 'proposal', user: e.entry.user, device: e.entry.device, at: e.entry.at, value: e.entry.value });
        }
      }),
      RUNS,
    );
  });

  it('gives every proposal and resolution an outcome and keeps the state consistent', () => {
    fc.assert(
      fc.property(history, ({ kind, plans }) => {
        const { events, states } = live(kind, plans);
        const final = states.at(-1) as ReviewState;
        for (const e of events) {
          if (e.type === 'proposal' || e.type === 'resolution') expect(final.outcomes[e.entry.id]).toBeDefined();
          if (e.type === 'proposal' && (ROLES[e.entry.user] === 'auditor' || !ROLES[e.entry.user])) {
            expect(final.outcomes[e.entry.id]?.result).toBe('refused');
          }
        }
        expect(final.revision).toBe(final.log.filter((d) => d.to !== undefined).length);
        expect(isStatusOf(kind, final.status)).toBe(true);
        expect(final.log.map((d) => d.n)).toEqual(final.log.map((_, i) => i + 1));
        for (const key of new Set(Object.values(final.conflicts).map((c) => c.key))) {
          expect(Object.values(final.conflicts).filter((c) => c.key === key && c.status === 'open').length).toBeLessThanOrEqual(1);
        }
      }),
      RUNS,
    );
  });

  it('produces real conflicts and resolutions often enough to mean something', () => {
    const seen = { conflicts: 0, resolved: 0, applied: 0, opened: 0, settled: 0 };
    fc.assert(
      fc.property(history, ({ kind, plans }) => {
        const final = live(kind, plans).states.at(-1) as ReviewState;
        const outcomes = Object.values(final.outcomes);
        seen.conflicts += outcomes.filter((o) => o.result === 'conflict').length;
        seen.resolved += outcomes.filter((o) => o.result === 'resolved').length;
        seen.applied += outcomes.filter((o) => o.result === 'applied').length;
        seen.opened += Object.keys(final.conflicts).length;
        seen.settled += Object.values(final.conflicts).filter((c) => c.status === 'resolved').length;
      }),
      { numRuns: 200, seed: 42 },
    );
    expect(seen.conflicts).toBeGreaterThan(10);
    expect(seen.resolved).toBeGreaterThan(10);
    expect(seen.applied).toBeGreaterThan(50);
    expect(seen.opened).toBeGreaterThan(50);
    expect(seen.settled).toBeGreaterThan(20);
  });
});
