/**
 * GET /metrics on a real relay over a real LevelDB: what a site's monitoring
 * scrapes after a crew device's changes and a refused one, in Prometheus text
 * format, with no series naming a user, a device or a document; and the
 * optional token.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRelay, type Relay } from '../../relay/createRelay';
import { MemoryUserStore } from '../../relay/auth/MemoryUserStore';
import { RelayMetrics } from '../../relay/metrics/RelayMetrics';
import { LevelDocStore } from '../../relay/storage/LevelDocStore';
import { addReceiveLine, createAuthor, createReceipt } from '../../shared/model';
import { connectDevice, type RawDevice } from '../support/rawDevice';
import type { SiteUser } from '../support/siteUsers';

/** The value of the series `name` (with `labels`, as written) in an exposition. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  let dir: string;
  let store: LevelDocStore;
  let relay: Relay;
  let ann: SiteUser;
  let device: RawDevice | null = null;
  const metrics = new RelayMetrics();

  const start = async (token?: string): Promise<void> => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-metrics-'));
    store = await LevelDocStore.open(path.join(dir, 'docs'), { onBatch: (b) => metrics.batch(b) });
    const users = new MemoryUserStore();
    const issued = await users.add({ name: 'ann', role: 'crew' });
    ann = { id: issued.user.id, name: 'ann', role: 'crew', token: issued.token };
    relay = await createRelay({ store, users, port: 0, metrics: { registry: metrics, ...(token && { token }) } });
  };
  const scrape = async (headers: Record<string, string> = {}) => fetch(`${relay.url}/metrics`, { headers });
  beforeEach(() => metrics.registry.resetMetrics());
  afterEach(async () => {
    device?.close();
    device = null;
    await relay.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts acknowledged and refused changes, connections, open documents, fsyncs and ack latency, and names nobody', async () => {
    await start();
    device = await connectDevice((p) => `ws://127.0.0.1:${relay.port}${p}`, ann, 'dock-7');
    const doc = 'record:R-METRICS';
    await device.open(doc);
    await device.write(doc, (d, author) => createReceipt(d, author, { id: 'R-METRICS', site: 'main' }));
    await device.write(doc, (d, author) => addReceiveLine(d, author, { item: 'SKU-1', qty: 5 }));
    await device.write(doc, (d, author) => addReceiveLine(d, author, { item: 'SKU-2', qty: 3 }));
    // A line signed as another user is refused.
    const forged = createAuthor({ user: 'someone-else', device: 'dock-7', firstSeq: 50 });
    const copy = device.docOf(doc);
    const parts: Uint8Array[] = [];
    const keep = (u: Uint8Array): void => void parts.push(u);
    copy.on('update', keep);
    addReceiveLine(copy, forged, { item: 'SKU-9', qty: 1 });
    copy.off('update', keep);
    expect((await device.sendRaw(doc, parts[0]!)).type).toBe('error');

    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(valueOf(text, 'tally_changes_acked_total')).toBe(3);
    expect(valueOf(text, 'tally_changes_refused_total{reason="forbidden"}')).toBe(1);
    expect(valueOf(text, 'tally_ack_latency_seconds_count')).toBe(3);
    expect(valueOf(text, 'tally_fsync_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(valueOf(text, 'tally_fsync_batch_size_count')).toBeGreaterThanOrEqual(1);
    expect(valueOf(text, 'tally_connections')).toBe(1);
    expect(valueOf(text, 'tally_open_docs')).toBeGreaterThanOrEqual(1);
    expect(valueOf(text, 'tally_storage_ok')).toBe(1);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('# HELP tally_last_backup_age_seconds');
    for (const secret of [ann.id, ann.token, 'dock-7', 'R-METRICS']) expect(text).not.toContain(secret);
  });

  it('asks for the token when TALLY_METRICS_TOKEN is set', async () => {
    await start('scrape-secret');
    expect((await scrape()).status).toBe(401);
    expect((await scrape({ authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await scrape({ authorization: 'Bearer scrape-secret' })).status).toBe(200);
  });
});
