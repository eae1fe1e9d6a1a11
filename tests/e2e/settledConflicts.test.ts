/**
 * Conflicts settled for good, end to end: the built app served by a real
 * relay process, Debian's Chromium, four browser contexts (a supervisor, two
 * crews, an auditor). With the relay down and both crews offline, the crews
 * change a receipt's dock from D1 (to D2 and D5) and its supplier, and
 * propose different statuses. Back online, both crews read "in conflict" in
 * My proposals and an undecided status in the header. The supervisor enters
 * D3 with a note for the dock, chooses a crew's supplier and a status; every
 * device then shows the decided values in the header fields and the title,
 * after a reload and offline too, with no warning left; a later edit of the
 * dock is an ordinary edit; the auditor's history and its CSV read in words.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright';
import { AppRelay, type AppUser } from './support/appRelay';
import { Device, launchChromium } from './support/devices';

const NOTE = 'Gate log says dock 3';

describe('a supervisor settles conflicts for good', () => {
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
    [supervisor, crewA, crewB, auditor] = await Promise.all([
      Device.enrol(browser, relay.url, users.sam, 'supervisor'),
      Device.enrol(browser, relay.url, users.ana, 'crew A'),
      Device.enrol(browser, relay.url, users.ben, 'crew B'),
      Device.enrol(browser, relay.url, users.alex, 'auditor'),
    ]);
  });

  afterAll(async () => {
    const errors = devices().flatMap((d) => d.errors);
    await browser?.close();
    await relay?.destroy();
    expect(errors).toEqual([]);
  });

  async function allOnRelay(device: Device): Promise<void> {
    await device.waitOnline(true);
    await device.byTestId('pending-count').waitFor({ state: 'hidden', timeout: 30_000 });
  }

  /** Changes a header field on the open record the way a person does: type, then Enter. */
  async function editField(device: Device, field: string, value: string): Promise<void> {
    const input = device.page.locator(`#field-${field}`);
    await input.fill(value);
    await input.press('Enter');
  }

  const fieldValue = (device: Device, field: string) => device.page.locator(`#field-${field}`).inputValue();
  /** A locator's text as a person reads it (whitespace collapsed). */
  const words = async (device: Device, selector: string) => ((await device.page.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ').trim();
  const title = (device: Device) => device.page.locator('.record-header h1').textContent();

  /** Opens the record on `device` and waits until it shows the dock `dock` and the supplier `supplier`, with no warning. */
  async function showsDecided(device: Device, dock: string, supplier: string): Promise<void> {
    await expect.poll(() => fieldValue(device, 'dock'), { timeout: 30_000 }).toBe(dock);
    await expect.poll(() => fieldValue(device, 'supplier'), { timeout: 30_000 }).toBe(supplier);
    expect(await title(device)).toBe(`${supplier}, PO 4711, dock ${dock}`);
    expect(await device.byTestId('field-conflict').count()).toBe(0);
    expect(await device.byTestId('status-conflict').count()).toBe(0);
  }

  it('two crews change the dock and the supplier and propose statuses offline; both read "in conflict", the status reads undecided', async () => {
    await crewA.go('/new/receipt');
    await crewA.page.getByLabel('Supplier').fill('ACME');
    await crewA.page.getByLabel('PO number').fill('4711');
    await crewA.page.getByLabel('Dock').fill('D1');
    await crewA.byTestId('create-record').click();
    receiptId = (await crewA.byTestId('record-id').textContent()) ?? '';
    await allOnRelay(crewA);
    for (const device of [crewB, supervisor, auditor]) {
      await device.go('/');
      await device.page.locator(`[data-testid="record-row"][data-record-id="${receiptId}"]`).click({ timeout: 30_000 });
      await expect.poll(() => fieldValue(device, 'dock'), { timeout: 30_000 }).toBe('D1');
    }

    await relay.stop();
    for (const crew of [crewA, crewB]) {
      await crew.setOffline(true);
      await crew.waitOnline(false);
    }
    await editField(crewA, 'dock', 'D2');
    await editField(crewB, 'dock', 'D5');
    await editField(crewA, 'supplier', 'ACME Fasteners');
    await editField(crewB, 'supplier', 'ACME Ltd');
    await crewA.byTestId('propose-received').click();
    await crewB.byTestId('propose-rejected').click();
    for (const crew of [crewA, crewB]) await crew.byTestId('proposal-waiting').waitFor();
    // Only this device has them: My proposals says so.
    await crewA.go('/proposals');
    expect(await crewA.byTestId('outcome').textContent()).toBe('Saved on this device; not on the relay yet');

    await relay.start();
    for (const crew of [crewA, crewB]) await crew.setOffline(false);
    for (const crew of [crewA, crewB]) await allOnRelay(crew);

    await crewA.go(`/r/${receiptId}`);
    for (const crew of [crewA, crewB]) {
      // The relay opened the conflicts (the warning no longer says the relay has not seen them).
      await expect
        .poll(() => words(crew, '[data-testid="field-conflict"][data-field="dock"]'), { timeout: 30_000 })
        .toMatch(/from "D1": "D2" \(Ana Ruiz( \(you\))?, [^)]*\) vs "D5" \(Ben Okafor( \(you\))?, [^)]*\)\. Showing "D[25]" until a supervisor settles it\.$/);
      await expect.poll(() => crew.byTestId('status').getAttribute('data-undecided'), { timeout: 30_000 }).toBe('yes');
      expect(await crew.byTestId('status').textContent()).toContain('Undecided: received or rejected');
      expect(await crew.byTestId('status-value').textContent()).toBe('Undecided: received or rejected');
    }
    for (const [crew, other] of [[crewA, 'rejected (Ben Okafor)'], [crewB, 'received (Ana Ruiz)']] as const) {
      await crew.go('/proposals');
      await expect.poll(() => crew.byTestId('outcome').textContent(), { timeout: 30_000 }).toBe(`In conflict with ${other}: a supervisor decides`);
      expect(await crew.byTestId('my-proposal').getAttribute('data-outcome')).toBe('conflict');
    }
  });

  it('the supervisor enters the dock, chooses a supplier and a status; every device shows the decision, after a reload and offline', async () => {
    await supervisor.go('/sync');
    await supervisor.byTestId('sync-now').click();
    await supervisor.waitOnline(true);
    await supervisor.go('/conflicts');
    const cards = supervisor.page.locator(`[data-record-id="${receiptId}"] [data-testid="conflict-card"]`);
    const cardWith = (value: string) => cards.filter({ has: supervisor.page.locator(`[data-testid="candidate"][data-value="${value}"]`) });
    await cardWith('D2').waitFor({ timeout: 30_000 });
    await cardWith('ACME Ltd').waitFor({ timeout: 30_000 });
    // A card's title never carries one side's value of the field in dispute.
    expect(await cardWith('D2').locator('h3').textContent()).not.toMatch(/dock D[25]/);
    expect(await cardWith('ACME Ltd').locator('h3').textContent()).not.toMatch(/ACME (Ltd|Fasteners)/);

    const dock = cardWith('D2');
    await dock.getByRole('button', { name: 'Enter another value…' }).click();
    await dock.getByTestId('entered-value').fill('D3');
    await dock.getByTestId('entered-note').fill(NOTE);
    await dock.getByTestId('submit-entered').click();
    await cardWith('ACME Ltd').getByRole('button', { name: 'Choose ACME Ltd' }).click();
    await cardWith('rejected').getByRole('button', { name: 'Choose received' }).click();
    await supervisor.byTestId('no-conflicts').waitFor({ timeout: 30_000 });

    for (const device of devices()) {
      await device.go(`/r/${receiptId}`);
      await showsDecided(device, 'D3', 'ACME Ltd');
      expect(await device.byTestId('status-value').textContent()).toBe('Received');
      expect(await words(device, '[data-testid="field-decided"][data-field="dock"]')).toMatch(/^Settled by Sam Supervisor( \(you\))?: "D3" \(“Gate log says dock 3”\)\.$/);
    }
    for (const device of devices()) {
      await device.page.reload();
      await showsDecided(device, 'D3', 'ACME Ltd');
    }
    await crewB.setOffline(true);
    await auditor.setOffline(true);
    for (const device of [crewB, auditor]) {
      await device.page.reload();
      await device.waitOnline(false);
      await showsDecided(device, 'D3', 'ACME Ltd');
    }
    await crewB.setOffline(false);
    await auditor.setOffline(false);
    await supervisor.go('/');
    await expect.poll(() => supervisor.page.locator(`[data-testid="record-row"][data-record-id="${receiptId}"]`).textContent(), { timeout: 30_000 }).toContain('ACME Ltd, PO 4711, dock D3');

    await crewA.go('/proposals');
    await expect.poll(() => crewA.byTestId('outcome').textContent(), { timeout: 30_000 }).toBe('Resolved by Sam Supervisor: your value was chosen');
    await crewB.go('/proposals');
    await expect.poll(() => crewB.byTestId('outcome').textContent(), { timeout: 30_000 }).toBe('Resolved by Sam Supervisor: set to received; yours was set aside');
  });

  it('a later edit from the decided dock is an ordinary edit on every device', async () => {
    await crewB.go(`/r/${receiptId}`);
    await crewB.waitOnline(true);
    await editField(crewB, 'dock', 'D4');
    await allOnRelay(crewB);
    for (const device of devices()) {
      await device.go(`/r/${receiptId}`);
      await showsDecided(device, 'D4', 'ACME Ltd');
      expect(await device.page.locator('[data-testid="field-decided"][data-field="dock"]').count()).toBe(0);
    }
    await supervisor.go('/conflicts');
    await supervisor.byTestId('no-conflicts').waitFor();
    const held = await relay.readRecord(`record:${receiptId}`, users.alex);
    expect(Object.values(held.review?.conflicts ?? {}).map((c) => c.status)).toEqual(['resolved', 'resolved', 'resolved']);
  });

  it("the auditor's history and its CSV read in words", async () => {
    await auditor.go(`/r/${receiptId}/history`);
    await auditor.byTestId('history-item').first().waitFor();
    const text = (await auditor.byTestId('history').textContent()) ?? '';
    expect(text).toMatch(/Relay opened conflict c\d on dock: "D[25]" \((Ana Ruiz|Ben Okafor)'s edit, .*\) vs "D[25]" \((Ana Ruiz|Ben Okafor)'s edit, .*\), all from "D1"/);
    expect(text).toContain(`entered "D3", note “${NOTE}”`);
    expect(text).toMatch(/Relay applied Sam Supervisor's decision on conflict c\d about dock: "D1" → "D3"/);
    expect(text).toMatch(/Settled conflict c\d on supplier: chose "ACME Ltd" \(Ben Okafor's edit, /);
    expect(text).toMatch(/Settled conflict c\d on status: chose received \(Ana Ruiz's proposal, /);
    expect(text).toContain('Changed dock from "D3" to "D4" (from the decided value)');

    const [download] = await Promise.all([auditor.page.waitForEvent('download'), auditor.page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = await readFile((await download.path()) as string, 'utf8');
    expect(csv.split('\n')[0]).toBe('time,source,what kind,who,device,what happened');
    expect(csv).toContain(`entered ""D3"", note “${NOTE}”`);
    expect(csv).toMatch(/chose ""ACME Ltd"" \(Ben Okafor's edit, /);
    const held = await relay.readRecord(`record:${receiptId}`, users.alex);
    for (const body of [text, csv]) {
      expect(body).not.toMatch(/field:\w+@/);
      for (const entry of held.entries) expect(body).not.toContain(entry.id);
    }
  });
});
