/** When the device is low on space for photos (navigator.storage.estimate): then full photos the relay holds are dropped. */

/** Less free than this, in bytes, is low whatever the quota. */
export const LOW_FREE_BYTES = 200 * 1024 * 1024;
/** More of the quota used than this share is low. */
export const LOW_USED_SHARE = 0.8;

/** True when `estimate` says little space is left; false when the browser does not say. */
export function spaceIsLow(estimate: Pick<StorageEstimate, 'usage' | 'quota'>): boolean {
  const { usage, quota } = estimate;
  if (usage === undefined || quota === undefined || quota <= 0) return false;
  return quota - usage < LOW_FREE_BYTES || usage / quota > LOW_USED_SHARE;
}
