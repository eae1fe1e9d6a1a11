/**
 * Making refused work again. When the relay refuses a device's change, the
 * device sets its copy of the record aside and opens the relay's copy under a
 * new Yjs client id (see RefusalRecovery). What the relay lacks is then
 * recorded again, as new changes by the signed-in user and this device, as
 * far as the user's role still allows.
 *
 * `planReRecord` decides, as a pure function over plain snapshots, which
 * writes to make; `applyReRecord` makes them with the shared/model writers.
 *
 * Rules:
 * - an auditor (no write permission) records nothing again;
 * - entries signed by someone else are never made again in this user's name;
 * - no meta on the relay (the creation was refused): the record is created
 *   again with the same id, kind, site and header fields;
 * - a descriptive field edited in refused work, whose value differs on the
 *   relay, is set again (`setField` writes its own audit entry, so refused
 *   fieldEdit entries are not copied); fields the device did not edit are
 *   left alone, since a newer value on the relay must not be reverted;
 * - lines, counts, recount requests, comments and photos are made again with
 *   the same body and fresh ids; a reversal of an entry made again points at
 *   the new id, a reversal of an entry the relay lacks and that is not made
 *   again is not made;
 * - proposals are made again against the relay copy's review revision, if
 *   the role may propose that field; resolutions only by roles that resolve.
 */
import type * as Y from 'yjs';
import { canDecide, canHold, canResolveConflicts, canWrite, type Role } from '../../../shared/auth/roles';
import {
  addComment,
  addCount,
  addPhoto,
  addReceiveLine,
  createCountSheet,
  createReceipt,
  proposeChange,
  RecordFields,
  requestRecount,
  resolveConflict,
  reverseEntry,
  type Author,
  type Entry,
  type EntryId,
  type EntryOf,
  type FieldName,
  type PhotoInput,
  type RecordFieldValues,
  type RecordKind,
  type RecordMeta,
} from '../../../shared/model';
import { editField } from '../../../shared/review';

/** One copy of a record as plain data: `readRecord`'s meta, fields and entries. */
export interface RecordCopy {
  readonly meta: RecordMeta | null;
  readonly fields: RecordFieldValues;
  readonly entries: readonly Entry[];
}

/** What `planReRecord` compares. */
export interface ReRecordInput {
  /** The device's copy that the relay refused. */
  readonly setAside: RecordCopy;
  /** The relay's copy, as it arrived after reopening. */
  readonly relay: RecordCopy;
  /** The signed-in user's role now (as the relay knows it). */
  readonly role: Role;
  /** The signed-in user's id: only their own entries are made again. */
  readonly user: string;
  /** This device's id: entries made on other devices are theirs to send (re-making them would double them). */
  readonly device: string;
  /** The relay copy's review revision, the base of proposals made again. */
  readonly reviewRevision: number;
}

/** Kinds of entry made again as they were, with a fresh id. */
type PlainKind = 'line' | 'count' | 'recountRequest' | 'comment' | 'photo';

/**
 * One write to make. `covers` names the refused entries it stands for, so a
 * write that fails can be counted against them.
 */
export type ReRecordWrite =
  | { type: 'create'; kind: RecordKind; id: string; site: string; fields: RecordFieldValues; covers: EntryId[] }
  | { type: 'setField'; field: FieldName; value: string; covers: EntryId[] }
  | { type: 'entry'; entry: EntryOf<PlainKind>; covers: EntryId[] }
  | { type: 'reversal'; reverses: EntryId; targetReRecorded: boolean; reason: string; covers: EntryId[] }
  | { type: 'proposal'; entry: EntryOf<'proposal'>; baseRevision: number; covers: EntryId[] }
  | { type: 'resolution'; entry: EntryOf<'resolution'>; covers: EntryId[] };

/** A refused entry that is not made again, and why (in words for the user). */
export interface NotReRecorded {
  readonly id: EntryId;
  readonly why: string;
}

/** What to do about a refused record. */
export interface ReRecordPlan {
  /** The writes, in the order to make them. */
  readonly writes: ReRecordWrite[];
  /** Entries of the set-aside copy the relay does not hold, in log order. */
  readonly refused: Entry[];
  /** The relay has no meta for the record: its creation was refused. */
  readonly creationRefused: boolean;
  /** Refused entries the writes make again. */
  readonly reRecorded: EntryId[];
  /** Refused entries whose effect the relay copy already shows (a field already at that value). */
  readonly unchanged: EntryId[];
  /** Refused entries that are not made again. */
  readonly notReRecorded: NotReRecorded[];
}

const PLAIN_KINDS: Record<PlainKind, RecordKind | null> = {
  line: 'receipt',
  count: 'count',
  recountRequest: 'count',
  comment: null,
  photo: null,
};

function isPlain(entry: Entry): entry is EntryOf<PlainKind> {
  return entry.kind in PLAIN_KINDS;
}

/** Decides what to record again; see the module comment. */
export function planReRecord(input: ReRecordInput): ReRecordPlan {
  const { setAside, relay, role, user, device } = input;
  const held = new Set(relay.entries.map((e) => e.id));
  const refused = setAside.entries.filter((e) => !held.has(e.id));
  const creationRefused = setAside.meta !== null && relay.meta === null;
  const plan = { writes: [] as ReRecordWrite[], refused, creationRefused, reRecorded: [] as EntryId[], unchanged: [] as EntryId[], notReRecorded: [] as NotReRecorded[] };
  const skip = (entry: Entry, why: string) => plan.notReRecorded.push({ id: entry.id, why });

  const meta = setAside.meta;
  if (!meta || !canWrite(role)) {
    const why = meta ? `your role (${role}) may not write` : 'the record was never created on this device';
    for (const entry of refused) skip(entry, why);
    return plan;
  }
  const own = refused.filter((e) => e.user === user && e.device === device);
  for (const entry of refused) {
    if (entry.user !== user) skip(entry, `made by another user (${entry.user}), not in your name`);
    else if (entry.device !== device) skip(entry, `made on another device (${entry.device}), which sends it itself`);
  }

  planFields(plan, { meta, setAside, relay, own, creationRefused });
  const madeAgain = new Set<EntryId>();
  for (const entry of own.filter(isPlain)) {
    const fits = PLAIN_KINDS[entry.kind];
    if (fits !== null && fits !== meta.kind) skip(entry, `a ${entry.kind} does not belong on a ${meta.kind} record`);
    else {
      plan.writes.push({ type: 'entry', entry, covers: [entry.id] });
      madeAgain.add(entry.id);
    }
  }
  for (const entry of own) {
    if (entry.kind === 'reversal') {
      const targetReRecorded = madeAgain.has(entry.reverses);
      if (!targetReRecorded && !held.has(entry.reverses)) skip(entry, 'it reverses an entry that is not recorded again');
      else plan.writes.push({ type: 'reversal', reverses: entry.reverses, targetReRecorded, reason: entry.reason, covers: [entry.id] });
    } else if (entry.kind === 'proposal') {
      const allowed = entry.field === 'hold' ? canHold(role) : entry.field === 'acceptedCount' ? canDecide(role) : true;
      if (!allowed) skip(entry, `your role (${role}) may not propose ${entry.field === 'hold' ? 'a quality hold' : 'an accepted count'}`);
      else plan.writes.push({ type: 'proposal', entry, baseRevision: input.reviewRevision, covers: [entry.id] });
    } else if (entry.kind === 'resolution') {
      if (!canResolveConflicts(role)) skip(entry, `your role (${role}) may not resolve conflicts`);
      else plan.writes.push({ type: 'resolution', entry, covers: [entry.id] });
    }
  }
  for (const write of plan.writes) plan.reRecorded.push(...write.covers);
  return plan;
}

/** The creation or the field writes, first in the plan: entries made again may depend on the record existing. */
function planFields(
  plan: { writes: ReRecordWrite[]; unchanged: EntryId[] },
  at: { meta: RecordMeta; setAside: RecordCopy; relay: RecordCopy; own: readonly Entry[]; creationRefused: boolean },
): void {
  const edits = at.own.filter((e): e is EntryOf<'fieldEdit'> => e.kind === 'fieldEdit');
  if (at.creationRefused) {
    const { kind, id, site } = at.meta;
    plan.writes.push({ type: 'create', kind, id, site, fields: { ...at.setAside.fields }, covers: edits.map((e) => e.id) });
    return;
  }
  for (const field of RecordFields[at.meta.kind] as readonly FieldName[]) {
    const covers = edits.filter((e) => e.field === field).map((e) => e.id);
    if (covers.length === 0) continue;
    const value = at.setAside.fields[field];
    if (value === undefined || value === at.relay.fields[field]) plan.unchanged.push(...covers);
    else plan.writes.push({ type: 'setField', field, value, covers });
  }
}

/** What applying a plan did. */
export interface ReRecordResult {
  /** Refused entry id -> the id of the entry made in its place. */
  readonly made: ReadonlyMap<EntryId, EntryId>;
  /** Refused entries whose write failed, and why. */
  readonly failed: NotReRecorded[];
}

/**
 * Makes the plan's writes in `doc` as `author`, in one transaction (one
 * change for the relay). A write that throws is reported, not fatal: the
 * writers check everything before they write, so it leaves nothing behind.
 */
export function applyReRecord(doc: Y.Doc, author: Author, plan: ReRecordPlan): ReRecordResult {
  const made = new Map<EntryId, EntryId>();
  const failed: NotReRecorded[] = [];
  doc.transact(() => {
    for (const write of plan.writes) {
      try {
        const id = applyWrite(doc, author, write, made);
        if (id && write.covers[0]) made.set(write.covers[0], id);
      } catch (err) {
        for (const id of write.covers) failed.push({ id, why: `could not be recorded again: ${(err as Error).message}` });
      }
    }
  });
  return { made, failed };
}

/** Makes one write; returns the new entry's id for writes that stand for one entry. */
function applyWrite(doc: Y.Doc, author: Author, write: ReRecordWrite, made: ReadonlyMap<EntryId, EntryId>): EntryId | null {
  switch (write.type) {
    case 'create': {
      const init = { id: write.id, site: write.site, ...write.fields };
      if (write.kind === 'receipt') createReceipt(doc, author, init);
      else createCountSheet(doc, author, init);
      return null;
    }
    case 'setField':
      editField(doc, author, write.field, write.value);
      return null;
    case 'entry':
      return remake(doc, author, write.entry, made);
    case 'reversal': {
      const target = write.targetReRecorded ? made.get(write.reverses) : write.reverses;
      if (!target) throw new Error(`the entry it reverses (${write.reverses}) was not recorded again`);
      return reverseEntry(doc, author, target, write.reason).id;
    }
    case 'proposal': {
      const { field, value, bin, item, note } = write.entry;
      return proposeChange(doc, author, { field, value, baseRevision: write.baseRevision, bin, item, note }).id;
    }
    case 'resolution':
      return resolveConflict(doc, author, { conflictId: write.entry.conflictId, chosen: write.entry.chosen }).id;
  }
}

function remake(doc: Y.Doc, author: Author, entry: EntryOf<PlainKind>, made: ReadonlyMap<EntryId, EntryId>): EntryId {
  switch (entry.kind) {
    case 'line':
      return addReceiveLine(doc, author, { item: entry.item, qty: entry.qty, lot: entry.lot, note: entry.note }).id;
    case 'count':
      return addCount(doc, author, { bin: entry.bin, item: entry.item, qty: entry.qty }).id;
    case 'recountRequest':
      return requestRecount(doc, author, { bin: entry.bin, item: entry.item, reason: entry.reason }).id;
    case 'comment':
      return addComment(doc, author, entry.text).id;
    case 'photo':
      // A photo of a line recorded again points at the line's new id.
      return addPhoto(doc, author, { ...photoBody(entry), line: entry.line && (made.get(entry.line) ?? entry.line) }).id;
  }
}

/** A photo entry's own keys (everything but the header and the kind). */
function photoBody(entry: EntryOf<'photo'>): PhotoInput {
  const { photoId, thumbId, bytes, width, height, caption, line, bin } = entry;
  return { photoId, thumbId, bytes, width, height, caption, line, bin };
}
