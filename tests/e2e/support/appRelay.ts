/**
 * The real relay for the app's end-to-end tests: `relay/main.ts` as a child
 * process (what `npm start` runs) on a data folder of its own, serving the
 * built app. It can be stopped and started again on the same port (the
 * browsers' origin must not change), users are added with the users CLI,
 * and what the relay holds is read back with a stock y-websocket client.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { createSyncClient, waitFor } from '../../../client/sync';
import {
  addReceiveLine,
  createAuthor,
  createReceipt,
  putItem,
  putLocation,
  readRecord,
  recordDocName,
  RecordRoot,
  toRecordId,
  type ItemInfo,
  type RecordSnapshot,
} from '../../../shared/model';
import { readReviewState, type ReviewState } from '../../../shared/review';
import { spawnRelay, type RelayProcess } from '../../support/relayProcess';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);

/** A user added with the CLI. */
export interface AppUser {
  name: string;
  role: 'crew' | 'supervisor' | 'auditor' | 'admin';
  token: string;
}

/** The relay under test; see the module comment. */
export class AppRelay {
  private process: RelayProcess | null = null;
  private port = 0;

  private constructor(readonly dataDir: string) {}

  /** A relay with an empty data folder of its own (not started). */
  static async create(): Promise<AppRelay> {
    return new AppRelay(await mkdtemp(path.join(os.tmpdir(), 'tally-e2e-')));
  }

  /** A relay on a copy of the data folder `folder` (a fixture; not started). */
  static async copyOf(folder: string): Promise<AppRelay> {
    const relay = await AppRelay.create();
    await cp(folder, relay.dataDir, { recursive: true });
    return relay;
  }

  /** `http://127.0.0.1:<port>`: the app's origin. */
  get url(): string {
    if (!this.port) throw new Error('relay not started yet');
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process !== null;
  }

  /** Adds a user with the users CLI and returns their token (the CLI's last line). */
  async addUser(name: string, role: AppUser['role']): Promise<AppUser> {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'relay/cli/users.ts', 'add', name, '--role', role, '--data', this.dataDir], { cwd: ROOT });
    const token = stdout.trim().split('\n').at(-1)?.trim();
    if (!token) throw new Error(`users CLI printed no token:\n${stdout}`);
    return { name, role, token };
  }

  /** Gives a user another role with the users CLI (`role <name> <role>`); their token stays valid. */
  async setRole(name: string, role: AppUser['role']): Promise<void> {
    await run(process.execPath, ['--import', 'tsx', 'relay/cli/users.ts', 'role', name, role, '--data', this.dataDir], { cwd: ROOT });
  }

  /** Starts the relay (on the port it had before, after a stop), with `env` added to its environment. */
  async start(env: Record<string, string> = {}): Promise<void> {
    if (this.process) return;
    this.process = await spawnRelay(this.dataDir, { PORT: String(this.port), TALLY_SITE: 'main', ...env });
    this.port = this.process.port;
  }

  /** Stops the relay with SIGTERM (it flushes and exits 0). */
  async stop(): Promise<void> {
    const proc = this.process;
    if (!proc) return;
    this.process = null;
    proc.child.kill('SIGTERM');
    const { code } = await proc.exited;
    if (code !== 0) throw new Error(`relay exited with ${code}:\n${proc.output()}`);
  }

  /** Kills the relay with SIGKILL: nothing is flushed, so only what it had made durable survives. */
  async kill(): Promise<void> {
    const proc = this.process;
    if (!proc) return;
    this.process = null;
    proc.child.kill('SIGKILL');
    await proc.exited;
  }

  /** The relay's log so far (for failure messages). */
  output(): string {
    return this.process?.output() ?? '';
  }

  /**
   * Reads a document as the relay holds it, over `/sync/<doc>` with a stock
   * y-websocket provider (as `user`), and returns the record snapshot with
   * the review state the relay wrote.
   */
  async readRecord(docName: string, user: AppUser, timeoutMs = 15_000): Promise<RecordSnapshot & { review: ReviewState | null }> {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(`${this.url.replace('http', 'ws')}/sync`, docName, doc, {
      WebSocketPolyfill: WebSocket as never,
      params: { token: user.token, device: 'e2e-reader' },
      disableBc: true,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`relay did not send ${docName} within ${timeoutMs} ms`)), timeoutMs);
        provider.on('sync', (synced: boolean) => {
          if (!synced) return;
          clearTimeout(timer);
          resolve();
        });
      });
      return { ...readRecord(doc), review: readReviewState(doc.getMap(RecordRoot.review)) };
    } finally {
      provider.destroy();
      doc.destroy();
    }
  }

  /**
   * Writes items and bins into the site document as `user` (a supervisor),
   * through the relay like any device, and waits for the acknowledgement.
   */
  async seedSite(user: AppUser, items: Array<ItemInfo & { barcode: string }>, bins: string[]): Promise<void> {
    const client = createSyncClient({
      url: this.url,
      device: 'e2e-seeder',
      token: user.token,
      WebSocketImpl: WebSocket as never,
      persistence: 'none',
    });
    try {
      const site = client.open('site:main');
      await site.whenLoaded;
      if (!(await waitFor(site, (s) => s.relaySynced, 15_000))) throw new Error('relay did not send the site document');
      site.doc.transact(() => {
        for (const { barcode, ...item } of items) putItem(site.doc, barcode, item);
        for (const bin of bins) putLocation(site.doc, { bin });
      });
      const report = await client.flushAndWait(15_000);
      if (!report.ok) throw new Error(`site seed not acknowledged: ${JSON.stringify(report.remaining)}`);
    } finally {
      await client.destroy();
    }
  }

  /** The user id the relay knows `user` by (entries must carry it). */
  async userId(user: AppUser): Promise<string> {
    const res = await fetch(`${this.url}/api/session`, { headers: { authorization: `Bearer ${user.token}` } });
    const body = (await res.json()) as { user?: { id?: string } };
    if (!body.user?.id) throw new Error(`no session for ${user.name}: ${JSON.stringify(body)}`);
    return body.user.id;
  }

  /**
   * Writes records as `user` from a device of their own over /mux, with the
   * project's model writers (`ids` receipts of `lines` lines each: SKU-0 x 1,
   * SKU-1 x 2, ...), and waits until the relay has acknowledged them all.
   */
  async seedReceipts(user: AppUser, ids: readonly string[], lines: number): Promise<void> {
    const author = createAuthor({ user: await this.userId(user), device: 'e2e-writer' });
    await this.withWriter(user, async (client) => {
      for (const id of ids) {
        const doc = client.open(recordDocName(toRecordId(id))).doc;
        createReceipt(doc, author, { id, site: 'main', supplier: `Supplier ${id}` });
        for (let l = 0; l < lines; l++) addReceiveLine(doc, author, { item: `SKU-${l}`, qty: l + 1 });
      }
    });
  }

  /** Adds a receive line to record `id` as `user`, from a device of their own, once the relay has the record. */
  async addLine(user: AppUser, id: string, line: { item: string; qty: number }): Promise<void> {
    const author = createAuthor({ user: await this.userId(user), device: 'e2e-writer', firstSeq: 1_000_000 });
    await this.withWriter(user, async (client) => {
      const record = client.open(recordDocName(toRecordId(id)));
      if (!(await waitFor(record, (s) => s.relaySynced, 15_000))) throw new Error(`relay did not send ${id}`);
      addReceiveLine(record.doc, author, line);
    });
  }

  private async withWriter(user: AppUser, write: (client: ReturnType<typeof createSyncClient>) => Promise<void>): Promise<void> {
    const client = createSyncClient({ url: this.url, device: 'e2e-writer', token: user.token, WebSocketImpl: WebSocket as never, persistence: 'none' });
    try {
      await write(client);
      const report = await client.flushAndWait(60_000);
      if (!report.ok) throw new Error(`writes not acknowledged: ${JSON.stringify(report.remaining.slice(0, 3))} ${JSON.stringify(report.lastError)}`);
    } finally {
      await client.destroy();
    }
  }

  /** Stops the relay and deletes its data folder. */
  async destroy(): Promise<void> {
    await this.stop().catch(() => {});
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
