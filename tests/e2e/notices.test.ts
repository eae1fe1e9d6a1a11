/**
 * The priority channel end to end (issue 16): the built app served by a real
 * relay process, Debian's Chromium, five browser contexts. A supervisor
 * places a quality hold; two crews see the banner at once; a third crew
 * that was offline during the post sees it as soon as it reconnects.
 * Scanning the held lot into a receipt warns and asks; the line recorded
 * anyway is flagged on the record, in its History and in the records list.
 * The crews' "I have read this" shows in the supervisor's read-by list, with
 * the devices that have not read it. In a background tab a new alert is a
 * system notification from the service worker until it is read. The release
 * is told to every device and unflags the line. An auditor can issue nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright';
import { AppRelay, type AppUser } from './support/appRelay';
import { Device, launchChromium } from './support/devices';

const BARCODE = '4006381333931';
const SKU = 'X-100';
const LOT = 'L-7';

describe('notices: a quality hold reaches every device, acts on the work and is read', () => {
  let relay: AppRelay;
  let browser: Browser;
  const users: Record<'sam' | 'ana' | 'ben' | 'cat' | 'alex', AppUser> = {} as never;
  let supervisor: Device;
  let ana: Device;
  let ben: Device;
  let cat: Device;
  let auditor: Device;
  let receiptId = '';

  const devices = () => [supervisor, ana, ben, cat, auditor].filter(Boolean);
  const banner = (d: Device) => d.byTestId('notice-banner');

  beforeAll(async () => {
    relay = await AppRelay.create();
    users.sam = await relay.addUser('Sam Supervisor', 'supervisor');
    users.ana = await relay.addUser('Ana Ruiz', 'crew');
    users.ben = await relay.addUser('Ben Okafor', 'crew');
    users.cat = await relay.addUser('Cat Lee', 'crew');
    users.alex = await relay.addUser('Alex Auditor', 'auditor');
    await relay.start();
    await relay.seedSite(users.sam, [{ barcode: BARCODE, sku: SKU, description: 'Hex bolt M8', uom: 'EA' }], ['A-1']);
    browser = await launchChromium();
    [supervisor, ana, ben, cat, auditor] = await Promise.all([
      Device.enrol(browser, relay.url, users.sam, 'supervisor'),
      Device.enrol(browser, relay.url, users.ana, 'crew Ana'),
      Device.enrol(browser, relay.url, users.ben, 'crew Ben'),
      Device.enrol(browser, relay.url, users.cat, 'crew Cat'),
      Device.enrol(browser, relay.url, users.alex, 'auditor'),
    ]);
    for (const d of devices()) {
      await d.go('/');
      await d.waitOnline(true);
    }
  });

  afterAll(async () => {
    const errors = devices().flatMap((d) => d.errors);
    await browser?.close();
    await relay?.destroy();
    expect(errors).toEqual([]);
  });

  it('a hold placed by the supervisor shows on two crews at once, and on a third as soon as it reconnects', async () => {
    // Cat is in the dead zone while the hold is placed: the app reopens with no network.
    await cat.setOffline(true);
    await cat.page.reload();
    await cat.waitOnline(false);

    await supervisor.go('/notices');
    await supervisor.byTestId('hold-item').fill(SKU);
    await supervisor.byTestId('hold-lot').fill(LOT);
    await supervisor.byTestId('hold-reason').fill('Supplier recall: cracked heads');
    await supervisor.byTestId('hold-send').click();
    await expect.poll(() => supervisor.byTestId('notice-message').textContent(), { timeout: 15_000 }).toBe('Sent to every device.');
    // The issuer is not asked to read their own notice; the hold is in force on their device.
    await supervisor.byTestId('hold').waitFor({ timeout: 15_000 });
    expect(await banner(supervisor).count()).toBe(0);

    for (const crew of [ana, ben]) {
      await banner(crew).waitFor({ timeout: 15_000 });
      expect(await banner(crew).getAttribute('data-tone')).toBe('hold');
      expect(await crew.byTestId('notice-title').textContent()).toBe(`Quality hold: ${SKU} lot ${LOT}`);
      expect(await crew.byTestId('notice-text').textContent()).toBe('Supplier recall: cracked heads');
    }
    expect(await banner(cat).count()).toBe(0);
    await ana.snap('notice-banner');

    await cat.setOffline(false);
    await banner(cat).waitFor({ timeout: 45_000 });
    expect(await cat.byTestId('notice-title').textContent()).toBe(`Quality hold: ${SKU} lot ${LOT}`);
    // The hold is kept on the device: Cat's Notices screen lists it, "as of" the last contact.
    await cat.go('/notices');
    await cat.byTestId('hold').waitFor();
    expect(await cat.byTestId('holds-as-of').textContent()).toMatch(/^Holds as of \d/);

    // Back in the dead zone, after a reload with no network: the hold and the unread banner are still there (IndexedDB).
    await cat.setOffline(true);
    await cat.page.reload();
    await cat.waitOnline(false);
    await cat.byTestId('hold').waitFor({ timeout: 15_000 });
    expect(await cat.byTestId('holds-as-of').textContent()).toContain('newer holds reach this device when it reconnects');
    expect(await cat.byTestId('notice-title').textContent()).toBe(`Quality hold: ${SKU} lot ${LOT}`);
    await cat.setOffline(false);
    await cat.waitOnline(true, 45_000);
  });

  it('scanning the held lot into a receipt warns and asks; the line recorded anyway is flagged on the record, in History and in the list', async () => {
    await ana.go('/new/receipt');
    await ana.page.getByLabel('Supplier').fill('ACME Fasteners');
    await ana.byTestId('create-record').click();
    receiptId = (await ana.byTestId('record-id').textContent()) ?? '';
    expect(receiptId).toMatch(/^R-/);

    await ana.byTestId('qty').fill('5');
    await ana.byTestId('lot').fill(LOT);
    await ana.byTestId('scan-field').fill(BARCODE);
    await ana.byTestId('scan-field').press('Enter');
    const warning = ana.byTestId('held-warning');
    await warning.waitFor();
    expect(await warning.textContent()).toContain(`On quality hold: ${SKU} lot ${LOT}`);
    // Nothing is recorded until the user chooses; "Do not record" has the focus, so a stray Enter records nothing.
    expect(await ana.totalOf(SKU)).toBeNull();
    expect(await ana.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('held-cancel');
    await ana.snap('held-scan');
    await ana.byTestId('held-confirm').click();
    await expect.poll(() => ana.totalOf(SKU)).toBe('5');
    const line = ana.page.locator('[data-testid="line"][data-held="true"]');
    await line.waitFor();
    expect(await line.getByTestId('line-held').textContent()).toBe(`On hold: ${SKU} lot ${LOT}`);

    // Another lot of the same item goes in without a question and without a flag.
    await ana.byTestId('lot').fill('L-8');
    await ana.byTestId('scan-field').fill(BARCODE);
    await ana.byTestId('scan-field').press('Enter');
    await expect.poll(() => ana.totalOf(SKU)).toBe('6');
    expect(await ana.byTestId('held-warning').count()).toBe(0);
    expect(await ana.page.locator('[data-testid="line"][data-held="true"]').count()).toBe(1);

    await ana.go(`/r/${receiptId}/history`);
    await expect.poll(() => ana.byTestId('history-held').count(), { timeout: 15_000 }).toBe(1);
    await ana.go('/');
    await ana.page.locator(`[data-testid="record-row"][data-record-id="${receiptId}"] [data-testid="record-held-lot"]`).waitFor({ timeout: 15_000 });
  });

  it('the crews\' acknowledgements appear in the supervisor\'s read-by list, with who has not read it', async () => {
    for (const crew of [ana, ben]) {
      await crew.byTestId('notice-read').click();
      await banner(crew).waitFor({ state: 'detached' });
    }
    await supervisor.go('/notices');
    // The newest notices' read-by lists load with the screen.
    const item = supervisor.page.locator('[data-testid="notice-item"]').first();
    await item.getByTestId('reads').waitFor({ timeout: 15_000 });
    await expect
      .poll(
        async () => {
          await item.getByRole('button', { name: 'Refresh', exact: true }).click();
          // The list shown stays up while it is refreshed; read it once the new one is in.
          await item.locator('[data-testid="reads"][aria-busy="false"]').waitFor();
          return (await item.getByTestId('read-by').allTextContents()).map((t) => t.split(' on ')[0]).sort();
        },
        { timeout: 20_000 },
      )
      .toEqual(['Ana Ruiz', 'Ben Okafor']);
    await supervisor.snap('notices-read-by');
    const pending = await item.getByTestId('pending-read').allTextContents();
    const of = (name: string) => pending.filter((p) => p.startsWith(name));
    expect(pending.some((p) => p.startsWith('Ana Ruiz') || p.startsWith('Ben Okafor'))).toBe(false);
    // Cat's device received it when it reconnected, the auditor's at once: received, not read, connected now.
    for (const name of ['Cat Lee', 'Alex Auditor']) expect(of(name)).toEqual([expect.stringMatching(new RegExp(`^${name} on [0-9a-f-]+ · received, not read · connected now$`))]);
    // The only device that has not even received it is the seeding script's, which Sam used once before the hold.
    expect(pending.filter((p) => p.includes('not even received'))).toEqual([expect.stringMatching(/^Sam Supervisor \(you\) on e2e-seeder · not even received · last contact /)]);
  });

  it('an auditor sees the notices but cannot issue anything, through the app or the API', async () => {
    await auditor.go('/notices');
    await auditor.byTestId('hold').waitFor({ timeout: 15_000 });
    expect(await auditor.byTestId('alert-send').count()).toBe(0);
    expect(await auditor.byTestId('hold-send').count()).toBe(0);
    expect(await auditor.byTestId('release').count()).toBe(0);
    const statuses = await auditor.page.evaluate(async () => {
      const { token } = JSON.parse(localStorage.getItem('tally.session') ?? '{}') as { token?: string };
      const post = (body: unknown) => fetch('/api/notices', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(body) }).then((r) => r.status);
      const statuses = [await post({ kind: 'safety', severity: 'danger', text: 'fake alarm' }), await post({ kind: 'hold', item: 'X-100', lot: 'L-9', text: 'x' }), await post({ kind: 'release', hold: 1, text: 'x' })];
      const listed = (await (await fetch('/api/notices?since=0', { headers: { authorization: `Bearer ${token}` } })).json()) as { notices: unknown[] };
      return [...statuses, listed.notices.length];
    });
    expect(statuses).toEqual([403, 403, 403, 1]);
    // No notice came of it: the crews' banners stay clear.
    await ana.go('/notices');
    await ana.byTestId('hold').waitFor({ timeout: 15_000 });
    await expect.poll(() => ana.page.locator('[data-testid="notice-item"]').count()).toBe(1);
  });

  it('in a background tab a new alert is a system notification from the service worker, gone once read', async () => {
    await ben.context.grantPermissions(['notifications'], { origin: relay.url });
    // The tab goes to the background as far as the page can tell.
    await ben.page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    const shown = () =>
      ben.page.evaluate(async () => {
        const registration = await navigator.serviceWorker.getRegistration();
        return ((await registration?.getNotifications()) ?? []).map((n) => `${n.tag}: ${n.title}: ${n.body}`);
      });
    await supervisor.go('/notices');
    await supervisor.byTestId('alert-text').fill('Forklift down at dock 2');
    await supervisor.byTestId('alert-severity').selectOption('danger');
    await supervisor.byTestId('alert-zone').fill('dock 2');
    await supervisor.byTestId('alert-send').click();
    await expect.poll(shown, { timeout: 15_000 }).toEqual([expect.stringMatching(/^tally-notice-\d+: Danger · dock 2: Forklift down at dock 2 \(Sam Supervisor\)$/)]);
    await ben.page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    expect(await banner(ben).getAttribute('data-tone')).toBe('danger');
    await ben.byTestId('notice-read').click();
    await expect.poll(shown, { timeout: 15_000 }).toEqual([]);
    for (const d of [ana, cat, auditor]) {
      await banner(d).waitFor({ timeout: 15_000 });
      await d.byTestId('notice-read').click();
    }
  });

  it('the supervisor releases the hold: crews are told, and the line is no longer flagged', async () => {
    await supervisor.go('/notices');
    await supervisor.byTestId('release').click();
    await supervisor.byTestId('release-text').fill('Tested fine');
    await supervisor.byTestId('release-confirm').click();
    await supervisor.byTestId('no-holds').waitFor({ timeout: 15_000 });
    await banner(ben).waitFor({ timeout: 15_000 });
    expect(await banner(ben).getAttribute('data-tone')).toBe('release');
    expect(await ben.byTestId('notice-title').textContent()).toBe(`Hold released: ${SKU} lot ${LOT}`);
    await ana.go(`/r/${receiptId}`);
    await banner(ana).waitFor({ timeout: 15_000 });
    await expect.poll(() => ana.totalOf(SKU)).toBe('6');
    await expect.poll(() => ana.page.locator('[data-testid="line"][data-held="true"]').count(), { timeout: 15_000 }).toBe(0);
  });
});
