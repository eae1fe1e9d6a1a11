/**
 * The app's entry: mounts the shell and registers the service worker that
 * caches the app shell, so the next visit opens with no network.
 */
import { mount } from 'svelte';
import { registerSW } from 'virtual:pwa-register';
import App from './App.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
mount(App, { target });

if ('serviceWorker' in navigator) {
  registerSW({
    immediate: true,
    onRegisterError: (err: unknown) => console.warn('[tally app] service worker registration failed; the app will need the network to open', err),
  });
}
