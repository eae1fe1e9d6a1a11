/**
 * Screens the app loads when they are first shown, not at start: a cold
 * start compiles and runs only the shell, the records list and the record
 * screens, which is what a crew opens the app for. The service worker caches
 * these chunks with the rest, so they open offline too. They are not loaded
 * ahead in idle time: evaluating a dozen chunks at once is itself a long task
 * a crew would feel right after a start; a screen's first visit costs its
 * small chunk instead.
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
  siteHealth: () => import('./SiteHealth.svelte'),
  more: () => import('./More.svelte'),
  notices: () => import('./Notices.svelte'),
};
