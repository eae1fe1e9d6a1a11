/**
 * "My proposals": every status (or hold, or count) change the signed-in user
 * proposed, and where it stands: saved on this device, on the relay and
 * undecided, applied, refused and why, in conflict, or resolved by whom and
 * to what. Outcomes live in each record's
 * review map, so a device back after a week offline learns them too. The
 * badge counts outcomes this user has not looked at yet.
 */
import type { EntryOf } from '../../../shared/model';
import type { Conflict, Outcome } from '../../../shared/review';
import type { KeyValueStore } from './device';
import { Emitter } from './Emitter';
import { valueText } from './recordState';
import type { RecordSummary } from '../../../shared/summary/recordSummary';

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
  /** True while the record has changes the relay has not acknowledged (the proposal may be one). */
  readonly pending: boolean;
}

/** The proposals `user` made in the records summarized by `summaries`, newest first. */
export function myProposals(summaries: Iterable<Pick<RecordSummary, 'id' | 'proposals'> & Partial<Pick<RecordSummary, 'pending'>>>, user: string): MyProposal[] {
  const out: MyProposal[] = [];
  for (const summary of summaries) {
    for (const { proposal: entry, outcome, conflict } of summary.proposals) {
      if (entry.user !== user) continue;
      // An incumbent keeps its `applied` outcome when a stale proposal disputes it: the conflict's state is part of the key.
      const conflictKey = conflict ? `:${conflict.id}:${conflict.status}` : '';
      out.push({
        recordId: summary.id,
        proposal: entry,
        outcome,
        conflict,
        outcomeKey: outcome ? `${outcome.result}@${outcome.revision}${conflictKey}` : null,
        pending: (summary.pending ?? 0) > 0,
      });
    }
  }
  return out.sort((a, b) => b.proposal.at - a.proposal.at || (a.proposal.id < b.proposal.id ? 1 : -1));
}

/** Where a proposal stands, from this device to the supervisor's decision. */
export type ProposalStanding = 'onDevice' | 'undecided' | 'applied' | 'refused' | 'conflict' | 'chosen' | 'setAside';

/** A proposal's standing in words, with the tone of its pill. */
export interface ProposalState {
  readonly standing: ProposalStanding;
  readonly text: string;
  readonly tone: 'plain' | 'ok' | 'warn' | 'bad';
}

/**
 * Where proposal `p` stands, in words: saved on this device, on the relay and
 * undecided, applied, refused (why), in conflict (with whom), or resolved (by
 * whom, to what, with the note). A proposal that is a candidate of an open
 * conflict is "in conflict" even if the relay had applied it first.
 */
export function proposalState(p: MyProposal, nameOf: (user: string) => string = (u) => u): ProposalState {
  const o = p.outcome;
  const value = (v: unknown) => valueText(p.proposal.field, v);
  if (!o) {
    return p.pending
      ? { standing: 'onDevice', text: 'Saved on this device; not on the relay yet', tone: 'plain' }
      : { standing: 'undecided', text: 'On the relay; not decided yet', tone: 'plain' };
  }
  const c = p.conflict;
  if (c?.status === 'open') {
    const others = c.candidates.filter((k) => k.proposalId !== p.proposal.id).map((k) => `${value(k.value)} (${nameOf(k.user)})`);
    return { standing: 'conflict', text: `In conflict with ${others.join(' and ') || 'another value'}: a supervisor decides`, tone: 'bad' };
  }
  if (c?.status === 'resolved' && c.resolution) {
    const r = c.resolution;
    const note = r.note ? ` (“${r.note}”)` : '';
    if (r.chosen === p.proposal.id) return { standing: 'chosen', text: `Resolved by ${nameOf(r.by)}: your value was chosen${note}`, tone: 'ok' };
    return { standing: 'setAside', text: `Resolved by ${nameOf(r.by)}: set to ${value(r.value)}; yours was set aside${note}`, tone: 'warn' };
  }
  switch (o.result) {
    case 'applied':
      return { standing: 'applied', text: o.reason ? `Applied: ${o.reason}` : `Applied at revision ${o.revision}`, tone: 'ok' };
    case 'refused':
      return { standing: 'refused', text: `Refused: ${o.reason ?? 'no reason given'}`, tone: 'bad' };
    case 'conflict':
      return { standing: 'conflict', text: 'In conflict: a supervisor decides', tone: 'bad' };
    case 'resolved':
      return o.chosen
        ? { standing: 'chosen', text: 'Resolved: your value was chosen', tone: 'ok' }
        : { standing: 'setAside', text: `Resolved: ${o.reason ?? 'another value was chosen'}`, tone: 'warn' };
  }
}

/** `proposalState`'s words alone. */
export function outcomeText(p: MyProposal, nameOf: (user: string) => string = (u) => u): string {
  return proposalState(p, nameOf).text;
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
