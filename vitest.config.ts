import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { relayCommands } from './tests/browser/relayCommands';

/** Debian's Chromium; Playwright's own browser download is never used. */
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * The `unit` project: pure and in-process tests (no sockets, no disk, no
 * child processes, no browser), the fast loop while changing rules and the
 * relay's core (`npx vitest run --project unit`, well under 30 s). Everything
 * else under tests/ that runs in Node is the `node` project.
 */
const UNIT = [
  'tests/shared/**/*.test.ts',
  'tests/review/**/*.test.ts',
  'tests/auth/{MemoryDeviceStore,MemoryUserStore,roles,tokens}.test.ts',
  'tests/client/{backoff,clockPattern,deferredPersistence,entryDerivations,format,heldWindow,listWindow,recordActions}.test.ts',
  'tests/relay/{absentDevices,applyJudged,backupPacer,config,decodeUpdate,docRegistry,durableAckBatcher,contentRules,docRoom,perUserLimits,presenceRefusal,readChange,repoRoot,roomAwareness,roomLog,storedSegments,throttledWarnings,tokenBucket}.test.ts',
  'tests/storage/{GroupCommitQueue,MemoryDocStore,docKeys}.test.ts',
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: UNIT,
          environment: 'node',
          // Pure tests share nothing mutable between files: one module graph per worker, not per file.
          pool: 'threads',
          isolate: false,
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'node',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/browser/**', 'tests/components/**', 'tests/e2e/**', 'node_modules/**', ...UNIT],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          globalSetup: ['tests/browser/relayGlobalSetup.ts'],
          testTimeout: 30_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } }),
            instances: [{ browser: 'chromium' }],
            /** Stop, start and inspect the real relay of relayGlobalSetup.ts from browser tests. */
            commands: relayCommands,
          },
        },
      },
      {
        // The app's Svelte components in real Chromium.
        plugins: [svelte({ configFile: false })],
        test: {
          name: 'components',
          include: ['tests/components/**/*.test.ts'],
          testTimeout: 30_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        // The built app served by a real relay process, driven in Chromium by Playwright (two or more browser contexts).
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/e2e/buildAppGlobalSetup.ts'],
          // Each file runs its own relay and browsers; one at a time on a 2-core machine.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
