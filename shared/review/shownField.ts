/**
 * The value every screen shows for a descriptive field (supplier, PO, dock,
 * notes, zone), and whether it is in conflict, from the devices' field edits
 * and the relay's decisions. Pure: it reads sets, never the order entries sit
 * in an array, so every device holding the same entries and review map shows
 * the same value.
 *
 * The rule:
 * - Edits form a tree: each names the edit (or decision) it started from
 *   (`base`). A supervisor's resolution of a field conflict is a node too: it
 *   knows every candidate of its conflict.
 * - The latest resolution of the field (by review revision) holds, until an
 *   edit made with knowledge of it: an edit whose base chain reaches it.
 *   Edits made without that knowledge (older, or on a device that had not
 *   seen the decision) never undo it.
 * - Among the edits that may hold (all of them when nothing was decided), the
 *   one made with the most knowledge (the deepest in the tree) shows; between
 *   equally deep ones (concurrent edits), the latest by `compareEntries`.
 * - The field is in conflict while the relay has an open conflict about it,
 *   or while this device sees concurrent edits the relay has not judged yet.
 *
 * Descriptive fields are never proposed (proposals are for critical fields,
 * whose value the review map holds outright), so resolutions are the only
 * decisions here.
 */
import { EntryKind, type Entry, type FieldEditEntry } from '../model/entry';
import { compareEntries, later, uniqueEntries } from '../model/entryOrder';
import { fieldConflicts } from '../model/fieldConflicts';
import { RecordFields, type FieldName, type RecordKind } from '../model/recordLayout';
import type { Conflict, ConflictResolution, ReviewState } from './ReviewState';

/** One side of a field disagreement. */
export interface FieldCandidate {
  /** The field edit (or resolution, for a decision disputed again) that carries the value. */
  readonly id: string;
  readonly user: string;
  readonly device: string;
  readonly at: number;
  readonly value: string | null;
}

/** A disagreement about a field that nobody has settled yet. */
export interface FieldDisagreement {
  /** The relay's conflict id; null while only this device has seen the disagreement. */
  readonly conflictId: string | null;
  /** The value the sides started from. */
  readonly from: string | null;
  readonly candidates: readonly FieldCandidate[];
}

/** A supervisor's decision that holds, with the conflict it settled. */
export interface FieldDecision extends Omit<ConflictResolution, 'value'> {
  /** The value that now holds. */
  readonly value: string | null;
  readonly conflictId: string;
  /** The value the conflict started from. */
  readonly from: string | null;
}

/** What a field shows; see the module comment. */
export interface ShownField {
  readonly field: FieldName;
  readonly value: string | null;
  /**
   * What a new edit starts from: the edit or resolution that set `value`
   * (null when nothing did). Naming it is what makes the edit "made with
   * knowledge" of a decision.
   */
  readonly base: string | null;
  /** The decision `value` comes from; null when an edit set it. */
  readonly decided: FieldDecision | null;
  /**
   * While a decision shows: edits to another value made without knowing it
   * (on a device that had not seen it yet), which it overrides. Kept in
   * history; listed so the screen can say so rather than drop them silently.
   */
  readonly overridden: readonly FieldCandidate[];
  /** An open disagreement about the field, if any. */
  readonly conflict: FieldDisagreement | null;
}

/** What `shownField` reads. */
export interface ShownFieldInput {
  readonly field: FieldName;
  /** The record's entries, in any order (only field edits are read). */
  readonly entries: readonly Entry[];
  /** The review map as the relay last wrote it (null before its first decision). */
  readonly review: ReviewState | null;
  /** The value the fields map holds; used only when the field has no edit at all. */
  readonly stored?: string | null;
}

/** The shown value of one descriptive field; see the module comment. */
export function shownField(input: ShownFieldInput): ShownField {
  return showField(input.field, allEdits(input.entries), input.review, input.stored ?? null);
}

/** `allEdits`: the record's field edits, one per id (read once for every field). */
function showField(field: FieldName, allEdits: readonly FieldEditEntry[], review: ReviewState | null, stored: string | null): ShownField {
  const edits = allEdits.filter((e) => e.field === field);
  const decisions = decisionsOf(review, field);
  const conflict = disagreement(edits, review, field);
  const latest = decisions.at(-1);
  const graph = new FieldGraph(edits, review);
  if (latest) {
    const after = edits.filter((e) => graph.knows(e.id, latest.resolutionId));
    if (after.length === 0) {
      const overridden = edits
        .filter((e) => e.to !== latest.value && !graph.knows(latest.resolutionId, e.id))
        .sort(compareEntries)
        .map(candidateOf);
      return { field, value: latest.value, base: latest.resolutionId, decided: latest, overridden, conflict };
    }
    const head = graph.showing(after);
    return { field, value: head.to, base: head.id, decided: null, overridden: [], conflict };
  }
  if (edits.length === 0) return { field, value: stored, base: null, decided: null, overridden: [], conflict };
  const head = graph.showing(edits);
  return { field, value: head.to, base: head.id, decided: null, overridden: [], conflict };
}

/** A record's descriptive fields and entries, as `shownFields` reads them. */
export interface FieldsAndEntries {
  readonly fields: Partial<Record<string, string>>;
  readonly entries: readonly Entry[];
}

/** `shownField` of every descriptive field of a `kind` record, in the kind's field order (the entries read once). */
export function shownFieldDetails(kind: RecordKind, record: FieldsAndEntries, review: ReviewState | null): Map<FieldName, ShownField> {
  const edits = allEdits(record.entries);
  const fields = RecordFields[kind] as readonly FieldName[];
  return new Map(fields.map((field) => [field, showField(field, edits, review, record.fields[field] ?? null)]));
}

/** The shown value of every descriptive field of a `kind` record (unset fields left out). */
export function shownFields(kind: RecordKind, record: FieldsAndEntries, review: ReviewState | null): Partial<Record<FieldName, string>> {
  const out: Partial<Record<FieldName, string>> = {};
  for (const [field, { value }] of shownFieldDetails(kind, record, review)) if (value !== null) out[field] = value;
  return out;
}

function allEdits(entries: readonly Entry[]): readonly FieldEditEntry[] {
  return uniqueEntries(entries.filter((e) => e.kind === EntryKind.fieldEdit)) as readonly FieldEditEntry[];
}

/** Resolved conflicts about `field`, oldest decision first. */
function decisionsOf(review: ReviewState | null, field: FieldName): FieldDecision[] {
  if (!review) return [];
  const revisionOf = (r: ConflictResolution) => review.outcomes[r.resolutionId]?.revision ?? 0;
  return fieldConflictsOf(review, field)
    .filter((c): c is Conflict & { resolution: ConflictResolution } => c.status === 'resolved' && c.resolution !== undefined)
    .map((c) => ({ ...c.resolution, value: textOf(c.resolution.value), conflictId: c.id, from: textOf(c.baseValue) }))
    .sort((a, b) => revisionOf(a) - revisionOf(b) || conflictNumber(a.conflictId) - conflictNumber(b.conflictId));
}

function fieldConflictsOf(review: ReviewState, field: FieldName): Conflict[] {
  return Object.values(review.conflicts)
    .filter((c) => c.field === 'descriptive' && c.name === field)
    .sort((a, b) => conflictNumber(a.id) - conflictNumber(b.id));
}

/** The edit/decision graph of one field: who each node was made with knowledge of. */
class FieldGraph {
  private readonly parents = new Map<string, readonly string[]>();
  private readonly depths = new Map<string, number>();

  constructor(edits: readonly FieldEditEntry[], review: ReviewState | null) {
    for (const e of edits) if (e.base !== null) this.parents.set(e.id, [e.base]);
    // A resolution knows every candidate of its conflict.
    for (const c of Object.values(review?.conflicts ?? {})) {
      if (c.resolution) this.parents.set(c.resolution.resolutionId, c.candidates.map((k) => k.proposalId));
    }
  }

  /** True when `id`'s base chain reaches `target`. Guarded against cycles a hostile device could write. */
  knows(id: string, target: string): boolean {
    const seen = new Set<string>();
    const stack = [...(this.parents.get(id) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (next === target) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(this.parents.get(next) ?? []));
    }
    return false;
  }

  /**
   * How much a node was made with knowledge of: 1 + the depth of its deepest
   * parent (0 for a node nobody knows of). An edit made from the shown value
   * is deeper than every other edit, whatever its device's clock says.
   */
  depth(id: string): number {
    return this.walk(id, new Set()).depth;
  }

  // Results that met a cycle depend on where the walk began, so only the others are kept.
  private walk(id: string, path: Set<string>): { depth: number; cyclic: boolean } {
    const held = this.depths.get(id);
    if (held !== undefined) return { depth: held, cyclic: false };
    if (path.has(id)) return { depth: 0, cyclic: true };
    path.add(id);
    let depth = 1;
    let cyclic = false;
    for (const p of this.parents.get(id) ?? []) {
      const r = this.walk(p, path);
      depth = Math.max(depth, 1 + r.depth);
      cyclic ||= r.cyclic;
    }
    path.delete(id);
    if (!cyclic) this.depths.set(id, depth);
    return { depth, cyclic };
  }

  /** The edit that shows among `edits`: the deepest, then the latest by `compareEntries`. */
  showing(edits: readonly FieldEditEntry[]): FieldEditEntry {
    return edits.reduce((x, y) => {
      const dx = this.depth(x.id);
      const dy = this.depth(y.id);
      return dx !== dy ? (dx > dy ? x : y) : later(x, y);
    });
  }
}

/**
 * The open disagreement about `field`: the relay's open conflict, else
 * concurrent edits this device sees that the relay has not judged (it will
 * open a conflict for them, as `openFieldConflict` does, once they reach it).
 */
function disagreement(edits: readonly FieldEditEntry[], review: ReviewState | null, field: FieldName): FieldDisagreement | null {
  const known = review ? fieldConflictsOf(review, field) : [];
  const open = known.find((c) => c.status === 'open');
  if (open) {
    return {
      conflictId: open.id,
      from: textOf(open.baseValue),
      candidates: open.candidates.map((c) => ({ id: c.proposalId, user: c.user, device: c.device, at: c.at, value: textOf(c.value) })),
    };
  }
  for (const group of fieldConflicts(edits)) {
    const history = known.filter((c) => c.key === group.key);
    const seen = new Set(history.flatMap((c) => c.candidates.map((k) => k.proposalId)));
    const fresh = group.candidates.filter((e) => !seen.has(e.id)).map(candidateOf);
    if (history.length === 0) return { conflictId: null, from: group.from, candidates: group.candidates.map(candidateOf) };
    const settled = history.at(-1)?.resolution;
    if (settled && fresh.some((c) => c.value !== textOf(settled.value))) {
      const incumbent = { id: settled.resolutionId, user: settled.by, device: settled.device, at: settled.at, value: textOf(settled.value) };
      return { conflictId: null, from: textOf(settled.value), candidates: [incumbent, ...fresh] };
    }
  }
  return null;
}

function candidateOf(e: FieldEditEntry): FieldCandidate {
  return { id: e.id, user: e.user, device: e.device, at: e.at, value: e.to };
}

function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : String(value);
}

function conflictNumber(id: string): number {
  return Number(id.slice(1));
}

