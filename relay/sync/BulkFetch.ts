/**
 * Answers a device's `fetch` (PROTOCOL.md §2): for each named document, what
 * the device's state vector lacks, from what is durably stored, in `states`
 * frames of many documents each. No room is opened: the stored updates are
 * merged and diffed as bytes (a `fetchSummarized` also gets each record the
 * device held nothing of summarized, see RecordSummaries). The next frame is built
 * only once the previous one left the socket, so a slow phone fetching a
 * month of records never makes the relay hold the whole answer.
 */
import * as Y from 'yjs';
import { isDocName } from '../../shared/protocol/docNames';
import { writeStatesFrame, type FetchFrame, type StateItem } from '../../shared/protocol/muxMessages';
import type { RelayLog } from '../log';
import type { RecordSummaries } from './RecordSummaries';

/** Documents one `fetch` may name; more closes the socket with 4400. */
export const MAX_DOCS_PER_FETCH = 5_000;
/** Fetches one connection may have waiting for their answers; one more closes it with 4429. */
export const MAX_FETCHES_WAITING = 8;
/**
 * A `states` frame is sent once its updates reach this many bytes. A phone
 * merges and stores each frame as one batch on its main thread: 64 KB keeps
 * that work short and the shift-start progress bar moving, at a few hundred
 * bytes of framing per frame.
 */
export const STATES_FRAME_BYTES = 64 * 1024;
/** Documents read from disk ahead of the one being answered. */
const READ_AHEAD = 16;
/** Refused names quoted in the log line of one request. */
const LOGGED_NAMES = 10;

/** An update with no structs and no deletions. */
export const EMPTY_UPDATE = Y.encodeStateAsUpdate(new Y.Doc());

/** What answering a fetch needs from its connection. */
export interface BulkFetchOptions {
  /** What is on disk of a document (DocRegistry.readDurable). */
  readDurable(doc: string): Promise<Uint8Array[]>;
  /** Why this connection may not read `doc` (unknown family, another site), or null. */
  refuse(doc: string): string | null;
  /** Sends one frame; resolves once it left (true) or the socket is gone (false). */
  send(frame: Uint8Array): Promise<boolean>;
  log: RelayLog;
  /** The connection, in log lines. */
  label: string;
  /** Where a `fetchSummarized` gets its summaries (without it, they are answered empty). */
  summaries?: Pick<RecordSummaries, 'version' | 'of'>;
}

/**
 * Why a fetch frame must close the socket (4400), or null: too many
 * documents, or a state vector that does not decode.
 */
export function malformedFetch(frame: FetchFrame): string | null {
  if (frame.docs.length > MAX_DOCS_PER_FETCH) return `fetch of ${frame.docs.length} documents (at most ${MAX_DOCS_PER_FETCH})`;
  for (const { doc, stateVector } of frame.docs) {
    try {
      Y.decodeStateVector(stateVector);
    } catch {
      return `unreadable state vector for ${doc.slice(0, 200)}`;
    }
  }
  return null;
}

/**
 * The update a device holding `stateVector` lacks of a document whose
 * stored updates are `parts` (empty when nothing is stored).
 */
export function updateLacking(parts: readonly Uint8Array[], stateVector: Uint8Array): Uint8Array {
  if (parts.length === 0) return EMPTY_UPDATE;
  const merged = parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts as Uint8Array[]);
  return holdsNothing(stateVector) ? merged : Y.diffUpdate(merged, stateVector);
}

/** The state vector of a device that holds nothing of a document. */
function holdsNothing(stateVector: Uint8Array): boolean {
  return stateVector.length === 1 && stateVector[0] === 0;
}

/**
 * Sends the whole answer to `request`; resolves true once its last frame
 * left, false when the socket went first (the device fetches again).
 * Rejects only when the store cannot be read.
 */
export async function answerFetch(request: FetchFrame, options: BulkFetchOptions): Promise<boolean> {
  const { docs, requestId } = request;
  const summarized = request.summaries === true;
  const refused: string[] = [];
  const answers: Promise<StateItem>[] = [];
  const answer = (i: number): Promise<StateItem> => {
    const { doc, stateVector } = docs[i]!;
    const why = isDocName(doc) ? options.refuse(doc) : 'invalid document name';
    if (why !== null) {
      refused.push(doc.slice(0, 200));
      return Promise.resolve(request.summaries ? { doc, update: EMPTY_UPDATE, summary: '', stateVector: NO_VECTOR } : { doc, update: EMPTY_UPDATE });
    }
    // A summary is of the whole state: made only where the answer is the whole state.
    const summaries = request.summaries && holdsNothing(stateVector) ? options.summaries : undefined;
    const version = summaries?.version(doc) ?? 0;
    return options.readDurable(doc).then((parts): StateItem => {
      const update = lacking(doc, parts, stateVector, options);
      if (!request.summaries) return { doc, update };
      const made = summaries && update !== EMPTY_UPDATE ? summaries.of(doc, update, version) : null;
      return { doc, update, summary: made?.summary ?? '', stateVector: made?.stateVector ?? NO_VECTOR };
    });
  };
  let batch: StateItem[] = [];
  let bytes = 0;
  for (let i = 0; i < docs.length; i++) {
    while (answers.length < Math.min(docs.length, i + READ_AHEAD)) {
      const started = answer(answers.length);
      started.catch(() => {});
      answers.push(started);
    }
    const item = await answers[i]!;
    // Let go of what was sent, so a 5,000-document answer is not kept whole.
    answers[i] = DONE;
    batch.push(item);
    bytes += item.update.byteLength + item.doc.length + (item.summary?.length ?? 0);
    if (bytes >= STATES_FRAME_BYTES && i < docs.length - 1) {
      if (!(await options.send(writeStatesFrame(requestId, batch, false, summarized)))) return false;
      batch = [];
      bytes = 0;
    }
  }
  if (refused.length > 0) {
    options.log.warn(
      { conn: options.label, requestId, refused: refused.length, docs: refused.slice(0, LOGGED_NAMES) },
      'fetch named documents this connection may not read: answered empty',
    );
  }
  return options.send(writeStatesFrame(requestId, batch, true, summarized));
}

const NO_VECTOR = new Uint8Array(0);

const DONE: Promise<StateItem> = Promise.resolve({ doc: '', update: EMPTY_UPDATE });

/** `updateLacking`, with stored bytes that do not merge logged and answered empty. */
function lacking(doc: string, parts: Uint8Array[], stateVector: Uint8Array, options: BulkFetchOptions): Uint8Array {
  try {
    return updateLacking(parts, stateVector);
  } catch (err) {
    options.log.error({ conn: options.label, doc, err: String(err) }, 'stored updates of a fetched document could not be merged');
    return EMPTY_UPDATE;
  }
}
