/**
 * Photos end to end: the built app served by a real relay process, through
 * a loopback proxy that counts what devices send and can slow their link.
 * A crew device in the dead zone takes three photos of a receipt (one of a
 * line, with a caption) with the phone's file chooser, real JPEGs from a
 * 12-megapixel canvas; it reloads with no network and still shows their
 * thumbnails, and the handover check lists them. Back in reach on a slow
 * link, the relay is SIGKILLed while the first full photo is on its way and
 * started again: the upload resumes from the offset the relay had (the proxy
 * counts less than 1.5x the photo's bytes for it, and for all of them), the
 * relay holds each photo under its hash, a second crew device and an auditor
 * see the photos (thumbnails, the full photo on tap, History), and the
 * handover check says nothing is left on the device. A photo the relay
 * refuses shows the relay's reason as it is, stays on the device, keeps the
 * handover from saying "nothing left", and goes up when tried again. A
 * supervisor sets a smaller longest side in Site setup (an out-of-bounds one
 * is refused in words), and the next photo taken keeps that size.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppRelay, type AppUser } from './support/appRelay';
import { Device, launchChromium } from './support/devices';
import { TusCountingProxy } from './support/tusCountingProxy';

const BARCODE = '4006381333931';
const SKU = 'SKU-1';
/** The slow link while photos go up: a 600 KB photo takes about six seconds. */
const SLOW_LINK = 100 * 1024;

interface TakenRow {
  id: string;
  thumbId: string;
  bytes: number;
  thumbBytes: number;
  at: number;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('photos on records, end to end', () => {
  let relay: AppRelay;
  let proxy: TusCountingProxy;
  let browser: Browser;
  const users: Record<'sam' | 'ana' | 'ben' | 'alex', AppUser> = {} as never;
  let crew: Device;
  let crewB: Device;
  let auditor: Device;
  let supervisor: Device;
  let supervisorB: Device;
  let receiptId = '';
  let taken: TakenRow[] = [];
  let firstJpeg: Buffer | null = null;

  const devices = () => [crew, crewB, auditor, supervisor, supervisorB].filter(Boolean);

  beforeAll(async () => {
    relay = await AppRelay.create();
    users.sam = await relay.addUser('Sam Supervisor', 'supervisor');
    users.ana = await relay.addUser('Ana Ruiz', 'crew');
    users.ben = await relay.addUser('Ben Okafor', 'crew');
    users.alex = await relay.addUser('Alex Auditor', 'auditor');
    await relay.start();
    await relay.seedSite(users.sam, [{ barcode: BARCODE, sku: SKU, description: 'Hex bolt M8 x 40', uom: 'EA' }], ['A-01-1']);
    proxy = await TusCountingProxy.start(() => Number(new URL(relay.url).port));
    browser = await launchChromium();
  });

  afterAll(async () => {
    const errors = devices().flatMap((d) => d.errors);
    await browser?.close();
    await proxy?.close();
    await relay?.destroy();
    expect(errors).toEqual([]);
  });

  /** Camera-like JPEGs made in the page: a 4000x3000 scene with fine detail, at quality 0.92. */
  async function cameraJpegs(device: Device, count: number): Promise<Buffer[]> {
    const encoded = await device.page.evaluate(async (n) => {
      const out: string[] = [];
      for (let k = 0; k < n; k++) {
        const canvas = new OffscreenCanvas(4000, 3000);
        const g = canvas.getContext('2d')!;
        const sky = g.createLinearGradient(0, 0, 0, 3000);
        sky.addColorStop(0, `hsl(${k * 90} 40% 70%)`);
        sky.addColorStop(1, '#333');
        g.fillStyle = sky;
        g.fillRect(0, 0, 4000, 3000);
        const tile = new ImageData(256, 256);
        for (let i = 0; i < tile.data.length; i += 4) {
          tile.data[i] = Math.random() * 255;
          tile.data[i + 1] = Math.random() * 255;
          tile.data[i + 2] = Math.random() * 255;
          tile.data[i + 3] = 40;
        }
        const noise = await createImageBitmap(tile);
        for (let y = 0; y < 3000; y += 256) for (let x = 0; x < 4000; x += 256) g.drawImage(noise, x, y);
        g.fillStyle = '#111';
        g.font = '160px sans-serif';
        g.fillText(`PALLET ${k + 1} · crushed corner`, 200, 1500);
        const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
        const bytes = new Uint8Array(await blob.arrayBuffer());
        let binary = '';
        for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        out.push(btoa(binary));
      }
      return out;
    }, count);
    return encoded.map((b64) => Buffer.from(b64, 'base64'));
  }

  /** Takes a photo with the "Take photo" button, as the phone's camera would hand it over. */
  async function takePhoto(device: Device, jpeg: Buffer, name: string): Promise<void> {
    const [chooser] = await Promise.all([device.page.waitForEvent('filechooser'), device.page.getByText('Take photo').click()]);
    expect(chooser.isMultiple()).toBe(true);
    await chooser.setFiles({ name, mimeType: 'image/jpeg', buffer: jpeg });
  }

  /** The photos taken on `device`, as its media queue holds them (IndexedDB), oldest first. */
  async function queue(device: Device): Promise<TakenRow[]> {
    return device.page.evaluate(
      () =>
        new Promise<TakenRow[]>((resolve, reject) => {
          const open = indexedDB.open('tally.media.main');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const req = open.result.transaction('taken').objectStore('taken').getAll();
            req.onsuccess = () => {
              open.result.close();
              resolve((req.result as TakenRow[]).sort((a, b) => a.at - b.at));
            };
          };
        }),
    );
  }

  /** Every thumbnail on screen has loaded an image. */
  async function thumbnailsShown(device: Device, count: number): Promise<void> {
    await expect
      .poll(() => device.byTestId('photo-thumb-img').evaluateAll((imgs) => imgs.filter((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0).length), { timeout: 30_000 })
      .toBe(count);
  }

  const photoStates = (device: Device) => device.page.locator('[data-testid="photo"] [data-testid="photo-state"]').evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.state));

  it('a crew device offline takes three photos, keeps them over a reload with no network, and the handover lists them', async () => {
    crew = await Device.enrol(browser, proxy.url, users.ana, 'crew');
    await crew.byTestId('start-shift').click();
    await crew.byTestId('shift-ready').waitFor({ timeout: 30_000 });
    await crew.go('/new/receipt');
    await crew.page.getByLabel('Supplier').fill('ACME Fasteners');
    await crew.byTestId('create-record').click();
    receiptId = (await crew.byTestId('record-id').textContent()) ?? '';
    expect(receiptId).toMatch(/^R-/);
    await crew.waitOnline(true);
    await crew.byTestId('pending-count').waitFor({ state: 'hidden', timeout: 30_000 });
    const jpegs = await cameraJpegs(crew, 3);
    firstJpeg = jpegs[0]!;

    await crew.setOffline(true);
    proxy.cut();
    await crew.waitOnline(false);
    await crew.byTestId('qty').fill('12');
    await crew.byTestId('scan-field').fill(BARCODE);
    await crew.byTestId('scan-field').press('Enter');
    await expect.poll(() => crew.totalOf(SKU)).toBe('12');

    // Three in a row, without waiting for one to be compressed: the receipt, a line with a caption, the receipt.
    await takePhoto(crew, jpegs[0]!, 'IMG_0001.jpg');
    await crew.byTestId('photo-target').selectOption({ index: 1 });
    await crew.byTestId('photo-caption').fill('crushed corner');
    await takePhoto(crew, jpegs[1]!, 'IMG_0002.jpg');
    await crew.byTestId('photo-target').selectOption({ index: 0 });
    await takePhoto(crew, jpegs[2]!, 'IMG_0003.jpg');
    await expect.poll(() => photoStates(crew), { timeout: 60_000 }).toEqual(['device', 'device', 'device']);
    await thumbnailsShown(crew, 3);
    expect(await crew.page.locator('[data-testid="photo"]', { hasText: 'crushed corner' }).textContent()).toContain(`Line 12 × ${SKU}`);

    taken = await queue(crew);
    expect(taken).toHaveLength(3);
    for (const photo of taken) {
      expect(photo.id).toMatch(/^[0-9a-f]{64}$/);
      expect(photo.bytes).toBeLessThanOrEqual(600 * 1024);
    }

    await crew.page.reload();
    await crew.byTestId('scan-field').waitFor();
    await crew.waitOnline(false);
    await thumbnailsShown(crew, 3);
    expect(await photoStates(crew)).toEqual(['device', 'device', 'device']);
    // The header's count names the photos beside the line's changes, also after the reload.
    await expect.poll(() => crew.byTestId('pending-count').locator('.full').textContent(), { timeout: 30_000 }).toMatch(/^\d+ changes?, 3 photos on this device only$/);
    await crew.snap('photos-offline');

    await crew.go('/handover');
    await crew.byTestId('handover-pending').waitFor();
    expect(await crew.byTestId('pending-photo').count()).toBe(3);
    expect(await crew.byTestId('handover-pending').textContent()).toContain('3 photos only on this device');
  });

  it('back on a slow link, a relay SIGKILLed mid-upload and restarted: the upload resumes from its offset and every photo reaches the relay whole', async () => {
    await crew.go(`/r/${receiptId}`);
    await crew.byTestId('photo-thumb-img').first().waitFor();
    proxy.throttle(SLOW_LINK);
    await crew.setOffline(false);
    await crew.waitOnline(true);

    // Thumbnails go first; the first full photo is cut off once two thirds of it are on the way.
    const first = taken[0]!;
    await expect.poll(() => proxy.forwardedFor(first.id), { timeout: 90_000, interval: 50 }).toBeGreaterThanOrEqual(first.bytes * 0.65);
    for (const photo of taken) expect(proxy.forwardedFor(photo.thumbId)).toBe(photo.thumbBytes);
    const beforeKill = proxy.patches.length;
    await relay.kill();
    expect(await photoStates(crew)).not.toContain('relay');
    await relay.start();

    await expect.poll(() => photoStates(crew), { timeout: 150_000, interval: 500 }).toEqual(['relay', 'relay', 'relay']);
    proxy.throttle(null);

    // Resumed, not sent again: a later PATCH of the cut photo started past zero, and the relay got it about once.
    const resumed = proxy.patchesOf(first.id).filter((p) => p.offset > 0);
    expect(resumed.length).toBeGreaterThan(0);
    expect(proxy.forwardedFor(first.id)).toBeLessThan(first.bytes * 1.5);
    const total = taken.reduce((sum, p) => sum + p.bytes + p.thumbBytes, 0);
    const sent = taken.reduce((sum, p) => sum + proxy.forwardedFor(p.id) + proxy.forwardedFor(p.thumbId), 0);
    expect(sent).toBeLessThan(total * 1.5);
    console.info(`[photos e2e] cut photo ${first.bytes} B: ${proxy.forwardedFor(first.id)} B forwarded in PATCHes at offsets ${proxy.patchesOf(first.id).map((p) => `${p.offset}+${p.forwarded}${proxy.patches.indexOf(p) >= beforeKill ? ' after' : ''}`).join(', ')}; all files ${total} B, ${sent} B forwarded`);

    // The relay holds each photo and thumbnail under its hash, and serves it to a signed-in role.
    for (const photo of taken) {
      for (const id of [photo.id, photo.thumbId]) {
        expect(sha256(await readFile(path.join(relay.dataDir, 'files', 'photos', id)))).toBe(id);
        const res = await fetch(`${relay.url}/files/${id}`, { headers: { authorization: `Bearer ${users.alex.token}` } });
        expect(res.status).toBe(200);
        expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(id);
      }
    }
    await crew.go('/sync');
    expect(await crew.byTestId('photos-pending-count').textContent()).toBe('0');
    await crew.byTestId('pending-count').waitFor({ state: 'hidden', timeout: 30_000 });
  });

  it('a second crew device and an auditor see the photos, and the handover says nothing is left', async () => {
    crewB = await Device.enrol(browser, proxy.url, users.ben, 'crew B');
    await crewB.go(`/r/${receiptId}`);
    await thumbnailsShown(crewB, 3);
    await crewB.byTestId('photo-thumb').first().click();
    await expect.poll(() => crewB.byTestId('photo-full').evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 30_000 }).toBeGreaterThan(1000);
    await crewB.byTestId('photo-close').click();

    auditor = await Device.enrol(browser, proxy.url, users.alex, 'auditor');
    await auditor.go(`/r/${receiptId}`);
    await thumbnailsShown(auditor, 3);
    expect(await auditor.page.getByText('Take photo').count()).toBe(0);
    await auditor.go(`/r/${receiptId}/history`);
    await auditor.page.locator('[data-testid="history-item"][data-kind="photo"]').first().waitFor({ timeout: 30_000 });
    expect(await auditor.page.locator('[data-testid="history-item"][data-kind="photo"]').count()).toBe(3);
    await thumbnailsShown(auditor, 3);
    await auditor.snap('history-photos');

    // Crew B picks the same picture crew A took first: same bytes, same hash; the relay has it, so not a byte of it is sent again.
    // Both entries of that photo on crew B's screen (crew A's and its own) show it on the relay.
    const picture = firstJpeg;
    const sentBefore = proxy.forwardedFor(taken[0]!.id);
    const [chooser] = await Promise.all([crewB.page.waitForEvent('filechooser'), crewB.page.getByText('Pick from files').click()]);
    await chooser.setFiles({ name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: picture! });
    await expect.poll(() => photoStates(crewB), { timeout: 60_000 }).toEqual(['relay', 'relay']);
    expect((await queue(crewB))[0]!.id).toBe(taken[0]!.id);
    expect(proxy.forwardedFor(taken[0]!.id)).toBe(sentBefore);

    await crew.go('/handover');
    await crew.byTestId('handover-clear').waitFor({ timeout: 30_000 });
    expect(await crew.byTestId('pending-photo').count()).toBe(0);

    // Space: the full photos the relay holds can go; thumbnails stay, and a full photo opens from the relay.
    await crew.go('/storage');
    expect(await crew.byTestId('photo-bytes').textContent()).toMatch(/^3 photos: .+, and 3 thumbnails: /);
    await crew.byTestId('drop-sent-photos').click();
    await expect.poll(() => crew.byTestId('photo-bytes').textContent()).toMatch(/^0 photos: 0 B, and 3 thumbnails: /);
    await crew.go(`/r/${receiptId}`);
    await thumbnailsShown(crew, 4);
    await crew.byTestId('photo-thumb').first().click();
    await expect.poll(() => crew.byTestId('photo-full').evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 30_000 }).toBeGreaterThan(1000);
    await crew.byTestId('photo-close').click();
  });

  it("shows the relay's refusal in its words, keeps the photo and sends it when tried again", async () => {
    await relay.stop();
    await relay.start({ TALLY_MAX_PHOTO_BYTES: '100000' });
    await crew.go(`/r/${receiptId}`);
    await crew.waitOnline(true, 60_000);
    const [jpeg] = await cameraJpegs(crew, 1);
    await takePhoto(crew, jpeg!, 'IMG_0004.jpg');
    await expect.poll(() => photoStates(crew), { timeout: 60_000 }).toEqual(['relay', 'relay', 'relay', 'relay', 'failed']);
    expect(await crew.byTestId('photo-failure').textContent()).toMatch(/^this photo is 0\.\d MiB; the relay takes photos of at most 0\.1 MiB \(TALLY_MAX_PHOTO_BYTES\)$/);
    await crew.go('/handover');
    await crew.byTestId('handover-pending').waitFor();
    expect(await crew.byTestId('pending-photo').textContent()).toContain('failed: this photo is');

    await relay.stop();
    await relay.start();
    await crew.go(`/r/${receiptId}`);
    await crew.waitOnline(true, 60_000);
    await crew.page.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => photoStates(crew), { timeout: 60_000 }).toEqual(['relay', 'relay', 'relay', 'relay', 'relay']);
    await crew.go('/handover');
    await crew.byTestId('handover-clear').waitFor({ timeout: 30_000 });
  });

  it("a supervisor sets a photo's longest side in Site setup, and the next photo taken keeps that size", async () => {
    supervisor = await Device.enrol(browser, proxy.url, users.sam, 'supervisor');
    await supervisor.go('/setup');
    expect(await supervisor.byTestId('photo-max-side').inputValue()).toBe('2048');
    await supervisor.byTestId('photo-max-side').fill('99');
    await supervisor.byTestId('save-photo-max-side').click();
    await supervisor.page.getByText('Not saved: a photo\'s longest side must be 640 to 4096 px, not 99.').waitFor();
    await supervisor.byTestId('photo-max-side').fill('1024');
    await supervisor.byTestId('save-photo-max-side').click();
    await supervisor.page.getByText('Photos taken from now on keep at most 1,024 px on their longest side.').waitFor();

    await supervisor.go(`/r/${receiptId}`);
    await supervisor.waitOnline(true, 60_000);
    const [jpeg] = await cameraJpegs(supervisor, 1);
    await takePhoto(supervisor, jpeg!, 'IMG_0005.jpg');
    await expect.poll(async () => (await queue(supervisor)).length, { timeout: 60_000 }).toBe(1);
    const [row] = (await queue(supervisor)) as Array<TakenRow & { width: number; height: number }>;
    expect([row!.width, row!.height]).toEqual([1024, 768]);
    // The relay took the setting: a second device of the supervisor, with nothing stored yet, gets it from the relay.
    supervisorB = await Device.enrol(browser, proxy.url, users.sam, 'supervisor B');
    await supervisorB.go('/setup');
    await expect.poll(() => supervisorB.byTestId('photo-max-side').inputValue(), { timeout: 30_000 }).toBe('1024');
  });
});
