/**
 * Keeps the site document's `users` map (user id -> display name) in step
 * with the relay's user store: when the site document is loaded and whenever
 * the users change, every missing or different name is written. Revoked
 * users keep their names, since history still shows what they did.
 */
import type { UserStore } from '../auth/UserStore';
import { readUserNames, setUserName } from '../../shared/model/siteDocs';
import { userNamesToWrite } from '../../shared/model/userNames';
import type { SiteDocWriter } from './SiteDocWriter';

/** Options of SiteUserNames. */
export interface SiteUserNamesOptions {
  /** Whose names to publish. */
  users: UserStore;
  writer: SiteDocWriter;
}

/** Publishes users' display names into the site document; see the module comment. */
export class SiteUserNames {
  private readonly unsubscribe: () => void;

  constructor(private readonly options: SiteUserNamesOptions) {
    this.unsubscribe = options.users.onChange(() => this.publish());
  }

  /**
   * Writes every name the site document lacks or holds wrong (loading the
   * document if it is not in memory). Call when the site room has loaded.
   */
  publish(): void {
    this.options.writer.write('user names', (site) => {
      for (const { user, displayName } of userNamesToWrite(this.options.users.list(), readUserNames(site))) {
        setUserName(site, user, displayName);
      }
    });
  }

  /** Stops following the user store. */
  destroy(): void {
    this.unsubscribe();
  }
}
