/**
 * The relay's users in `<dataDir>/users.json`. Not in LevelDB: the relay
 * holds LevelDB's lock while it runs, and the users CLI must be able to add
 * and revoke users at the same time. So the file is shared by both:
 *
 * - every change takes `users.json.lock`, re-reads the file, changes it and
 *   replaces it atomically (temp file, fsync, rename, fsync the directory);
 * - a running store re-reads the file when it changes, told by `fs.watch` on
 *   the folder (the rename replaces the file, so watching the file itself
 *   would go deaf) and by a poll every second in case the watch misses
 *   something (network folders, editors, overflowed inotify queues), so a
 *   user revoked by the CLI is refused within about a second.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserStoreError } from './UserStore';
import { FileLockTimeout, withFileLock, writeFileAtomic } from './atomicFile';
import { SnapshotUserStore, type Mutation, type UserStoreOptions } from './SnapshotUserStore';
import { emptyUsersData, parseUsersData, type UsersData } from './usersData';

/** The users file's name inside the data folder. */
export const USERS_FILE = 'users.json';

/** Options of `FileUserStore.open`. */
export interface FileUserStoreOptions extends UserStoreOptions {
  /** Follow changes made by other processes. Default true; the CLI turns it off. */
  watch?: boolean;
  /** Poll interval (ms) of the fallback check. Default 1000. */
  pollMs?: number;
  /** Use fs.watch besides polling. Default true; turn off where watching misbehaves. */
  fsWatch?: boolean;
}

/** A UserStore over `<dataDir>/users.json`. */
export class FileUserStore extends SnapshotUserStore {
  /** The users file. */
  readonly path: string;
  private readonly lockPath: string;
  private signature = '';
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private refreshing: Promise<boolean> | undefined;
  private refreshAgain = false;
  private closed = false;

  private constructor(readonly dataDir: string, options: FileUserStoreOptions) {
    super(emptyUsersData(), options);
    this.path = join(dataDir, USERS_FILE);
    this.lockPath = `${this.path}.lock`;
  }

  /**
   * Opens the store and reads the file (a missing file means no users yet).
   * Throws UserStoreError('corrupt') when the file cannot be understood.
   */
  static async open(dataDir: string, options: FileUserStoreOptions = {}): Promise<FileUserStore> {
    const store = new FileUserStore(dataDir, options);
    const loaded = await store.load();
    store.signature = loaded.signature;
    store.snapshot = loaded.data;
    if (options.watch ?? true) {
      await mkdir(dataDir, { recursive: true });
      store.startWatching(options.pollMs ?? 1_000, options.fsWatch ?? true);
    }
    return store;
  }

  /** Re-reads the file if it changed since last read; true when it did. A corrupt file is reported and skipped. */
  refresh(): Promise<boolean> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = this.refreshOnce().finally(() => {
      this.refreshing = undefined;
      if (this.refreshAgain && !this.closed) {
        this.refreshAgain = false;
        void this.refresh();
      }
    });
    return this.refreshing;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
    await this.refreshing?.catch(() => {});
  }

  protected async mutate<T>(fn: Mutation<T>): Promise<T> {
    await mkdir(this.dataDir, { recursive: true });
    try {
      return await withFileLock(this.lockPath, async () => {
        const { data: fresh, signature } = await this.load();
        const { data, result } = fn(fresh);
        if (data === fresh) {
          this.adopt(fresh, signature);
          return result;
        }
        await writeFileAtomic(this.path, `${JSON.stringify(data, null, 2)}\n`);
        this.adopt(data, await this.signatureOf());
        return result;
      });
    } catch (error) {
      if (error instanceof FileLockTimeout) throw new UserStoreError('locked', error.message);
      throw error;
    }
  }

  private startWatching(pollMs: number, fsWatch: boolean): void {
    try {
      if (fsWatch) {
        this.watcher = watch(this.dataDir, { persistent: false }, (_event, filename) => {
          if (filename === null || filename === USERS_FILE) void this.refresh();
        });
        this.watcher.on('error', (error) => this.onError(error));
      }
    } catch (error) {
      this.onError(error as Error); // the poll below still notices changes
    }
    this.poll = setInterval(() => void this.refresh(), pollMs);
    this.poll.unref();
  }

  private async refreshOnce(): Promise<boolean> {
    if (this.closed) return false;
    try {
      if ((await this.signatureOf()) === this.signature) return false;
      const { data, signature } = await this.load();
      if (this.closed) return false;
      this.adopt(data, signature);
      return true;
    } catch (error) {
      // Keep serving the last good users; remember this version so it is reported once.
      this.signature = await this.signatureOf().catch(() => '');
      this.onError(error as Error);
      return false;
    }
  }

  private adopt(data: UsersData, signature: string): void {
    this.signature = signature;
    this.replaceSnapshot(data);
  }

  /** Identifies the file's current version: every atomic write makes a new inode. */
  private async signatureOf(): Promise<string> {
    try {
      const s = await stat(this.path);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw error;
    }
  }

  private async load(): Promise<{ data: UsersData; signature: string }> {
    const signature = await this.signatureOf();
    if (signature === 'missing') return { data: emptyUsersData(), signature };
    const text = await readFile(this.path, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new UserStoreError('corrupt', `users file ${this.path} is not valid JSON: ${(error as Error).message}`);
    }
    return { data: parseUsersData(json), signature };
  }
}
