/**
 * `GET /api/admin/backup`: an admin's token streams the relay's backup
 * archive (backupArchive.ts), taken while the relay goes on acknowledging
 * writes. 401 without a valid token, 403 for any other role.
 */
import type http from 'node:http';
import { can, Permission } from '../../shared/auth/roles';
import type { BackupTaker } from '../backup/backupArchive';
import type { UserStore } from '../auth/UserStore';
import type { RelayLog } from '../log';

export const BACKUP_PATH = '/api/admin/backup';

/** Options of `backupRoute`. */
export interface BackupRouteOptions {
  backups: BackupTaker;
  users: UserStore;
  log: RelayLog;
}

/** The route's handler; false for any other path. */
export function backupRoute(options: BackupRouteOptions): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  return (req, res) => {
    if ((req.url ?? '').split('?')[0] !== BACKUP_PATH) return false;
    const plain = (status: number, text: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`${text}\n`);
    };
    if (req.method !== 'GET') {
      plain(405, 'GET only');
      return true;
    }
    const header = req.headers.authorization ?? '';
    const user = header.startsWith('Bearer ') ? options.users.authenticate(header.slice(7).trim()) : null;
    if (!user) {
      plain(401, 'missing or invalid token');
      return true;
    }
    if (!can(user.role, Permission.manageUsers)) {
      plain(403, `a ${user.role} may not take backups`);
      return true;
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    res.writeHead(200, {
      'content-type': 'application/x-tar',
      'content-disposition': `attachment; filename="tally-${options.backups.site}-${stamp}.tar"`,
      'cache-control': 'no-store',
    });
    const started = Date.now();
    options.backups.take(res).then(
      (manifest) => options.log.info({ by: user.id, ms: Date.now() - started, entries: manifest.entries.length, documentEntries: manifest.documentEntries }, 'backup streamed'),
      (err: unknown) => {
        options.log.error({ err: String(err) }, 'backup failed');
        res.destroy(err as Error);
      },
    );
    return true;
  };
}
