import { MemoryDeviceStore } from '../../relay/auth/MemoryDeviceStore';
import { runDeviceStoreTests } from './deviceStoreAcceptance';

runDeviceStoreTests('MemoryDeviceStore', async ({ now }) => new MemoryDeviceStore({ now }));
