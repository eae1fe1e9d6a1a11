/**
 * What a critical field may change to, and who may ask for it. The status
 * lifecycle of each record kind is one table; the hold and accepted counts
 * have one rule each. Everything here is pure and reads only its arguments.
 */
import { Permission, can, type Role } from '../auth/roles';
import type { ProposalField } from '../model/entry';
import { RecordKind } from '../model/recordLayout';
import type { ReviewValue } from './reviewEntries';

export { RecordKind };

/** Every status of each record kind; the first is where a record starts. */
export const STATUSES = {
  receipt: ['open', 'received', 'closed', 'rejected'],
  count: ['open', 'submitted', 'accepted', 'recount'],
} as const satisfies { readonly [K in RecordKind]: readonly string[] };

export type ReceiptStatus = (typeof STATUSES)['receipt'][number];
export type CountStatus = (typeof STATUSES)['count'][number];
export type RecordStatus = ReceiptStatus | CountStatus;

/** One allowed status change and the permission it needs. */
export interface Transition {
  kind: RecordKind;
  from: string;
  to: string;
  needs: Permission;
}

/** The status lifecycle. Crew steps need `write`; supervisor steps need `decide`. */
export const TRANSITIONS: readonly Transition[] = [
  { kind: 'receipt', from: 'open', to: 'received', needs: Permission.write },
  { kind: 'receipt', from: 'received', to: 'closed', needs: Permission.decide },
  // A crew may refuse a delivery at the dock (damaged, wrong goods); a
  // supervisor can reopen either outcome. Two crews receiving and rejecting the
  // same delivery offline is the classic status conflict.
  { kind: 'receipt', from: 'open', to: 'rejected', needs: Permission.write },
  { kind: 'receipt', from: 'rejected', to: 'open', needs: Permission.decide },
  { kind: 'receipt', from: 'received', to: 'open', needs: Permission.decide },
  { kind: 'count', from: 'open', to: 'submitted', needs: Permission.write },
  { kind: 'count', from: 'submitted', to: 'accepted', needs: Permission.decide },
  { kind: 'count', from: 'submitted', to: 'recount', needs: Permission.decide },
  { kind: 'count', from: 'recount', to: 'submitted', needs: Permission.write },
];

/** The status a new record of `kind` starts in. */
export function initialStatus(kind: RecordKind): string {
  return STATUSES[kind][0];
}

/** True when `value` is a status of `kind`. */
export function isStatusOf(kind: RecordKind, value: unknown): value is RecordStatus {
  return typeof value === 'string' && (STATUSES[kind] as readonly string[]).includes(value);
}

/** True when `value` names a record kind. */
export function isRecordKind(value: unknown): value is RecordKind {
  return value === RecordKind.receipt || value === RecordKind.count;
}

/** The table row for `from -> to`, if that change is part of the lifecycle. */
export function findTransition(kind: RecordKind, from: string, to: string): Transition | undefined {
  return TRANSITIONS.find((t) => t.kind === kind && t.from === from && t.to === to);
}

/**
 * Why `role` may never propose `value` for `field` on a record of `kind`, or
 * null when some situation exists in which it may. Checked before anything
 * else, so an auditor (or crew asking for `closed`) is refused outright.
 */
export function proposalRefusal(role: Role, kind: RecordKind, field: ProposalField, value: ReviewValue): string | null {
  if (!can(role, Permission.write)) return `${role} may not propose changes`;
  switch (field) {
    case 'status': {
      if (!isStatusOf(kind, value)) return `${JSON.stringify(value)} is not a ${kind} status (${STATUSES[kind].join(', ')})`;
      const reachable = TRANSITIONS.some((t) => t.kind === kind && t.to === value && can(role, t.needs));
      return reachable ? null : `${role} may not set a ${kind} to ${value}`;
    }
    case 'hold':
      return can(role, Permission.hold) ? null : `${role} may not put a record on hold or release it`;
    case 'acceptedCount':
      if (kind !== 'count') return `a ${kind} has no accepted counts`;
      return can(role, Permission.decide) ? null : `${role} may not decide accepted counts`;
  }
}

/**
 * Why `from -> to` is not a valid change of `field` for `role`, or null when
 * it is. `from` is the value the proposer based the proposal on (null when
 * the field was never set); callers handle `from === to` themselves.
 */
export function changeRefusal(role: Role, kind: RecordKind, field: ProposalField, from: ReviewValue, to: ReviewValue): string | null {
  if (field !== 'status') return null;
  const t = findTransition(kind, String(from), String(to));
  if (!t) return `a ${kind} cannot go from ${String(from)} to ${String(to)}`;
  return can(role, t.needs) ? null : `${role} may not move a ${kind} from ${t.from} to ${t.to}`;
}
