/**
 * The relay's side of rule 5: follows one record document's accepted changes
 * (the room hands it each, with what it added) for proposals, resolutions,
 * counts and field edits, decides them with the
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
import type { AcceptedChange } from '../sync/applyJudged';

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
    // Whatever arrived while no reviewer followed (an older relay, a restore) is decided now.
    this.decide(entriesOf(doc), true);
  }

  /**
   * Decides what an accepted change added; true when the review map was
   * written. A record created without any entry still gets its review map
   * (status `open`, revision 0), so devices can propose against a known revision.
   */
  accepted(change: AcceptedChange): boolean {
    const before = this.state;
    // The record's creation arrived: everything it holds is decided, what this change added included.
    if (change.changed.has(this.meta) && this.state === null) this.decide(entriesOf(this.doc), true);
    else if (change.changed.has(this.entries)) {
      const added: Entry[] = [];
      for (const item of change.added) {
        if (item.parent !== this.entries || item.deleted) continue;
        for (const value of item.values) {
          // Receive lines and comments never change the review: skip parsing them.
          if (!REVIEWED_KINDS.has((value as { kind?: unknown } | null)?.kind as string)) continue;
          const entry = tryParseEntry(value);
          if (entry) added.push(entry);
        }
      }
      if (added.length > 0) this.decide(added, false);
    }
    return this.state !== before;
  }

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

