/**
 * A new site's first shift on a 360 x 740 phone, the way a newcomer meets it:
 * the supervisor is led from shift start to Site setup and imports the item
 * master and bins from CSV files; a crew member receives with one hand and
 * sees what each scan did (the message, the item's total, the last lines)
 * without scrolling; offline, the header stays one line and the Camera
 * button stays on screen; the supervisor's device names the crew member
 * after a reload with no network, from the names kept on the device even
 * without the site document, and once that document arrives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright';
import { AppRelay, type AppUser } from './support/appRelay';
import path from 'node:path';
import { Device, launchChromium, PHONE, SCREENSHOTS } from './support/devices';

const ITEMS_CSV = 'barcode,sku,description,uom\n4006381333931,SKU-1,"Hex bolt M8 x 40, zinc",EA\n5012345678900,SKU-2,Washer M8,BOX\n';
const BINS_CSV = 'bin,zone\nA-01-1,A\nA-01-2,A\n';

/** The part of the screen between the sticky header and the bottom bar. */
async function visibleBand(page: Page): Promise<{ top: number; bottom: number }> {
  return page.evaluate(() => ({
    top: document.querySelector('header.top')?.getBoundingClientRect().bottom ?? 0,
    bottom: document.querySelector('nav')?.getBoundingClientRect().top ?? innerHeight,
  }));
}

/** True when all of `locator` is on screen, neither under the header nor under the bottom bar. */
async function inView(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  const band = await visibleBand(page);
  return box !== null && box.y >= band.top && box.y + box.height <= band.bottom;
}

describe('a first shift on a phone', () => {
  let relay: AppRelay;
  let browser: Browser;
  let sam: AppUser;
  let caseyUser: AppUser;
  let supervisor: Device;
  let crew: Device;
  let receiptId = '';

  beforeAll(async () => {
    relay = await AppRelay.create();
    sam = await relay.addUser('Sam Supervisor', 'supervisor');
    caseyUser = await relay.addUser('Casey Crew', 'crew');
    await relay.start();
    browser = await launchChromium();
  });

  afterAll(async () => {
    const errors = [supervisor, crew].filter(Boolean).flatMap((d) => d.errors);
    await browser?.close();
    await relay?.destroy();
    expect(errors).toEqual([]);
  });

  it('leads the supervisor of an empty site to Site setup, where items and bins come from CSV files', async () => {
    supervisor = await Device.enrol(browser, relay.url, sam, 'supervisor');
    await supervisor.byTestId('setup-lead').waitFor();
    await supervisor.snap('phone-setup-lead');
    await supervisor.byTestId('setup-lead').getByRole('link').click();
    await supervisor.page.waitForURL(`${relay.url}/setup`);

    await supervisor.page.getByLabel('Import items from a CSV file').setInputFiles({ name: 'items.csv', mimeType: 'text/csv', buffer: Buffer.from(ITEMS_CSV) });
    await expect.poll(() => supervisor.byTestId('import-result').textContent()).toContain('2 items imported');
    await supervisor.page.getByLabel('Import bins from a CSV file').setInputFiles({ name: 'bins.csv', mimeType: 'text/csv', buffer: Buffer.from(BINS_CSV) });
    await expect.poll(() => supervisor.byTestId('import-result').textContent()).toContain('2 bins imported');
    // A bad line is named, and nothing of that file is written.
    await supervisor.page.getByLabel('Import items from a CSV file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('barcode,sku\n,SKU-9\n') });
    await expect.poll(() => supervisor.byTestId('import-result').textContent()).toContain('line 2');
    await supervisor.snap('phone-site-setup-import');
    expect(await supervisor.page.getByRole('heading', { name: 'Item master (2)' }).count()).toBe(1);
    await supervisor.go('/shift');
    await supervisor.byTestId('start-shift').waitFor();
    expect(await supervisor.byTestId('setup-lead').count()).toBe(0);
  });

  it('shows the crew member what a scan did without scrolling: the message, the item total and the last lines', async () => {
    crew = await Device.enrol(browser, relay.url, caseyUser, 'crew');
    await crew.byTestId('start-shift').click();
    await crew.byTestId('shift-ready').waitFor({ timeout: 30_000 });
    await crew.go('/new/receipt');
    await crew.page.getByLabel('Supplier').fill('Northern Industrial Fasteners and Fixings Ltd');
    await crew.page.getByLabel('PO number').fill('PO-4711');
    await crew.page.getByLabel('Dock').fill('3');
    await crew.byTestId('create-record').click();
    receiptId = (await crew.byTestId('record-id').textContent()) ?? '';
    expect(await crew.page.locator('h1').textContent()).not.toContain('PO PO-');

    for (const [code, qty] of [['4006381333931', '5'], ['5012345678900', '2'], ['4006381333931', '7']] as const) {
      await crew.byTestId('qty').fill(qty);
      await crew.byTestId('scan-field').fill(code);
      await crew.byTestId('scan-field').press('Enter');
    }
    await expect.poll(() => crew.byTestId('scan-total').textContent()).toContain('12 received');
    // What a one-handed scanner sees after the scan, with no scrolling.
    await crew.page.screenshot({ path: path.join(SCREENSHOTS, 'phone-after-scan-phone.png') });
    expect(await crew.page.evaluate(() => scrollY)).toBe(0);
    expect(await crew.totalOf('SKU-1')).toBe('12');
    expect(await crew.byTestId('scan-total').textContent()).toBe('SKU-1: 12 received');
    expect(await inView(crew.page, crew.byTestId('scan-feedback'))).toBe(true);
    // The last lines, newest first: the one just scanned in full, the one before it starting above the bottom bar.
    const lines = crew.byTestId('line');
    expect(await lines.first().locator('.qty').textContent()).toBe('7');
    expect(await inView(crew.page, lines.nth(0))).toBe(true);
    expect((await lines.nth(1).boundingBox())?.y).toBeLessThan((await visibleBand(crew.page)).bottom);
    // The scan field's hint fits, and its keyboard switch is a full-size target.
    const hint = await crew.byTestId('scan-field').evaluate((el) => {
      const input = el as HTMLInputElement;
      const probe = document.createElement('span');
      probe.style.font = getComputedStyle(input, '::placeholder').font;
      probe.textContent = input.placeholder;
      document.body.append(probe);
      const width = probe.getBoundingClientRect().width;
      probe.remove();
      return { width, room: input.clientWidth - parseFloat(getComputedStyle(input).paddingLeft) - parseFloat(getComputedStyle(input).paddingRight) };
    });
    expect(hint.width).toBeLessThanOrEqual(hint.room);
    expect((await crew.page.getByRole('button', { name: /Keyboard (on|off)/ }).boundingBox())?.height).toBeGreaterThanOrEqual(48);
  });

  it('keeps the header to one line offline, with the Camera button on screen', async () => {
    // The dead zone: no network, a reload, and a scan that waits on the device.
    await crew.setOffline(true);
    await crew.page.reload();
    await crew.byTestId('scan-field').waitFor();
    await crew.waitOnline(false);
    await crew.byTestId('scan-field').fill('5012345678900');
    await crew.byTestId('scan-field').press('Enter');
    await crew.byTestId('pending-count').waitFor();
    await crew.page.evaluate(() => scrollTo(0, 0));
    await crew.page.screenshot({ path: path.join(SCREENSHOTS, 'phone-offline-header-phone.png') });
    const header = await crew.page.locator('header.top').boundingBox();
    expect(header?.height).toBeLessThanOrEqual(64);
    expect(await inView(crew.page, crew.page.getByRole('button', { name: 'Camera' }))).toBe(true);
    // The details are one tap away.
    await crew.byTestId('online-indicator').click();
    await crew.page.waitForURL(`${relay.url}/sync`);
    await crew.setOffline(false);
    await crew.waitOnline(true);
    await crew.byTestId('pending-count').waitFor({ state: 'hidden', timeout: 30_000 });
  });

  it("names the crew member on the supervisor's device offline, also before the site document is back, and once it arrives", async () => {
    await supervisor.go(`/r/${receiptId}`);
    const byLine = supervisor.page.locator('[data-testid="line"] .by');
    await expect.poll(() => byLine.first().textContent(), { timeout: 30_000 }).toContain('Casey Crew');
    const caseyId = await relay.userId(caseyUser);

    /** Reloads with no network after dropping the device's copy of the site document (and the names cache too, when asked). */
    async function reloadWithoutSite(dropCache: boolean): Promise<string[]> {
      await supervisor.setOffline(true);
      await supervisor.page.evaluate((drop) => {
        // Runs once this page lets go of the database, before the reloaded page opens it again.
        indexedDB.deleteDatabase('site:main');
        if (drop) localStorage.removeItem('tally.names.main');
      }, dropCache);
      await supervisor.page.reload();
      await supervisor.byTestId('line').first().waitFor({ timeout: 30_000 });
      await supervisor.waitOnline(false);
      return byLine.allTextContents();
    }

    // The names kept on the device name everyone at once, with no site document.
    const cached = await reloadWithoutSite(false);
    await supervisor.snap('phone-names-after-reload');
    expect(cached.length).toBeGreaterThanOrEqual(3);
    for (const text of cached) expect(text).toMatch(/^Casey Crew · /);

    // With nothing on the device, the id stands in until the site document arrives, then the name replaces it.
    const bare = await reloadWithoutSite(true);
    for (const text of bare) expect(text).toMatch(new RegExp(`^${caseyId} · `));
    await supervisor.setOffline(false);
    await supervisor.waitOnline(true);
    await expect.poll(async () => (await byLine.allTextContents()).every((t) => t.startsWith('Casey Crew · ')), { timeout: 30_000 }).toBe(true);
    await supervisor.page.setViewportSize(PHONE);
  });
});
