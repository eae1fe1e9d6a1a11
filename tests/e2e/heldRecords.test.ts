/**
 * A few hundred records on a phone, end to end: 250 receipts seeded through
 * the relay over /mux (the project's model writers), a crew member's shift
 * start fetching them in bulk, a record changed on the relay reaching the
 * list while the device is online without being opened, an offline cold
 * start listing them all, every one of them opening with no network, and
 * work made offline surviving a reload and reaching the relay. Real relay
 * process, Debian's Chromium at phone size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright';
import { AppRelay, type AppUser } from './support/appRelay';
import { Device, launchChromium } from './support/devices';

const RECORDS = 250;
const BARCODE = '4006381333931';

describe('a month of records on a phone', () => {
  let relay: AppRelay;
  let browser: Browser;
  let crew: AppUser;
  let writer: AppUser;
  let device: Device;
  const ids = Array.from({ length: RECORDS }, (_, i) => `R-HELD-${String(i).padStart(3, '0')}`);

  const rowOf = (id: string) => device.page.locator(`[data-testid="record-row"][data-record-id="${id}"]`);
  /** A record's row, found as a crew member would in a long list: by typing its id into the search. */
  const findRow = async (id: string) => {
    await device.page.getByLabel('Search records').fill(id);
    return rowOf(id);
  };
  const totalsOf = async (id: string) => (await findRow(id)).getByTestId('record-totals').textContent();
  /** Records the list holds (it builds rows as the crew scrolls). */
  const listed = async () => Number((await device.byTestId('records').getAttribute('data-count')) ?? 0);

  beforeAll(async () => {
    relay = await AppRelay.create();
    const supervisor = await relay.addUser('Sam Supervisor', 'supervisor');
    crew = await relay.addUser('Ana Ruiz', 'crew');
    writer = await relay.addUser('Ben Okafor', 'crew');
    await relay.start();
    await relay.seedSite(supervisor, [{ barcode: BARCODE, sku: 'SKU-0', description: 'Hex bolt M8 x 40, zinc', uom: 'EA' }], ['A-01-1']);
    await relay.seedReceipts(writer, ids, 3);
    browser = await launchChromium();
  });

  afterAll(async () => {
    const errors = device?.errors ?? [];
    await browser?.close();
    await relay?.destroy();
    expect(errors).toEqual([]);
  });

  it(`shift start fetches the ${RECORDS} records in bulk, with a progress bar, and the list shows them all`, async () => {
    device = await Device.enrol(browser, relay.url, crew, 'crew phone');
    await device.byTestId('start-shift').click();
    await device.byTestId('shift-ready').waitFor({ timeout: 60_000 });
    expect(await device.byTestId('shift-ready').textContent()).toContain(`${RECORDS} records`);
    expect(await device.page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe(await device.page.getByRole('progressbar').getAttribute('aria-valuemax'));

    await device.go('/');
    await expect.poll(listed, { timeout: 30_000 }).toBe(RECORDS);
    await device.snap('records-held');
    // Scrolling to the end of the list shows every record, oldest last.
    const rows = device.byTestId('record-row');
    await expect
      .poll(
        async () => {
          await rows.last().scrollIntoViewIfNeeded();
          return rows.count();
        },
        { timeout: 30_000 },
      )
      .toBe(RECORDS);
    expect(await rows.last().getAttribute('data-record-id')).toBe(ids[0]);
    expect(await totalsOf(ids[17] as string)).toBe('3 lines · 6 in total');
  });

  it('a record changed on the relay while the device is online reaches the list without being opened', async () => {
    await device.waitOnline(true);
    await relay.addLine(writer, ids[42] as string, { item: 'SKU-9', qty: 40 });
    await expect.poll(() => totalsOf(ids[42] as string), { timeout: 15_000 }).toBe('4 lines · 46 in total');
  });

  it('the storage screen counts the records held and the bytes of the record store', async () => {
    await device.go('/storage');
    await expect.poll(() => device.byTestId('records-held').textContent(), { timeout: 15_000 }).toMatch(new RegExp(`^${RECORDS} records held on this device: \\d`));
    expect(await device.byTestId('working-copies').textContent()).toMatch(/^0 open as documents/);
  });

  it('an offline cold start lists every record', async () => {
    await device.setOffline(true);
    await device.page.reload();
    await device.waitOnline(false);
    await device.go('/');
    await expect.poll(listed, { timeout: 30_000 }).toBe(RECORDS);
    expect(await totalsOf(ids[42] as string)).toBe('4 lines · 46 in total');
  });

  it('opens every record with no network', async () => {
    for (const id of ids) {
      await device.go(`/r/${id}`);
      await expect.poll(() => device.byTestId('record-id').textContent(), { timeout: 10_000 }).toBe(id);
      await expect.poll(() => device.totalOf('SKU-2'), { timeout: 10_000 }).toBe('3');
    }
    expect(await device.totalOf('SKU-0')).toBe('1');
  });

  it('work made offline survives a reload and reaches the relay once online', async () => {
    const id = ids[100] as string;
    await device.go(`/r/${id}`);
    await device.byTestId('qty').fill('12');
    await device.byTestId('scan-field').fill(BARCODE);
    await device.byTestId('scan-field').press('Enter');
    await expect.poll(() => device.totalOf('SKU-0')).toBe('13');
    // Leave it: a record with work the relay lacks stays open (and pending) anyway.
    await device.go('/');
    await findRow(id);
    await expect.poll(() => rowOf(id).locator('[data-sync="deviceOnly"]').count()).toBe(1);

    await device.page.reload();
    await expect.poll(listed, { timeout: 30_000 }).toBe(RECORDS);
    await findRow(id);
    await expect.poll(() => rowOf(id).locator('[data-sync="deviceOnly"]').count(), { timeout: 15_000 }).toBe(1);
    expect(await totalsOf(id)).toBe('4 lines · 18 in total');

    // Back on the network after a long time offline (the reconnect backoff is long by now): "Sync now".
    await device.setOffline(false);
    await device.go('/sync');
    await device.byTestId('sync-now').click();
    await device.waitOnline(true);
    await device.go('/');
    await findRow(id);
    await expect.poll(() => rowOf(id).locator('[data-sync="onRelay"]').count(), { timeout: 30_000 }).toBe(1);
    const onRelay = await relay.readRecord(`record:${id}`, crew);
    expect(onRelay.entries.filter((e) => e.kind === 'line').map((e) => (e.kind === 'line' ? e.qty : 0))).toEqual([1, 2, 3, 12]);
  });
});
