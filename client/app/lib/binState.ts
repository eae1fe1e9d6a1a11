/**
 * What a count sheet row says about one (bin, item), and how a supervisor can
 * decide it there: from the counts derived on the device, the accepted count
 * and any conflict in the review map. Pure.
 *
 * - While the relay holds an open discrepancy conflict, the row is disputed
 *   (even after a recount request, which leaves no current counts to choose
 *   from): the choices are the conflict's candidates, and choosing one
 *   resolves the conflict.
 * - Once a count is accepted and no conflict is open, the row reads decided,
 *   with who decided and their note.
 * - Otherwise the row shows the derived counts; accepting one is a proposal.
 */
import type { BinItemCount } from '../../../shared/model';
import { countKey, lastChange, openConflictFor, type ReviewState } from '../../../shared/review';

/** One quantity a supervisor can accept. */
export interface BinChoice {
  readonly qty: number;
  /** Set when accepting resolves an open conflict by choosing this candidate. */
  readonly resolve: { readonly conflictId: string; readonly candidateId: string } | null;
}

/** The row's state; see the module comment. */
export interface BinState {
  readonly state: 'counted' | 'discrepancy' | 'recount' | 'decided' | 'uncounted';
  /** True while counters disagree and nobody has decided. */
  readonly disputed: boolean;
  /** A decision made on this device that the relay has not applied yet. */
  readonly sent: boolean;
  /** Who counted what, for a disputed row (from the conflict when the relay opened one). */
  readonly sides: readonly { readonly user: string; readonly qty: number }[];
  readonly decided: { readonly count: number; readonly by: string | null; readonly note: string | null } | null;
  readonly choices: readonly BinChoice[];
}

/**
 * The state of `count`'s row under `review`. `sent`: conflicts this device
 * sent a resolution for that the relay has not applied yet (no second choice
 * is offered for them).
 */
export function binState(count: BinItemCount, review: ReviewState | null, sent: ReadonlySet<string> = new Set()): BinState {
  const key = countKey(count.bin, count.item);
  const accepted = review?.acceptedCounts[key];
  const open = review ? openConflictFor(review, key) : undefined;
  const sidesOfCounts = count.candidates.map((c) => ({ user: c.user, qty: c.qty }));
  if (open) {
    const choices: BinChoice[] = [];
    for (const c of open.candidates) {
      if (typeof c.value !== 'number' || choices.some((x) => x.qty === c.value)) continue;
      choices.push({ qty: c.value, resolve: { conflictId: open.id, candidateId: c.proposalId } });
    }
    const waiting = sent.has(open.id);
    return {
      state: count.recountRequested ? 'recount' : 'discrepancy',
      disputed: true,
      sent: waiting,
      sides: open.candidates.map((c) => ({ user: c.user, qty: Number(c.value) })),
      decided: null,
      choices: waiting ? [] : choices,
    };
  }
  if (accepted && review) {
    const d = lastChange(review, key);
    const conflict = d?.event === 'resolution' && d.conflictId ? review.conflicts[d.conflictId] : undefined;
    const others = [...new Set(count.candidates.map((c) => c.qty))].filter((q) => q !== accepted.count);
    return {
      state: 'decided',
      disputed: false,
      sent: false,
      sides: sidesOfCounts,
      decided: { count: accepted.count, by: d?.user ?? null, note: conflict?.resolution?.note ?? null },
      choices: others.map((qty) => ({ qty, resolve: null })),
    };
  }
  const state = count.discrepancy ? 'discrepancy' : count.recountRequested ? 'recount' : count.candidates.length > 0 ? 'counted' : 'uncounted';
  return { state, disputed: count.discrepancy, sent: false, sides: sidesOfCounts, decided: null, choices: [...new Set(count.candidates.map((c) => c.qty))].map((qty) => ({ qty, resolve: null })) };
}
