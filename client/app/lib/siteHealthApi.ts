/**
 * The relay's site health (admins only), over its JSON API: the page's
 * figures and a device's whole send log, pulled over that device's socket.
 */
import type { PulledSendLog, SiteHealth } from '../../../shared/health/siteHealth';
import type { Session } from './session';

/** Why a request failed, in the relay's words. */
export class SiteHealthError extends Error {
  override name = 'SiteHealthError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The API bound to the signed-in admin's session. */
export class SiteHealthApi {
  constructor(
    private readonly session: Pick<Session, 'relayUrl' | 'token'>,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {}

  /** `GET /api/admin/health`. */
  health(): Promise<SiteHealth> {
    return this.call('GET', '/api/admin/health') as Promise<SiteHealth>;
  }

  /** Asks `device` for its whole send log (the relay waits for its answer, up to 15 s). */
  pullSendLog(device: string): Promise<PulledSendLog> {
    return this.call('POST', `/api/admin/health/devices/${encodeURIComponent(device)}/send-log`) as Promise<PulledSendLog>;
  }

  private async call(method: string, path: string): Promise<unknown> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.session.relayUrl}${path}`, { method, cache: 'no-store', headers: { authorization: `Bearer ${this.session.token}` } });
    } catch {
      throw new SiteHealthError(0, 'Cannot reach the relay. The site health page needs the relay.');
    }
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    if (!res.ok) throw new SiteHealthError(res.status, body.error ?? `the relay answered ${res.status}`);
    return body;
  }
}
