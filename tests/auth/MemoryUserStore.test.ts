import { MemoryUserStore } from '../../relay/auth/MemoryUserStore';
import { runUserStoreTests } from './userStoreAcceptance';

runUserStoreTests('MemoryUserStore', async ({ now }) => new MemoryUserStore({ now }));
