/**
 * Terse builders of valid entries for table-driven tests. Each takes the
 * device, the sequence number and the body; `at` defaults to the sequence
 * number so later entries of a device are later in time.
 */
import { parseEntry, type Entry, type EntryBody, type EntryKind, type EntryOf } from '../../shared/model';

interface Stamp {
  device: string;
  seq: number;
  user?: string;
  at?: number;
}

function build<K extends EntryKind>(kind: K, stamp: Stamp, body: EntryBody<K>): EntryOf<K> {
  const { device, seq } = stamp;
  return parseEntry({
    id: `${device}:${seq}`,
    kind,
    user: stamp.user ?? `user-${device}`,
    device,
    at: stamp.at ?? seq,
    seq,
    ...body,
  }) as EntryOf<K>;
}

/** A receive line. */
export const line = (s: Stamp, item: string, qty: number, lot?: string) => build('line', s, { item, qty, lot });
/** A reversal of `target`. */
export const reversal = (s: Stamp, target: string, reason = 'mistake') =>
  build('reversal', s, { reverses: target as EntryBody<'reversal'>['reverses'], reason });
/** A count. */
export const count = (s: Stamp, bin: string, item: string, qty: number, answers?: string) =>
  build('count', s, { bin, item, qty, answers: answers as EntryBody<'count'>['answers'] });
/** A recount request. */
export const recount = (s: Stamp, bin: string, item: string, reason = 'check') =>
  build('recountRequest', s, { bin, item, reason });
/** A comment. */
export const comment = (s: Stamp, text: string) => build('comment', s, { text });
/** A field edit. */
export const edit = (s: Stamp, field: EntryBody<'fieldEdit'>['field'], from: string | null, to: string, base: string | null) =>
  build('fieldEdit', s, { field, from, to, base: base as EntryBody<'fieldEdit'>['base'] });
/** A status proposal. */
export const proposal = (s: Stamp, value: string) =>
  build('proposal', s, { record: 'record:R1', field: 'status', value, baseRevision: 0 });

/** Stamp shorthand: device a/b/c, sequence n, optional time. */
export const a = (seq: number, at?: number): Stamp => ({ device: 'a', seq, at });
export const b = (seq: number, at?: number): Stamp => ({ device: 'b', seq, at });
export const c = (seq: number, at?: number): Stamp => ({ device: 'c', seq, at });

/** Entries as plain objects of a Map, for readable expectations. */
export function mapToObject<V>(map: ReadonlyMap<string, V>): Record<string, V> {
  return Object.fromEntries(map);
}

export type { Entry };
