/**
 * The scan field in real Chromium: a keyboard-wedge scanner types into the
 * focused field and ends with Enter, so the field must have focus when the
 * screen opens, after every scan, and again when focus falls to the page.
 */
import { describe, expect, it, vi } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-svelte';
import ScanField from '../../client/app/components/ScanField.svelte';

describe('ScanField', () => {
  it('has focus when it appears and submits each scan on Enter, keeping focus', async () => {
    const onscan = vi.fn();
    const screen = await render(ScanField, { onscan });
    const field = screen.getByTestId('scan-field');
    await expect.element(field).toHaveFocus();

    // A wedge scanner is a keyboard: characters, then Enter.
    await userEvent.keyboard('4006381333931{Enter}');
    await userEvent.keyboard('  SKU-7 {Enter}');

    expect(onscan.mock.calls).toEqual([['4006381333931'], ['SKU-7']]);
    await expect.element(field).toHaveValue('');
    await expect.element(field).toHaveFocus();
  });

  it('ignores an Enter on an empty field', async () => {
    const onscan = vi.fn();
    const screen = await render(ScanField, { onscan });
    await expect.element(screen.getByTestId('scan-field')).toHaveFocus();
    await userEvent.keyboard('{Enter}   {Enter}');
    expect(onscan).not.toHaveBeenCalled();
  });

  it('takes focus back when it falls to the page, but not from a field chosen on purpose', async () => {
    const onscan = vi.fn();
    const screen = await render(ScanField, { onscan });
    const field = screen.getByTestId('scan-field');
    await expect.element(field).toHaveFocus();

    (document.activeElement as HTMLElement).blur();
    await expect.element(field).toHaveFocus();

    const other = document.createElement('input');
    other.setAttribute('aria-label', 'quantity');
    document.body.append(other);
    await page.getByLabelText('quantity').click();
    await expect.element(page.getByLabelText('quantity')).toHaveFocus();
    // Still there after the frame in which the scan field would have taken it back.
    await new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
    await expect.element(page.getByLabelText('quantity')).toHaveFocus();
    other.remove();
  });

  it('submits what was typed from an Add button through submit()', async () => {
    const onscan = vi.fn();
    const screen = await render(ScanField, { onscan });
    // The field takes focus right after the screen's first frame; a scan comes after that.
    await expect.element(screen.getByTestId('scan-field')).toHaveFocus();
    await userEvent.keyboard('ABC');
    screen.component.submit();
    expect(onscan).toHaveBeenCalledWith('ABC');
    await expect.element(screen.getByTestId('scan-field')).toHaveFocus();
  });

  it('can hide the on-screen keyboard for hardware scanners, and keeps focus doing it', async () => {
    localStorage.removeItem('tally.scanKeyboard');
    const screen = await render(ScanField, { onscan: vi.fn() });
    const field = screen.getByTestId('scan-field');
    await expect.element(field).toHaveAttribute('inputmode', 'text');
    await screen.getByRole('button', { name: 'Keyboard on' }).click();
    await expect.element(field).toHaveAttribute('inputmode', 'none');
    await expect.element(field).toHaveFocus();
    expect(localStorage.getItem('tally.scanKeyboard')).toBe('off');
    localStorage.removeItem('tally.scanKeyboard');
  });
});
