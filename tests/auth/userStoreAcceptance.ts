/**
 * The acceptance suite every UserStore implementation runs. `open` makes a
 * fresh, empty store using the given clock; the suite closes it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { UserStoreError, type User } from '../../relay/auth/UserStore';
import type { SnapshotUserStore } from '../../relay/auth/SnapshotUserStore';

export type OpenStore = (options: { now: () => number }) => Promise<SnapshotUserStore>;

const codeOf = (path: string) => path.slice(path.indexOf('#code=') + '#code='.length);

async function expectCode(promise: Promise<unknown>, code: UserStoreError['code'], message?: RegExp): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(UserStoreError);
  expect((error as UserStoreError).code).toBe(code);
  if (message) expect((error as Error).message).toMatch(message);
}

/** Registers the UserStore acceptance tests for one implementation. */
export function runUserStoreTests(name: string, open: OpenStore): void {
  describe(`${name}: UserStore acceptance`, () => {
    let clock = 1_000_000;
    const now = () => clock;
    const stores: SnapshotUserStore[] = [];
    const fresh = async () => {
      clock = 1_000_000;
      const store = await open({ now });
      stores.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
    });

    describe('add and authenticate', () => {
      it('issues a 256-bit base64url token that authenticates its user', async () => {
        const store = await fresh();
        const { user, token } = await store.add({ name: ' Ann ', role: 'crew' });
        expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(user).toEqual({ id: user.id, name: 'Ann', role: 'crew', createdAt: 1_000_000 });
        expect(store.authenticate(token)).toEqual(user);
      });

      it.each([[''], ['x'], ['a'.repeat(10_000)], [undefined as unknown as string], [42 as unknown as string]])('refuses token %j', async (token) => {
        const store = await fresh();
        await store.add({ name: 'ann', role: 'crew' });
        expect(store.authenticate(token)).toBeNull();
      });

      it('tells two users apart', async () => {
        const store = await fresh();
        const a = await store.add({ name: 'ann', role: 'crew' });
        const b = await store.add({ name: 'sue', role: 'supervisor' });
        expect(store.authenticate(a.token)?.name).toBe('ann');
        expect(store.authenticate(b.token)?.role).toBe('supervisor');
      });

      it('never hands out the token hash', async () => {
        const store = await fresh();
        const { user, token } = await store.add({ name: 'ann', role: 'crew' });
        for (const seen of [user, store.authenticate(token), store.get(user.id), ...store.list()]) {
          expect(seen).not.toHaveProperty('tokenHash');
        }
      });

      it.each([
        ['an empty name', '  ', 'crew', 'invalid'],
        ['a control character', 'a\nb', 'crew', 'invalid'],
        ['an unknown role', 'ann', 'boss', 'invalid'],
      ] as const)('refuses %s', async (_what, userName, role, code) => {
        const store = await fresh();
        await expectCode(store.add({ name: userName, role: role as never }), code);
        expect(store.list()).toEqual([]);
      });

      it('refuses a second active user with the same name, in any case', async () => {
        const store = await fresh();
        await store.add({ name: 'Ann', role: 'crew' });
        await expectCode(store.add({ name: 'ann', role: 'auditor' }), 'duplicate', /already an active user named "Ann"/);
      });
    });

    describe('revoke', () => {
      it('by name: the token stops working, the user stays listed as revoked', async () => {
        const store = await fresh();
        const { user, token } = await store.add({ name: 'ann', role: 'crew' });
        clock += 5;
        const revoked = await store.revoke('ANN');
        expect(revoked).toEqual({ ...user, revokedAt: 1_000_005 });
        expect(store.authenticate(token)).toBeNull();
        expect(store.get(user.id)?.revokedAt).toBe(1_000_005);
        expect(store.list()).toEqual([revoked]);
      });

      it('by id, then frees the name for a new user', async () => {
        const store = await fresh();
        const old = await store.add({ name: 'ann', role: 'crew' });
        await store.revoke(old.user.id);
        const again = await store.add({ name: 'ann', role: 'supervisor' });
        expect(store.authenticate(again.token)?.id).toBe(again.user.id);
        expect(store.authenticate(old.token)).toBeNull();
      });

      it('refuses an unknown or already revoked user', async () => {
        const store = await fresh();
        const { user } = await store.add({ name: 'ann', role: 'crew' });
        await expectCode(store.revoke('bob'), 'notFound', /no user with id or active name "bob"/);
        await store.revoke('ann');
        await expectCode(store.revoke('ann'), 'alreadyRevoked');
        await expectCode(store.revoke(user.id), 'alreadyRevoked');
      });
    });

    describe('setRole', () => {
      it('by name or id: the new role shows at once, the token stays valid', async () => {
        const store = await fresh();
        const { user, token } = await store.add({ name: 'ann', role: 'crew' });
        expect(await store.setRole('ANN', 'auditor')).toEqual({ ...user, role: 'auditor' });
        expect(store.authenticate(token)).toEqual({ ...user, role: 'auditor' });
        expect(await store.setRole(user.id, 'supervisor')).toMatchObject({ role: 'supervisor' });
        expect(store.list()).toEqual([{ ...user, role: 'supervisor' }]);
      });

      it('refuses an unknown user, a revoked one and an unknown role', async () => {
        const store = await fresh();
        const { user } = await store.add({ name: 'ann', role: 'crew' });
        await expectCode(store.setRole('bob', 'crew'), 'notFound');
        await expectCode(store.setRole('ann', 'boss' as never), 'invalid', /unknown role "boss"/);
        await store.revoke('ann');
        await expectCode(store.setRole(user.id, 'supervisor'), 'alreadyRevoked');
        expect(store.get(user.id)?.role).toBe('crew');
      });

      it('is reported to onChange listeners', async () => {
        const store = await fresh();
        await store.add({ name: 'ann', role: 'crew' });
        const seen: string[] = [];
        store.onChange((users) => seen.push(users.map((u) => u.role).join()));
        await store.setRole('ann', 'auditor');
        expect(seen).toEqual(['auditor']);
      });
    });

    describe('onChange', () => {
      it('reports adds and revocations until unsubscribed', async () => {
        const store = await fresh();
        const seen: (readonly User[])[] = [];
        const off = store.onChange((users) => seen.push(users));
        await store.add({ name: 'ann', role: 'crew' });
        await store.revoke('ann');
        off();
        await store.add({ name: 'bob', role: 'crew' });
        expect(seen.map((users) => users.map((u) => [u.name, u.revokedAt !== undefined]))).toEqual([[['ann', false]], [['ann', true]]]);
      });

      it('survives a listener that throws', async () => {
        const store = await fresh();
        store.onChange(() => {
          throw new Error('listener bug');
        });
        await expect(store.add({ name: 'ann', role: 'crew' })).resolves.toBeDefined();
      });
    });

    describe('enrolment codes', () => {
      it('work once and issue a fresh token that replaces the old one', async () => {
        const store = await fresh();
        const { user, token: old } = await store.add({ name: 'ann', role: 'crew' });
        const { code, expiresAt } = await store.createEnrolment(user.id);
        expect(expiresAt).toBe(1_000_000 + 24 * 3600 * 1000);
        const redeemed = await store.redeemEnrolment(code);
        expect(redeemed?.user.id).toBe(user.id);
        expect(store.authenticate(redeemed?.token as string)?.id).toBe(user.id);
        expect(store.authenticate(old)).toBeNull();
        expect(await store.redeemEnrolment(code)).toBeNull();
      });

      it('expire', async () => {
        const store = await fresh();
        const { user } = await store.add({ name: 'ann', role: 'crew' });
        const { code } = await store.createEnrolment(user.id, { ttlMs: 1000 });
        clock += 1000;
        expect(await store.redeemEnrolment(code)).toBeNull();
      });

      it('die with their user, and only the latest code of a user works', async () => {
        const store = await fresh();
        const { user } = await store.add({ name: 'ann', role: 'crew' });
        const first = await store.createEnrolment(user.id);
        const second = await store.createEnrolment(user.id);
        expect(await store.redeemEnrolment(first.code)).toBeNull();
        await store.revoke(user.id);
        expect(await store.redeemEnrolment(second.code)).toBeNull();
        await expectCode(store.createEnrolment(user.id), 'notFound');
      });

      it('name their user before they are redeemed, and not after', async () => {
        const store = await fresh();
        const { user } = await store.add({ name: 'ann', role: 'crew' });
        const { code } = await store.createEnrolment(user.id, { ttlMs: 1000 });
        expect(store.enrolmentUser(code)).toEqual(user);
        expect(store.enrolmentUser(code)).toEqual(user);
        await store.redeemEnrolment(code);
        expect(store.enrolmentUser(code)).toBeNull();
        const late = await store.createEnrolment(user.id, { ttlMs: 1000 });
        clock += 1000;
        expect(store.enrolmentUser(late.code)).toBeNull();
        expect(store.enrolmentUser('nope')).toBeNull();
      });

      it('refuse garbage', async () => {
        const store = await fresh();
        expect(await store.redeemEnrolment('nope')).toBeNull();
        expect(await store.redeemEnrolment('')).toBeNull();
      });
    });

    describe('bootstrapAdmin', () => {
      it('on an empty store makes an admin with a one-time sign-in link', async () => {
        const store = await fresh();
        expect(store.bootstrapPending()).toBe(false);
        const boot = await store.bootstrapAdmin();
        expect(boot?.path).toMatch(/^\/enrol#code=[A-Za-z0-9_-]{43}$/);
        expect(boot?.user).toMatchObject({ name: 'admin', role: 'admin' });
        expect(store.bootstrapPending()).toBe(true);
        const signedIn = await store.redeemEnrolment(codeOf(boot?.path as string));
        expect(store.bootstrapPending()).toBe(false);
        expect(store.authenticate(signedIn?.token as string)?.role).toBe('admin');
        expect(await store.redeemEnrolment(codeOf(boot?.path as string))).toBeNull();
        expect(await store.bootstrapAdmin()).toBeNull();
      });

      it('issues a fresh link on every start until the admin signs in, retiring the old one', async () => {
        const store = await fresh();
        const first = await store.bootstrapAdmin();
        const second = await store.bootstrapAdmin();
        expect(second?.user.id).toBe(first?.user.id);
        expect(store.list()).toHaveLength(1);
        expect(await store.redeemEnrolment(codeOf(first?.path as string))).toBeNull();
        expect(await store.redeemEnrolment(codeOf(second?.path as string))).not.toBeNull();
      });

      it('does nothing when users already exist', async () => {
        const store = await fresh();
        await store.add({ name: 'ann', role: 'admin' });
        expect(await store.bootstrapAdmin()).toBeNull();
        expect(store.bootstrapPending()).toBe(false);
      });

      it('is no longer pending once the bootstrap admin is revoked', async () => {
        const store = await fresh();
        const boot = await store.bootstrapAdmin();
        await store.revoke(boot!.user.id);
        expect(store.bootstrapPending()).toBe(false);
        expect(await store.bootstrapAdmin()).toBeNull();
      });
    });
  });
}
