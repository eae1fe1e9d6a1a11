/**
 * Device data written by an earlier app version opens in this one with
 * nothing lost (issue 17, "Upgrades"). tests/fixtures/device-storage-v1 is a
 * phone's storage as the app wrote it (v2: after a held record's summary and
 * state vector became one value, and photos and site settings came; made by
 * tests/fixtures/makeDeviceStorage.ts; its FIXTURE.json says from which
 * commit): held records, working copies with changes the relay never
 * acknowledged, the set-aside store, localStorage. It is imported into a
 * fresh Chromium profile, the built app opens it with no network and must
 * list every record with its totals and every pending change; back online,
 * the pending work reaches the relay (a copy of the relay's folder from the
 * same moment), and a line written in this version joins it with an entry
 * id of its own. Every later version keeps this test, and adds the fixture
 * of each new storage layout beside it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright';
import { AppRelay, type AppUser } from './support/appRelay';
import { importDeviceStorage, type DeviceStorageDump } from './support/deviceStorage';
import { Device, launchChromium, PHONE } from './support/devices';

interface FixtureRecord {
  id: string;
  supplier: string;
  totals: Record<string, number>;
  lines: number;
  qty: number;
  pending: boolean;
  /** Lines the relay refused, kept aside on the device (quantities). */
  setAside?: { lines: number[] };
}
interface Facts {
  madeWith: string;
  crew: { name: string; token: string };
  barcode: string;
  pendingCount: number;
  records: FixtureRecord[];
}

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

describe.each(['device-storage-v1', 'device-storage-v2'])('device storage of %s', (name) => {
  const fixture = path.join(FIXTURES, name);
  let facts: Facts;
  let dump: DeviceStorageDump;
  let relay: AppRelay;
  let browser: Browser;
  let crew: AppUser;
  let device: Device;

  const rowOf = (id: string) => device.page.locator(`[data-testid="record-row"][data-record-id="${id}"]`);
  const syncOf = async (id: string) => (await rowOf(id).locator('[data-sync]').evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.sync ?? ''))).join(' ');

  beforeAll(async () => {
    facts = JSON.parse(await readFile(path.join(fixture, 'FIXTURE.json'), 'utf8')) as Facts;
    dump = JSON.parse(await readFile(path.join(fixture, 'device.json'), 'utf8')) as DeviceStorageDump;
    crew = { name: facts.crew.name, role: 'crew', token: facts.crew.token };
    relay = await AppRelay.copyOf(path.join(fixture, 'relay-data'));
    await relay.start();
    browser = await launchChromium();
  });

  afterAll(async () => {
    const errors = device?.errors ?? [];
    await browser?.close();
    await relay?.destroy();
    expect(errors).toEqual([]);
  });

  it('opens with no network, listing every record with its totals and every change the relay lacks', async () => {
    // A fresh profile gets the app (signed out) and its service worker, then the old storage, offline.
    const context = await browser.newContext({ viewport: PHONE, serviceWorkers: 'allow' });
    const page = await context.newPage();
    await page.goto(`${relay.url}/`);
    await page.evaluate('navigator.serviceWorker.ready.then(() => undefined)');
    await page.waitForFunction('navigator.serviceWorker.controller !== null');
    await context.setOffline(true);
    await importDeviceStorage(page, dump);
    device = await Device.reopen(context, relay.url, crew, 'upgraded phone', '/');
    await device.waitOnline(false);

    await expect.poll(() => device.byTestId('records').getAttribute('data-count'), { timeout: 30_000 }).toBe(String(facts.records.length));
    for (const record of facts.records) {
      await expect.poll(() => rowOf(record.id).getByTestId('record-totals').textContent(), { timeout: 15_000 }).toBe(`${record.lines} lines · ${record.qty} in total`);
      await expect.poll(() => syncOf(record.id), { timeout: 15_000 }).toContain(record.pending ? 'deviceOnly' : 'onRelay');
    }
    expect(await device.byTestId('pending-count').textContent()).toContain(`${facts.pendingCount} changes on this device only`);

    for (const record of facts.records) {
      await device.go(`/r/${record.id}`);
      await expect.poll(() => device.byTestId('record-id').textContent(), { timeout: 15_000 }).toBe(record.id);
      for (const [item, total] of Object.entries(record.totals)) await expect.poll(() => device.totalOf(item), { timeout: 15_000 }).toBe(String(total));
      if (!record.setAside) continue;
      // Refused work is still kept aside, with its lines, ready to export or discard.
      await device.byTestId('refused-notice').waitFor({ timeout: 15_000 });
      await device.byTestId('refused-notice').locator('summary').click();
      const entries = await device.byTestId('refused-entry').allTextContents();
      expect(entries.map((t) => Number(/^line: (\d+) x /.exec(t)?.[1]))).toEqual(record.setAside.lines);
    }
    await device.go('/sync');
    expect(await device.byTestId('refused-count').textContent()).toBe(String(facts.records.filter((r) => r.setAside).length));
  });

  it('writes new work beside the old with entry ids of its own', async () => {
    const offline = facts.records.find((r) => r.pending && r.supplier === 'Offline Supplies') as FixtureRecord;
    await device.go(`/r/${offline.id}`);
    await device.byTestId('qty').fill('2');
    await device.byTestId('scan-field').fill(facts.barcode);
    await device.byTestId('scan-field').press('Enter');
    const sku = Object.keys(offline.totals)[0] as string;
    await expect.poll(() => device.totalOf(sku)).toBe(String((offline.totals[sku] ?? 0) + 2));
    offline.totals[sku] = (offline.totals[sku] ?? 0) + 2;
    offline.lines += 1;
  });

  it('back online, every pending change reaches the relay and nothing is lost', async () => {
    await device.context.setOffline(false);
    await device.go('/sync');
    await device.byTestId('sync-now').click();
    await device.waitOnline(true);
    await device.go('/');
    for (const record of facts.records) await expect.poll(() => syncOf(record.id), { timeout: 30_000 }).toContain('onRelay');
    await expect.poll(() => device.byTestId('pending-count').isHidden(), { timeout: 30_000 }).toBe(true);

    for (const record of facts.records) {
      const held = await relay.readRecord(`record:${record.id}`, crew);
      const lines = held.entries.flatMap((e) => (e.kind === 'line' ? [e] : []));
      const totals: Record<string, number> = {};
      for (const line of lines) totals[line.item] = (totals[line.item] ?? 0) + line.qty;
      expect({ id: record.id, lines: lines.length, totals }).toEqual({ id: record.id, lines: record.lines, totals: record.totals });
      expect(new Set(held.entries.map((e) => e.id)).size).toBe(held.entries.length);
    }
  });
});
