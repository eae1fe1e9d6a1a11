/**
 * Who writes under each Yjs client id of a document. Every document (records
 * and the site document alike) has a top-level `writers` map, written by the
 * relay alone: Yjs client id (as a decimal string) -> the device that first
 * wrote under it, or the relay itself. The relay records a claim before it
 * applies the first change under a new client id, in the same ordered path to
 * disk, so the binding is as durable as the document (and in its backups). A
 * change that writes under a client id claimed by someone else is not applied.
 */
import type * as Y from 'yjs';

/** The top-level map of claims, in every document. */
export const WRITERS_ROOT = 'writers';

/** Who writes under one client id. */
export type Writer =
  | { readonly by: 'device'; readonly device: string; readonly user: string }
  | { readonly by: 'relay' };

function writersMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(WRITERS_ROOT);
}

function parseWriter(value: unknown): Writer | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.by === 'relay') return { by: 'relay' };
  if (v.by === 'device' && typeof v.device === 'string' && typeof v.user === 'string') {
    return { by: 'device', device: v.device, user: v.user };
  }
  return undefined;
}

/** Who writes under `client` in `doc`, if anyone claimed it. */
export function writerOf(doc: Y.Doc, client: number): Writer | undefined {
  return parseWriter(writersMap(doc).get(String(client)));
}

/** Every claim of `doc`. */
export function readWriters(doc: Y.Doc): Map<number, Writer> {
  const out = new Map<number, Writer>();
  writersMap(doc).forEach((value, key) => {
    const writer = parseWriter(value);
    const client = Number(key);
    if (writer && Number.isSafeInteger(client)) out.set(client, writer);
  });
  return out;
}

/** True when `a` and `b` are the same writer. */
export function sameWriter(a: Writer, b: Writer): boolean {
  if (a.by === 'relay' || b.by === 'relay') return a.by === b.by;
  return a.device === b.device && a.user === b.user;
}

/** Records `claims` (relay only; the caller's transaction origin marks it as the relay's). */
export function writeClaims(doc: Y.Doc, claims: ReadonlyMap<number, Writer>, origin: unknown): void {
  if (claims.size === 0) return;
  const map = writersMap(doc);
  doc.transact(() => {
    for (const [client, writer] of claims) map.set(String(client), { ...writer });
  }, origin);
}
