/**
 * A record's merged timeline for the history screen (the auditor's main
 * screen): every entry devices appended (lines, reversals, counts, recount
 * requests, comments, photos, field edits, proposals, resolutions) and every
 * decision the relay wrote into the review map, each with who, which device
 * and when. Pure: the same record gives the same timeline on every device.
 */
import type { Entry } from '../../../shared/model';
import type { Decision, ReviewState } from '../../../shared/review';
import { valueText } from './recordState';

/** One line of the timeline. */
export interface HistoryItem {
  /** Entry id, or `decision:<n>` for the relay's decisions. */
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

/** The merged timeline of a record, oldest first. */
export function recordHistory(entries: readonly Entry[], review: ReviewState | null, nameOf: NameOf = (u) => u): HistoryItem[] {
  const items: HistoryItem[] = entries.map((entry) => ({
    id: entry.id,
    at: entry.at,
    source: 'device' as const,
    kind: entry.kind,
    user: entry.user,
    device: entry.device,
    summary: describeEntry(entry, nameOf),
  }));
  for (const decision of review?.log ?? []) items.push(decisionItem(decision, nameOf));
  // Stable: equal times keep device entries in log order, then the relay's decisions in their order.
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => a.item.at - b.item.at || a.index - b.index)
    .map(({ item }) => item);
}

function describeEntry(entry: Entry, nameOf: NameOf): string {
  switch (entry.kind) {
    case 'line':
      return `Received ${entry.qty} × ${entry.item}${entry.lot ? `, lot ${entry.lot}` : ''}${entry.note ? ` (${entry.note})` : ''}`;
    case 'reversal':
      return `Reversed ${entry.reverses}: ${entry.reason}`;
    case 'count':
      return `Counted ${entry.qty} × ${entry.item} in bin ${entry.bin}`;
    case 'recountRequest':
      return `Asked for a recount of ${entry.item} in bin ${entry.bin}: ${entry.reason}`;
    case 'comment':
      return `Comment: ${entry.text}`;
    case 'photo':
      return `Photo ${entry.photoId}${entry.caption ? `: ${entry.caption}` : ''}`;
    case 'fieldEdit':
      return `Changed ${entry.field} from ${entry.from === null ? '(empty)' : `"${entry.from}"`} to "${entry.to}"`;
    case 'proposal': {
      const what = entry.field === 'acceptedCount' ? `accepted count of ${entry.item} in ${entry.bin}` : entry.field;
      return `Proposed ${what} → ${valueText(entry.field, entry.value)} (based on revision ${entry.baseRevision})${entry.note ? `: ${entry.note}` : ''}`;
    }
    case 'resolution': {
      const chosen = typeof entry.chosen === 'string' ? `chose ${entry.chosen}` : `entered "${String(entry.chosen.value)}": ${entry.chosen.note}`;
      return `Resolved conflict ${entry.conflictId}: ${chosen}`;
    }
  }
}

function decisionItem(d: Decision, nameOf: NameOf): HistoryItem {
  const by = d.user ? ` (${nameOf(d.user)}'s ${d.event})` : '';
  const change = d.to !== undefined ? `: ${d.key ?? 'value'} ${valueText(d.key ?? '', d.from)} → ${valueText(d.key ?? '', d.to)}` : '';
  let summary: string;
  switch (d.result) {
    case 'applied':
      summary = `Relay applied${by}${change}${d.reason && !change ? `: ${d.reason}` : ''}`;
      break;
    case 'refused':
      summary = `Relay refused${by}: ${d.reason ?? 'no reason given'}`;
      break;
    case 'opened':
    case 'conflict':
      summary = `Relay opened conflict ${d.conflictId ?? ''}${by}${d.reason ? `: ${d.reason}` : ''}`;
      break;
    case 'joined':
      summary = `Relay added a candidate to conflict ${d.conflictId ?? ''}${by}`;
      break;
    case 'resolved':
      summary = `Relay recorded the resolution of ${d.conflictId ?? 'a conflict'}${by}${change}`;
      break;
  }
  return {
    id: `decision:${d.n}`,
    at: d.at,
    source: 'relay',
    kind: d.result,
    user: d.user ?? 'relay',
    device: d.device ?? 'relay',
    summary: `${summary} [revision ${d.revision}]`,
  };
}

/** The timeline as CSV (for the auditor's export). */
export function historyCsv(items: readonly HistoryItem[], nameOf: NameOf = (u) => u): string {
  const cell = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const header = ['time', 'source', 'kind', 'user', 'device', 'what', 'id'];
  const rows = items.map((i) =>
    [new Date(i.at).toISOString(), i.source, i.kind, nameOf(i.user), i.device, i.summary, i.id].map(cell).join(','),
  );
  return [header.join(','), ...rows].join('\n') + '\n';
}
