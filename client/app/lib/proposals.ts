/**
 * "My proposals": every status (or hold, or count) change the signed-in user
 * proposed, and what the relay made of it: still waiting, applied, refused
 * and why, in conflict, or resolved by whom. Outcomes live in each record's
 * review map, so a device back after a week offline learns them too. The
 * badge counts outcomes this user has not looked at yet.
 */
import type { EntryOf } from '../../../shared/model';
import type { Conflict, Outcome } from '../../../shared/review';
import type { KeyValueStore } from './device';
import { Emitter } from './Emitter';
import type { RecordSummary } from './recordSummary';

/** One proposal and its fate. */
export interface MyProposal {
  readonly recordId: string;
  readonly proposal: EntryOf<'proposal'>;
  /** null while the relay has not decided (not synced yet, or the relay has not seen it). */
  readonly outcome: Outcome | null;
  /** The conflict it is (or was) part of. */
  readonly conflict: Conflict | null;
  /** A key that changes whenever the outcome does (what "seen" remembers). */
  readonly outcomeKey: string | null;
}

/** The proposals `user` made in the records summarized by `summaries`, newest first. */
export function myProposals(summaries: Iterable<Pick<RecordSummary, 'id' | 'proposals'>>, user: string): MyProposal[] {
  const out: MyProposal[] = [];
  for (const summary of summaries) {
    for (const { proposal: entry, outcome, conflict } of summary.proposals) {
      if (entry.user !== user) continue;
      const resolvedKey = conflict?.status === 'resolved' ? ':resolved' : '';
      out.push({
        recordId: summary.id,
        proposal: entry,
        outcome,
        conflict,
        outcomeKey: outcome ? `${outcome.result}@${outcome.revision}${resolvedKey}` : null,
      });
    }
  }
  return out.sort((a, b) => b.proposal.at - a.proposal.at || (a.proposal.id < b.proposal.id ? 1 : -1));
}

/** In words: "Applied", "Refused: crew may not ...", "In conflict c1", "Resolved by Sam: chosen". */
export function outcomeText(p: MyProposal, nameOf: (user: string) => string = (u) => u): string {
  const o = p.outcome;
  if (!o) return 'Waiting for the relay';
  if (p.conflict?.status === 'resolved' && p.conflict.resolution) {
    const r = p.conflict.resolution;
    const mine = r.chosen === p.proposal.id;
    return `Resolved by ${nameOf(r.by)}: ${mine ? 'your value was chosen' : `set to ${String(r.value)}`}${r.note ? ` (${r.note})` : ''}`;
  }
  switch (o.result) {
    case 'applied':
      return o.reason ? `Applied (${o.reason})` : 'Applied';
    case 'refused':
      return `Refused: ${o.reason ?? 'no reason given'}`;
    case 'conflict':
      return `In conflict ${o.conflictId ?? ''}: a supervisor will decide`;
    case 'resolved':
      return o.chosen ? 'Resolved: your value was chosen' : `Resolved: ${o.reason ?? 'another value was chosen'}`;
  }
}

/**
 * Which outcomes the user has seen, kept per user on the device. An outcome
 * that changes (conflict, then resolved) counts as new again.
 */
export class SeenOutcomes {
  private readonly emitter = new Emitter();
  private readonly key: string;
  private seen: Record<string, string>;

  constructor(
    user: string,
    private readonly store: KeyValueStore = localStorage,
  ) {
    this.key = `tally.seenOutcomes.${user}`;
    this.seen = this.read();
  }

  /** Proposals whose current outcome the user has not seen. */
  unseen(proposals: readonly MyProposal[]): MyProposal[] {
    return proposals.filter((p) => p.outcomeKey !== null && this.seen[p.proposal.id] !== p.outcomeKey);
  }

  /** True when `p`'s current outcome is new to the user. */
  isNew(p: MyProposal): boolean {
    return p.outcomeKey !== null && this.seen[p.proposal.id] !== p.outcomeKey;
  }

  /** Marks every decided proposal in `proposals` as seen. */
  markSeen(proposals: readonly MyProposal[]): void {
    let changed = false;
    for (const p of proposals) {
      if (p.outcomeKey !== null && this.seen[p.proposal.id] !== p.outcomeKey) {
        this.seen = { ...this.seen, [p.proposal.id]: p.outcomeKey };
        changed = true;
      }
    }
    if (!changed) return;
    this.store.setItem(this.key, JSON.stringify(this.seen));
    this.emitter.emit();
  }

  subscribe(listener: () => void): () => void {
    return this.emitter.subscribe(listener);
  }

  /** A value that changes whenever `markSeen` changed something (for reactive reads). */
  get(): Record<string, string> {
    return this.seen;
  }

  private read(): Record<string, string> {
    try {
      const v = JSON.parse(this.store.getItem(this.key) ?? '{}') as unknown;
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, string>) : {};
    } catch {
      return {};
    }
  }
}
