/**
 * The conflict card in real Chromium: candidates side by side with who and
 * when; a supervisor chooses one, or enters a value, which needs a note.
 */
import { describe, expect, it, vi } from 'vitest';
import { render } from 'vitest-browser-svelte';
import ConflictCard from '../../client/app/components/ConflictCard.svelte';
import type { Conflict } from '../../shared/review';

const at = Date.UTC(2026, 2, 3, 9, 30);

const open: Conflict = {
  id: 'c1',
  field: 'status',
  key: 'status',
  origin: 'proposals',
  baseRevision: 0,
  baseValue: 'open',
  openedAt: at + 60_000,
  status: 'open',
  candidates: [
    { proposalId: 'dock-1:7', source: 'proposal', user: 'ana', device: 'dock-1', at, value: 'received' },
    { proposalId: 'dock-2:3', source: 'proposal', user: 'ben', device: 'dock-2', at: at + 5_000, value: 'rejected' },
  ],
};

const names: Record<string, string> = { ana: 'Ana Ruiz', ben: 'Ben Okafor', sam: 'Sam Lee' };
const nameOf = (u: string) => names[u] ?? u;

describe('ConflictCard', () => {
  it('shows every candidate with who proposed it, and chooses one', async () => {
    const onresolve = vi.fn();
    const screen = await render(ConflictCard, { conflict: open, nameOf, canResolve: true, statusChoices: ['open', 'received', 'closed', 'rejected'], onresolve });

    const candidates = screen.getByTestId('candidate').elements();
    expect(candidates.map((c) => c.dataset.value)).toEqual(['received', 'rejected']);
    expect(candidates[0]?.textContent).toContain('Ana Ruiz');
    expect(candidates[1]?.textContent).toContain('Ben Okafor');

    await screen.getByRole('button', { name: 'Choose rejected' }).click();
    expect(onresolve).toHaveBeenCalledWith('dock-2:3');
  });

  it('marks the candidate whose value holds now', async () => {
    const screen = await render(ConflictCard, { conflict: open, nameOf, holds: 'received', canResolve: true });
    const holding = screen.getByTestId('candidate').elements().filter((c) => c.querySelector('[data-testid="holds-now"]'));
    expect(holding.map((c) => c.dataset.value)).toEqual(['received']);
  });

  it('enters another value only with a note', async () => {
    const onresolve = vi.fn();
    const screen = await render(ConflictCard, { conflict: open, nameOf, canResolve: true, statusChoices: ['open', 'received', 'closed', 'rejected'], onresolve });

    await screen.getByRole('button', { name: 'Enter another value…' }).click();
    await screen.getByTestId('entered-value').selectOptions('open');
    const submit = screen.getByTestId('submit-entered');
    await expect.element(submit).toBeDisabled();
    await screen.getByTestId('entered-note').fill('pallet split: half accepted, recount at dock');
    await expect.element(submit).toBeEnabled();
    await submit.click();
    expect(onresolve).toHaveBeenCalledWith({ value: 'open', note: 'pallet split: half accepted, recount at dock' });
  });

  it('parses an entered count as a number', async () => {
    const onresolve = vi.fn();
    const countConflict: Conflict = { ...open, field: 'acceptedCount', key: '["A-1","SKU-1"]', bin: 'A-1', item: 'SKU-1', baseValue: null, candidates: open.candidates.map((c, i) => ({ ...c, value: i === 0 ? 10 : 12 })) };
    const screen = await render(ConflictCard, { conflict: countConflict, nameOf, canResolve: true, onresolve });
    await screen.getByRole('button', { name: 'Enter another value…' }).click();
    await screen.getByTestId('entered-value').fill('11');
    await screen.getByTestId('entered-note').fill('counted again together');
    await screen.getByTestId('submit-entered').click();
    expect(onresolve).toHaveBeenCalledWith({ value: 11, note: 'counted again together' });
  });

  it('shows a resolved conflict with who settled it, and offers no choice', async () => {
    const resolved: Conflict = {
      ...open,
      status: 'resolved',
      resolution: { resolutionId: 'office:2', by: 'sam', device: 'office', at: at + 120_000, decidedAt: at + 121_000, chosen: 'dock-1:7', value: 'received', setAside: ['dock-2:3'], note: null },
    };
    const screen = await render(ConflictCard, { conflict: resolved, nameOf, canResolve: true });
    await expect.element(screen.getByTestId('resolution')).toHaveTextContent(/Resolved by Sam Lee/);
    expect(screen.getByRole('button', { name: /Choose/ }).elements()).toHaveLength(0);
    expect(screen.getByTestId('candidate').elements()[0]?.classList.contains('chosen')).toBe(true);
  });

  it('is read-only for someone who may not resolve', async () => {
    const screen = await render(ConflictCard, { conflict: open, nameOf, canResolve: false });
    expect(screen.getByRole('button').elements()).toHaveLength(0);
  });
});
