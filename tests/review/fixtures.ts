/** Builders for review tests: entries with sensible defaults, and the people who send them. */
import type { Role } from '../../shared/auth/roles';
import type { EnteredValue, ProposalEntry, ResolutionEntry } from '../../shared/review/reviewEntries';
import type { Actor } from '../../shared/review/stateUpdates';

export const crew: Actor = { user: 'ann', role: 'crew' };
export const crew2: Actor = { user: 'bob', role: 'crew' };
export const sup: Actor = { user: 'sue', role: 'supervisor' };
export const sup2: Actor = { user: 'sam', role: 'supervisor' };
export const auditor: Actor = { user: 'al', role: 'auditor' };
export const admin: Actor = { user: 'ada', role: 'admin' };

/** Every test actor by user id, for replay. */
export const ROLES_BY_USER: Record<string, Role> = Object.fromEntries(
  [crew, crew2, sup, sup2, auditor, admin].map((a) => [a.user, a.role]),
);

let seq = 0;

type ProposalInput =
  | { field: 'status'; value: string }
  | { field: 'hold'; value: boolean }
  | { field: 'acceptedCount'; value: number; bin?: string; item?: string };

/** A proposal by `by` based on `baseRevision`. */
export function proposal(by: Actor, baseRevision: number, input: ProposalInput, id?: string): ProposalEntry {
  seq += 1;
  const device = `${by.user}-phone`;
  const common = { id: id ?? `${device}:${seq}`, kind: 'proposal' as const, user: by.user, device, at: 1_000 + seq, seq, baseRevision };
  if (input.field === 'acceptedCount') return { ...common, field: 'acceptedCount', bin: input.bin ?? 'A-01', item: input.item ?? 'SKU-1', value: input.value };
  return { ...common, ...input } as ProposalEntry;
}

/** A status proposal. */
export const status = (by: Actor, base: number, value: string, id?: string) => proposal(by, base, { field: 'status', value }, id);

/** A resolution choosing a candidate id or entering a value. */
export function resolution(by: Actor, conflictId: string, chosen: string | EnteredValue, id?: string): ResolutionEntry {
  seq += 1;
  const device = `${by.user}-tablet`;
  return { id: id ?? `${device}:${seq}`, kind: 'resolution', user: by.user, device, at: 1_000 + seq, seq, conflictId, chosen };
}

/** Deep-freezes a value so a rule that mutates its input throws. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
