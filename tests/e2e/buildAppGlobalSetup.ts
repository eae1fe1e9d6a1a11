/**
 * Global setup of the e2e project: builds the app into dist/app when it is
 * missing or older than any of its sources, so `npm test` from a clean clone
 * tests the app the relay would serve.
 */
import { ensureAppBuilt } from '../../build/appBuild';

export default function setup(): void {
  const ms = ensureAppBuilt();
  if (ms) process.stdout.write(`e2e: built the app into dist/app in ${ms} ms\n`);
}
