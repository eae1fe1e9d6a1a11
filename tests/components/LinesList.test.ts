/**
 * The lines list in real Chromium: totals per item are derived from the log
 * (lines from two devices add up), and a correction is a reversal with a
 * reason that leaves the line visible, struck through, and out of the total.
 */
import { describe, expect, it, vi } from 'vitest';
import { page } from 'vitest/browser';
import { render } from 'vitest-browser-svelte';
import * as Y from 'yjs';
import LinesList from '../../client/app/components/LinesList.svelte';
import { addReceiveLine, createAuthor, createReceipt, entriesOf, reverseEntry } from '../../shared/model';

function receipt() {
  const doc = new Y.Doc();
  const ana = createAuthor({ user: 'ana', device: 'dock-1', now: () => 1_700_000_000_000 });
  const ben = createAuthor({ user: 'ben', device: 'dock-2', now: () => 1_700_000_060_000 });
  createReceipt(doc, ana, { id: 'R-1', site: 'main', supplier: 'ACME' });
  const first = addReceiveLine(doc, ana, { item: 'SKU-1', qty: 50, lot: 'L1' });
  addReceiveLine(doc, ben, { item: 'SKU-1', qty: 30 });
  addReceiveLine(doc, ben, { item: 'SKU-2', qty: 5 });
  return { doc, ana, first };
}

const totalOf = (item: string) => page.getByTestId('totals').element().querySelector(`[data-item="${item}"] [data-testid="total-qty"]`)?.textContent;

describe('LinesList', () => {
  it('shows totals per item: 50 and 30 from two devices are 80', async () => {
    const { doc } = receipt();
    const screen = await render(LinesList, { entries: entriesOf(doc), describe: (i: string) => (i === 'SKU-1' ? 'Hex bolt M8' : undefined) });
    expect(totalOf('SKU-1')).toBe('80');
    expect(totalOf('SKU-2')).toBe('5');
    await expect.element(screen.getByText('Hex bolt M8')).toBeVisible();
    expect(screen.getByTestId('line').elements()).toHaveLength(3);
  });

  it('reverses a line with a reason, never edits it', async () => {
    const { doc, ana, first } = receipt();
    const onreverse = vi.fn((id: string, reason: string) => reverseEntry(doc, ana, id as never, reason));
    const screen = await render(LinesList, { entries: entriesOf(doc), canReverse: true, onreverse });

    await screen.getByRole('button', { name: 'Reverse line 50 × SKU-1' }).click();
    const confirm = screen.getByRole('button', { name: 'Reverse line', exact: true });
    await expect.element(confirm).toBeDisabled();
    await screen.getByTestId('reverse-reason').fill('scanned twice');
    await confirm.click();
    expect(onreverse).toHaveBeenCalledWith(first.id, 'scanned twice');

    await screen.rerender({ entries: entriesOf(doc) });
    expect(totalOf('SKU-1')).toBe('30');
    const reversedLine = page.getByTestId('line').elements().find((el) => el.dataset.lineId === first.id);
    expect(reversedLine?.classList.contains('reversed')).toBe(true);
    expect(reversedLine?.querySelector('[data-testid="reversed-note"]')?.textContent).toContain('scanned twice');
    // Still three lines: the reversed one stays in the list.
    expect(screen.getByTestId('line').elements()).toHaveLength(3);
    expect(screen.getByRole('button', { name: 'Reverse line 50 × SKU-1' }).elements()).toHaveLength(0);
  });

  it('offers no reversal when the user may not change the record', async () => {
    const { doc } = receipt();
    const screen = await render(LinesList, { entries: entriesOf(doc), canReverse: false });
    expect(screen.getByRole('button', { name: /Reverse/ }).elements()).toHaveLength(0);
  });
});
