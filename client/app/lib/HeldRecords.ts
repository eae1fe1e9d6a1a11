/**
 * The records this device holds for offline reading: their summaries in
 * memory (read once from the device record store at start) and the fetching
 * of what the device lacks from the relay, merged into the store in large
 * batches. Which records are open as documents is the Workspace's business;
 * this module never keeps a Y.Doc. A record fetched whole comes with the
 * relay's summary of it and its state vector (`fetchSummarized`), so a shift
 * start builds no document at all; one merged into what the device held (or
 * whose summary does not read) is summarized here from a Y.Doc built briefly.
 *
 * Fetching runs through ONE queue: a background catch-up, the change feed and
 * a shift start asking for the same records share a single exchange with the
 * relay instead of each fetching them again. Callers that wait (`fetch`) are
 * told per record as it is stored.
 */
import * as Y from 'yjs';
import { recordDocName, recordIdOfDocName, toRecordId } from '../../../shared/model';
import type { DeviceRecordStore, HeldRecord } from './DeviceRecordStore';
import { Emitter } from './Emitter';
import { readSummaryJson, summarizeDoc, type RecordSummary } from '../../../shared/summary/recordSummary';
import type { FetchedState, StateFeed } from './stateFeed';

/** Progress of a fetch: records stored so far of `total`. */
export interface FetchProgress {
  readonly done: number;
  readonly total: number;
}

/** Options of `HeldRecords.fetch`. */
export interface FetchOptions {
  /** Called as records are stored. */
  onProgress?: (progress: FetchProgress) => void;
  /** Stops the exchange this call waits on; records not stored yet are not fetched. */
  signal?: AbortSignal;
}

/** Options of a HeldRecords. */
export interface HeldRecordsOptions {
  store: DeviceRecordStore;
  feed: StateFeed;
  /** Whether the link to the relay is up: queued records are fetched only then (see `resume`). */
  online: () => boolean;
}

/** An empty state vector: "send everything". */
const NOTHING = Y.encodeStateVector(new Y.Doc());

/** Work between two chances for the page to answer input (well under a 100 ms long task on a slow phone). */
const SLICE_MS = 25;

/** Lets the browser handle input and paint before the next slice of work. */
function yieldToPage(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A caller of `fetch` waiting for its records. */
interface Waiter {
  readonly pending: Set<string>;
  /** Its caller aborted: settled when the exchange it stopped has ended. */
  aborted: boolean;
  readonly total: number;
  readonly onProgress: ((progress: FetchProgress) => void) | undefined;
  readonly settle: (complete: boolean) => void;
}

/** The held records; see the module comment. */
export class HeldRecords {
  /** Resolves once the stored summaries have been read. */
  readonly whenLoaded: Promise<void>;
  private readonly byId = new Map<string, RecordSummary>();
  private membershipVersion = 0;
  private readonly emitter = new Emitter();
  private readonly store: DeviceRecordStore;
  private readonly feed: StateFeed;
  private readonly online: () => boolean;
  private closed = false;
  /** Every read-merge-write of the store, in order: a merge reads what the one before wrote. */
  private writes: Promise<void> = Promise.resolve();
  /** Records to fetch at the next exchange. */
  private readonly queued = new Set<string>();
  /** Records the running exchange asked for and has not stored yet. */
  private readonly inFlight = new Set<string>();
  private running: { abort: AbortController } | null = null;
  private readonly waiters = new Set<Waiter>();

  constructor(options: HeldRecordsOptions) {
    this.store = options.store;
    this.feed = options.feed;
    this.online = options.online;
    this.whenLoaded = this.store.summaries().then(
      (summaries) => {
        for (const s of summaries) if (!this.byId.has(s.id)) this.byId.set(s.id, s);
        this.membershipVersion += 1;
        performance.mark('tally:held-loaded');
        this.emitter.emit();
      },
      (err: unknown) => console.warn('[tally app] cannot read the records held on this device', err),
    );
  }

  /** True while an exchange with the relay is fetching records (a shift start, a catch-up). */
  get fetching(): boolean {
    return this.running !== null;
  }

  /** Goes up whenever a record is added to or dropped from the held set (not when one changes). */
  get membership(): number {
    return this.membershipVersion;
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
  forget(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    return this.inOrder(async () => {
      await this.store.removeMany(ids);
      for (const id of ids) this.byId.delete(id);
      this.membershipVersion += 1;
      this.emitter.emit();
    });
  }

  /** Stores records' states and summaries (a released document), in one durable write. */
  put(records: readonly HeldRecord[]): Promise<void> {
    return this.inOrder(async () => {
      await this.store.putMany(records, { durable: true });
      this.remember(records);
    });
  }

  /** Makes every record stored so far durable (fetched batches are written without a flush each). */
  flush(): Promise<void> {
    return this.inOrder(() => this.store.flush());
  }

  /**
   * Queues records `ids` for the next exchange with the relay (records
   * already being fetched are not asked for twice). They are fetched when
   * the link is up; an exchange the link cut short is queued again.
   */
  request(ids: Iterable<string>): void {
    for (const id of ids) if (!this.inFlight.has(id)) this.queued.add(id);
    this.pump();
  }

  /** Back online: fetches what was queued while the link was down. */
  resume(): void {
    this.pump();
  }

  /**
   * Fetches from the relay what this device lacks of records `ids` (by the
   * state vectors it holds, so a second call after an interrupted one
   * fetches only what is still missing) and resolves once every one is
   * stored. `complete` is false when the link dropped or `signal` aborted.
   */
  async fetch(ids: readonly string[], options: FetchOptions = {}): Promise<{ complete: boolean }> {
    await this.whenLoaded;
    const pending = new Set(ids);
    const total = pending.size;
    options.onProgress?.({ done: 0, total });
    if (total === 0) return { complete: true };
    if (this.closed || !this.online()) return { complete: false };
    const done = new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        pending,
        aborted: false,
        total,
        onProgress: options.onProgress,
        settle: (complete) => {
          this.waiters.delete(waiter);
          resolve(complete);
        },
      };
      this.waiters.add(waiter);
      options.signal?.addEventListener('abort', () => {
        waiter.aborted = true;
        if (this.running) this.running.abort.abort();
        else waiter.settle(false);
      });
    });
    this.request(ids);
    return { complete: await done };
  }

  /** Stops fetching and emitting (the store is closed by its owner). */
  close(): void {
    this.closed = true;
    this.running?.abort.abort();
    for (const waiter of [...this.waiters]) waiter.settle(false);
    this.emitter.clear();
  }

  /** Starts an exchange for everything queued, unless one runs or the link is down. */
  private pump(): void {
    if (this.closed || this.running || this.queued.size === 0) return;
    if (!this.online()) {
      // Nobody waits for a link that is down: queued records stay queued for `resume`.
      for (const waiter of [...this.waiters]) waiter.settle(false);
      return;
    }
    const ids = [...this.queued];
    this.queued.clear();
    for (const id of ids) this.inFlight.add(id);
    const running = { abort: new AbortController() };
    this.running = running;
    void this.exchange(ids, running.abort.signal)
      .catch((err: unknown) => {
        console.warn('[tally app] cannot fetch records from the relay', err);
        return false;
      })
      .then((complete) => {
        this.running = null;
        const left = [...this.inFlight];
        this.inFlight.clear();
        if (!complete && running.abort.signal.aborted) {
          // A caller stopped it: the others still get theirs.
          for (const waiter of [...this.waiters]) if (waiter.aborted) waiter.settle(false);
          const wanted = new Set([...this.waiters].flatMap((w) => [...w.pending]));
          for (const id of left) if (wanted.has(id)) this.queued.add(id);
        } else if (!complete) {
          // The link dropped: fetched again when it is back; whoever waits is told now.
          for (const id of left) this.queued.add(id);
          const missed = new Set(left);
          for (const waiter of [...this.waiters]) if ([...waiter.pending].some((id) => missed.has(id))) waiter.settle(false);
        }
        this.pump();
      });
  }

  /** One exchange: asks the relay for what the store lacks of `ids` and merges each batch in. */
  private async exchange(ids: readonly string[], signal: AbortSignal): Promise<boolean> {
    // Only records the store holds have a state vector to send; any other is asked for whole.
    const vectors = await this.store.stateVectors(ids.filter((id) => this.byId.has(id)));
    const result = await this.feed.fetchStates({
      docs: ids.map((id) => ({ name: recordDocName(toRecordId(id)), stateVector: vectors.get(id) ?? NOTHING })),
      // Each batch is merged and its write begun before the next is handed over; the writes commit in order.
      onBatch: (batch) => {
        void this.inOrder(() => this.mergeBatch(batch));
      },
      signal,
      summaries: true,
    });
    await this.writes;
    return result.complete;
  }

  /** Runs `step` after every read and write queued before it. */
  private inOrder(step: () => Promise<void>): Promise<void> {
    const run = this.writes.then(step);
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** Merges one batch of fetched states into the store, in one read and one write. */
  private async mergeBatch(batch: readonly FetchedState[]): Promise<void> {
    if (this.closed) return;
    const answers: Array<{ id: string; update: Uint8Array; fetched: FetchedState }> = [];
    for (const fetched of batch) {
      const id = recordIdOfDocName(fetched.name);
      if (id) answers.push({ id, update: fetched.update, fetched });
    }
    // Nothing new from the relay (or a record it does not have): nothing to write.
    const changed = answers.filter((a) => !isEmptyUpdate(a.update));
    const stored = await this.store.states(changed.filter((a) => this.byId.has(a.id)).map((a) => a.id));
    const records: HeldRecord[] = [];
    let sliceStart = performance.now();
    for (const { id, update, fetched } of changed) {
      const before = stored.get(id);
      const fromRelay = before ? null : relaySummary(id, fetched);
      if (fromRelay) {
        records.push({ state: update, ...fromRelay });
        continue;
      }
      const state = before ? Y.mergeUpdates([before, update]) : update;
      records.push({ state, ...heldFromState(id, state) });
      // Summarising builds a document per record: let the page answer taps every few of them.
      if (performance.now() - sliceStart > SLICE_MS) {
        await yieldToPage();
        sliceStart = performance.now();
      }
    }
    // Fetched records are the relay's and can be fetched again: no flush to disk per batch.
    await this.store.putMany(records, { durable: false });
    this.remember(records);
    this.stored(answers.map((a) => a.id));
  }

  private remember(records: readonly HeldRecord[]): void {
    if (records.length === 0) return;
    for (const r of records) {
      if (!this.byId.has(r.summary.id)) this.membershipVersion += 1;
      this.byId.set(r.summary.id, r.summary);
    }
    this.emitter.emit();
  }

  /** Tells the waiters records `ids` are stored. */
  private stored(ids: readonly string[]): void {
    for (const id of ids) this.inFlight.delete(id);
    for (const waiter of [...this.waiters]) {
      const before = waiter.pending.size;
      for (const id of ids) waiter.pending.delete(id);
      if (waiter.pending.size === before) continue;
      waiter.onProgress?.({ done: waiter.total - waiter.pending.size, total: waiter.total });
      if (waiter.pending.size === 0) waiter.settle(true);
    }
  }
}

/** The summary of a record held only as stored state (a Y.Doc built for the moment). */
export function summarizeState(id: string, state: Uint8Array): RecordSummary {
  return heldFromState(id, state).summary;
}

/** The relay's summary and state vector of a record fetched whole, when they read (see readSummaryJson). */
function relaySummary(id: string, fetched: FetchedState): { summary: RecordSummary; vector: Uint8Array } | null {
  if (!fetched.summary || !fetched.stateVector) return null;
  try {
    // Sent back in the next fetch: one that does not read would get the socket closed.
    Y.decodeStateVector(fetched.stateVector);
  } catch {
    return null;
  }
  const summary = readSummaryJson(fetched.summary, id);
  return summary && { summary: { ...summary, pending: 0 }, vector: fetched.stateVector };
}

/** The summary and state vector of a stored state, from the one Y.Doc built for the moment. */
function heldFromState(id: string, state: Uint8Array): { summary: RecordSummary; vector: Uint8Array } {
  // A guid of our own: a Y.Doc otherwise draws a random uuid, which is not free on a phone.
  const doc = new Y.Doc({ guid: id });
  try {
    Y.applyUpdate(doc, state);
    // From the document, not the update: reading a vector out of an update decodes all of it again.
    return { summary: summarizeDoc(id, doc, null), vector: Y.encodeStateVector(doc) };
  } finally {
    doc.destroy();
  }
}

/** An update that adds nothing (no structs, no deletions). */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length <= 2;
}
