/**
 * Conflicts between edits of descriptive fields, derived from the audit
 * entries. A field's value is last-writer-wins, but its history is not: every
 * edit names the edit it replaced (`base`), so the edits of a field form a
 * tree. Two edits on the same base were made without seeing each other; when
 * they came from different devices and set different values, that is a
 * conflict the app shows. Both stay in the log; neither is lost.
 */
import type { EntryId } from './ids';
import type { FieldName } from './recordLayout';
import { EntryKind, isKind, type Entry, type FieldEditEntry } from './entry';
import { compareEntries, compareStrings, later, uniqueEntries } from './entryOrder';

/** Concurrent edits of one field from the same starting point. */
export interface FieldConflict {
  /** Stable identity of the conflict: `field:<field>@<base id or "initial">` (as shared/review keys it). */
  readonly key: string;
  readonly field: FieldName;
  /** The edit both sides started from; null when the field had never been set. */
  readonly base: EntryId | null;
  /** The value both sides started from. */
  readonly from: string | null;
  /** Every edit made on that base, oldest first by `compareEntries`. */
  readonly candidates: readonly FieldEditEntry[];
}

function fieldEdits(entries: readonly Entry[], field?: FieldName): FieldEditEntry[] {
  return uniqueEntries(entries)
    .filter(isKind(EntryKind.fieldEdit))
    .filter((edit) => field === undefined || edit.field === field);
}

/** Finds every conflict among the field edits of `entries`, sorted by field, then base. */
export function fieldConflicts(entries: readonly Entry[]): FieldConflict[] {
  const groups = new Map<string, FieldEditEntry[]>();
  for (const edit of fieldEdits(entries)) {
    const key = `field:${edit.field}@${edit.base ?? 'initial'}`;
    const group = groups.get(key);
    if (group) group.push(edit);
    else groups.set(key, [edit]);
  }
  const conflicts: FieldConflict[] = [];
  for (const [key, group] of groups) {
    const values = new Set(group.map((edit) => edit.to));
    const devices = new Set(group.map((edit) => edit.device));
    if (values.size < 2 || devices.size < 2) continue;
    const candidates = group.sort(compareEntries);
    const first = candidates[0] as FieldEditEntry;
    conflicts.push({ key, field: first.field, base: first.base, from: first.from, candidates });
  }
  return conflicts.sort((a, b) => compareStrings(a.field, b.field) || compareStrings(a.base ?? '', b.base ?? ''));
}

/**
 * The edit that set the field's current value: the base a new edit names.
 * Among the edits no other edit builds on (the heads), the latest one that set
 * `current`; null when the field has no edit with that value (never set).
 */
export function fieldHead(entries: readonly Entry[], field: FieldName, current: string | null): EntryId | null {
  if (current === null) return null;
  const edits = fieldEdits(entries, field);
  const replaced = new Set(edits.map((edit) => edit.base));
  const setCurrent = edits.filter((edit) => edit.to === current);
  const heads = setCurrent.filter((edit) => !replaced.has(edit.id));
  const pool = heads.length > 0 ? heads : setCurrent;
  return pool.length > 0 ? pool.reduce((a, b) => later(a, b)).id : null;
}

/** The audit history of one field (or all fields), oldest first. */
export function fieldHistory(entries: readonly Entry[], field?: FieldName): FieldEditEntry[] {
  return fieldEdits(entries, field).sort(compareEntries);
}
