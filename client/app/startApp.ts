/**
 * The app itself: mounts the shell and registers the service worker that
 * caches the app shell, so the next visit opens with no network. Loaded by
 * main.ts once it has started reading the device's records and asked for
 * the tab lock.
 */
import { mount } from 'svelte';
import { registerSW } from 'virtual:pwa-register';
import App from './App.svelte';
import './app.css';
import { appUpdate } from './lib/appUpdate';
import type { TabLock } from './lib/TabLock';

/** What main.ts began before the app's code loaded. */
export interface StartOptions {
  tabLock: TabLock;
}

/** Mounts the app (and registers the service worker once the page is idle). */
export function startApp(options: StartOptions): void {
  performance.mark('tally:app-code');
  const target = document.getElementById('app');
  if (!target) throw new Error('no #app element');
  mount(App, { target, props: { tabLock: options.tabLock } });
  if ('serviceWorker' in navigator) registerWhenIdle();
}

/** Registers (or updates) the service worker once the page is idle: never in the way of a start's first screen. */
function registerWhenIdle(): void {
  const register = (): void => {
    const install = registerSW({
      immediate: true,
      // A new version waits; the app decides when it comes in (appUpdate.ts).
      onNeedRefresh: () => appUpdate.waiting(install),
      onRegisterError: (err: unknown) => console.warn('[tally app] service worker registration failed; the app will need the network to open', err),
    });
  };
  if ('requestIdleCallback' in window) requestIdleCallback(register, { timeout: 5_000 });
  else setTimeout(register, 1_000);
}

