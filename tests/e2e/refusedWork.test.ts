/**
 * Work the relay refuses, end to end: the built app served by a real relay
 * process, Debian's Chromium. A crew member receives lines offline while site
 * IT makes them an auditor (`npm run users -- role`); back online the relay
 * refuses the device's change ("auditor may not write"). The record shows
 * the relay's copy, a notice says what was refused and why, Export downloads
 * the lines as JSON, the notice survives a reload, and Discard asks first.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright';
import { AppRelay, type AppUser } from './support/appRelay';
import { Device, launchChromium } from './support/devices';

const BARCODE = '4006381333931';
const SKU = 'SKU-1';

describe('work the relay refuses', () => {
  let relay: AppRelay;
  let browser: Browser;
  let crewUser: AppUser;
  let crew: Device;

  beforeAll(async () => {
    relay = await AppRelay.create();
    const supervisor = await relay.addUser('Sam Supervisor', 'supervisor');
    crewUser = await relay.addUser('Ana Ruiz', 'crew');
    await relay.start();
    await relay.seedSite(supervisor, [{ barcode: BARCODE, sku: SKU, description: 'Hex bolt M8 x 40, zinc', uom: 'EA' }], ['A-01-1']);
    browser = await launchChromium();
  });

  afterAll(async () => {
    const errors = crew?.errors ?? [];
    await browser?.close();
    await relay?.destroy();
    expect(errors).toEqual([]);
  });

  async function receive(qty: string): Promise<void> {
    await crew.byTestId('qty').fill(qty);
    await crew.byTestId('scan-field').fill(BARCODE);
    await crew.byTestId('scan-field').press('Enter');
  }

  it('a crew made auditor while offline: the refused lines are set aside, shown, exportable, kept across a reload, discarded after a confirmation', async () => {
    crew = await Device.enrol(browser, relay.url, crewUser, 'crew');
    await crew.byTestId('start-shift').click();
    await crew.byTestId('shift-ready').waitFor({ timeout: 30_000 });
    await crew.go('/new/receipt');
    await crew.page.getByLabel('Supplier').fill('ACME Fasteners');
    await crew.byTestId('create-record').click();
    const receiptId = (await crew.byTestId('record-id').textContent()) ?? '';
    expect(receiptId).toMatch(/^R-/);
    await expect.poll(() => crew.syncLabels(), { timeout: 30_000 }).toEqual(['onRelay']);

    // Offline, the crew receives two lines; meanwhile site IT makes Ana an auditor.
    await relay.stop();
    await crew.setOffline(true);
    await crew.waitOnline(false);
    await receive('12');
    await receive('8');
    await expect.poll(() => crew.totalOf(SKU)).toBe('20');
    await relay.setRole('Ana Ruiz', 'auditor');
    await relay.start();
    await crew.setOffline(false);

    // The relay refuses the change; the record shows the relay's copy, and the notice says why.
    const notice = crew.byTestId('refused-notice');
    await notice.waitFor({ timeout: 30_000 });
    await expect
      .poll(() => crew.byTestId('refused-text').textContent(), { timeout: 30_000 })
      .toBe('2 changes to this record were refused by the relay: permission denied: auditor may not write. 0 entries were recorded again; 2 could not be.');
    await expect.poll(() => crew.totalOf(SKU), { timeout: 30_000 }).toBeNull();
    await expect.poll(() => crew.syncLabels(), { timeout: 30_000 }).toEqual(['onRelay']);
    const held = await relay.readRecord(`record:${receiptId}`, crewUser);
    expect(held.entries.filter((e) => e.kind === 'line')).toEqual([]);
    await notice.locator('summary').click();
    expect(await crew.byTestId('refused-entry').allTextContents()).toEqual([
      expect.stringMatching(/^line: 12 x SKU-1 · not recorded again: your role \(auditor\) may not write$/),
      expect.stringMatching(/^line: 8 x SKU-1 · not recorded again/),
    ]);
    await crew.snap('refused-notice');

    // Export: a JSON file with the document, the reason, the lines and the raw state.
    const [download] = await Promise.all([crew.page.waitForEvent('download'), crew.byTestId('refused-export').click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^tally-refused-${receiptId}-.*\\.json$`));
    const exported = JSON.parse(await readFile((await download.path()) as string, 'utf8')) as {
      document: string;
      reason: string;
      refusedAt: string;
      entries: Array<{ kind: string; qty?: number; item?: string }>;
      state: { encoding: string; yjsUpdate: string };
    };
    expect(exported.document).toBe(`record:${receiptId}`);
    expect(exported.reason).toBe('auditor may not write');
    expect(Date.parse(exported.refusedAt)).not.toBeNaN();
    expect(exported.entries.map((e) => [e.kind, e.item, e.qty])).toEqual([
      ['line', SKU, 12],
      ['line', SKU, 8],
    ]);
    expect(exported.state.encoding).toBe('base64');
    expect(Buffer.from(exported.state.yjsUpdate, 'base64').length).toBeGreaterThan(0);

    // Kept across a reload, on the record and on the Sync status screen.
    await crew.page.reload();
    await crew.byTestId('refused-notice').waitFor({ timeout: 30_000 });
    await crew.go('/sync');
    await crew.byTestId('refused-notice').waitFor();
    expect(await crew.byTestId('refused-count').textContent()).toBe('1');
    await crew.go(`/r/${receiptId}`);

    // Discard asks first; keeping it changes nothing, confirming removes the notice for good.
    await crew.byTestId('refused-discard').click();
    const dialog = crew.byTestId('refused-discard-dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('2 refused entries were not recorded again');
    await crew.byTestId('refused-discard-cancel').click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await crew.byTestId('refused-notice').count()).toBe(1);
    await crew.byTestId('refused-discard').click();
    await crew.byTestId('refused-discard-confirm').click();
    await crew.byTestId('refused-notice').waitFor({ state: 'detached' });
    await crew.page.reload();
    await crew.byTestId('record-id').waitFor({ timeout: 30_000 });
    expect(await crew.byTestId('refused-notice').count()).toBe(0);
  });
});
