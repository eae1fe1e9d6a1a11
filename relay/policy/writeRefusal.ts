/**
 * The relay's write policy of one connection, applied to every update
 * whatever client sent it (rule 6 of the product brief). It answers in two
 * steps: before anything else (may this connection open or write here at
 * all?) and on what an update would do, judged before it is applied
 * (`judgeUpdate`). An update is judged whole: one forbidden part refuses all of it.
 */
import type * as Y from 'yjs';
import type { Principal } from '../net/Principal';
import { unknownDocRefusal } from './contentRules';
import { judgeReading, judgeUpdate, type JudgeContext, type UpdateSender, type Verdict } from './judgeUpdate';
import type { ChangeReading } from './readChange';

/** What a document room offers the policy about itself. */
export interface JudgedDoc {
  readonly docName: string;
  /** The site the relay serves. */
  readonly site: string;
  readonly doc: Y.Doc;
  /** Ids of the record's entries. */
  entryIds(): ReadonlySet<string>;
  /** The device of another live connection that announced `client` as its presence id, if any. */
  announcedBy(client: number): string | undefined;
}

/** One connection's write rules, as a document room asks for them. */
export interface WritePolicy {
  /** The sender, as the relay established it. */
  readonly sender: UpdateSender;
  /** Why `docName` may not be opened at all on a relay serving `site` (no such family, another site), or null. */
  refuseOpen(docName: string, site: string): string | null;
  /** Why nothing may be written to `docName` (read-only role), or null. Asked before judging. */
  refuseAny(docName: string): string | null;
  /** Judges `update` for `doc` before it is applied; throws for bytes that are not a Yjs update. */
  judge(update: Uint8Array, doc: JudgedDoc): Verdict;
  /**
   * Judges a change the room already read (`readChanges`), so it is decoded
   * once for judging and applying alike. A policy without it is handed the
   * change merged into one update, through `judge`.
   */
  judgeReading?(reading: ChangeReading, doc: JudgedDoc): Verdict;
}

/** The write policy of a connection authenticated as `principal`. */
export function writePolicyFor(principal: Principal): WritePolicy {
  return new ConnectionWritePolicy(principal);
}

// Methods, not closures: a relay holds one of these per connection, thousands of them idle.
class ConnectionWritePolicy implements WritePolicy {
  readonly sender: UpdateSender;

  constructor(private readonly principal: Principal) {
    this.sender = { user: principal.user, device: principal.device, role: principal.role, open: principal.open };
  }

  refuseOpen(docName: string, site: string): string | null {
    return this.principal.open ? null : unknownDocRefusal(docName, site);
  }

  refuseAny(): string | null {
    return this.principal.mayWrite ? null : `${this.principal.role} may not write`;
  }

  judge(update: Uint8Array, doc: JudgedDoc): Verdict {
    return judgeUpdate(update, contextOf(doc, this.sender));
  }

  judgeReading(reading: ChangeReading, doc: JudgedDoc): Verdict {
    return judgeReading(reading, contextOf(doc, this.sender));
  }
}

function contextOf(doc: JudgedDoc, sender: UpdateSender): JudgeContext {
  return {
    docName: doc.docName,
    doc: doc.doc,
    site: doc.site,
    sender,
    entryIds: () => doc.entryIds(),
    announcedBy: (client) => doc.announcedBy(client),
  };
}
