/**
 * A device's life beyond one page: the browser is closed and started again
 * while the relay is gone and the network is off, and the app still opens
 * with its records; and the camera reads a barcode with no network, looked
 * up in the item master that shift start put on the device; and only one
 * tab works at a time (the device's entry numbers stay unique). Real relay
 * process, Debian's Chromium, a fake camera showing an EAN-13 barcode.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppRelay, type AppUser } from './support/appRelay';
import { Device, launchChromium, launchProfile } from './support/devices';
import { writeBarcodeVideo } from './support/fakeCamera';

const BARCODE = '4006381333931';

describe('a device across browser restarts, with its camera, in one tab', () => {
  let relay: AppRelay;
  let dir: string;
  let crew: AppUser;

  beforeAll(async () => {
    relay = await AppRelay.create();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-e2e-device-'));
    const supervisor = await relay.addUser('Sam Supervisor', 'supervisor');
    crew = await relay.addUser('Ana Ruiz', 'crew');
    await relay.start();
    await relay.seedSite(supervisor, [{ barcode: BARCODE, sku: 'SKU-1', description: 'Hex bolt M8 x 40, zinc', uom: 'EA' }], ['A-01-1']);
  });

  afterAll(async () => {
    await relay?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function startReceipt(device: Device): Promise<string> {
    await device.byTestId('start-shift').click();
    await device.byTestId('shift-ready').waitFor({ timeout: 30_000 });
    await device.go('/new/receipt');
    await device.page.getByLabel('Supplier').fill('Nordic Steel');
    await device.byTestId('create-record').click();
    return (await device.byTestId('record-id').textContent()) ?? '';
  }

  it('opens with its records after the browser restarts, with the relay gone and no network', async () => {
    const profile = path.join(dir, 'profile');
    let context = await launchProfile(profile);
    const first = await Device.enrol(context, relay.url, crew, 'crew');
    const id = await startReceipt(first);
    await first.byTestId('qty').fill('12');
    await first.byTestId('scan-field').fill(BARCODE);
    await first.byTestId('scan-field').press('Enter');
    await expect.poll(() => first.totalOf('SKU-1')).toBe('12');
    expect(first.errors).toEqual([]);
    await context.close();

    await relay.stop();
    context = await launchProfile(profile);
    await context.setOffline(true);
    const again = await Device.reopen(context, relay.url, crew, 'crew after restart', `/r/${id}`);
    await expect.poll(() => again.totalOf('SKU-1'), { timeout: 30_000 }).toBe('12');
    await again.waitOnline(false);
    await again.byTestId('scan-field').waitFor();
    expect(again.errors).toEqual([]);
    await context.close();
    await relay.start();
  });

  it('keeps a record created and a line scanned a moment before the page reloads offline', async () => {
    const browser = await launchChromium();
    try {
      const device = await Device.enrol(browser, relay.url, crew, 'crew reloading at once');
      await device.byTestId('start-shift').click();
      await device.byTestId('shift-ready').waitFor({ timeout: 30_000 });
      // A slow phone: the change's IndexedDB write is still on its way when the page goes.
      const cdp = await device.context.newCDPSession(device.page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 6 });
      const lost: string[] = [];
      /** Reloads offline at once, then reads what the record screen shows. */
      const reloadOffline = async (id: string, total: string | null): Promise<void> => {
        await device.setOffline(true);
        await device.page.reload();
        const kept = await device.byTestId('scan-field').waitFor({ timeout: 20_000 }).then(
          async () =>
            (await device.byTestId('record-id').textContent()) === id &&
            (await expect.poll(() => device.totalOf('SKU-1'), { timeout: 5_000 }).toBe(total).then(() => true, () => false)),
          () => false,
        );
        if (!kept) lost.push(`${id} (total ${total}): ${((await device.page.locator('main').textContent()) ?? '').trim().slice(0, 120)}`);
        await device.setOffline(false);
      };
      for (let i = 0; i < 4; i++) {
        await device.go('/new/receipt');
        await device.page.getByLabel('Supplier').fill(`Supplier ${i}`);
        await device.byTestId('create-record').click();
        const id = (await device.byTestId('record-id').textContent()) ?? '';
        await reloadOffline(id, null);
        await device.byTestId('qty').fill('2');
        await device.byTestId('scan-field').fill(BARCODE);
        // The line is made as Enter is handled; the page goes right after.
        await device.byTestId('scan-field').press('Enter');
        await reloadOffline(id, '2');
      }
      expect(lost).toEqual([]);
      expect(device.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('reads a barcode with the camera offline and finds the item in the local item master', async () => {
    const video = path.join(dir, 'barcode.y4m');
    writeBarcodeVideo(video, BARCODE);
    const browser = await launchChromium({ fakeVideo: video });
    try {
      const device = await Device.enrol(browser, relay.url, crew, 'crew with camera');
      await device.context.grantPermissions(['camera'], { origin: relay.url });
      const id = await startReceipt(device);

      // No network from here: the decoder's wasm comes from the service worker's cache.
      await device.setOffline(true);
      await device.page.reload();
      await device.byTestId('scan-field').waitFor();
      await device.waitOnline(false);
      expect(await device.byTestId('record-id').textContent()).toBe(id);

      await device.byTestId('qty').fill('3');
      await device.byTestId('camera-button').click();
      await expect
        .poll(() => device.totalOf('SKU-1'), { timeout: 30_000 })
        .toBe('3')
        .catch(async (err: Error) => {
          const overlay = await device.page.getByRole('dialog', { name: 'Camera scanner' }).textContent().catch(() => '(no camera overlay)');
          throw new Error(`${err.message}\ncamera overlay: ${overlay}\npage errors: ${device.errors.join('; ')}`);
        });
      expect(await device.byTestId('scan-feedback').textContent()).toContain('Hex bolt M8 x 40, zinc');
      expect(await device.page.getByRole('dialog', { name: 'Camera scanner' }).count()).toBe(0);
      expect(device.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('works in one tab at a time: a second tab waits, can take over, and the first stops', async () => {
    const browser = await launchChromium();
    try {
      const first = await Device.enrol(browser, relay.url, crew, 'first tab');
      await first.go('/');
      await first.byTestId('new-receipt').waitFor();
      const second = await first.context.newPage();
      await second.goto(`${relay.url}/`);
      await second.getByTestId('tab-busy').waitFor();
      await second.getByTestId('use-here').click();
      await second.getByTestId('new-receipt').waitFor();
      await first.byTestId('tab-busy').waitFor();
      expect(await first.page.getByTestId('tab-busy').textContent()).toContain('now open in another tab');
      expect(first.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
