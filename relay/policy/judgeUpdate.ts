/**
 * Judges a device's Yjs update before it touches the document: who writes
 * under each client id it extends, then what its content does (the family
 * rules in contentRules.ts). A refused update is never applied, so nothing
 * has to be rolled back.
 *
 * Client ids: a Yjs client id belongs to the device that first wrote under it
 * in this document (recorded by the relay in the document's `writers` map,
 * shared/model/writers.ts). An update may extend only its own device's client
 * ids, or claim a client id the document holds nothing of yet (unless another
 * device announced it through presence, or the entries under it are signed by
 * someone else). Structs under any other client id (items, GC structs,
 * skips) are foreign: an update made only of foreign writes is refused; an
 * honest device's update that also carries others' changes (after a relay
 * restore, say) is applied without them, since their own devices re-send
 * them and a copy cannot be told from a forgery.
 */
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import type { Entry } from '../../shared/model/entry';
import { RecordRoot } from '../../shared/model/recordLayout';
import { readMeta } from '../../shared/model/readRecord';
import { sameWriter, writerOf, type Writer } from '../../shared/model/writers';
import {
  docFamilyOf,
  recordRefusal,
  siteRefusal,
  unknownDocRefusal,
  type ChangeContent,
  type InsertedContent,
  type RemovedContent,
  type Sender,
} from './contentRules';
import { changesNothing, readChange, writeDeleteSet, type ChangeReading, type ClientWrite } from './readChange';

type Struct = Y.Item | Y.GC | Y.Skip;

/** Who sends an update, as the relay established it. */
export interface UpdateSender extends Sender {
  /** A relay without a user store: identities are not checked (tests, local experiments). */
  readonly open: boolean;
}

/** What judging needs besides the update. */
export interface JudgeContext {
  readonly docName: string;
  /** The document as the relay holds it (read, never written). */
  readonly doc: Y.Doc;
  /** The site the relay serves. */
  readonly site: string;
  readonly sender: UpdateSender;
  /** Ids of the entries the record holds (asked only for records). */
  entryIds(): ReadonlySet<string>;
  /** The device of another live connection that announced `client` as its presence id, if any. */
  announcedBy(client: number): string | undefined;
}

/** The outcome of judging one update. */
export type Verdict =
  /** The document already holds everything in it. */
  | { readonly kind: 'nothing' }
  /** Refused: `missing` when it builds on changes the relay lacks (not the sender's fault). */
  | { readonly kind: 'refused'; readonly reason: string; readonly missing: boolean }
  | {
      readonly kind: 'accepted';
      /**
       * What to apply and store: the update, or the part of it under the
       * sender's own client ids; null from `judgeReading` when all of what
       * was read is kept, as it was sent.
       */
      readonly update: Uint8Array | null;
      /** Client ids the sender writes under for the first time: record them before applying. */
      readonly claims: ReadonlyMap<number, Writer>;
      /** The entries it appends. */
      readonly entries: readonly Entry[];
      /** Client ids whose structs were left out (someone else's). */
      readonly dropped: readonly number[];
    };

/** Why a relay keeps no update that builds on changes it lacks. */
export const MISSING_CHANGES = 'the change builds on changes the relay does not have yet: it stays pending on the device';

/** Judges `update` (format v1) for `context`; throws for bytes that are not a Yjs update. */
export function judgeUpdate(update: Uint8Array, context: JudgeContext): Verdict {
  const verdict = judgeReading(readChange(context.doc, update), context);
  return verdict.kind === 'accepted' && verdict.update === null ? { ...verdict, update } : verdict;
}

/**
 * Judges a change already read against `context.doc` (`readChange`,
 * `readChanges`): an accepted one keeps `update` null unless part of it is
 * left out, so the caller applies what was read without decoding it again.
 */
export function judgeReading(reading: ChangeReading, context: JudgeContext): Verdict {
  if (changesNothing(reading)) return NOTHING;
  const { sender } = context;
  if (!sender.open) {
    const unknown = unknownDocRefusal(context.docName, context.site);
    if (unknown !== null) return refused(unknown);
    if (sender.device === null) return refused('writing needs a device id: connect with ?device=<id>');
  }

  const own = sender.open ? NO_OWNERSHIP : ownership(reading, context);
  const ownWrites = reading.writes.size - own.foreign.length - own.othersWork.length;
  if (ownWrites === 0 && own.foreign.length > 0 && reading.deletes.length === 0) {
    const client = own.foreign[0]!.client;
    return refused(`the change writes under Yjs client id ${client}, which belongs to another device or the relay`);
  }
  // Others' work carried beside the sender's own is left out; on its own it is judged (and refused) as the sender's.
  const dropped = new Set([...own.foreign, ...(ownWrites > 0 ? own.othersWork : [])].map((w) => w.client));
  const claims = new Map(own.claims);
  if (ownWrites === 0) for (const write of own.othersWork) claims.set(write.client, own.me!);

  const missing = missingDependency(reading, dropped);
  if (missing) return { kind: 'refused', reason: MISSING_CHANGES, missing: true };

  const content = contentOf(reading, dropped);
  const entries: Entry[] = [];
  const refusal = contentRefusal(content, context, entries);
  if (refusal !== null) return refused(refusal);
  return {
    kind: 'accepted',
    update: dropped.size === 0 ? null : encodeWithout(reading, dropped),
    claims,
    entries,
    dropped: [...dropped],
  };
}

const NOTHING: Verdict = { kind: 'nothing' };

function refused(reason: string): Verdict {
  return { kind: 'refused', reason, missing: false };
}

interface Ownership {
  /** The sender as a writer (null on an open relay). */
  readonly me: Writer | null;
  /** New client ids the sender may claim. */
  readonly claims: Map<number, Writer>;
  /** Client ids someone else writes under (claimed, held, or announced by another device). */
  readonly foreign: ClientWrite[];
  /** New client ids whose entries are all signed by other devices. */
  readonly othersWork: ClientWrite[];
}

const NO_OWNERSHIP: Ownership = { me: null, claims: new Map(), foreign: [], othersWork: [] };

/** Sorts the client ids the update extends: the sender's (claiming new ones), someone else's, and others' work. */
function ownership(reading: ChangeReading, context: JudgeContext): Ownership {
  const me: Extract<Writer, { by: 'device' }> = { by: 'device', device: context.sender.device!, user: context.sender.user };
  const own: Ownership = { me, claims: new Map(), foreign: [], othersWork: [] };
  for (const write of reading.writes.values()) {
    const claimed = writerOf(context.doc, write.client);
    if (claimed) {
      if (!sameWriter(claimed, me)) own.foreign.push(write);
      continue;
    }
    // Held but unclaimed: the relay's own writes, or written before client ids were bound.
    if (write.from > 0) own.foreign.push(write);
    else if ((context.announcedBy(write.client) ?? me.device) !== me.device) own.foreign.push(write);
    else if (signedOnlyByOthers(write, me)) own.othersWork.push(write);
    else own.claims.set(write.client, me);
  }
  return own;
}

/** True when the entries under `write` name other devices and none names the sender's. */
function signedOnlyByOthers(write: ClientWrite, me: Extract<Writer, { by: 'device' }>): boolean {
  let others = 0;
  for (const { item, place } of write.items) {
    if (place.kind !== 'type' || place.root !== RecordRoot.entries || !(item.content instanceof Y.ContentAny)) continue;
    for (const value of item.content.getContent()) {
      const device = (value as { device?: unknown } | null)?.device;
      if (device === me.device) return false;
      if (typeof device === 'string') others++;
    }
  }
  return others > 0;
}

/** True when a part the update would apply waits for structs neither the document nor the applied part holds. */
function missingDependency(reading: ChangeReading, dropped: ReadonlySet<number>): boolean {
  if (reading.deletesMissing) return true;
  const lost = (id: Y.ID | null): boolean => id !== null && dropped.has(id.client) && id.clock >= reading.writes.get(id.client)!.from;
  for (const write of reading.writes.values()) {
    if (dropped.has(write.client)) continue;
    if (write.skips > 0 || write.start > write.from) return true;
    for (const { item, place } of write.items) {
      if (place.kind === 'missing') return true;
      const parent = item.parent as unknown;
      if (lost(item.origin) || lost(item.rightOrigin) || (parent instanceof Y.ID && lost(parent))) return true;
    }
  }
  return false;
}

/** Where the applied part's content lands, for the family rules. */
function contentOf(reading: ChangeReading, dropped: ReadonlySet<number>): ChangeContent {
  const inserted: InsertedContent[] = [];
  const removed: RemovedContent[] = [];
  for (const write of reading.writes.values()) {
    if (dropped.has(write.client)) continue;
    for (const { item, place } of write.items) {
      if (place.kind !== 'type') continue; // lands as GC: no content
      const { root, key, topLevel } = place;
      const content = item.content;
      if (content instanceof Y.ContentDeleted || reading.deletedOnInsert.has(item)) {
        removed.push({ root, key, topLevel });
        continue;
      }
      const plain = content instanceof Y.ContentAny || content instanceof Y.ContentJSON;
      inserted.push({ root, key, topLevel, values: plain ? content.getContent() : null });
    }
  }
  for (const { root, key, topLevel } of reading.deletes) removed.push({ root: root ?? '?', key, topLevel });
  return { inserted, removed };
}

function contentRefusal(content: ChangeContent, context: JudgeContext, entries: Entry[]): string | null {
  const family = docFamilyOf(context.docName);
  const sender = context.sender;
  if (family?.kind === 'record') {
    const meta = readMeta(context.doc);
    return recordRefusal(sender, content, {
      recordId: family.recordId,
      site: context.site,
      kind: meta?.kind ?? null,
      metaEmpty: meta === null && !hasLiveKey(context.doc.getMap(RecordRoot.meta)),
      entryIds: context.entryIds(),
    }, entries);
  }
  if (family?.kind === 'site') return siteRefusal(sender, content);
  return null; // only an open relay gets here
}

/**
 * Whether `map` holds a key that is not deleted: what `size > 0` answers,
 * without the iterator `size` builds over every key on every change.
 */
function hasLiveKey(map: Y.Map<unknown>): boolean {
  for (const item of map._map.values()) if (!item.deleted) return true;
  return false;
}

/** The update with the structs of `dropped` client ids, and deletions of their new clocks, left out. */
function encodeWithout(reading: ChangeReading, dropped: ReadonlySet<number>): Uint8Array {
  const byClient = new Map<number, Struct[]>();
  for (const struct of reading.structs) {
    const client = struct.id.client;
    if (dropped.has(client)) continue;
    const structs = byClient.get(client);
    if (structs) structs.push(struct);
    else byClient.set(client, [struct]);
  }
  const encoder = new Y.UpdateEncoderV1();
  const rest = encoder.restEncoder;
  encoding.writeVarUint(rest, byClient.size);
  for (const [client, structs] of byClient) {
    encoding.writeVarUint(rest, structs.length);
    encoder.writeClient(client);
    encoding.writeVarUint(rest, structs[0]!.id.clock);
    for (const struct of structs) struct.write(encoder, 0);
  }
  const ds: [number, { clock: number; len: number }[]][] = [];
  for (const [client, ranges] of reading.ds.clients) {
    const from = dropped.has(client) ? reading.writes.get(client)!.from : Infinity;
    const kept = ranges.filter((r) => r.clock < from).map((r) => ({ clock: r.clock, len: Math.min(r.len, from - r.clock) }));
    if (kept.length > 0) ds.push([client, kept]);
  }
  writeDeleteSet(encoder, ds);
  return encoder.toUint8Array();
}
