/**
 * What both DeviceStore implementations share: reads over an in-memory
 * snapshot, and claims applied in batches. Claims that arrive while a write
 * is under way wait and go out together in the next one, so a thousand
 * devices connecting at once cost a handful of file writes, not a thousand.
 * A subclass only says how a change reaches durable storage (`commit`).
 */
import type { DeviceBinding, DeviceClaim, DeviceStore } from './DeviceStore';
import type { DeviceId } from '../../shared/model/ids';
import { withClaims, withReleased, type DevicesData, type PendingClaim } from './devicesData';

/** Options every device store takes. */
export interface DeviceStoreOptions {
  /** The clock (ms since epoch); injected by tests. */
  now?: () => number;
}

/** A change step: the new data (or the same object for "no change") and a result. */
export type DevicesChange<T> = (data: DevicesData) => { data: DevicesData; result: T };

interface QueuedClaim {
  claim: PendingClaim;
  resolve: (result: DeviceClaim) => void;
  reject: (error: unknown) => void;
}

/** A DeviceStore over a snapshot; subclasses make changes durable. */
export abstract class SnapshotDeviceStore implements DeviceStore {
  private byDevice = new Map<string, DeviceBinding>();
  private snapshot: DevicesData;
  protected readonly now: () => number;
  private queue: QueuedClaim[] = [];
  private flushing: Promise<void> | null = null;
  /** Changes run one at a time in this process (the file lock guards against other processes). */
  private tail: Promise<unknown> = Promise.resolve();

  protected constructor(initial: DevicesData, options: DeviceStoreOptions) {
    this.snapshot = initial;
    this.now = options.now ?? Date.now;
    this.adopt(initial);
  }

  /**
   * Applies `change` to the freshest data and makes the result durable
   * before resolving; calls `adopt` with whatever data is current afterwards.
   */
  protected abstract commit<T>(change: DevicesChange<T>): Promise<T>;

  /** Makes `data` the snapshot that reads answer from. */
  protected adopt(data: DevicesData): void {
    this.snapshot = data;
    this.byDevice = new Map(data.devices.map((b) => [b.device as string, b]));
  }

  ownerOf(device: string): DeviceBinding | undefined {
    return this.byDevice.get(device);
  }

  list(): readonly DeviceBinding[] {
    return this.snapshot.devices;
  }

  claim(device: DeviceId, user: string): Promise<DeviceClaim> {
    return new Promise((resolve, reject) => {
      this.queue.push({ claim: { device, user }, resolve, reject });
      this.flushing ??= this.flushClaims();
    });
  }

  release(device: string): Promise<DeviceBinding | null> {
    return this.serially(() =>
      this.commit((data) => {
        const { data: next, released } = withReleased(data, device);
        return { data: next, result: released };
      }),
    );
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.tail.catch(() => {});
  }

  private async flushClaims(): Promise<void> {
    // Claims made in the same tick join the first batch.
    await Promise.resolve();
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        const results = await this.serially(() =>
          this.commit((data) => {
            const { data: next, results } = withClaims(data, batch.map((q) => q.claim), this.now());
            return { data: next, result: results };
          }),
        );
        batch.forEach((q, i) => q.resolve(results[i]!));
      } catch (error) {
        for (const q of batch) q.reject(error);
      }
    }
    this.flushing = null;
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => {});
    return run;
  }
}
