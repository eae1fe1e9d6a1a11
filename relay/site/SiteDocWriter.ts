/**
 * The relay's way into its site document (`site:<site>`) for the parts it
 * derives from other data: the record index and users' display names. Each
 * write goes through the site's room, so it is stored and forwarded like any
 * change, and finds the room afresh: an idle site room may have been evicted
 * and reloaded since the last write, and is not kept in memory for these.
 */
import type * as Y from 'yjs';
import type { SiteId } from '../../shared/model/ids';
import { siteDocName } from '../../shared/model/siteDocs';
import type { DocName } from '../../shared/protocol/docNames';
import type { RelayLog } from '../log';
import type { DocRegistry } from '../sync/DocRegistry';

/** Transaction origin of the relay's writes to a site document's derived parts. */
export const SITE_ORIGIN = Symbol('relay-site');

/** Options of a SiteDocWriter. */
export interface SiteDocWriterOptions {
  /** Where the site document's room is found (or loaded). */
  registry: DocRegistry;
  /** The site this relay serves. */
  site: SiteId;
  log: RelayLog;
}

/** Writes the derived parts of one site document; see the module comment. */
export class SiteDocWriter {
  /** `site:<site>`. */
  readonly docName: DocName;
  readonly site: SiteId;

  constructor(private readonly options: SiteDocWriterOptions) {
    this.site = options.site;
    this.docName = siteDocName(options.site);
  }

  /**
   * Runs `change` against the site document once its room is loaded (at
   * once if it is), inside one transaction with origin SITE_ORIGIN. `change`
   * reads what the document holds then and writes only what differs; a
   * failure is logged (with `what` was being written), never thrown into the room.
   */
  write(what: string, change: (doc: Y.Doc) => void): void {
    this.options.registry.use(this.docName, (room) => {
      const doc = room.doc;
      try {
        doc.transact(() => change(doc), SITE_ORIGIN);
      } catch (err) {
        this.options.log.error({ doc: this.docName, what, err: String(err) }, 'site document write failed');
      }
    });
  }
}
