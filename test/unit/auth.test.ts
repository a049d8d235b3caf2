import { strict as assert } from 'node:assert';
import { DEMO_ADMIN_LOGIN, DEMO_HAUPTBENUTZER_LOGIN, DEMO_PASSWORD } from '../../src/core/demo/demoData';
import { PermissionError } from '../../src/core/errors';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import { LoginFormatError, SignInError, UserInactiveError, resumeSignIn, signIn } from '../../src/core/users/auth';
import { hashPassword, verifyPassword } from '../../src/core/users/password';
import { canManageLicenses, isAdmin, requireAdmin, requireLicenseManager } from '../../src/core/access/rights';
import { smallDemoDb } from '../helpers';

describe('users: passwords and sign-in', () => {
  let store: AsyncStore;
  before(async () => ({ db: store } = await smallDemoDb()));
  after(async () => store.close());

  it('hashes with a random salt and verifies only the right password', async () => {
    const a = await hashPassword('Geheim!1');
    const b = await hashPassword('Geheim!1');
    assert.notEqual(a, b, 'salted');
    assert.match(a, /^scrypt\$16384\$8\$1\$/);
    assert.equal(await verifyPassword('Geheim!1', a), true);
    assert.equal(await verifyPassword('geheim!1', a), false);
    assert.equal(await verifyPassword('Geheim!1', 'md5$abc'), false, 'unknown formats never verify');
    assert.equal(
      await verifyPassword('x', 'scrypt$99999999$8$1$AA==$AA=='),
      false,
      'absurd cost parameters are refused',
    );
  });

  it('signs the demo admin in, case-insensitively, as an administrator', async () => {
    const actor = await signIn(store, 'ADMIN', DEMO_PASSWORD);
    assert.equal(actor.login, DEMO_ADMIN_LOGIN);
    assert.equal(actor.rightsClass, 'S');
    assert.equal(isAdmin(actor), true);
    assert.equal('password_hash' in actor, false);
  });

  it('gives the same error for an unknown login and a wrong password', async () => {
    await assert.rejects(signIn(store, 'nobody', DEMO_PASSWORD), SignInError);
    await assert.rejects(signIn(store, DEMO_ADMIN_LOGIN, 'wrong'), SignInError);
  });

  it('refuses logins longer than 8 characters and deactivated users', async () => {
    await assert.rejects(signIn(store, 'neunzeich', 'x'), LoginFormatError);
    const inactive = await store.get<{ login: string }>('SELECT login FROM users WHERE active = 0 LIMIT 1');
    assert.ok(inactive, 'the demo has a deactivated user');
    await assert.rejects(signIn(store, inactive.login, DEMO_PASSWORD), UserInactiveError);
  });

  it('resumes a kept sign-in only while the user may still sign in, with the role as it is now', async () => {
    const kept = await signIn(store, DEMO_HAUPTBENUTZER_LOGIN, DEMO_PASSWORD);
    assert.deepEqual(await resumeSignIn(store, kept), kept, 'nothing changed: the same actor');
    await store.transaction((tx) => tx.run("UPDATE users SET role = 'Administrator' WHERE id = ?", [kept.id]));
    assert.equal((await resumeSignIn(store, kept))?.role, 'Administrator', 'a changed role is taken');
    await store.transaction((tx) => tx.run('UPDATE users SET active = 0 WHERE id = ?', [kept.id]));
    assert.equal(await resumeSignIn(store, kept), undefined, 'deactivated meanwhile: sign in again');
    await store.transaction((tx) => tx.run('UPDATE users SET active = 1, role = ? WHERE id = ?', [kept.role, kept.id]));
    assert.equal(await resumeSignIn(store, { ...kept, login: 'other' }), undefined, 'another user under that id');
    assert.equal(await resumeSignIn(store, { ...kept, id: 999_999 }), undefined, 'removed');
  });

  it('enforces rights in core: admin = class S or role Administrator; Hauptbenutzer may manage licenses', async () => {
    const haupt = await signIn(store, DEMO_HAUPTBENUTZER_LOGIN, DEMO_PASSWORD);
    assert.equal(isAdmin(haupt), false);
    assert.equal(canManageLicenses(haupt), true);
    assert.throws(() => requireAdmin(haupt, 'change system settings'), PermissionError);
    requireLicenseManager(haupt, 'install a license');
    const clerk = await store.get<{ login: string }>(
      "SELECT login FROM users WHERE role = 'Sachbearbeiter' AND active = 1 LIMIT 1",
    );
    assert.ok(clerk);
    const clerkActor = await signIn(store, clerk.login, DEMO_PASSWORD);
    assert.throws(
      () => requireLicenseManager(clerkActor, 'install a license'),
      (e: Error) => e instanceof PermissionError && /install a license/.test(e.message),
    );
    assert.throws(() => requireAdmin(undefined, 'change system settings'), PermissionError);
    assert.equal(isAdmin({ ...clerkActor, rightsClass: 'S' }), true);
    assert.equal(isAdmin({ ...clerkActor, role: 'Administrator' }), true);
  });
});
