/**
 * Vite build of the crew app (`npm run build` → `dist/app`, served by the relay).
 *
 * The service worker (vite-plugin-pwa / Workbox) precaches the whole shell,
 * including the barcode decoder's WebAssembly, so after one visit the app
 * opens with no network at all. Navigations fall back to the cached
 * `index.html`; the relay's own endpoints are never answered from the cache.
 * Vitest reads `vitest.config.ts`, not this file.
 */
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const appRoot = fileURLToPath(new URL('./client/app', import.meta.url));
/** `npm run dev` forwards the relay's endpoints here, so the app stays same-origin as in production. */
const devRelay = process.env.TALLY_RELAY ?? 'http://localhost:8787';
const outDir = fileURLToPath(new URL('./dist/app', import.meta.url));

export default defineConfig({
  root: appRoot,
  publicDir: 'public',
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // The decoder's wasm is ~1 MB; the rest of the app is small.
    chunkSizeWarningLimit: 1500,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': devRelay,
      '/healthz': devRelay,
      '/mux': { target: devRelay, ws: true },
      '/sync': { target: devRelay, ws: true },
    },
  },
  plugins: [
    svelte({ configFile: false }),
    preloadAppChunk(),
    VitePWA({
      // A new version waits (it never swaps in under a crew with work on the device): see appUpdate.ts.
      registerType: 'prompt',
      injectRegister: false,
      filename: 'sw.js',
      includeAssets: ['icon.svg'],
      manifest: {
        name: 'Tally: receiving and counting',
        short_name: 'Tally',
        description: 'Offline-first tally sheets for warehouse crews.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'any',
        background_color: '#ffffff',
        theme_color: '#0a2540',
        icons: [
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any maskable' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,wasm,webmanifest}'],
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        navigateFallback: 'index.html',
        navigateFallbackDenylist: [/^\/api\//, /^\/mux/, /^\/sync\//, /^\/healthz/, /^\/files\//, /^\/metrics/, /^\/debug\//],
        cleanupOutdatedCaches: true,
        // The first version takes the page at once; a later one waits until the app lets it in.
        clientsClaim: true,
        skipWaiting: false,
      },
    }),
  ],
});

/**
 * The entry (main.ts) is small and loads the app (startApp.ts) with a dynamic
 * import, after it has started reading the device's records. The page asks
 * for the app's chunks at once (`modulepreload`: startApp and every chunk it
 * imports), so they are fetched and compiled while the entry runs instead of
 * one after the other once it has.
 */
function preloadAppChunk(): Plugin {
  return {
    name: 'tally-preload-app-chunk',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const bundle = ctx.bundle ?? {};
        const files = new Set<string>();
        const add = (fileName: string): void => {
          const chunk = bundle[fileName];
          if (!chunk || chunk.type !== 'chunk' || files.has(fileName)) return;
          files.add(fileName);
          chunk.imports.forEach(add);
        };
        for (const chunk of Object.values(bundle)) if (chunk.type === 'chunk' && chunk.name === 'startApp') add(chunk.fileName);
        return [...files].map((file) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: '', href: `/${file}` }, injectTo: 'head' as const }));
      },
    },
  };
}
