/**
 * Summaries of stored records for `fetchSummarized` answers (PROTOCOL.md
 * §2): the record list's few fields and the state vector of a record's whole
 * stored state, so a device starting a shift stores a month of records
 * without building a Y.Doc for each on its phone. The relay builds one, for
 * the moment, from the same durable bytes it sends, and keeps the result until
 * the record's next durable change, so the next device starting a shift gets
 * it at no cost.
 */
import * as Y from 'yjs';
import { recordIdOfDocName } from '../../shared/model';
import { summarizeDoc } from '../../shared/summary/recordSummary';
import type { DocRegistry } from './DocRegistry';

/** A record's summary (JSON) and the state vector of the state it was made from. */
export interface StoredSummary {
  readonly summary: string;
  readonly stateVector: Uint8Array;
}

/** Records whose summaries are kept; beyond, the least recently fetched are made again when asked. */
const MAX_KEPT = 20_000;

export class RecordSummaries {
  private readonly kept = new Map<string, StoredSummary>();
  /** Durable changes per document seen since start: a summary made from bytes read before one is not kept. */
  private readonly changes = new Map<string, number>();
  private readonly detach: () => void;

  constructor(
    registry: Pick<DocRegistry, 'onDurableChange'>,
    private readonly maxKept = MAX_KEPT,
  ) {
    this.detach = registry.onDurableChange((doc) => {
      this.kept.delete(doc);
      this.changes.set(doc, (this.changes.get(doc) ?? 0) + 1);
    });
  }

  /** Take before reading a document's stored bytes; hand to `of` with them. */
  version(doc: string): number {
    return this.changes.get(doc) ?? 0;
  }

  /**
   * The summary of record document `doc` whose whole stored state is
   * `state` (read at `version`), or null for a document that is not a record
   * or whose state does not read.
   */
  of(doc: string, state: Uint8Array, version: number): StoredSummary | null {
    const kept = this.kept.get(doc);
    // Kept is of the current durable state; `state` may be older (a change landed since it was read).
    if (kept && this.version(doc) === version) {
      // Most recently used last: the oldest go first.
      this.kept.delete(doc);
      this.kept.set(doc, kept);
      return kept;
    }
    const id = recordIdOfDocName(doc);
    if (!id) return null;
    const made = summarize(id, state);
    if (made && this.version(doc) === version) {
      this.kept.set(doc, made);
      if (this.kept.size > this.maxKept) this.kept.delete(this.kept.keys().next().value as string);
    }
    return made;
  }

  /** Records whose summaries are kept. */
  get size(): number {
    return this.kept.size;
  }

  destroy(): void {
    this.detach();
    this.kept.clear();
  }
}

function summarize(id: string, state: Uint8Array): StoredSummary | null {
  const doc = new Y.Doc({ gc: true });
  try {
    Y.applyUpdate(doc, state);
    return { summary: JSON.stringify(summarizeDoc(id, doc, null)), stateVector: Y.encodeStateVector(doc) };
  } catch {
    return null;
  } finally {
    doc.destroy();
  }
}
