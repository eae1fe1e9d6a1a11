/**
 * `/api/notices`: the priority channel over HTTP (PROTOCOL.md §4), for the
 * app and for site systems (a QMS placing holds with a supervisor's token).
 *
 *   POST /api/notices[?device=<id>]  body: a notice   -> 201 {"seq":n} once fsynced
 *   GET  /api/notices?since=<seq>                     -> 200 {"notices":[...]} (later ones, oldest first)
 *   GET  /api/notices/<seq>/reads                     -> 200 {seq, reads, pending} (supervisors, admins, auditors)
 *
 * A POST may carry `Idempotency-Key: <the issuer's id for the notice>`: a
 * retry with the same key (same user) answers the notice already stored.
 *
 * Every request needs `Authorization: Bearer <token>` (401). A role that may
 * not issue the notice gets 403 (auditors: any; crew: hold and release); a
 * bad body 400 with the reason. A named device must be the caller's own.
 */
import type http from 'node:http';
import { isDeviceId } from '../../shared/model/ids';
import { mayIssueNotice, mayReadNoticeReads, NOTICE_KINDS, type NoticeKind } from '../../shared/model/notice';
import { noticeReads } from '../../shared/model/noticeReads';
import type { DeviceStore } from '../auth/DeviceStore';
import type { UserStore } from '../auth/UserStore';
import { HttpError } from '../http/HttpError';
import { readJsonObject } from '../http/jsonBody';
import type { RelayLog } from '../log';
import type { NoticeLog, StoredNotice } from './NoticeLog';
import type { NoticeReceipts } from './NoticeReceipts';

export const NOTICES_PATH = '/api/notices';

/** Options of `noticesRoute`. */
export interface NoticesRouteOptions {
  notices: NoticeLog;
  users: UserStore;
  devices: DeviceStore;
  /** What each device received, for the read-by list (without it, no device counts as having received anything). */
  receipts?: NoticeReceipts;
  log: RelayLog;
}

const READS_PATH = /^\/api\/notices\/(\d{1,15})\/reads$/;
/** An idempotency key: what a device makes (`<device>:<n>`, a UUID). */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,100}$/;

/** A notice as GET answers it: stored fields and who has read it. */
export type NoticeView = StoredNotice & { acks: { user: string; device: string | null; at: number }[] };

/** The route's handler; false for any other path. */
export function noticesRoute(options: NoticesRouteOptions): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  const { notices, users, devices, receipts, log } = options;
  const json = (res: http.ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const header = req.headers.authorization ?? '';
    const user = header.startsWith('Bearer ') ? users.authenticate(header.slice(7).trim()) : null;
    if (!user) throw new HttpError(401, 'missing or invalid token');
    const reads = READS_PATH.exec(url.pathname);
    if (reads) {
      if (req.method !== 'GET') throw new HttpError(405, 'GET only');
      if (!mayReadNoticeReads(user.role)) throw new HttpError(403, `${article(user.role)} ${user.role} may not see who read a notice`);
      const notice = notices.get(Number(reads[1]));
      if (!notice) throw new HttpError(404, `no notice ${reads[1]}`);
      const active = new Set(users.list().filter((u) => u.revokedAt === undefined).map((u) => u.id as string));
      return json(res, 200, noticeReads({ notice, acks: notices.acksOf(notice.seq), devices: devices.list(), activeUsers: active, receiptOf: (d) => receipts?.of(d) }));
    }
    if (url.pathname !== NOTICES_PATH) throw new HttpError(404, 'no such notices path');
    if (req.method === 'GET') {
      const since = url.searchParams.get('since') ?? '0';
      if (!/^\d{1,15}$/.test(since)) throw new HttpError(400, 'since must be a seq (a whole number from 0)');
      const views: NoticeView[] = notices.since(Number(since)).map((n) => ({ ...n, acks: [...notices.acksOf(n.seq)] }));
      return json(res, 200, { notices: views });
    }
    if (req.method !== 'POST') throw new HttpError(405, 'GET or POST only');
    if (!NOTICE_KINDS.some((kind) => mayIssueNotice(user.role, kind))) throw new HttpError(403, `${article(user.role)} ${user.role} may not issue notices`);
    const device = url.searchParams.get('device');
    if (device !== null && (!isDeviceId(device) || devices.ownerOf(device)?.user !== user.id)) {
      throw new HttpError(403, `device ${JSON.stringify(device.slice(0, 64))} is not enrolled to you`);
    }
    const key = req.headers['idempotency-key'];
    if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))) {
      throw new HttpError(400, 'Idempotency-Key must be 1 to 100 of A-Z a-z 0-9 . _ : -');
    }
    const body = await readJsonObject(req);
    if ((NOTICE_KINDS as readonly unknown[]).includes(body.kind) && !mayIssueNotice(user.role, body.kind as NoticeKind)) {
      throw new HttpError(403, `${article(user.role)} ${user.role} may not issue a ${String(body.kind)} notice`);
    }
    let result;
    try {
      result = await notices.issue(body, { user: user.id, device }, key === undefined ? {} : { key });
    } catch (err) {
      log.error({ err: String(err), user: user.id }, 'notice could not be stored');
      throw new HttpError(503, 'the notice could not be stored: try again');
    }
    if (!result.ok) throw new HttpError(400, result.reason);
    if (result.repeated) log.info({ seq: result.notice.seq, user: user.id, device, key }, 'notice repeated with its idempotency key: answered again');
    else log.info({ seq: result.notice.seq, kind: result.notice.body.kind, user: user.id, device }, 'notice issued');
    json(res, 201, { seq: result.notice.seq });
  };
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    if (url.pathname !== NOTICES_PATH && !url.pathname.startsWith(`${NOTICES_PATH}/`)) return false;
    handle(req, res, url).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) log.error({ err: String(err) }, 'notices request failed');
      if (res.headersSent) return void res.destroy();
      json(res, status, { error: err instanceof HttpError ? err.message : 'internal error' });
    });
    return true;
  };
}

/** 'an auditor', 'a crew': refusals read as sentences. */
function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}
