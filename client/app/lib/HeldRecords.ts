/**
 * The records this device holds for offline reading: their summaries in
 * memory (read once from the device record store at start) and the fetching
 * of what the device lacks from the relay, merged into the store in large
 * batches. Which records are open as documents is the Workspace's business;
 * this module never keeps a Y.Doc (it builds one briefly per fetched record,
 * to summarize it, and drops it).
 */
import * as Y from 'yjs';
import { recordDocName, recordIdOfDocName, toRecordId } from '../../../shared/model';
import type { DeviceRecordStore, HeldRecord } from './DeviceRecordStore';
import { Emitter } from './Emitter';
import { summarizeDoc, type RecordSummary } from './recordSummary';
import type { FetchedState, StateFeed } from './stateFeed';

/** Progress of a fetch: records stored so far of `total`. */
export interface FetchProgress {
  readonly done: number;
  readonly total: number;
}

/** Options of `HeldRecords.fetch`. */
export interface FetchOptions {
  /** Called after each batch is stored. */
  onProgress?: (progress: FetchProgress) => void;
  signal?: AbortSignal;
}

/** An empty state vector: "send everything". */
const NOTHING = Y.encodeStateVector(new Y.Doc());

/** Records summarised between two chances for the page to answer input. */
const SUMMARIES_PER_SLICE = 8;

/** Lets the browser handle input and paint before the next slice of work. */
function yieldToPage(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The held records; see the module comment. */
export class HeldRecords {
  /** Resolves once the stored summaries have been read. */
  readonly whenLoaded: Promise<void>;
  private readonly byId = new Map<string, RecordSummary>();
  private readonly emitter = new Emitter();
  private closed = false;
  /** Merges run one at a time: each reads a record's stored state and writes it back. */
  private merging: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: DeviceRecordStore,
    private readonly feed: StateFeed,
  ) {
    this.whenLoaded = store.summaries().then(
      (summaries) => {
        for (const s of summaries) if (!this.byId.has(s.id)) this.byId.set(s.id, s);
        this.emitter.emit();
      },
      (err: unknown) => console.warn('[tally app] cannot read the records held on this device', err),
    );
  }

  /** Every held record's summary by id. */
  summaries(): ReadonlyMap<string, RecordSummary> {
    return this.byId;
  }

  /** Calls `listener` after summaries changed; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    return this.emitter.subscribe(listener);
  }

  /** The stored state of record `id` (null if none). */
  state(id: string): Promise<Uint8Array | null> {
    return this.store.state(id);
  }

  /** Forgets records `ids` from the device (their state and summary), in one write. */
  async forget(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.store.removeMany(ids);
    for (const id of ids) this.byId.delete(id);
    this.emitter.emit();
  }

  /** Stores records' states and summaries (a released document, in one write). */
  async put(records: readonly HeldRecord[]): Promise<void> {
    await this.store.putMany(records);
    for (const r of records) this.byId.set(r.summary.id, r.summary);
    this.emitter.emit();
  }

  /**
   * Fetches from the relay what this device lacks of records `ids` (by the
   * state vectors in the store, so a second call after an interrupted one
   * fetches only what is still missing) and stores it batch by batch.
   * `complete` is false when the link dropped or `signal` aborted.
   */
  async fetch(ids: readonly string[], options: FetchOptions = {}): Promise<{ complete: boolean }> {
    const unique = [...new Set(ids)];
    const vectors = await this.store.stateVectors(unique);
    let done = 0;
    const total = unique.length;
    options.onProgress?.({ done, total });
    const result = await this.feed.fetchStates({
      docs: unique.map((id) => ({ name: recordDocName(toRecordId(id)), stateVector: vectors.get(id) ?? NOTHING })),
      onBatch: async (batch) => {
        await this.merge(batch);
        done += batch.length;
        options.onProgress?.({ done, total });
      },
      ...(options.signal && { signal: options.signal }),
    });
    return result;
  }

  /** Merges fetched states into the store: one read and one write per batch, one batch at a time. */
  private merge(batch: readonly FetchedState[]): Promise<void> {
    const run = this.merging.then(() => this.mergeNow(batch));
    this.merging = run.catch(() => undefined);
    return run;
  }

  private async mergeNow(batch: readonly FetchedState[]): Promise<void> {
    if (this.closed) return;
    const ids = batch.map((b) => recordIdOfDocName(b.name));
    const stored = await this.store.states(ids.filter((id): id is NonNullable<typeof id> => id !== undefined));
    const records: HeldRecord[] = [];
    for (const [i, answer] of batch.entries()) {
      const id = ids[i];
      if (!id) continue;
      const before = stored.get(id) ?? null;
      if (before && isEmptyUpdate(answer.update)) continue;
      const state = before ? Y.mergeUpdates([before, answer.update]) : answer.update;
      records.push({ state, summary: summarizeState(id, state) });
      // Summarising builds a document per record: let the page answer taps between a few of them.
      if (i % SUMMARIES_PER_SLICE === SUMMARIES_PER_SLICE - 1) await yieldToPage();
    }
    await this.put(records);
  }

  /** Stops emitting (the store is closed by its owner). */
  close(): void {
    this.closed = true;
    this.emitter.clear();
  }
}

/** The summary of a record held only as stored state (a Y.Doc built for the moment). */
export function summarizeState(id: string, state: Uint8Array): RecordSummary {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    return summarizeDoc(id, doc, null);
  } finally {
    doc.destroy();
  }
}

/** An update that adds nothing (no structs, no deletions). */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length <= 2;
}
