/**
 * Copies a ReviewState into a record's `review` Y.Map and back. Only the
 * relay writes; devices read. Layout of the map:
 *
 * - `format`, `record`, `kind`, `revision`, `status`, `hold`: plain values
 * - `acceptedCounts`, `outcomes`, `conflicts`: nested Y.Maps of plain objects,
 *   keyed like the state (a device can observe one proposal's outcome)
 * - `log`: a Y.Array of decisions, only ever appended to
 *
 * `writeReviewState` writes only what changed, inside one transaction (the
 * caller's, when it is already in one), so each decision is one small update.
 */
import * as Y from 'yjs';
import { isRecordKind } from './transitions';
import { sortedRecord, type Decision, type ReviewState } from './ReviewState';

const SCALARS = ['format', 'record', 'kind', 'revision', 'status', 'hold'] as const;
const KEYED = ['acceptedCounts', 'outcomes', 'conflicts'] as const;
type Keyed = (typeof KEYED)[number];

/** Writes `state` into `map`, changing only what differs from what the map holds. */
export function writeReviewState(map: Y.Map<unknown>, state: ReviewState, origin?: unknown): void {
  const doc = map.doc;
  if (!doc) throw new Error('writeReviewState: the review map is not part of a Y.Doc');
  doc.transact(() => {
    for (const key of SCALARS) {
      if (map.get(key) !== state[key]) map.set(key, state[key]);
    }
    for (const key of KEYED) syncKeyed(nestedMap(map, key), state[key]);
    syncLog(nestedArray(map, 'log'), state.log);
  }, origin);
}

/**
 * Reads the state the relay last wrote, or null when the map holds none yet.
 * Returns fresh objects (the Y.Map's cached values are never handed out).
 */
export function readReviewState(map: Y.Map<unknown>): ReviewState | null {
  const kind = map.get('kind');
  if (map.get('format') !== 1 || !isRecordKind(kind)) return null;
  const keyed = (key: Keyed) => {
    const nested = map.get(key);
    const out: Record<string, unknown> = {};
    if (nested instanceof Y.Map) nested.forEach((value, k) => (out[k] = structuredClone(value)));
    return sortedRecord(out);
  };
  const log = map.get('log');
  return {
    format: 1,
    record: String(map.get('record')),
    kind,
    revision: Number(map.get('revision')),
    status: String(map.get('status')),
    hold: map.get('hold') === true,
    acceptedCounts: keyed('acceptedCounts') as ReviewState['acceptedCounts'],
    outcomes: keyed('outcomes') as ReviewState['outcomes'],
    conflicts: keyed('conflicts') as ReviewState['conflicts'],
    log: log instanceof Y.Array ? (log.toArray().map((d) => structuredClone(d)) as Decision[]) : [],
  };
}

function nestedMap(map: Y.Map<unknown>, key: string): Y.Map<unknown> {
  const held = map.get(key);
  if (held instanceof Y.Map) return held;
  const created = new Y.Map<unknown>();
  map.set(key, created);
  return created;
}

function nestedArray(map: Y.Map<unknown>, key: string): Y.Array<unknown> {
  const held = map.get(key);
  if (held instanceof Y.Array) return held;
  const created = new Y.Array<unknown>();
  map.set(key, created);
  return created;
}

function syncKeyed(target: Y.Map<unknown>, source: Readonly<Record<string, unknown>>): void {
  for (const key of [...target.keys()]) {
    if (!Object.hasOwn(source, key)) target.delete(key);
  }
  for (const [key, value] of Object.entries(source)) {
    if (!target.has(key) || JSON.stringify(target.get(key)) !== JSON.stringify(value)) target.set(key, value);
  }
}

function syncLog(target: Y.Array<unknown>, log: readonly Decision[]): void {
  const written = target.length;
  const last = written > 0 ? JSON.stringify(target.get(written - 1)) : undefined;
  if (written > log.length || (written > 0 && last !== JSON.stringify(log[written - 1]))) {
    // The log is append-only; a mismatch means a different history, so it is rewritten whole.
    target.delete(0, written);
    target.push([...log]);
    return;
  }
  if (log.length > written) target.push(log.slice(written));
}
