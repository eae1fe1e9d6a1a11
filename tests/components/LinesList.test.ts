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

  it('on a long receipt shows the newest lines and the items scanned last, and the rest on demand', async () => {
    const doc = new Y.Doc();
    let at = 1_700_000_000_000;
    const ana = createAuthor({ user: 'ana', device: 'dock-1', now: () => (at += 1000) });
    createReceipt(doc, ana, { id: 'R-2', site: 'main' });
    for (let i = 0; i < 60; i++) addReceiveLine(doc, ana, { item: `SKU-${i % 20}`, qty: 1 });
    addReceiveLine(doc, ana, { item: 'SKU-3', qty: 5 });
    const screen = await render(LinesList, { entries: entriesOf(doc) });

    const shown = () => screen.getByTestId('line').elements();
    expect(shown()).toHaveLength(12);
    expect(shown()[0]?.textContent).toContain('SKU-3');
    const items = () => screen.getByTestId('total-row').elements().map((row) => row.getAttribute('data-item'));
    expect(items()).toEqual(['SKU-3', 'SKU-19', 'SKU-18', 'SKU-17', 'SKU-16', 'SKU-15', 'SKU-14', 'SKU-13']);
    expect(totalOf('SKU-3')).toBe('8');

    await screen.getByTestId('show-all-items').click();
    expect(items()).toHaveLength(20);
    // Scrolling down to the end of the list brings the older lines, all 61 of them in the end.
    await expect
      .poll(() => {
        screen.getByTestId('line').elements().at(-1)?.scrollIntoView();
        return shown().length;
      })
      .toBe(61);
  });

  it('a scan into a long receipt adds its line on top and keeps the oldest shown one', async () => {
    const doc = new Y.Doc();
    let at = 1_700_000_000_000;
    const ana = createAuthor({ user: 'ana', device: 'dock-1', now: () => (at += 1000) });
    createReceipt(doc, ana, { id: 'R-3', site: 'main' });
    for (let i = 0; i < 30; i++) addReceiveLine(doc, ana, { item: `SKU-${i}`, qty: 1 });
    const screen = await render(LinesList, { entries: entriesOf(doc) });
    const shownItems = () => screen.getByTestId('line').elements().map((el) => el.querySelector('strong')?.textContent);
    const before = shownItems();
    expect(before).toHaveLength(12);

    addReceiveLine(doc, ana, { item: 'SKU-NEW', qty: 2 });
    await screen.rerender({ entries: entriesOf(doc) });
    expect(shownItems()).toEqual(['SKU-NEW', ...before]);
    const items = screen.getByTestId('total-row').elements().map((row) => row.getAttribute('data-item'));
    expect(items).toEqual(['SKU-NEW', 'SKU-29', 'SKU-28', 'SKU-27', 'SKU-26', 'SKU-25', 'SKU-24', 'SKU-23', 'SKU-22']);
  });
});
