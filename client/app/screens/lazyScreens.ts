/**
 * Screens the app loads when they are first shown, not at start: a cold
 * start compiles and runs only the shell, the records list and the record
 * screens, which is what a crew opens the app for. The service worker caches
 * these chunks with the rest, so they open offline too; `preloadScreens`
 * loads them once the page is idle, so the first visit to one is instant.
 */
export const lazyScreens = {
  shift: () => import('./ShiftStart.svelte'),
  newRecord: () => import('./NewRecord.svelte'),
  history: () => import('./History.svelte'),
  historyPicker: () => import('./HistoryPicker.svelte'),
  conflicts: () => import('./Conflicts.svelte'),
  proposals: () => import('./MyProposals.svelte'),
  sync: () => import('./SyncScreen.svelte'),
  handover: () => import('./Handover.svelte'),
  storage: () => import('./StorageScreen.svelte'),
  setup: () => import('./SiteSetup.svelte'),
  users: () => import('./Users.svelte'),
  more: () => import('./More.svelte'),
};

/** Loads every lazy screen once the page has been idle for a moment after start. */
export function preloadScreens(): void {
  const load = (): void => {
    for (const loader of Object.values(lazyScreens)) void loader().catch(() => undefined);
  };
  if (typeof requestIdleCallback === 'function') requestIdleCallback(load, { timeout: 10_000 });
  else setTimeout(load, 3_000);
}
