/**
 * The crew app end to end: the built app served by a real relay process
 * (`relay/main.ts` on its own LevelDB), Debian's Chromium, one browser
 * context per device. A supervisor, two crew members and an auditor sign in
 * with links; the relay is stopped and the crews' devices go offline; they
 * receive 50 and 30 of one item, reload with no network, and the app still
 * opens with their lines; once the relay is back every device shows 80 and
 * the relay holds exactly two lines. Then two offline status proposals
 * disagree, the supervisor settles the conflict and every device shows it,
 * and the auditor reads the history without any way to change it.
 *
 * The tests share one relay and the devices, in order: each builds on the
 * state the previous one left (as a shift does). Screenshots of each main
 * screen, at phone and tablet size, go to test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright';
import { AppRelay, type AppUser } from './support/appRelay';
import { Device, launchChromium, PHONE, snapPage } from './support/devices';

const BARCODE = '4006381333931';
const SKU = 'SKU-1';

describe('the crew app with a real relay', () => {
  let relay: AppRelay;
  let browser: Browser;
  const users: Record<'sam' | 'ana' | 'ben' | 'alex', AppUser> = {} as never;
  let supervisor: Device;
  let crewA: Device;
  let crewB: Device;
  let auditor: Device;
  let receiptId = '';

  const devices = () => [supervisor, crewA, crewB, auditor].filter(Boolean);

  beforeAll(async () => {
    relay = await AppRelay.create();
    users.sam = await relay.addUser('Sam Supervisor', 'supervisor');
    users.ana = await relay.addUser('Ana Ruiz', 'crew');
    users.ben = await relay.addUser('Ben Okafor', 'crew');
    users.alex = await relay.addUser('Alex Auditor', 'auditor');
    await relay.start();
    browser = await launchChromium();
  });

  afterAll(async () => {
    const errors = devices().flatMap((d) => d.errors);
    await browser?.close();
    await relay?.destroy();
    expect(errors).toEqual([]);
  });

  /** Waits until every change made on `device` is acknowledged by the relay. */
  async function allOnRelay(device: Device): Promise<void> {
    await device.waitOnline(true);
    await device.byTestId('pending-count').waitFor({ state: 'hidden', timeout: 30_000 });
  }

  it('signs devices in by link; a supervisor sets up items and bins; crews fetch the working set', async () => {
    const stranger = await browser.newContext({ viewport: PHONE });
    const signIn = await stranger.newPage();
    await signIn.goto(relay.url);
    await signIn.getByText('This device is not signed in.').waitFor();
    await snapPage(signIn, 'sign-in');
    await stranger.close();

    supervisor = await Device.enrol(browser, relay.url, users.sam, 'supervisor');
    await supervisor.go('/setup');
    for (const [barcode, sku, description] of [
      [BARCODE, SKU, 'Hex bolt M8 x 40, zinc'],
      ['5012345678900', 'SKU-2', 'Washer M8, steel'],
    ]) {
      await supervisor.page.getByLabel('Barcode').fill(barcode as string);
      await supervisor.page.getByLabel('SKU').fill(sku as string);
      await supervisor.page.getByLabel('Description').fill(description as string);
      await supervisor.byTestId('add-item').click();
    }
    for (const bin of ['A-01-1', 'A-01-2']) {
      await supervisor.page.getByLabel('Bin code').fill(bin);
      await supervisor.byTestId('add-bin').click();
    }
    await allOnRelay(supervisor);
    await supervisor.snap('site-setup');

    crewA = await Device.enrol(browser, relay.url, users.ana, 'crew A');
    crewB = await Device.enrol(browser, relay.url, users.ben, 'crew B');
    auditor = await Device.enrol(browser, relay.url, users.alex, 'auditor');
    for (const device of [crewA, crewB, auditor]) {
      await device.byTestId('start-shift').click();
      await device.byTestId('shift-ready').waitFor({ timeout: 30_000 });
      expect(await device.byTestId('shift-ready').textContent()).toContain('2 items and 2 bins');
    }
    await crewA.snap('shift-start');
  });

  it('two operators receive 50 and 30 offline, reload with no network, and end with 80 everywhere and two lines on the relay', async () => {
    // Crew A opens a receipt while online; crew B picks it up from the record list.
    await crewA.go('/new/receipt');
    await crewA.page.getByLabel('Supplier').fill('ACME Fasteners');
    await crewA.page.getByLabel('PO number').fill('4711');
    await crewA.page.getByLabel('Dock').fill('3');
    await crewA.byTestId('create-record').click();
    receiptId = (await crewA.byTestId('record-id').textContent()) ?? '';
    expect(receiptId).toMatch(/^R-/);
    await allOnRelay(crewA);

    await crewB.go('/');
    await crewB.page.locator(`[data-testid="record-row"][data-record-id="${receiptId}"]`).click({ timeout: 30_000 });
    await crewB.byTestId('scan-field').waitFor();
    await allOnRelay(crewB);

    // The dead zone: the relay goes away and both devices lose the network.
    await relay.stop();
    for (const crew of [crewA, crewB]) {
      await crew.setOffline(true);
      await crew.waitOnline(false);
    }

    for (const [crew, qty] of [[crewA, '50'], [crewB, '30']] as const) {
      await crew.byTestId('qty').fill(qty);
      await crew.byTestId('scan-field').fill(BARCODE);
      await crew.byTestId('scan-field').press('Enter');
      await expect.poll(() => crew.totalOf(SKU)).toBe(qty);
      await expect.poll(() => crew.syncLabels()).toContain('deviceOnly');
    }
    // The scan field is ready for the next scan without a tap.
    expect(await crewA.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('scan-field');

    // Reload with no network: the service worker opens the app, IndexedDB holds the lines.
    for (const [crew, qty] of [[crewA, '50'], [crewB, '30']] as const) {
      await crew.page.reload();
      await crew.byTestId('scan-field').waitFor();
      await expect.poll(() => crew.totalOf(SKU)).toBe(qty);
      await crew.waitOnline(false);
    }
    await crewA.snap('receipt-offline');

    // Shift handover while offline: exactly what is pending, and sign-out needs a confirmation.
    await crewA.go('/handover');
    await crewA.byTestId('handover-pending').waitFor();
    expect(await crewA.byTestId('pending-doc').allTextContents()).toEqual([expect.stringContaining(receiptId)]);
    expect(await crewA.byTestId('sign-out').isDisabled()).toBe(true);
    await crewA.byTestId('confirm-sign-out').check();
    expect(await crewA.byTestId('sign-out').isEnabled()).toBe(true);
    await crewA.byTestId('confirm-sign-out').uncheck();
    await crewA.snap('handover-pending');
    await crewA.go('/sync');
    await crewA.snap('sync-offline');

    // The relay comes back, then the network.
    await relay.start();
    for (const crew of [crewA, crewB]) await crew.setOffline(false);
    await crewA.go(`/r/${receiptId}`);
    for (const crew of [crewA, crewB]) {
      await expect.poll(() => crew.totalOf(SKU), { timeout: 30_000 }).toBe('80');
      await expect.poll(() => crew.syncLabels(), { timeout: 30_000 }).toEqual(['onRelay']);
    }
    await crewA.snap('receipt');

    const onRelay = await relay.readRecord(`record:${receiptId}`, users.alex);
    const lines = onRelay.entries.filter((e) => e.kind === 'line');
    expect(lines.map((l) => (l.kind === 'line' ? l.qty : 0)).sort()).toEqual([30, 50]);
    expect(new Set(lines.map((l) => l.device)).size).toBe(2);

    await crewA.go('/handover');
    await crewA.byTestId('push-all').click();
    await crewA.byTestId('handover-clear').waitFor({ timeout: 30_000 });
    await crewA.byTestId('push-result').filter({ hasText: 'acknowledged everything' }).waitFor();
    await crewA.snap('handover-clear');
    await crewA.go('/sync');
    await crewA.snap('sync');
    await crewA.go('/');
    await crewA.snap('records');
  });

  it('conflicting status proposals made offline reach the supervisor, whose decision every device shows', async () => {
    for (const crew of [crewA, crewB]) await crew.go(`/r/${receiptId}`);
    await relay.stop();
    for (const crew of [crewA, crewB]) {
      await crew.setOffline(true);
      await crew.waitOnline(false);
    }
    await crewA.byTestId('propose-received').click();
    await crewB.byTestId('propose-rejected').click();
    for (const crew of [crewA, crewB]) await crew.byTestId('proposal-waiting').waitFor();

    await relay.start();
    for (const crew of [crewA, crewB]) await crew.setOffline(false);
    for (const crew of [crewA, crewB]) await allOnRelay(crew);

    // The supervisor's device reconnects when asked ("Sync now") and sees one conflict with both candidates.
    await supervisor.go('/sync');
    await supervisor.byTestId('sync-now').click();
    await supervisor.waitOnline(true);
    await supervisor.go('/conflicts');
    const card = supervisor.page.locator(`[data-record-id="${receiptId}"] [data-testid="conflict-card"]`);
    await card.waitFor({ timeout: 30_000 }).catch(async (err: Error) => {
      const held = await relay.readRecord(`record:${receiptId}`, users.alex);
      throw new Error(`${err.message}\nthe relay's review map: ${JSON.stringify(held.review?.conflicts)}`);
    });
    expect((await card.getByTestId('candidate').evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.value))).sort()).toEqual([
      'received',
      'rejected',
    ]);
    await expect.poll(() => supervisor.byTestId('badge-conflicts').textContent()).toBe('1');
    await supervisor.snap('conflicts');
    await card.getByRole('button', { name: 'Choose received' }).click();
    await supervisor.byTestId('no-conflicts').waitFor({ timeout: 30_000 });

    // Every device shows the decision.
    await auditor.go(`/r/${receiptId}`);
    await supervisor.go(`/r/${receiptId}`);
    for (const device of devices()) {
      await expect.poll(() => device.byTestId('status-value').textContent(), { timeout: 30_000 }).toBe('Received');
      expect(await device.byTestId('status-conflict').count()).toBe(0);
    }

    // Crew B learns what became of its proposal: a badge, then the outcome.
    await crewB.byTestId('badge-proposals').waitFor({ timeout: 30_000 });
    await crewB.go('/proposals');
    const mine = crewB.byTestId('my-proposal');
    await expect.poll(() => mine.getByTestId('outcome').textContent()).toMatch(/^Resolved by Sam Supervisor: set to received/);
    await mine.getByTestId('new-badge').waitFor();
    await crewB.byTestId('badge-proposals').waitFor({ state: 'hidden' });
    await crewB.snap('my-proposals');
    await crewA.go('/proposals');
    await expect.poll(() => crewA.byTestId('my-proposal').getByTestId('outcome').textContent()).toMatch(/your value was chosen|Applied/);
  });

  it('an auditor reads the merged history and has no way to change anything', async () => {
    await auditor.go(`/r/${receiptId}`);
    await auditor.byTestId('status-value').waitFor();
    expect(await auditor.byTestId('scan-field').count()).toBe(0);
    expect(await auditor.page.locator('[data-testid^="propose-"]').count()).toBe(0);
    expect(await auditor.page.getByRole('button', { name: /Reverse/ }).count()).toBe(0);
    expect(await auditor.page.locator('#field-supplier').getAttribute('readonly')).not.toBeNull();
    await auditor.snap('receipt-auditor');

    await auditor.go('/history');
    await auditor.page.locator(`[data-testid="history-record"][data-record-id="${receiptId}"]`).click();
    await auditor.byTestId('history-item').first().waitFor();
    const kinds = await auditor.byTestId('history-item').evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.kind));
    expect(kinds.filter((k) => k === 'line')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'proposal')).toHaveLength(2);
    expect(kinds).toContain('resolution');
    expect(kinds).toContain('fieldEdit');
    expect(kinds.some((k) => k === 'conflict' || k === 'opened')).toBe(true);
    const text = (await auditor.byTestId('history').textContent()) ?? '';
    expect(text).toContain('Ana Ruiz');
    expect(text).toContain('Ben Okafor');
    expect(text).toContain('Received 50 × SKU-1');
    await auditor.snap('history');

    await auditor.go('/');
    await auditor.byTestId('record-row').first().waitFor();
    expect(await auditor.byTestId('new-receipt').count()).toBe(0);
    await auditor.go('/conflicts');
    await auditor.page.getByText('Not here').waitFor();
    // Nothing the auditor's device did is waiting for the relay: it wrote nothing.
    await auditor.go('/sync');
    await expect.poll(() => auditor.byTestId('device-only-count').textContent()).toBe('0');
  });

  it('two counters who disagree see a discrepancy, ask for a recount, and the supervisor decides the bin on the sheet', async () => {
    await crewA.go('/new/count');
    await crewA.page.getByLabel('Zone').fill('A');
    await crewA.byTestId('create-record').click();
    const countId = (await crewA.byTestId('record-id').textContent()) ?? '';
    await allOnRelay(crewA);
    await crewB.go('/');
    await crewB.page.locator(`[data-testid="record-row"][data-record-id="${countId}"]`).click({ timeout: 30_000 });

    for (const [crew, qty] of [[crewA, '10'], [crewB, '12']] as const) {
      await crew.page.locator('#scan-bin').fill('A-01-1');
      await crew.page.locator('#scan-bin').press('Enter');
      await crew.page.locator('#scan-item').fill(BARCODE);
      await crew.page.locator('#scan-item').press('Enter');
      await crew.byTestId('count-qty').fill(qty);
      await crew.byTestId('record-count').click();
    }
    for (const crew of [crewA, crewB]) {
      await crew.byTestId('discrepancy-count').waitFor({ timeout: 30_000 });
    }
    await crewB.byTestId('request-recount').click();
    await crewB.page.getByRole('button', { name: 'Ask for recount' }).click();
    await crewA.page.locator('[data-testid="count-row"]').getByText('Recount requested').waitFor({ timeout: 30_000 });
    await crewB.snap('count-sheet');

    // The supervisor decides on the sheet itself, even though the recount request left no current counts.
    await supervisor.go('/');
    await supervisor.page.locator(`[data-testid="record-row"][data-record-id="${countId}"]`).click({ timeout: 30_000 });
    await supervisor.page.getByRole('button', { name: 'Accept 12' }).click({ timeout: 30_000 });
    for (const device of [supervisor, crewA, crewB]) {
      const row = device.byTestId('count-row');
      await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('decided');
      expect(await row.getByTestId('count-decided').textContent()).toContain('Decided: 12');
      expect(await row.getByText('Recount requested').count()).toBe(0);
      expect(await device.byTestId('discrepancy-count').count()).toBe(0);
    }
    await crewA.go('/storage');
    await crewA.byTestId('storage-used').waitFor();
    await crewA.snap('storage');
    await supervisor.go('/more');
    await supervisor.snap('more');
  });
});
