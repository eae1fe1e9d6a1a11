/**
 * The relay's device bindings in `<dataDir>/devices.json`, beside
 * users.json, so a backup of the data folder holds them. Like users.json it
 * is shared with the users CLI (which lists and releases devices while the
 * relay runs): every change takes `devices.json.lock`, re-reads the file,
 * changes it and replaces it atomically (temp file, fsync, rename, fsync the
 * directory).
 *
 * The relay does not watch the file. Its snapshot only ever lets the same
 * user back onto their own device; anything else (a new device, a device
 * bound to someone else) goes through `claim`, which reads the file fresh,
 * so a release made by the CLI counts from the next claim on.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withFileLock, writeFileAtomic } from './atomicFile';
import { DevicesFileError, emptyDevicesData, parseDevicesData, type DevicesData } from './devicesData';
import { SnapshotDeviceStore, type DeviceStoreOptions, type DevicesChange } from './SnapshotDeviceStore';

/** The devices file's name inside the data folder. */
export const DEVICES_FILE = 'devices.json';

/** A DeviceStore over `<dataDir>/devices.json`. */
export class FileDeviceStore extends SnapshotDeviceStore {
  /** The devices file. */
  readonly path: string;
  private readonly lockPath: string;

  private constructor(
    readonly dataDir: string,
    initial: DevicesData,
    options: DeviceStoreOptions,
  ) {
    super(initial, options);
    this.path = join(dataDir, DEVICES_FILE);
    this.lockPath = `${this.path}.lock`;
  }

  /**
   * Opens the store and reads the file (a missing file means no device is
   * bound yet). Throws DevicesFileError when the file cannot be understood.
   */
  static async open(dataDir: string, options: DeviceStoreOptions = {}): Promise<FileDeviceStore> {
    return new FileDeviceStore(dataDir, await load(join(dataDir, DEVICES_FILE)), options);
  }

  protected async commit<T>(change: DevicesChange<T>): Promise<T> {
    await mkdir(this.dataDir, { recursive: true });
    return withFileLock(this.lockPath, async () => {
      const fresh = await load(this.path);
      const { data, result } = change(fresh);
      if (data !== fresh) await writeFileAtomic(this.path, `${JSON.stringify(data, null, 2)}\n`);
      this.adopt(data);
      return result;
    });
  }
}

async function load(path: string): Promise<DevicesData> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyDevicesData();
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DevicesFileError(`devices file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseDevicesData(json);
}
