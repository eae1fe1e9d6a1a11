/**
 * The relay's `/api/notices` as the device calls it (PROTOCOL.md §4): post a
 * notice with its idempotency key, list notices with their acknowledgements,
 * read a notice's read-by list. Each call answers in the device's terms
 * (stored, refused with the reason, or "later": the relay was not reached).
 */
import type { NoticeBody } from '../../../../shared/model/notice';
import type { NoticeReads } from '../../../../shared/model/noticeReads';

/** Who calls, and how. */
export interface NoticesApiOptions {
  relayUrl: string;
  token: string;
  device: string;
  fetch?: typeof fetch;
}

/** What became of a post: stored as `seq`, refused for good (400/403), or to be tried again later. */
export type PostOutcome = { seq: number } | { refused: string } | 'later';

/** A listed notice's acknowledgements. */
export interface ListedAcks {
  seq: number;
  acks: { user: string; device: string | null }[];
}

export class NoticesApi {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: NoticesApiOptions) {
    this.fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
  }

  /** POST /api/notices?device=... with `Idempotency-Key: key`: a retry with the same key answers the same seq. */
  async post(body: NoticeBody, key: string): Promise<PostOutcome> {
    const url = this.url('/api/notices');
    url.searchParams.set('device', this.options.device);
    let res: Response;
    try {
      res = await this.fetch(url, { method: 'POST', headers: { ...this.auth(), 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body) });
    } catch {
      return 'later';
    }
    if (res.status === 201) return { seq: ((await res.json()) as { seq: number }).seq };
    if (res.status === 400 || res.status === 403) return { refused: await errorOf(res) };
    return 'later';
  }

  /** The notices after `since` with who acknowledged them; null when the relay was not reached. */
  async acksSince(since: number): Promise<ListedAcks[] | null> {
    try {
      const res = await this.fetch(this.url(`/api/notices?since=${since}`), { headers: this.auth() });
      if (!res.ok) return null;
      return ((await res.json()) as { notices: ListedAcks[] }).notices;
    } catch {
      return null;
    }
  }

  /** GET /api/notices/<seq>/reads (supervisors, admins, auditors); throws with the relay's reason. */
  async reads(seq: number): Promise<NoticeReads> {
    const res = await this.fetch(this.url(`/api/notices/${seq}/reads`), { headers: this.auth() });
    if (!res.ok) throw new Error(await errorOf(res));
    return (await res.json()) as NoticeReads;
  }

  private url(path: string): URL {
    return new URL(path, this.options.relayUrl);
  }

  private auth(): Record<string, string> {
    return { authorization: `Bearer ${this.options.token}` };
  }
}

/** The relay's `{"error"}` reason, or the status in words. */
async function errorOf(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON
  }
  return `the relay answered ${res.status}`;
}
