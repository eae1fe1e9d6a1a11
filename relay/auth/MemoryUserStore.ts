/**
 * A UserStore held in memory, for tests of the relay that need users
 * without a data folder. Same rules as FileUserStore (they share
 * SnapshotUserStore); nothing survives the process.
 */
import { SnapshotUserStore, type Mutation, type UserStoreOptions } from './SnapshotUserStore';
import { emptyUsersData, type UsersData } from './usersData';

/** An in-memory UserStore. */
export class MemoryUserStore extends SnapshotUserStore {
  /** An empty store, or one holding `initial`. */
  constructor(options: UserStoreOptions & { initial?: UsersData } = {}) {
    super(options.initial ?? emptyUsersData(), options);
  }

  protected async mutate<T>(fn: Mutation<T>): Promise<T> {
    const { data, result } = fn(this.snapshot);
    if (data !== this.snapshot) this.replaceSnapshot(data);
    return result;
  }

  /** The raw data, as a file store would write it (tests inspect hashes here). */
  data(): UsersData {
    return this.snapshot;
  }

  async close(): Promise<void> {}
}
