/**
 * Set-aside work in words and as a file: the notice the record and sync
 * screens show, a refused entry in one line, and the JSON a user exports.
 */
import type { Entry } from '../../../shared/model';
import type { SetAsideWork } from './SetAsideStore';

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * "3 changes to this record were refused by the relay: permission denied:
 * auditor may not write. 1 entry was recorded again; 2 could not be."
 */
export function refusalNotice(work: SetAsideWork): string {
  const n = work.refusedChanges;
  const what = work.recordId ? 'this record' : work.doc;
  const head = `${count(n, 'change', 'changes')} to ${what} ${n === 1 ? 'was' : 'were'} refused by the relay: ${work.message}.`;
  if (!work.outcome) return `${head} Opening the relay's copy…`;
  const m = work.outcome.reRecorded;
  const k = work.outcome.notReRecorded.length;
  return `${head} ${count(m, 'entry was', 'entries were')} recorded again; ${k} could not be.`;
}

/** One refused entry in words: "line: 7 x SKU-1 (lot L7)". */
export function entryText(entry: Entry): string {
  switch (entry.kind) {
    case 'line':
      return `line: ${entry.qty} x ${entry.item}${entry.lot ? ` (lot ${entry.lot})` : ''}`;
    case 'count':
      return `count: ${entry.qty} x ${entry.item} in ${entry.bin}`;
    case 'recountRequest':
      return `recount request: ${entry.item} in ${entry.bin} (${entry.reason})`;
    case 'reversal':
      return `reversal of ${entry.reverses} (${entry.reason})`;
    case 'comment':
      return `comment: ${entry.text}`;
    case 'photo':
      return `photo ${entry.photoId}`;
    case 'fieldEdit':
      return `${entry.field}: ${entry.from ?? '(empty)'} -> ${entry.to}`;
    case 'proposal':
      return `proposal: ${entry.field} -> ${String(entry.value)}`;
    case 'resolution':
      return `resolution of conflict ${entry.conflictId}`;
  }
}

/** The exported file: a name and JSON text holding everything needed to redo the work by hand. */
export function setAsideExport(work: SetAsideWork): { filename: string; json: string } {
  const stamp = new Date(work.at).toISOString().replace(/[:.]/g, '-');
  const subject = (work.recordId ?? work.doc).replace(/[^A-Za-z0-9._-]/g, '_');
  const body = {
    document: work.doc,
    record: work.recordId,
    user: work.user,
    refusedAt: new Date(work.at).toISOString(),
    code: work.code,
    reason: work.reason,
    message: work.message,
    refusedChanges: work.refusedChanges,
    entries: work.refused ?? [],
    recordedAgain: work.outcome?.reRecorded ?? null,
    notRecordedAgain: work.outcome?.notReRecorded ?? null,
    state: { encoding: 'base64', yjsUpdate: toBase64(work.state) },
  };
  return { filename: `tally-refused-${subject}-${stamp}.json`, json: `${JSON.stringify(body, null, 2)}\n` };
}

/** Base64 of `bytes`, in chunks (String.fromCharCode takes a bounded number of arguments). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
