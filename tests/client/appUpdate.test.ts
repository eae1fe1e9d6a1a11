import { describe, expect, it } from 'vitest';
import { AppUpdate, updateAction } from '../../client/app/lib/appUpdate';

describe('updateAction: a new version never comes in under pending work', () => {
  it.each([
    ['no new version', { waiting: false, pending: 0, userAsked: false }, 'none'],
    ['no new version, even when asked', { waiting: false, pending: 3, userAsked: true }, 'none'],
    ['waiting, nothing pending: it comes in', { waiting: true, pending: 0, userAsked: false }, 'install'],
    ['waiting, work pending: it waits', { waiting: true, pending: 2, userAsked: false }, 'wait'],
    ['waiting, work pending, the user chose to reload', { waiting: true, pending: 2, userAsked: true }, 'install'],
  ] as const)('%s', (_name, state, action) => {
    expect(updateAction(state)).toBe(action);
  });
});

describe('AppUpdate', () => {
  it('says a version waits and lets it in with a reload', async () => {
    const update = new AppUpdate();
    const seen: boolean[] = [];
    update.subscribe(() => seen.push(update.get().waiting));
    expect(update.isWaiting).toBe(false);
    const calls: boolean[] = [];
    update.waiting(async (reload) => void calls.push(reload));
    expect(seen).toEqual([true]);
    await update.apply();
    expect(calls).toEqual([true]);
  });
});
