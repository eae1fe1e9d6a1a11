/**
 * Every write a screen makes to a record, in one place. Screens say what the
 * crew did ("add this line", "propose received"); the actions stamp it with
 * this device's author and, for a proposal, the review revision the record
 * shows, and write it through the record model's writers (shared/model),
 * which validate it. No screen calls a writer itself (a test checks), so
 * what a write carries is decided here once.
 */
import {
  addCount,
  addPhoto,
  addReceiveLine,
  proposeChange,
  requestRecount,
  resolveConflict,
  reverseEntry,
  type Author,
  type CountEntry,
  type CountInput,
  type EnteredValue,
  type EntryId,
  type FieldName,
  type LineEntry,
  type PhotoEntry,
  type PhotoInput,
  type ProposalEntry,
  type ReceiveLineInput,
  type RecountRequestEntry,
  type ResolutionEntry,
  type ReversalEntry,
} from '../../../shared/model';
import { editField } from '../../../shared/review';
import type { RecordSource } from './RecordSource';

/** What a write needs of a record: its document (read at each write, since a refusal may replace it). */
type Writable = Pick<RecordSource, 'doc'>;
/** What a proposal needs besides: the review revision the record shows. */
type Reviewed = Pick<RecordSource, 'doc' | 'get'>;

/** Options of RecordActions. */
export interface RecordActionsOptions {
  /** This device's author: user, device, clock and sequence numbers. */
  author: Author;
}

/** The writes screens make; see the module comment. */
export class RecordActions {
  constructor(private readonly options: RecordActionsOptions) {}

  /** A received line on a goods receipt. */
  addLine(source: Writable, line: ReceiveLineInput): LineEntry {
    return addReceiveLine(source.doc, this.options.author, line);
  }

  /** Reverses an earlier line or count (a correction is a new entry). */
  reverse(source: Writable, target: EntryId, reason: string): ReversalEntry {
    return reverseEntry(source.doc, this.options.author, target, reason);
  }

  /** A counted quantity on a count sheet. */
  addCount(source: Writable, count: CountInput): CountEntry {
    return addCount(source.doc, this.options.author, count);
  }

  /** Asks for a bin to be counted again. */
  requestRecount(source: Writable, request: { bin: string; item: string; reason: string }): RecountRequestEntry {
    return requestRecount(source.doc, this.options.author, request);
  }

  /** A photo of the record (or of one of its lines or bins), once its bytes are on the device. */
  addPhoto(source: Writable, photo: PhotoInput): PhotoEntry {
    return addPhoto(source.doc, this.options.author, photo);
  }

  /** Proposes a status or hold change, based on the review revision this device has seen. */
  propose(source: Reviewed, field: 'status' | 'hold', value: string | boolean): ProposalEntry {
    return proposeChange(source.doc, this.options.author, { field, value, baseRevision: this.revision(source) });
  }

  /** Proposes the accepted count of a bin's item, based on the review revision this device has seen. */
  proposeCount(source: Reviewed, count: { bin: string; item: string; qty: number }): ProposalEntry {
    return proposeChange(source.doc, this.options.author, { field: 'acceptedCount', value: count.qty, bin: count.bin, item: count.item, baseRevision: this.revision(source) });
  }

  /** A supervisor's decision of an open conflict: one of its candidates, or a value entered. */
  resolve(source: Writable, decision: { conflictId: string; chosen: string | EnteredValue }): ResolutionEntry {
    return resolveConflict(source.doc, this.options.author, decision);
  }

  /** Edits a descriptive field from the value it shows (audited); null when the value is unchanged. */
  saveField(source: Writable, field: FieldName, value: string): ReturnType<typeof editField> {
    return editField(source.doc, this.options.author, field, value);
  }

  private revision(source: Reviewed): number {
    return source.get().review?.revision ?? 0;
  }
}
