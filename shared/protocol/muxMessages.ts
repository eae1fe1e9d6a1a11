/**
 * Tally's multiplexed envelope: one WebSocket per device carries many
 * documents. Each binary frame is one message; the grammar is in PROTOCOL.md.
 * Writers and readers sit side by side; readers throw on malformed bytes and
 * the caller (the relay's socket handler) turns that into a close code.
 */
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { ExactFrame, utf8Length, varBytesLength, varStringLength, varUintLength } from './exactFrame';

export const MuxType = {
  /** A standard y-websocket message (sync, awareness, auth) for one document. */
  doc: 0,
  /** Client -> relay: a local change the client wants acknowledged once durable. */
  change: 1,
  /** Relay -> client: every change up to `changeNo` of this document is on disk. */
  ack: 2,
  /** Client -> relay: stop sending this document. */
  closeDoc: 3,
  /** Relay -> client: something went wrong for a document ('' = the whole connection). */
  error: 4,
  /** Relay -> client: relay-wide state (storage health, the store's identity when asked), sent on connect and on change. */
  status: 5,
  /** Relay -> client: a notice of the priority channel (safety alert, hold, release), its seq and JSON. */
  notice: 6,
  /** Client -> relay: the user has read notice `seq` on this device. */
  noticeSeen: 7,
  /** Client -> relay: every notice up to `seq` is stored on this device (the read-by list's "received"). */
  noticesHeld: 8,
  /** Client -> relay: send what these documents' state vectors lack, from what is durably stored. */
  fetch: 10,
  /** Relay -> client: answers of one `fetch`, many documents per frame, the last frame flagged. */
  states: 11,
  /** Client -> relay: replaces the set of documents whose durable changes the client wants named. */
  watch: 12,
  /** Relay -> client: watched documents that got a durable change since the last `changed`. */
  changed: 13,
  /** Client -> relay: the device's report of itself (pending work, sync state, send-log summary) as JSON. */
  heartbeat: 14,
  /** Relay -> client: an admin asks for the device's whole send log. */
  sendLogRequest: 15,
  /** Client -> relay: the device's send log as JSON, answering `sendLogRequest(requestId)`. */
  sendLog: 16,
  /** Client -> relay: adds documents to the watched set (a shift start watches each batch as it is stored). */
  watchAdd: 17,
  /** Client -> relay: a `fetch` whose answers also carry each whole record's summary and state vector. */
  fetchSummarized: 18,
  /** Relay -> client: answers of a `fetchSummarized`: a `states` frame whose documents also carry those. */
  summarizedStates: 19,
} as const;
export type MuxTypeName = keyof typeof MuxType;

export type DocFrame = { type: 'doc'; doc: string; message: Uint8Array };
export type ChangeFrame = { type: 'change'; doc: string; changeNo: number; update: Uint8Array };
export type AckFrame = { type: 'ack'; doc: string; changeNo: number };
export type CloseDocFrame = { type: 'closeDoc'; doc: string };
export type ErrorFrame = { type: 'error'; doc: string; code: number; reason: string };
/**
 * `store` is the relay's data folder identity (a new one after every restore),
 * appended only for a device that asked with `store=1` in its `/mux` URL:
 * older devices reject trailing bytes (PROTOCOL.md §2).
 */
export type StatusFrame = { type: 'status'; storageOk: boolean; detail: string; store?: string };
/** `json` is the stored notice as GET /api/notices lists it, without its acks (PROTOCOL.md §7). */
export type NoticeFrame = { type: 'notice'; seq: number; json: string };
export type NoticeSeenFrame = { type: 'noticeSeen'; seq: number };
export type NoticesHeldFrame = { type: 'noticesHeld'; seq: number };
/** One document of a `fetch`: its name and the state vector the device holds. */
export interface FetchItem {
  doc: string;
  stateVector: Uint8Array;
}
/** One document of a `states` answer: what the device's state vector lacked. */
export interface StateItem {
  doc: string;
  update: Uint8Array;
  /**
   * In a `summarizedStates` answer, for a document the device held nothing of: the record's summary
   * as JSON and the state vector of `update` ('' and empty bytes for any other document).
   */
  summary?: string;
  stateVector?: Uint8Array;
}
/** `summaries` is set (true) for a `fetchSummarized`. */
export type FetchFrame = { type: 'fetch'; requestId: number; docs: FetchItem[]; summaries?: true };
/** `summarized` is set (true) for a `summarizedStates`. */
export type StatesFrame = { type: 'states'; requestId: number; docs: StateItem[]; last: boolean; summarized?: true };
export type WatchFrame = { type: 'watch'; docs: string[] };
export type WatchAddFrame = { type: 'watchAdd'; docs: string[] };
export type ChangedFrame = { type: 'changed'; docs: string[] };
/** `json` is a DeviceHeartbeat (shared/health/heartbeat.ts), unchecked until the relay reads it. */
export type HeartbeatFrame = { type: 'heartbeat'; json: string };
export type SendLogRequestFrame = { type: 'sendLogRequest'; requestId: number };
/** `json` is `{"attempts":[...]}` (shared/health/sendLog.ts), unchecked until the relay reads it. */
export type SendLogFrame = { type: 'sendLog'; requestId: number; json: string };
export type MuxFrame =
  | DocFrame
  | ChangeFrame
  | AckFrame
  | CloseDocFrame
  | ErrorFrame
  | StatusFrame
  | NoticeFrame
  | NoticeSeenFrame
  | NoticesHeldFrame
  | FetchFrame
  | StatesFrame
  | WatchFrame
  | WatchAddFrame
  | ChangedFrame
  | HeartbeatFrame
  | SendLogRequestFrame
  | SendLogFrame;

/** Error codes carried by ErrorFrame (not close codes: the socket stays open). */
export const MuxErrorCode = {
  /** The relay could not write to disk; the change stays pending and is retried. */
  storageFailed: 1,
  /** The document would exceed the relay's size limit; the change was refused. */
  docTooLarge: 2,
  /** The user may not write this document; the change was refused. */
  permissionDenied: 3,
  /** The document name is not valid, or names no family of documents the relay serves. */
  badDocName: 4,
  /**
   * The change builds on changes the relay does not hold (after a restore,
   * until their own device re-sends them); nothing of it was applied. Not a
   * refusal: the device keeps it pending and offers it again later.
   */
  missingChanges: 5,
  /**
   * A `noticeSeen` was not recorded (sent with document ''): no such notice,
   * or the connection sent them too fast (send it again later).
   */
  noticeSeenRefused: 6,
} as const;

export function writeDocFrame(doc: string, message: Uint8Array): Uint8Array {
  const name = utf8Length(doc);
  return new ExactFrame(1 + varStringLength(name) + varBytesLength(message))
    .varUint(MuxType.doc)
    .varString(doc, name)
    .varBytes(message)
    .done();
}

/**
 * A `doc` frame carrying a y-websocket sync update of `update`: the same bytes
 * as `writeDocFrame(doc, syncMessage(messageYjsUpdate, update))`, built with
 * one copy of the update (the relay forwards every change this way).
 */
export function writeDocUpdateFrame(doc: string, update: Uint8Array): Uint8Array {
  const name = utf8Length(doc);
  // The y-websocket message: sync (0), update (2), then the update with its length.
  const message = 2 + varBytesLength(update);
  return new ExactFrame(1 + varStringLength(name) + varUintLength(message) + message)
    .varUint(MuxType.doc)
    .varString(doc, name)
    .varUint(message)
    .varUint(0)
    .varUint(2)
    .varBytes(update)
    .done();
}

export function writeChangeFrame(doc: string, changeNo: number, update: Uint8Array): Uint8Array {
  const name = utf8Length(doc);
  return new ExactFrame(1 + varStringLength(name) + varUintLength(changeNo) + varBytesLength(update))
    .varUint(MuxType.change)
    .varString(doc, name)
    .varUint(changeNo)
    .varBytes(update)
    .done();
}

export function writeAckFrame(doc: string, changeNo: number): Uint8Array {
  const name = utf8Length(doc);
  return new ExactFrame(1 + varStringLength(name) + varUintLength(changeNo)).varUint(MuxType.ack).varString(doc, name).varUint(changeNo).done();
}

export function writeCloseDocFrame(doc: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MuxType.closeDoc);
  encoding.writeVarString(e, doc);
  return encoding.toUint8Array(e);
}

export function writeErrorFrame(doc: string, code: number, reason: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MuxType.error);
  encoding.writeVarString(e, doc);
  encoding.writeVarUint(e, code);
  encoding.writeVarString(e, reason);
  return encoding.toUint8Array(e);
}

/** A `status` frame; `store` (the relay's store identity) is appended only when given. */
export function writeStatusFrame(storageOk: boolean, detail: string, store?: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MuxType.status);
  encoding.writeVarUint(e, storageOk ? 1 : 0);
  encoding.writeVarString(e, detail);
  if (store !== undefined) encoding.writeVarString(e, store);
  return encoding.toUint8Array(e);
}

export function writeNoticeFrame(seq: number, json: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MuxType.notice);
  encoding.writeVarUint(e, seq);
  encoding.writeVarString(e, json);
  return encoding.toUint8Array(e);
}

export function writeNoticeSeenFrame(seq: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MuxType.noticeSeen);
  encoding.writeVarUint(e, seq);
  return encoding.toUint8Array(e);
}

export function writeNoticesHeldFrame(seq: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MuxType.noticesHeld);
  encoding.writeVarUint(e, seq);
  return encoding.toUint8Array(e);
}

/** A `fetch`, or with `summaries` a `fetchSummarized`. */
export function writeFetchFrame(requestId: number, docs: readonly FetchItem[], summaries = false): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, summaries ? MuxType.fetchSummarized : MuxType.fetch);
  encoding.writeVarUint(e, requestId);
  encoding.writeVarUint(e, docs.length);
  for (const { doc, stateVector } of docs) {
    encoding.writeVarString(e, doc);
    encoding.writeVarUint8Array(e, stateVector);
  }
  return encoding.toUint8Array(e);
}

/** A `states` frame, or with `summarized` a `summarizedStates` (each document with its summary and state vector). */
export function writeStatesFrame(requestId: number, docs: readonly StateItem[], last: boolean, summarized = false): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, summarized ? MuxType.summarizedStates : MuxType.states);
  encoding.writeVarUint(e, requestId);
  encoding.writeVarUint(e, docs.length);
  for (const { doc, update, summary, stateVector } of docs) {
    encoding.writeVarString(e, doc);
    encoding.writeVarUint8Array(e, update);
    if (!summarized) continue;
    encoding.writeVarString(e, summary ?? '');
    encoding.writeVarUint8Array(e, stateVector ?? NO_BYTES);
  }
  encoding.writeVarUint(e, last ? 1 : 0);
  return encoding.toUint8Array(e);
}

const NO_BYTES = new Uint8Array(0);

export function writeWatchFrame(docs: readonly string[]): Uint8Array {
  return writeNamesFrame(MuxType.watch, docs);
}

export function writeWatchAddFrame(docs: readonly string[]): Uint8Array {
  return writeNamesFrame(MuxType.watchAdd, docs);
}

export function writeChangedFrame(docs: readonly string[]): Uint8Array {
  return writeNamesFrame(MuxType.changed, docs);
}

export function writeHeartbeatFrame(json: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MuxType.heartbeat);
  encoding.writeVarString(e, json);
  return encoding.toUint8Array(e);
}

export function writeSendLogRequestFrame(requestId: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MuxType.sendLogRequest);
  encoding.writeVarUint(e, requestId);
  return encoding.toUint8Array(e);
}

export function writeSendLogFrame(requestId: number, json: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MuxType.sendLog);
  encoding.writeVarUint(e, requestId);
  encoding.writeVarString(e, json);
  return encoding.toUint8Array(e);
}

function writeNamesFrame(type: number, docs: readonly string[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  encoding.writeVarUint(e, docs.length);
  for (const doc of docs) encoding.writeVarString(e, doc);
  return encoding.toUint8Array(e);
}

/**
 * Reads `count` then that many items. A count larger than the bytes left
 * could hold (each item takes at least one byte) is malformed, checked before
 * anything is allocated for it.
 */
function readList<T>(d: decoding.Decoder, readItem: (d: decoding.Decoder) => T): T[] {
  const count = decoding.readVarUint(d);
  if (count > d.arr.length - d.pos) throw new Error(`count ${count} exceeds the frame`);
  const items: T[] = [];
  for (let i = 0; i < count; i++) items.push(readItem(d));
  return items;
}

/** Thrown for bytes that are not a well-formed frame. */
export class MalformedFrameError extends Error {}
/** Thrown for a well-formed frame of a type this side does not know. */
export class UnknownFrameTypeError extends Error {}

/**
 * Reads one frame. Throws MalformedFrameError for truncated or trailing bytes
 * and UnknownFrameTypeError for an unknown type.
 */
export function readMuxFrame(bytes: Uint8Array): MuxFrame {
  const d = decoding.createDecoder(bytes);
  let frame: MuxFrame;
  let type: number;
  try {
    type = decoding.readVarUint(d);
  } catch (err) {
    throw new MalformedFrameError(`unreadable frame type: ${(err as Error).message}`);
  }
  try {
    switch (type) {
      case MuxType.doc:
        frame = { type: 'doc', doc: decoding.readVarString(d), message: decoding.readVarUint8Array(d) };
        break;
      case MuxType.change:
        frame = {
          type: 'change',
          doc: decoding.readVarString(d),
          changeNo: decoding.readVarUint(d),
          update: decoding.readVarUint8Array(d),
        };
        break;
      case MuxType.ack:
        frame = { type: 'ack', doc: decoding.readVarString(d), changeNo: decoding.readVarUint(d) };
        break;
      case MuxType.closeDoc:
        frame = { type: 'closeDoc', doc: decoding.readVarString(d) };
        break;
      case MuxType.error:
        frame = {
          type: 'error',
          doc: decoding.readVarString(d),
          code: decoding.readVarUint(d),
          reason: decoding.readVarString(d),
        };
        break;
      case MuxType.status: {
        const storageOk = decoding.readVarUint(d) === 1;
        const detail = decoding.readVarString(d);
        // The store identity is an optional last field (a relay sends it only to devices that ask).
        frame = decoding.hasContent(d) ? { type: 'status', storageOk, detail, store: decoding.readVarString(d) } : { type: 'status', storageOk, detail };
        break;
      }
      case MuxType.notice:
        frame = { type: 'notice', seq: decoding.readVarUint(d), json: decoding.readVarString(d) };
        break;
      case MuxType.noticeSeen:
        frame = { type: 'noticeSeen', seq: decoding.readVarUint(d) };
        break;
      case MuxType.noticesHeld:
        frame = { type: 'noticesHeld', seq: decoding.readVarUint(d) };
        break;
      case MuxType.fetch:
      case MuxType.fetchSummarized:
        frame = {
          type: 'fetch',
          requestId: decoding.readVarUint(d),
          docs: readList(d, (d) => ({ doc: decoding.readVarString(d), stateVector: decoding.readVarUint8Array(d) })),
          ...(type === MuxType.fetchSummarized && { summaries: true as const }),
        };
        break;
      case MuxType.summarizedStates:
        frame = {
          type: 'states',
          requestId: decoding.readVarUint(d),
          docs: readList(d, (d) => ({
            doc: decoding.readVarString(d),
            update: decoding.readVarUint8Array(d),
            summary: decoding.readVarString(d),
            stateVector: decoding.readVarUint8Array(d),
          })),
          last: readFlag(d),
          summarized: true,
        };
        break;
      case MuxType.states:
        frame = {
          type: 'states',
          requestId: decoding.readVarUint(d),
          docs: readList(d, (d) => ({ doc: decoding.readVarString(d), update: decoding.readVarUint8Array(d) })),
          last: readFlag(d),
        };
        break;
      case MuxType.watch:
        frame = { type: 'watch', docs: readList(d, decoding.readVarString) };
        break;
      case MuxType.watchAdd:
        frame = { type: 'watchAdd', docs: readList(d, decoding.readVarString) };
        break;
      case MuxType.changed:
        frame = { type: 'changed', docs: readList(d, decoding.readVarString) };
        break;
      case MuxType.heartbeat:
        frame = { type: 'heartbeat', json: decoding.readVarString(d) };
        break;
      case MuxType.sendLogRequest:
        frame = { type: 'sendLogRequest', requestId: decoding.readVarUint(d) };
        break;
      case MuxType.sendLog:
        frame = { type: 'sendLog', requestId: decoding.readVarUint(d), json: decoding.readVarString(d) };
        break;
      default:
        throw new UnknownFrameTypeError(`unknown frame type ${type}`);
    }
  } catch (err) {
    if (err instanceof UnknownFrameTypeError) throw err;
    throw new MalformedFrameError(`truncated or malformed frame of type ${type}: ${(err as Error).message}`);
  }
  if (decoding.hasContent(d)) throw new MalformedFrameError(`trailing bytes after frame of type ${type}`);
  return frame;
}

/** A 0|1 flag; anything else is malformed. */
function readFlag(d: decoding.Decoder): boolean {
  const flag = decoding.readVarUint(d);
  if (flag > 1) throw new Error(`flag ${flag} is neither 0 nor 1`);
  return flag === 1;
}
