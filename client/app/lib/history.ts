/**
 * A record's merged timeline for the history screen (the auditor's main
 * screen): every entry devices appended (lines, reversals, counts, recount
 * requests, comments, photos, field edits, proposals, resolutions) and every
 * decision the relay wrote into the review map, each with who, which device
 * and when. Everything reads in words: field names, old and new values, the
 * candidates of a conflict with who and when, which one was chosen and by
 * whom, and the note; never an internal key or an entry id. Pure: the same
 * record gives the same timeline on every device.
 */
import type { Entry, EntryOf } from '../../../shared/model';
import type { Candidate, Conflict, Decision, ReviewState, ReviewValue } from '../../../shared/review';
import { preciseTime } from './format';
import { conflictSubject, valueText } from './recordState';

/** One line of the timeline. */
export interface HistoryItem {
  /** Entry id, or `decision:<n>` for the relay's decisions (a key for the screen, never shown). */
  readonly id: string;
  /** ms since epoch: the device's clock for entries, the relay's for decisions. */
  readonly at: number;
  readonly source: 'device' | 'relay';
  /** e.g. "line", "reversal", "fieldEdit", "proposal", "applied", "refused", "conflict". */
  readonly kind: string;
  /** User id of whoever did it (the relay's decisions name the proposer). */
  readonly user: string;
  readonly device: string;
  /** One sentence. */
  readonly summary: string;
}

/** Turns user ids into the names people know. */
export type NameOf = (user: string) => string;

/** How the timeline names people and prints times. */
export interface HistoryWords {
  readonly nameOf?: NameOf;
  /** Defaults to `preciseTime`. */
  readonly timeOf?: (ms: number) => string;
}

/** What each kind of item is called on screen and in the CSV. */
export const KIND_TEXT: Readonly<Record<string, string>> = {
  line: 'Line',
  reversal: 'Reversal',
  count: 'Count',
  recountRequest: 'Recount request',
  comment: 'Comment',
  photo: 'Photo',
  fieldEdit: 'Edit',
  proposal: 'Proposal',
  resolution: 'Resolution',
  applied: 'Decision',
  refused: 'Refused',
  conflict: 'Conflict',
  opened: 'Conflict',
  joined: 'Conflict',
  resolved: 'Resolved',
};

interface Ctx {
  readonly nameOf: NameOf;
  readonly timeOf: (ms: number) => string;
  readonly byId: ReadonlyMap<string, Entry>;
  readonly review: ReviewState | null;
}

/** The merged timeline of a record, oldest first. */
export function recordHistory(entries: readonly Entry[], review: ReviewState | null, words: HistoryWords = {}): HistoryItem[] {
  const ctx: Ctx = {
    nameOf: words.nameOf ?? ((u) => u),
    timeOf: words.timeOf ?? preciseTime,
    byId: new Map(entries.map((e) => [e.id, e])),
    review,
  };
  const items: HistoryItem[] = entries.map((entry) => ({
    id: entry.id,
    at: entry.at,
    source: 'device' as const,
    kind: entry.kind,
    user: entry.user,
    device: entry.device,
    summary: describeEntry(entry, ctx),
  }));
  for (const decision of review?.log ?? []) items.push(decisionItem(decision, ctx));
  // Stable: equal times keep device entries in log order, then the relay's decisions in their order.
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => a.item.at - b.item.at || a.index - b.index)
    .map(({ item }) => item);
}

const FIELD_WORDS: Readonly<Record<string, string>> = { supplier: 'supplier', po: 'PO number', dock: 'dock', notes: 'notes', zone: 'zone' };

/** A descriptive field's value in quotes, or "(empty)". */
function quoted(v: ReviewValue | undefined): string {
  return v === null || v === undefined ? '(empty)' : `"${String(v)}"`;
}

/** What a proposal is about: "status", "quality hold", "accepted count of SKU-1 in bin A-01-1". */
export function proposalSubject(p: Pick<EntryOf<'proposal'>, 'field' | 'bin' | 'item'>): string {
  return conflictSubject({ field: p.field, bin: p.bin, item: p.item });
}

function describeEntry(entry: Entry, ctx: Ctx): string {
  switch (entry.kind) {
    case 'line':
      return `Received ${entry.qty} × ${entry.item}${entry.lot ? `, lot ${entry.lot}` : ''}${entry.note ? ` (${entry.note})` : ''}`;
    case 'reversal':
      return `Reversed ${briefly(ctx.byId.get(entry.reverses), ctx)}: ${entry.reason}`;
    case 'count':
      return `Counted ${entry.qty} × ${entry.item} in bin ${entry.bin}`;
    case 'recountRequest':
      return `Asked for a recount of ${entry.item} in bin ${entry.bin}: ${entry.reason}`;
    case 'comment':
      return `Comment: ${entry.text}`;
    case 'photo': {
      const of = entry.line ? ` of ${briefly(ctx.byId.get(entry.line), ctx)}` : entry.bin ? ` of bin ${entry.bin}` : '';
      return `Photo${of}${entry.caption ? `: ${entry.caption}` : ''}`;
    }
    case 'fieldEdit': {
      const decided = entry.base !== null && ctx.byId.get(entry.base)?.kind === 'resolution' ? ' (from the decided value)' : '';
      return `Changed ${FIELD_WORDS[entry.field] ?? entry.field} from ${quoted(entry.from)} to ${quoted(entry.to)}${decided}`;
    }
    case 'proposal':
      return `Proposed ${proposalSubject(entry)} → ${valueText(entry.field, entry.value)} (seen at review revision ${entry.baseRevision})${entry.note ? `: ${entry.note}` : ''}`;
    case 'resolution': {
      const conflict = conflictOf(ctx, entry.conflictId);
      const about = conflict ? ` on ${subjectOf(conflict)}` : '';
      if (typeof entry.chosen !== 'string') {
        return `Settled conflict ${entry.conflictId}${about}: entered ${valueWords(conflict, entry.chosen.value)}, note “${entry.chosen.note}”`;
      }
      const chosen = conflict?.candidates.find((c) => c.proposalId === entry.chosen);
      return `Settled conflict ${entry.conflictId}${about}: chose ${chosen ? candidateWords(conflict as Conflict, chosen, ctx) : 'a candidate not on this device yet'}`;
    }
  }
}

/** An entry a reversal names, in a few words. */
function briefly(entry: Entry | undefined, ctx: Ctx): string {
  if (!entry) return 'an entry not on this device';
  const by = `${ctx.nameOf(entry.user)}'s`;
  switch (entry.kind) {
    case 'line':
      return `${by} line ${entry.qty} × ${entry.item}${entry.lot ? `, lot ${entry.lot}` : ''}`;
    case 'count':
      return `${by} count ${entry.qty} × ${entry.item} in bin ${entry.bin}`;
    case 'recountRequest':
      return `${by} recount request of ${entry.item} in bin ${entry.bin}`;
    case 'comment':
      return `${by} comment “${entry.text}”`;
    case 'photo':
      return `${by} photo${entry.caption ? ` “${entry.caption}”` : ''}`;
    default:
      return `${by} ${KIND_TEXT[entry.kind]?.toLowerCase() ?? entry.kind}`;
  }
}

function conflictOf(ctx: Ctx, id: string | undefined): Conflict | undefined {
  if (!id || !ctx.review || !Object.hasOwn(ctx.review.conflicts, id)) return undefined;
  return ctx.review.conflicts[id];
}

function subjectOf(c: Pick<Conflict, 'field' | 'bin' | 'item' | 'name'>): string {
  return c.field === 'descriptive' ? (FIELD_WORDS[c.name ?? ''] ?? c.name ?? 'a field') : conflictSubject(c);
}

function valueWords(c: Pick<Conflict, 'field'> | undefined, v: ReviewValue | undefined): string {
  if (!c || c.field === 'descriptive') return quoted(v);
  return valueText(c.field, v);
}

const SOURCE_WORDS: Readonly<Record<Candidate['source'], string>> = {
  proposal: 'proposal',
  resolution: 'earlier decision',
  count: 'count',
  fieldEdit: 'edit',
};

/** `"D2" (Ana's edit, 3 Mar 14:05:09)`. */
function candidateWords(c: Conflict, k: Candidate, ctx: Ctx): string {
  const who = k.user === 'relay' ? 'the relay' : `${ctx.nameOf(k.user)}'s ${SOURCE_WORDS[k.source]}`;
  return `${valueWords(c, k.value)} (${who}, ${ctx.timeOf(k.at)})`;
}

/** What a state key is about, in words. */
function keyWords(key: string | undefined, conflict: Conflict | undefined): string {
  if (conflict) return subjectOf(conflict);
  if (key === undefined || key === 'status') return 'status';
  if (key === 'hold') return 'quality hold';
  if (key.startsWith('field:')) return FIELD_WORDS[key.slice(6, key.indexOf('@'))] ?? 'a field';
  try {
    const [bin, item] = JSON.parse(key) as [string, string];
    return conflictSubject({ field: 'acceptedCount', bin, item });
  } catch {
    return 'a field';
  }
}

/** Candidates a conflict had when it opened: all but the proposals that joined it later. */
function candidatesAtOpening(c: Conflict, ctx: Ctx): Candidate[] {
  const joined = new Set((ctx.review?.log ?? []).filter((d) => d.conflictId === c.id && d.result === 'conflict').map((d) => d.entryId));
  return c.candidates.filter((k) => !joined.has(k.proposalId));
}

/** True when `d` is the first decision about its conflict (the one that opened it). */
function opens(d: Decision, ctx: Ctx): boolean {
  return (ctx.review?.log ?? []).find((x) => x.conflictId === d.conflictId)?.n === d.n;
}

function decisionItem(d: Decision, ctx: Ctx): HistoryItem {
  const conflict = conflictOf(ctx, d.conflictId);
  const subject = keyWords(d.key, conflict);
  const entry = d.entryId ? ctx.byId.get(d.entryId) : undefined;
  const whose = d.user ? `${ctx.nameOf(d.user)}'s ${d.event === 'resolution' ? 'decision' : d.event}` : '';
  const proposed = entry?.kind === 'proposal' ? ` (${proposalSubject(entry)} → ${valueText(entry.field, entry.value)})` : '';
  let summary: string;
  switch (d.result) {
    case 'applied':
      if (d.event === 'resolution' && conflict?.resolution) summary = resolutionWords(conflict, ctx);
      else if (d.to !== undefined) {
        const field = d.key === 'hold' ? 'hold' : 'status'; // accepted counts read as plain numbers
        summary = `Relay applied ${whose}: ${subject} ${valueText(field, d.from)} → ${valueText(field, d.to)}`;
      }
      else summary = `Relay applied ${whose}${proposed}: nothing changed${d.reason ? ` (${d.reason})` : ''}`;
      break;
    case 'refused':
      summary = `Relay refused ${whose || 'an entry'}${proposed}: ${d.reason ?? 'no reason given'}`;
      break;
    case 'opened': {
      const sides = conflict ? candidatesAtOpening(conflict, ctx).map((k) => candidateWords(conflict, k, ctx)).join(' vs ') : '';
      const from = conflict ? `, all from ${valueWords(conflict, conflict.baseValue)}` : '';
      summary = `Relay opened conflict ${d.conflictId ?? ''} on ${subject}${sides ? `: ${sides}${from}` : ''}`;
      break;
    }
    case 'conflict': {
      const others = conflict?.candidates.filter((k) => k.proposalId !== d.entryId).map((k) => candidateWords(conflict, k, ctx)) ?? [];
      const verb = opens(d, ctx) ? 'put' : 'added';
      summary = `Relay ${verb} ${whose}${proposed} ${verb === 'added' ? 'to' : 'in'} conflict ${d.conflictId ?? ''} on ${subject}${others.length > 0 ? ` with ${others.join(' and ')}` : ''}: a supervisor decides`;
      break;
    }
    case 'joined':
      summary = `Relay added a candidate to conflict ${d.conflictId ?? ''} on ${subject}`;
      break;
    case 'resolved':
      summary = `Relay recorded the resolution of conflict ${d.conflictId ?? ''} on ${subject}`;
      break;
  }
  return {
    id: `decision:${d.n}`,
    at: d.at,
    source: 'relay',
    kind: d.result,
    user: d.user ?? 'relay',
    device: d.device ?? 'relay',
    summary: `${summary} [review revision ${d.revision}]`,
  };
}

/** "Relay applied Sam's decision on dock: "D1" → "D3" (entered, note “…”); set aside "D2" (Ana's edit, …), …". */
function resolutionWords(c: Conflict, ctx: Ctx): string {
  const r = c.resolution as NonNullable<Conflict['resolution']>;
  const chosen = r.chosen === null ? undefined : c.candidates.find((k) => k.proposalId === r.chosen);
  const how = chosen ? `chose ${candidateWords(c, chosen, ctx)}` : `entered ${valueWords(c, r.value)}`;
  const setAside = c.candidates.filter((k) => k !== chosen).map((k) => candidateWords(c, k, ctx));
  return (
    `Relay applied ${ctx.nameOf(r.by)}'s decision on conflict ${c.id} about ${subjectOf(c)}: ${valueWords(c, c.baseValue)} → ${valueWords(c, r.value)}; ${how}` +
    `${r.note ? `, note “${r.note}”` : ''}${setAside.length > 0 ? `; set aside ${setAside.join(', ')}` : ''}`
  );
}

/** The timeline as CSV (for the auditor's export): in words, like the screen. */
export function historyCsv(items: readonly HistoryItem[], nameOf: NameOf = (u) => u): string {
  const cell = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const header = ['time', 'source', 'what kind', 'who', 'device', 'what happened'];
  const rows = items.map((i) =>
    [new Date(i.at).toISOString(), i.source === 'relay' ? 'relay' : 'device', KIND_TEXT[i.kind] ?? i.kind, i.source === 'relay' && i.user === 'relay' ? 'relay' : nameOf(i.user), i.device, i.summary]
      .map(cell)
      .join(','),
  );
  return [header.join(','), ...rows].join('\n') + '\n';
}
