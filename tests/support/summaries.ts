import type { RecordSummary } from '../../shared/summary/recordSummary';

/** A receipt's summary as the list reads it, with `patch` over it (tests of stored and sent summaries). */
export function aSummary(patch: Partial<RecordSummary> = {}): RecordSummary {
  return {
    id: 'R-1',
    kind: 'receipt',
    title: 'ACME · Dock 2 · «naïve»',
    createdAt: 1,
    createdBy: 'ann',
    status: 'open',
    hold: false,
    openConflicts: 0,
    pending: 0,
    lines: 3,
    qty: 12,
    lastChangeAt: 5,
    proposals: [],
    ...patch,
  };
}
