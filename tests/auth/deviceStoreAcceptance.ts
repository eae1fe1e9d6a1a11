/**
 * The acceptance suite every DeviceStore implementation runs. `open` makes a
 * fresh, empty store using the given clock; the suite closes it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceStore } from '../../relay/auth/DeviceStore';
import { toDeviceId } from '../../shared/model/ids';

export type OpenDeviceStore = (options: { now: () => number }) => Promise<DeviceStore>;

const dev = toDeviceId;

/** Registers the DeviceStore acceptance tests for one implementation. */
export function runDeviceStoreTests(name: string, open: OpenDeviceStore): void {
  describe(`${name}: DeviceStore acceptance`, () => {
    let clock = 1_000_000;
    const now = () => clock;
    const stores: DeviceStore[] = [];
    const fresh = async () => {
      clock = 1_000_000;
      const store = await open({ now });
      stores.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
    });

    describe('claim', () => {
      it('binds an unbound device to its first claimant, with the time it was first seen', async () => {
        const store = await fresh();
        const claim = await store.claim(dev('scanner-1'), 'u-ann');
        const binding = { device: 'scanner-1', user: 'u-ann', firstSeenAt: 1_000_000 };
        expect(claim).toEqual({ ok: true, binding, registered: true });
        expect(store.ownerOf('scanner-1')).toEqual(binding);
        expect(store.list()).toEqual([binding]);
      });

      it('lets the owner claim again forever, keeping the first-seen time', async () => {
        const store = await fresh();
        await store.claim(dev('scanner-1'), 'u-ann');
        clock += 86_400_000;
        const again = await store.claim(dev('scanner-1'), 'u-ann');
        expect(again).toEqual({ ok: true, binding: { device: 'scanner-1', user: 'u-ann', firstSeenAt: 1_000_000 }, registered: false });
      });

      it('refuses a device bound to another user, naming the owner', async () => {
        const store = await fresh();
        await store.claim(dev('scanner-1'), 'u-ann');
        const stolen = await store.claim(dev('scanner-1'), 'u-bob');
        expect(stolen).toEqual({ ok: false, binding: { device: 'scanner-1', user: 'u-ann', firstSeenAt: 1_000_000 } });
        expect(store.ownerOf('scanner-1')?.user).toBe('u-ann');
      });

      it('gives a device claimed by two users at once to exactly one of them', async () => {
        const store = await fresh();
        const [a, b] = await Promise.all([store.claim(dev('scanner-1'), 'u-ann'), store.claim(dev('scanner-1'), 'u-bob')]);
        expect([a.ok, b.ok]).toEqual([true, false]);
        expect(store.list()).toHaveLength(1);
      });

      it('answers many claims at once, each on its own', async () => {
        const store = await fresh();
        const claims = await Promise.all(Array.from({ length: 200 }, (_, i) => store.claim(dev(`d-${i}`), `u-${i % 7}`)));
        expect(claims.every((c) => c.ok && c.registered)).toBe(true);
        expect(store.list().map((b) => b.device)).toEqual(Array.from({ length: 200 }, (_, i) => `d-${i}`));
        expect(store.ownerOf('d-13')?.user).toBe('u-6');
      });

      it('keeps a device id that looks like an object key apart from the object', async () => {
        const store = await fresh();
        expect(store.ownerOf('__proto__')).toBeUndefined();
        expect((await store.claim(dev('__proto__'), 'u-ann')).ok).toBe(true);
        expect(store.ownerOf('__proto__')?.user).toBe('u-ann');
      });
    });

    describe('release', () => {
      it('frees a device for the next user that names it', async () => {
        const store = await fresh();
        await store.claim(dev('scanner-1'), 'u-ann');
        clock += 5;
        expect(await store.release('scanner-1')).toEqual({ device: 'scanner-1', user: 'u-ann', firstSeenAt: 1_000_000 });
        expect(store.ownerOf('scanner-1')).toBeUndefined();
        const bob = await store.claim(dev('scanner-1'), 'u-bob');
        expect(bob).toEqual({ ok: true, binding: { device: 'scanner-1', user: 'u-bob', firstSeenAt: 1_000_005 }, registered: true });
      });

      it('answers null for a device with no binding', async () => {
        const store = await fresh();
        expect(await store.release('nobody')).toBeNull();
        expect(store.list()).toEqual([]);
      });
    });
  });
}
