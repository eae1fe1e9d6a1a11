/// <reference types="svelte" />
/// <reference types="vite/client" />
/// <reference types="vite-plugin-pwa/vanillajs" />

interface ImportMetaEnv {
  /** The relay's URL when the app is served by `vite` instead of the relay (development only). */
  readonly VITE_RELAY_URL?: string;
}
