/**
 * What the screens say about a record, as pure functions: its status and
 * hold from the review map, its sync state in crew words, and which status
 * changes the signed-in role may propose.
 */
import { can, canHold, type Role } from '../../../shared/auth/roles';
import type { DocSyncState } from '../../../client/sync';
import type { RecordKind } from '../../../shared/model';
import { TRANSITIONS, type Conflict, type ReviewState } from '../../../shared/review';
import { openConflicts } from '../../../shared/review/recordStatus';

export { openConflicts, statusOf, statusShown, statusText, type StatusShown } from '../../../shared/review/recordStatus';

/** A record's sync state as the list shows it, most urgent first. */
export const SyncLabel = {
  conflict: 'conflict',
  hold: 'hold',
  deviceOnly: 'deviceOnly',
  onRelay: 'onRelay',
  notOnDevice: 'notOnDevice',
  loading: 'loading',
} as const;
export type SyncLabel = (typeof SyncLabel)[keyof typeof SyncLabel];

/** The words for each sync label. */
export const SYNC_LABEL_TEXT: Record<SyncLabel, string> = {
  conflict: 'Conflict',
  hold: 'On hold',
  deviceOnly: 'On this device only',
  onRelay: 'On the relay',
  notOnDevice: 'Not on this device yet',
  loading: 'Loading',
};

/**
 * The sync states a record shows, most urgent first: conflict, on hold, and
 * exactly one of "on this device only" / "on the relay" / "loading".
 */
export function syncLabels(sync: DocSyncState | null, review: ReviewState | null): SyncLabel[] {
  if (!sync) return [SyncLabel.notOnDevice];
  const labels: SyncLabel[] = [];
  if (openConflicts(review).length > 0) labels.push(SyncLabel.conflict);
  if (review?.hold) labels.push(SyncLabel.hold);
  if (!sync.loaded) labels.push(SyncLabel.loading);
  else labels.push(sync.pending > 0 ? SyncLabel.deviceOnly : SyncLabel.onRelay);
  return labels;
}

/** A status change the role may propose now. */
export interface StatusAction {
  readonly to: string;
  readonly label: string;
  /** A supervisor step (shown apart from crew steps). */
  readonly supervisor: boolean;
}

const ACTION_LABELS: Record<string, string> = {
  received: 'Mark received',
  rejected: 'Reject delivery',
  closed: 'Close receipt',
  open: 'Reopen',
  submitted: 'Submit count',
  accepted: 'Accept count',
  recount: 'Send back for recount',
};

/** The status changes `role` may propose for a `kind` record in `status`. */
export function statusActions(role: Role, kind: RecordKind, status: string): StatusAction[] {
  return TRANSITIONS.filter((t) => t.kind === kind && t.from === status && can(role, t.needs)).map((t) => ({
    to: t.to,
    label: ACTION_LABELS[t.to] ?? `Set ${t.to}`,
    supervisor: t.needs !== 'write',
  }));
}

/** The hold change `role` may propose, if any. */
export function holdAction(role: Role, onHold: boolean): { value: boolean; label: string } | null {
  if (!canHold(role)) return null;
  return onHold ? { value: false, label: 'Release hold' } : { value: true, label: 'Put on quality hold' };
}

/** What a conflict is about, in words: "status", "quality hold", "count of SKU-1 in bin A-01-1", "supplier". */
export function conflictSubject(c: Pick<Conflict, 'field' | 'bin' | 'item' | 'name'>): string {
  switch (c.field) {
    case 'acceptedCount':
      return `count of ${c.item ?? '?'} in bin ${c.bin ?? '?'}`;
    case 'descriptive':
      return c.name ?? 'a field';
    case 'hold':
      return 'quality hold';
    default:
      return c.field;
  }
}

/** A reviewed value in words ("received", "on hold", "12"). */
export function valueText(field: string, value: unknown): string {
  if (value === null || value === undefined) return '(not set)';
  if (field === 'hold') return value ? 'on hold' : 'released';
  return String(value);
}
