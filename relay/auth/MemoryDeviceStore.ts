/**
 * A DeviceStore held in memory, for tests and for a relay started without a
 * data folder. Same rules as FileDeviceStore (they share
 * SnapshotDeviceStore); nothing survives the process.
 */
import { emptyDevicesData, type DevicesData } from './devicesData';
import { SnapshotDeviceStore, type DeviceStoreOptions, type DevicesChange } from './SnapshotDeviceStore';

/** An in-memory DeviceStore. */
export class MemoryDeviceStore extends SnapshotDeviceStore {
  private data: DevicesData;

  /** An empty store, or one holding `initial`. */
  constructor(options: DeviceStoreOptions & { initial?: DevicesData } = {}) {
    const initial = options.initial ?? emptyDevicesData();
    super(initial, options);
    this.data = initial;
  }

  protected async commit<T>(change: DevicesChange<T>): Promise<T> {
    const { data, result } = change(this.data);
    this.data = data;
    this.adopt(data);
    return result;
  }
}
