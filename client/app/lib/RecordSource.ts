/**
 * One record as the app reads it: the record model's snapshot (meta, fields,
 * entries), the relay-written review state, and the document's sync state,
 * as one `get()`/`subscribe()` source. Each part is re-read only after it
 * changed, and only when someone asks.
 */
import * as Y from 'yjs';
import type { DocSyncState, SyncedDoc } from '../../../client/sync';
import { observeRecord, readRecord, recordIdOfDocName, RecordRoot, type RecordSnapshot } from '../../../shared/model';
import { readReviewState, shownFields, type ReviewState } from '../../../shared/review';
import { Emitter } from './Emitter';

/** Everything a screen needs about one record. A new object after every change. */
export interface RecordView extends RecordSnapshot {
  /**
   * The descriptive fields as every screen shows them (shared/review
   * `shownFields`): a supervisor's decision holds here even though the
   * record's fields map still has one side of the conflict it settled.
   */
  readonly fields: RecordSnapshot['fields'];
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
  private current: SyncedDoc;
  private reviewMap: Y.Map<unknown>;
  private readonly unsubscribers: Array<() => void> = [];
  private record: RecordSnapshot | null = null;
  private review: ReviewState | null | undefined = undefined;
  /** The shown fields of `record` under `review`; kept while only the sync state changes. */
  private fields: RecordView['fields'] | null = null;
  private view: RecordView | null = null;

  constructor(synced: SyncedDoc) {
    const id = recordIdOfDocName(synced.name);
    if (!id) throw new Error(`not a record document: ${synced.name}`);
    this.id = id;
    this.current = synced;
    this.reviewMap = synced.doc.getMap(RecordRoot.review);
    this.attach();
  }

  /** The synced document (a new one after `rebind`). */
  get synced(): SyncedDoc {
    return this.current;
  }

  /** The Y.Doc to hand to shared/model writers (read it at each write: `rebind` replaces it). */
  get doc(): Y.Doc {
    return this.current.doc;
  }

  /**
   * Reads the record from `synced` from now on: the same document opened
   * again (after the relay refused a change, see RefusalRecovery), so screens
   * holding this source show and write the new copy.
   */
  rebind(synced: SyncedDoc): void {
    if (synced === this.current) return;
    if (synced.name !== this.current.name) throw new Error(`cannot read ${synced.name} as ${this.current.name}`);
    for (const off of this.unsubscribers.splice(0)) off();
    this.current = synced;
    this.reviewMap = synced.doc.getMap(RecordRoot.review);
    this.record = null;
    this.review = undefined;
    this.fields = null;
    this.attach();
    this.changed();
  }

  /** The current view (computed lazily, cached until something changes). */
  get(): RecordView {
    if (!this.view) {
      this.record ??= readRecord(this.current.doc);
      if (this.review === undefined) this.review = readReviewState(this.reviewMap);
      const record = this.record;
      this.fields ??= record.meta ? shownFields(record.meta.kind, record, this.review) : record.fields;
      this.view = { ...record, fields: this.fields, id: this.id, docName: this.current.name, review: this.review, sync: this.current.get() };
    }
    return this.view;
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    return this.emitter.subscribe(listener);
  }

  private attach(): void {
    const synced = this.current;
    const reviewMap = this.reviewMap;
    const onReview = (): void => {
      this.review = undefined;
      this.fields = null;
      this.changed();
    };
    reviewMap.observeDeep(onReview);
    this.unsubscribers.push(
      () => reviewMap.unobserveDeep(onReview),
      observeRecord(synced.doc, () => {
        this.record = null;
        this.fields = null;
        this.changed();
      }),
      synced.subscribe(() => this.changed()),
    );
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
