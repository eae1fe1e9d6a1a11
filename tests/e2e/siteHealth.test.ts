/**
 * The Site health page end to end: the built app served by a real relay
 * process, Debian's Chromium, one browser context per device. A crew member
 * signs in and records a receipt; the admin's Site health page shows that
 * device connected, with its user and the work it reports waiting, refreshes
 * on its own (while the relay's acks to the crew are held back on the way by
 * Playwright's WebSocket routing, it shows the changes waiting), and pulls
 * the device's send log over its socket: the attempts read "acknowledged". Then the crew records a receipt offline while
 * site IT makes them an auditor: back online the relay refuses it, and the
 * admin reads the refusal in the device's pulled log and in the relay's
 * recent refusals, with the code and the reason. Once the crew's device is
 * gone, the page lists it as not connected, with when it was last seen and
 * the work it last reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright';
import { AppRelay, type AppUser } from './support/appRelay';
import path from 'node:path';
import { Device, launchChromium, PHONE, SCREENSHOTS } from './support/devices';
import { readMuxFrame } from '../../shared/protocol/muxMessages';

describe('site health', () => {
  let relay: AppRelay;
  let browser: Browser;
  let admin: Device;
  let crew: Device;
  let adminUser: AppUser;
  let crewUser: AppUser;

  beforeAll(async () => {
    relay = await AppRelay.create();
    adminUser = await relay.addUser('Ada Admin', 'admin');
    crewUser = await relay.addUser('Ana Ruiz', 'crew');
    await relay.start();
    browser = await launchChromium();
  });

  afterAll(async () => {
    const errors = [admin, crew].filter(Boolean).flatMap((d) => d.errors);
    await browser?.close();
    await relay?.destroy();
    expect(errors).toEqual([]);
  });

  it('an admin sees a crew device connected with its pending count, pulls its send log and reads the acknowledged attempts', async () => {
    // The crew's socket runs through Playwright, which can hold the relay's acks back on the way.
    const crewContext = await browser.newContext({ viewport: PHONE, serviceWorkers: 'allow' });
    let holdAcks = false;
    const heldAcks: Array<() => void> = [];
    await crewContext.routeWebSocket(/\/mux/, (page) => {
      const server = page.connectToServer();
      server.onMessage((message) => {
        const isAck = typeof message !== 'string' && readMuxFrame(new Uint8Array(message)).type === 'ack';
        if (holdAcks && isAck) heldAcks.push(() => page.send(message));
        else page.send(message);
      });
    });
    crew = await Device.enrol(crewContext, relay.url, crewUser, 'crew');
    await crew.go('/more');
    const crewDevice = (await crew.byTestId('device-id').textContent())?.trim() ?? '';
    expect(crewDevice).not.toBe('');
    await crew.go('/new/receipt');
    await crew.page.getByLabel('Supplier').fill('ACME Fasteners');
    await crew.byTestId('create-record').click();
    await crew.byTestId('record-id').waitFor();
    await crew.waitOnline(true);
    await crew.byTestId('pending-count').waitFor({ state: 'hidden', timeout: 30_000 });

    admin = await Device.enrol(browser, relay.url, adminUser, 'admin');
    await admin.go('/more');
    await admin.byTestId('more-site-health').click();
    await admin.page.waitForURL(`${relay.url}/site-health`);
    await admin.byTestId('storage-state').waitFor({ timeout: 30_000 });
    expect(await admin.byTestId('storage-state').textContent()).toBe('working');
    expect(await admin.byTestId('free-disk').textContent()).toMatch(/free of/);

    const row = admin.page.locator(`[data-testid="health-device"][data-device="${crewDevice}"]`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain('Ana Ruiz (crew)');
    // The crew's heartbeat arrives and the page refreshes on its own: nothing is waiting on that device.
    await row.getByTestId('device-pending').waitFor({ timeout: 30_000 });
    await expect.poll(() => row.getByTestId('device-pending').textContent(), { timeout: 30_000 }).toBe('Work: nothing waiting: all on the relay.');
    expect(await row.getByTestId('device-sync-state').textContent()).toContain('syncing normally');
    await expect.poll(() => row.getByTestId('device-sendlog-summary').textContent(), { timeout: 30_000 }).toMatch(/Last hour: \d+ acknowledged/);

    // The crew records another receipt while the relay's acks are held back: connected, with work waiting.
    holdAcks = true;
    await crew.go('/new/receipt');
    await crew.page.getByLabel('Supplier').fill('Held Supplies');
    await crew.byTestId('create-record').click();
    await crew.byTestId('pending-count').waitFor({ timeout: 30_000 });
    await expect.poll(() => row.getByTestId('device-pending').textContent(), { timeout: 30_000 }).toMatch(/^Work: \d+ changes? waiting in 1 record\.$/);
    expect(await row.getByTestId('device-sendlog-summary').textContent()).toMatch(/\d+ waiting/);
    expect(await row.getByTestId('device-sendlog-summary').textContent()).toMatch(/Oldest unacknowledged: change \d+ of record:R-/);
    await admin.snap('site-health-waiting');
    holdAcks = false;
    for (const release of heldAcks.splice(0)) release();
    await crew.byTestId('pending-count').waitFor({ state: 'hidden', timeout: 30_000 });
    await expect.poll(() => row.getByTestId('device-pending').textContent(), { timeout: 30_000 }).toBe('Work: nothing waiting: all on the relay.');

    await row.getByTestId('pull-send-log').click();
    await row.getByTestId('pulled-log').waitFor({ timeout: 30_000 });
    const attempts = row.getByTestId('send-attempt');
    expect(await attempts.count()).toBeGreaterThan(0);
    const results = await attempts.evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.result));
    expect(results.every((r) => r === 'acked')).toBe(true);
    expect(await attempts.first().textContent()).toMatch(/change \d+ of record:R-.*acknowledged after/);
    await admin.snap('site-health');
    // The device's card with its pulled log, as the admin scrolls to it on a phone.
    await row.screenshot({ path: path.join(SCREENSHOTS, 'site-health-device-phone.png') });
  });

  it('is not offered to a crew member, and the relay refuses them the figures', async () => {
    await crew.go('/more');
    expect(await crew.byTestId('more-site-health').count()).toBe(0);
    await crew.go('/site-health');
    await crew.page.getByText('Not here').waitFor();
    const res = await fetch(`${relay.url}/api/admin/health`, { headers: { authorization: `Bearer ${crewUser.token}` } });
    expect(res.status).toBe(403);
  });

  it("shows a refused change in the device's pulled log and in the relay's recent refusals", async () => {
    await crew.go('/more');
    const crewDevice = (await crew.byTestId('device-id').textContent())?.trim() ?? '';
    await relay.stop();
    await crew.setOffline(true);
    await crew.waitOnline(false);
    await crew.go('/new/receipt');
    await crew.page.getByLabel('Supplier').fill('Offline Supplies');
    await crew.byTestId('create-record').click();
    const receiptId = (await crew.byTestId('record-id').textContent()) ?? '';
    await relay.setRole('Ana Ruiz', 'auditor');
    await relay.start();
    await crew.setOffline(false);
    await crew.byTestId('refused-notice').waitFor({ timeout: 30_000 });

    await admin.go('/site-health');
    const refusal = admin.byTestId('health-refusal').filter({ hasText: `record:${receiptId}` });
    await refusal.waitFor({ timeout: 30_000 });
    expect(await refusal.textContent()).toMatch(/Ana Ruiz on device .*: permission denied: auditor may not write \(code 3\)/);

    const row = admin.page.locator(`[data-testid="health-device"][data-device="${crewDevice}"]`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain('Ana Ruiz (auditor)');
    await expect.poll(() => row.getByTestId('device-sendlog-summary').textContent(), { timeout: 30_000 }).toMatch(/Last refusal: change \d+ of record:R-.*permission denied: auditor may not write \(code 3\)/);
    await row.getByTestId('pull-send-log').click();
    const refused = row.locator('[data-testid="send-attempt"][data-result="refused"]');
    await refused.first().waitFor({ timeout: 30_000 });
    expect(await refused.first().textContent()).toMatch(new RegExp(`of record:${receiptId} .*refused: permission denied: auditor may not write \\(code 3\\)`));
    expect(await row.locator('[data-testid="send-attempt"][data-result="acked"]').count()).toBeGreaterThan(0);
  });

  it('lists the device once it has gone, with its user, when it was last seen and the work it last reported', async () => {
    await crew.go('/more');
    const crewDevice = (await crew.byTestId('device-id').textContent())?.trim() ?? '';
    await crew.close();
    await admin.go('/site-health');
    const row = admin.page.locator(`[data-testid="absent-device"][data-device="${crewDevice}"]`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain('Ana Ruiz (auditor)');
    expect(await row.getByTestId('absent-last-contact').textContent()).toMatch(/^\s*Last seen (just now|\d+ s ago) \(relay clock/);
    expect(await row.getByTestId('device-pending').textContent()).toMatch(/^Work: /);
    expect(await admin.page.locator(`[data-testid="health-device"][data-device="${crewDevice}"]`).count()).toBe(0);
    await admin.snap('site-health-absent');
  });
});
