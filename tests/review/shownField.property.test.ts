/**
 * Random shifts of field edits and decisions: three crew devices edit the
 * dock offline and sync in any interleaving, a supervisor settles whatever
 * conflict the relay opened (choosing a candidate or entering a value), and
 * each device edits from what its screen shows. Once everyone has synced,
 * every device shows the same value whatever order its entries arrived in,
 * the relay has judged every disagreement a device sees, and a later edit
 * made from the shown value is an ordinary edit: it shows everywhere and
 * opens no conflict. Device clocks are skewed: knowledge, not time, decides.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Entry, EntryOf } from '../../shared/model';
import { emptyReviewState, shownField, type ReviewState } from '../../shared/review';
import { relayDecides, settle } from './fieldRelay';

const DEVICES = ['a', 'b', 'c'] as const;
const VALUES = ['D1', 'D2', 'D3', 'D4', 'D5'];

type Step =
  | { t: 'edit'; device: number; value: number }
  | { t: 'sync'; device: number }
  | { t: 'settle'; pick: number; enter: boolean; value: number };

const skews = fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 3, maxLength: 3 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('edit' as const), device: fc.nat(2), value: fc.nat(4) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('sync' as const), device: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('settle' as const), pick: fc.nat(5), enter: fc.boolean(), value: fc.nat(4) }) },
);

interface Replica {
  entries: Entry[];
  review: ReviewState;
}

class Shift {
  readonly relay: Replica = { entries: [], review: emptyReviewState('record:R1', 'receipt') };
  readonly devices = new Map<string, Replica>([...DEVICES, 's'].map((d) => [d, { entries: [], review: this.relay.review }]));
  private clock = 0;
  private readonly seqs = new Map<string, number>();

  /** `skew`: each crew device's clock error (device clocks are never trusted to agree). */
  constructor(private readonly skew: readonly number[] = [0, 0, 0]) {}

  shown(device: string) {
    const r = this.devices.get(device) as Replica;
    return shownField({ field: 'dock', entries: r.entries, review: r.review });
  }

  edit(device: string, value: string): void {
    const shown = this.shown(device);
    if (shown.value === value) return;
    const seq = this.next(device);
    const entry = { id: `${device}:${seq}`, kind: 'fieldEdit', user: `user-${device}`, device, at: ++this.clock + (this.skew[DEVICES.indexOf(device as 'a')] ?? 0), seq, field: 'dock', from: shown.value, to: value, base: shown.base } as EntryOf<'fieldEdit'>;
    this.devices.get(device)?.entries.push(entry);
  }

  /** Sends what the relay lacks (the relay decides it), then takes what the device lacks. */
  sync(device: string): void {
    const r = this.devices.get(device) as Replica;
    const held = new Set(this.relay.entries.map((e) => e.id));
    const batch = r.entries.filter((e) => !held.has(e.id));
    if (batch.length > 0) {
      this.relay.review = relayDecides(this.relay.review, this.relay.entries, batch, this.clock);
      this.relay.entries.push(...batch);
    }
    const mine = new Set(r.entries.map((e) => e.id));
    r.entries.push(...this.relay.entries.filter((e) => !mine.has(e.id)));
    r.review = this.relay.review;
  }

  settle(pick: number, enter: boolean, value: string): void {
    this.sync('s');
    const open = Object.values(this.relay.review.conflicts).filter((c) => c.status === 'open');
    const conflict = open[pick % Math.max(open.length, 1)];
    if (!conflict) return;
    const candidate = conflict.candidates[pick % conflict.candidates.length];
    const chosen = enter || !candidate ? { value, note: 'gate log' } : candidate.proposalId;
    this.devices.get('s')?.entries.push(settle(`s:${this.next('s')}`, conflict.id, chosen, ++this.clock));
    this.sync('s');
  }

  syncAll(): void {
    for (let round = 0; round < 2; round++) for (const d of this.devices.keys()) this.sync(d);
  }

  private next(device: string): number {
    const seq = (this.seqs.get(device) ?? 0) + 1;
    this.seqs.set(device, seq);
    return seq;
  }
}

function play(steps: readonly Step[], skew?: readonly number[]): Shift {
  const shift = new Shift(skew);
  shift.edit('a', 'D1');
  shift.syncAll();
  for (const s of steps) {
    if (s.t === 'edit') shift.edit(DEVICES[s.device] as string, VALUES[s.value] as string);
    else if (s.t === 'sync') shift.sync(DEVICES[s.device] as string);
    else shift.settle(s.pick, s.enter, VALUES[s.value] as string);
  }
  shift.syncAll();
  return shift;
}

describe('shownField over random shifts', () => {
  it('every device shows the same value, whatever order its entries arrived in', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), skews, fc.nat(), (steps, skew, seed) => {
        const shift = play(steps, skew);
        const values = [...shift.devices.keys()].map((d) => shift.shown(d).value);
        expect(new Set(values).size).toBe(1);
        const shuffled = [...shift.relay.entries].sort((x, y) => ((hash(x.id, seed) - hash(y.id, seed)) || (x.id < y.id ? -1 : 1)));
        expect(shownField({ field: 'dock', entries: shuffled, review: shift.relay.review })).toEqual(shift.shown('a'));
        // Once synced, every disagreement a device sees is one the relay opened (none only local).
        const conflict = shift.shown('a').conflict;
        expect(conflict === null || conflict.conflictId !== null).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('an edit made from the shown value after everyone synced shows everywhere and opens no conflict', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), skews, fc.nat(2), (steps, skew, who) => {
        const shift = play(steps, skew);
        // While a conflict is open the later of its sides shows by device clock; a supervisor settles it.
        fc.pre(shift.shown('a').conflict === null);
        const conflictsBefore = Object.keys(shift.relay.review.conflicts).length;
        const device = DEVICES[who] as string;
        shift.edit(device, 'D9');
        shift.syncAll();
        for (const d of shift.devices.keys()) expect(shift.shown(d).value).toBe('D9');
        expect(Object.keys(shift.relay.review.conflicts)).toHaveLength(conflictsBefore);
      }),
      { numRuns: 300 },
    );
  });

  it('a decision shows on every device until someone edits with knowledge of it', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), skews, fc.nat(4), (steps, skew, value) => {
        const shift = play(steps, skew);
        const open = Object.values(shift.relay.review.conflicts).find((c) => c.status === 'open');
        fc.pre(open !== undefined);
        shift.settle(0, true, `X${value}`);
        shift.syncAll();
        for (const d of shift.devices.keys()) {
          expect(shift.shown(d).value).toBe(`X${value}`);
          expect(shift.shown(d).decided?.by).toBe('sue');
        }
      }),
      { numRuns: 200 },
    );
  });
});

function hash(s: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h;
}
