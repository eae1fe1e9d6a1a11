/**
 * The relay's side of rule 5: watches one record document for proposals,
 * resolutions, counts and field edits as they arrive, decides them with the
 * pure rules in shared/review, and writes the outcome into the record's
 * `review` map (which devices may only read). Decisions are made in arrival
 * order and logged in the map, so replaying the log gives the same map.
 */
import * as Y from 'yjs';
import type { Role } from '../../shared/auth/roles';
import { EntryKind, type Entry } from '../../shared/model/entry';
import { tryParseEntry } from '../../shared/model/parseEntry';
import { entriesOf, readMeta } from '../../shared/model/readRecord';
import { RecordRoot } from '../../shared/model/recordLayout';
import { discrepancies } from '../../shared/model/currentCounts';
import { fieldConflicts } from '../../shared/model/fieldConflicts';
import { applyReviewEvent, type ReviewEvent } from '../../shared/review/replay';
import { emptyReviewState, type ReviewState } from '../../shared/review/ReviewState';
import { readReviewState, writeReviewState } from '../../shared/review/reviewMap';
import { isProposal, isResolution } from '../../shared/review/reviewEntries';
import type { RelayLog } from '../log';
import { wasRefused } from '../sync/applyJudged';
import { itemsAdded } from '../sync/transactionClocks';

/** Entry kinds that can change a record's review. */
const REVIEWED_KINDS = new Set<string>([
  EntryKind.proposal,
  EntryKind.resolution,
  EntryKind.count,
  EntryKind.recountRequest,
  EntryKind.reversal,
  EntryKind.fieldEdit,
]);

/** Transaction origin of the relay's own review writes. */
export const REVIEW_ORIGIN = Symbol('relay-review');

export interface RecordReviewerOptions {
  /** The role of a user at decision time (undefined: unknown user, refused). */
  roleOf: (user: string) => Role | undefined;
  log: RelayLog;
  now?: () => number;
}

export class RecordReviewer {
  private readonly entries: Y.Array<unknown>;
  private readonly meta: Y.Map<unknown>;
  private readonly review: Y.Map<unknown>;
  private readonly now: () => number;
  private state: ReviewState | null;

  constructor(
    private readonly docName: string,
    private readonly doc: Y.Doc,
    private readonly options: RecordReviewerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.entries = doc.getArray(RecordRoot.entries);
    this.meta = doc.getMap(RecordRoot.meta);
    this.review = doc.getMap(RecordRoot.review);
    this.state = readReviewState(this.review);
    // Whatever arrived while no reviewer watched (an older relay, a restore) is decided now.
    this.decide(entriesOf(doc), true);
    this.entries.observe(this.onEntries);
    this.meta.observe(this.onMeta);
  }

  /** Stops watching. */
  destroy(): void {
    this.entries.unobserve(this.onEntries);
    this.meta.unobserve(this.onMeta);
  }

  // A record created without any entry still gets its review map (status
  // `open`, revision 0), so devices can propose against a known revision.
  private readonly onMeta = (_event: Y.YMapEvent<unknown>, txn: Y.Transaction): void => {
    if (wasRefused(txn)) return;
    if (this.state === null) this.decide(entriesOf(this.doc), true);
  };

  private readonly onEntries = (event: Y.YArrayEvent<unknown>, txn: Y.Transaction): void => {
    // A refused update is about to be rolled back: it must not be decided on.
    if (txn.origin === REVIEW_ORIGIN || wasRefused(txn)) return;
    const added: Entry[] = [];
    // Found from the transaction's clocks: Yjs's `event.changes` walks the
    // whole array, so every append would cost the length of the log.
    for (const item of itemsAdded(txn)) {
      if (item.parent !== event.target || item.deleted) continue;
      for (const value of item.content.getContent()) {
        // Receive lines and comments never change the review: skip parsing them.
        if (!REVIEWED_KINDS.has((value as { kind?: unknown } | null)?.kind as string)) continue;
        const entry = tryParseEntry(value);
        if (entry) added.push(entry);
      }
    }
    if (added.length > 0) this.decide(added, false);
  };

  /** Decides `added` (in order), then re-derives discrepancies and field conflicts if they could have changed. */
  private decide(added: readonly Entry[], catchUp: boolean): void {
    const start = this.state ?? this.initialState();
    if (!start) return; // no meta yet: the record's creation has not arrived
    const now = this.now();
    const events: ReviewEvent[] = [];
    for (const entry of added) {
      if (isProposal(entry)) events.push({ type: 'proposal', entry, now });
      else if (isResolution(entry)) events.push({ type: 'resolution', entry, now });
    }
    const countsChanged = catchUp || added.some((e) => e.kind === EntryKind.count || e.kind === EntryKind.recountRequest || e.kind === EntryKind.reversal);
    const fieldsChanged = catchUp || added.some((e) => e.kind === EntryKind.fieldEdit);
    if (countsChanged || fieldsChanged) {
      const all = entriesOf(this.doc);
      if (countsChanged) {
        for (const d of discrepancies(all)) {
          events.push({
            type: 'discrepancy',
            input: { bin: d.bin, item: d.item, candidates: d.candidates.map((c) => ({ proposalId: c.id, user: c.user, device: c.device, at: c.at, value: c.qty })) },
            now,
          });
        }
      }
      if (fieldsChanged) {
        for (const c of fieldConflicts(all)) {
          events.push({
            type: 'fieldConflict',
            input: {
              name: c.field,
              base: c.base,
              from: c.from,
              candidates: c.candidates.map((e) => ({ proposalId: e.id, user: e.user, device: e.device, at: e.at, value: e.to })),
            },
            now,
          });
        }
      }
    }
    let next = start;
    for (const event of events) {
      try {
        next = applyReviewEvent(next, event, this.options.roleOf);
      } catch (err) {
        this.options.log.error({ doc: this.docName, event: event.type, err: String(err) }, 'review rule failed');
      }
    }
    if (next === this.state) return;
    this.state = next;
    writeReviewState(this.review, next, REVIEW_ORIGIN);
  }

  private initialState(): ReviewState | null {
    const meta = readMeta(this.doc);
    return meta ? emptyReviewState(this.docName, meta.kind) : null;
  }
}

