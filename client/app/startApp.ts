/**
 * The app itself: mounts the shell and registers the service worker that
 * caches the app shell, so the next visit opens with no network. Loaded by
 * main.ts once it has started reading the device's records.
 */
import { mount } from 'svelte';
import { registerSW } from 'virtual:pwa-register';
import App from './App.svelte';
import './app.css';

performance.mark('tally:app-code');
const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
mount(App, { target });

/** Registers (or updates) the service worker once the page is idle: never in the way of a start's first screen. */
function registerWhenIdle(): void {
  const register = (): void =>
    void registerSW({
      immediate: true,
      onRegisterError: (err: unknown) => console.warn('[tally app] service worker registration failed; the app will need the network to open', err),
    });
  if ('requestIdleCallback' in window) requestIdleCallback(register, { timeout: 5_000 });
  else setTimeout(register, 1_000);
}

if ('serviceWorker' in navigator) registerWhenIdle();
