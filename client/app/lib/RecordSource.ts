/**
 * One record as the app reads it: the record model's snapshot (meta, fields,
 * entries), the relay-written review state, and the document's sync state,
 * as one `get()`/`subscribe()` source. Each part is re-read only after it
 * changed, and only when someone asks.
 */
import * as Y from 'yjs';
import type { DocSyncState, SyncedDoc } from '../../../client/sync';
import { observeRecord, readRecord, recordIdOfDocName, RecordRoot, type RecordSnapshot } from '../../../shared/model';
import { readReviewState, type ReviewState } from '../../../shared/review';
import { Emitter } from './Emitter';

/** Everything a screen needs about one record. A new object after every change. */
export interface RecordView extends RecordSnapshot {
  /** The record id (the document is `record:<id>`). */
  readonly id: string;
  readonly docName: string;
  /** The review map as the relay last wrote it; null before its first decision. */
  readonly review: ReviewState | null;
  readonly sync: DocSyncState;
}

/** A record document read as one source; see the module comment. */
export class RecordSource {
  readonly id: string;
  private readonly emitter = new Emitter();
  private readonly reviewMap: Y.Map<unknown>;
  private readonly unsubscribers: Array<() => void> = [];
  private record: RecordSnapshot | null = null;
  private review: ReviewState | null | undefined = undefined;
  private view: RecordView | null = null;

  constructor(readonly synced: SyncedDoc) {
    const id = recordIdOfDocName(synced.name);
    if (!id) throw new Error(`not a record document: ${synced.name}`);
    this.id = id;
    this.reviewMap = synced.doc.getMap(RecordRoot.review);
    const onReview = (): void => {
      this.review = undefined;
      this.changed();
    };
    this.reviewMap.observeDeep(onReview);
    this.unsubscribers.push(
      () => this.reviewMap.unobserveDeep(onReview),
      observeRecord(synced.doc, () => {
        this.record = null;
        this.changed();
      }),
      synced.subscribe(() => this.changed()),
    );
  }

  /** The Y.Doc to hand to shared/model writers. */
  get doc(): Y.Doc {
    return this.synced.doc;
  }

  /** The current view (computed lazily, cached until something changes). */
  get(): RecordView {
    if (!this.view) {
      this.record ??= readRecord(this.synced.doc);
      if (this.review === undefined) this.review = readReviewState(this.reviewMap);
      this.view = { ...this.record, id: this.id, docName: this.synced.name, review: this.review, sync: this.synced.get() };
    }
    return this.view;
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    return this.emitter.subscribe(listener);
  }

  /** Stops listening to the document (the document itself is closed by its owner). */
  destroy(): void {
    for (const off of this.unsubscribers.splice(0)) off();
    this.emitter.clear();
  }

  private changed(): void {
    this.view = null;
    this.emitter.emit();
  }
}
