/**
 * What follows a record document's accepted changes on the relay, in order:
 * the reviewer decides what the change added, then the site's record index
 * is brought up to date with the change and the decision.
 */
import type { Role } from '../../shared/auth/roles';
import type { RelayLog } from '../log';
import { RecordIndexer } from '../site/RecordIndexer';
import type { SiteDocWriter } from '../site/SiteDocWriter';
import type { DocRoom, RoomFollower } from '../sync/DocRoom';
import { RecordReviewer } from './RecordReviewer';

export interface RecordFollowerOptions {
  /** The role of a user at decision time (undefined: unknown user, refused). */
  roleOf: (user: string) => Role | undefined;
  /** Where the record index is written. */
  siteWriter: SiteDocWriter;
  log: RelayLog;
}

/** The follower of `room`'s document as built now (catching up on whatever it holds). */
export function followRecord(room: DocRoom, options: RecordFollowerOptions): RoomFollower {
  const reviewer = new RecordReviewer(room.name, room.doc, { roleOf: options.roleOf, log: options.log });
  const indexer = new RecordIndexer(room.doc, options.siteWriter);
  return {
    accepted: (change) => indexer.accepted(change, reviewer.accepted(change)),
    // Neither holds anything but the document, which goes with the room.
    destroy: () => {},
  };
}
