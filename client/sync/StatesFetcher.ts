/**
 * `fetchStates`: many records' state in one streamed exchange (PROTOCOL.md
 * §2 `fetch`/`states`). The device names each record with the state vector
 * it holds; the relay answers in frames of many records, which are handed to
 * `onBatch` in order, one at a time (the caller writes each batch in one
 * IndexedDB transaction before the next is handed over). A dropped link or an
 * abort ends the call with `complete: false` once the batch being handed over
 * (if any) is done, and no batch is handed over after it; calling again with the state
 * vectors the device now holds fetches only what it still lacks.
 */
import { writeFetchFrame, type FetchItem, type StatesFrame } from '../../shared/protocol/muxMessages';
import type { MuxConnection } from './MuxConnection';

/** Documents per `fetch` frame (the relay's limit is 5,000). */
export const DOCS_PER_FETCH = 5_000;
/** Fetch frames of all calls in flight at once (the relay closes a socket with more than 8 waiting). */
const FETCHES_IN_FLIGHT = 4;
/** A `fetch` frame is closed once its names and state vectors reach this many bytes. */
const FETCH_FRAME_BYTES = 512 * 1024;

/** One record's state as fetched: what the device's state vector lacked. */
export interface FetchedState {
  name: string;
  update: Uint8Array;
  /**
   * Asked with `summaries`, for a record the device held nothing of: the relay's summary of it
   * (JSON, unchecked) and the state vector of `update`; absent when the relay sent none.
   */
  summary?: string;
  stateVector?: Uint8Array;
}

/** What `fetchStates` is asked for. */
export interface FetchStatesRequest {
  /** The records, each with the state vector the device holds (`Y.encodeStateVector`; `[0]` for none). */
  docs: readonly { name: string; stateVector: Uint8Array }[];
  /** Gets each batch in order; awaited before the next batch is handed over. A throw rejects the call. */
  onBatch: (batch: FetchedState[]) => void | Promise<void>;
  /** Ends the call early with `complete: false` (after the batch being handed over, if any). */
  signal?: AbortSignal;
  /** Asks the relay to summarize each record the device holds nothing of (`fetchSummarized`). */
  summaries?: boolean;
}

/** How a `fetchStates` call ended. */
export interface FetchStatesResult {
  /** False when the link dropped, was not up, or the call was aborted: call again to resume. */
  complete: boolean;
}

/** Runs `fetchStates` calls over one connection. */
export class StatesFetcher {
  private nextRequestId = 1;
  private inFlight = 0;
  private readonly queued: (() => void)[] = [];

  constructor(private readonly connection: MuxConnection) {}

  /** See the module comment. Resolves `complete: false` at once when the socket is not open. */
  async fetch(request: FetchStatesRequest): Promise<FetchStatesResult> {
    for (const docs of fetchChunks(request.docs)) {
      if (request.signal?.aborted || !this.connection.online) return { complete: false };
      await this.slot();
      let done: boolean;
      try {
        done = await this.fetchChunk(docs, request);
      } finally {
        this.release();
      }
      if (!done) return { complete: false };
    }
    return { complete: true };
  }

  /** Resolves once fewer than FETCHES_IN_FLIGHT fetch frames await their answers. */
  private slot(): Promise<void> {
    if (this.inFlight < FETCHES_IN_FLIGHT) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queued.push(resolve));
  }

  private release(): void {
    const next = this.queued.shift();
    if (next) next();
    else this.inFlight--;
  }

  /** One `fetch` frame and its answer; true once its last batch was handed over. */
  private fetchChunk(docs: FetchItem[], request: FetchStatesRequest): Promise<boolean> {
    const requestId = this.nextRequestId++;
    const { signal, onBatch } = request;
    // It may have waited for a slot meanwhile.
    if (signal?.aborted || !this.connection.online) return Promise.resolve(false);
    return new Promise<boolean>((resolve, reject) => {
      const received: StatesFrame[] = [];
      let handing = false;
      let dropped = false;
      let settled = false;
      const finish = (outcome: boolean | { error: unknown }): void => {
        if (settled) return;
        settled = true;
        detach();
        signal?.removeEventListener('abort', onAbort);
        if (typeof outcome === 'boolean') resolve(outcome);
        else reject(outcome.error);
      };
      const handOver = async (): Promise<void> => {
        if (handing) return;
        handing = true;
        while (received.length > 0 && !settled) {
          if (dropped || signal?.aborted) return finish(false);
          const frame = received.shift()!;
          try {
            await onBatch(frame.docs.map(fetchedState));
          } catch (error) {
            return finish({ error });
          }
          if (frame.last) return finish(true);
        }
        handing = false;
        if (dropped || signal?.aborted) finish(false);
      };
      const onAbort = (): void => {
        if (!handing) finish(false);
      };
      const detach = this.connection.attachFeed({
        onOnline: () => {},
        onOffline: () => {
          // The rest will not come: stop at a clear point (after the batch being handed over).
          dropped = true;
          if (!handing) finish(false);
        },
        onFrame: (frame) => {
          if (frame.type !== 'states' || frame.requestId !== requestId || settled) return;
          received.push(frame);
          void handOver();
        },
      });
      signal?.addEventListener('abort', onAbort);
      if (!this.connection.send(writeFetchFrame(requestId, docs, request.summaries === true))) finish(false);
    });
  }
}

/** `docs` as fetch frames' worth: at most DOCS_PER_FETCH each, and about FETCH_FRAME_BYTES. */
function* fetchChunks(docs: FetchStatesRequest['docs']): Generator<FetchItem[]> {
  let chunk: FetchItem[] = [];
  let bytes = 0;
  for (const { name, stateVector } of docs) {
    if (chunk.length === DOCS_PER_FETCH || (chunk.length > 0 && bytes + name.length + stateVector.byteLength > FETCH_FRAME_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push({ doc: name, stateVector });
    bytes += name.length + stateVector.byteLength;
  }
  if (chunk.length > 0) yield chunk;
}

function fetchedState({ doc, update, summary, stateVector }: StatesFrame['docs'][number]): FetchedState {
  return summary && stateVector?.length ? { name: doc, update, summary, stateVector } : { name: doc, update };
}
