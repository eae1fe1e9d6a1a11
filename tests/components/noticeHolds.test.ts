/**
 * Holds acting on the work, in real Chromium: a count of an item in a bin a
 * hold names asks first and records nothing until the user chooses; a line
 * of a held lot is flagged in the lines list. (The receipt's scan is covered
 * end to end in tests/e2e/notices.test.ts.)
 */
import { describe, expect, it, vi } from 'vitest';
import { render } from 'vitest-browser-svelte';
import * as Y from 'yjs';
import CountForm from '../../client/app/components/CountForm.svelte';
import LinesList from '../../client/app/components/LinesList.svelte';
import { goodsOf, holdOn, type ActiveHold, type HeldGoodsQuery } from '../../client/app/lib/notices/holds';
import type { ScanMatch } from '../../client/app/lib/SiteSource';
import { addReceiveLine, createAuthor, createReceipt, entriesOf, type LineEntry } from '../../shared/model';

const hold: ActiveHold = { seq: 4, item: 'X-100', lot: 'L-7', bins: ['A-1'], text: 'Supplier recall', user: 'sue', at: 0 };
const lookup = (code: string): ScanMatch => ({ code, item: code === '400638' ? { barcode: '400638', sku: 'X-100', description: 'Hex bolt', uom: 'EA' } : null });

async function scan(screen: Awaited<ReturnType<typeof render>>, id: string, code: string): Promise<void> {
  const field = screen.container.querySelector<HTMLInputElement>(`#${id}`)!;
  field.value = code;
  field.dispatchEvent(new Event('input', { bubbles: true }));
  field.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  await new Promise((r) => requestAnimationFrame(r));
}

describe('CountForm with holds', () => {
  it('asks before counting a held item in a held bin, and counts only when the user chooses to', async () => {
    const oncount = vi.fn();
    const screen = await render(CountForm, { lookup, knownBin: () => true, oncount, heldBy: (g: HeldGoodsQuery) => holdOn([hold], g) });
    await scan(screen, 'scan-bin', 'A-1');
    await scan(screen, 'scan-item', '400638');
    await expect.element(screen.getByTestId('held-warning')).toBeVisible();
    expect(screen.getByTestId('held-warning').element().textContent).toContain('On quality hold: X-100 lot L-7 in A-1');
    expect(screen.container.querySelector('[data-testid="count-qty"]')).toBeNull();
    await screen.getByTestId('held-confirm').click();
    await screen.getByTestId('count-qty').fill('12');
    await screen.getByTestId('record-count').click();
    expect(oncount).toHaveBeenCalledWith({ bin: 'A-1', item: 'X-100', qty: 12 });
  });

  it('"Do not record" counts nothing; the same item in another bin asks nothing', async () => {
    const oncount = vi.fn();
    const screen = await render(CountForm, { lookup, knownBin: () => true, oncount, heldBy: (g: HeldGoodsQuery) => holdOn([hold], g) });
    await scan(screen, 'scan-bin', 'A-1');
    await scan(screen, 'scan-item', '400638');
    await screen.getByTestId('held-cancel').click();
    await expect.element(screen.getByTestId('count-feedback')).toHaveTextContent('Not counted: the lot is on hold in this bin.');
    await screen.getByRole('button', { name: 'Change bin' }).click();
    await scan(screen, 'scan-bin', 'B-2');
    await scan(screen, 'scan-item', '400638');
    expect(screen.container.querySelector('[data-testid="held-warning"]')).toBeNull();
    await expect.element(screen.getByTestId('count-qty')).toBeVisible();
    expect(oncount).not.toHaveBeenCalled();
  });
});

describe('LinesList with holds', () => {
  it('flags the lines of a held lot, by SKU or by the barcode the hold names', async () => {
    const doc = new Y.Doc();
    const ana = createAuthor({ user: 'ana', device: 'dock-1', now: () => 1_700_000_000_000 });
    createReceipt(doc, ana, { id: 'R-1', site: 'main' });
    addReceiveLine(doc, ana, { item: 'X-100', qty: 5, lot: 'l-7' });
    addReceiveLine(doc, ana, { item: 'X-100', qty: 3, lot: 'L-8' });
    addReceiveLine(doc, ana, { item: 'X-100', qty: 1 });
    const { bins: _bins, ...anyBin } = hold;
    const byBarcode: ActiveHold = { ...anyBin, item: '400638' };
    const screen = await render(LinesList, { entries: entriesOf(doc), heldOf: (line: LineEntry) => holdOn([byBarcode], goodsOf(line, (sku) => (sku === 'X-100' ? '400638' : undefined))) });
    const flagged = screen.getByTestId('line').elements().filter((el) => el.dataset.held === 'true');
    expect(flagged.map((el) => el.querySelector('.what')?.textContent?.includes('lot l-7'))).toEqual([true]);
    expect(screen.getByTestId('line-held').element().textContent).toBe('On hold: 400638 lot L-7');
  });
});
