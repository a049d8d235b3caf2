import { strict as assert } from 'node:assert';
import { DEMO_ADMIN_LOGIN, DEMO_HAUPTBENUTZER_LOGIN, DEMO_PASSWORD, generateDemoData } from '../../src/core/demo/demoData';
import { PermissionError } from '../../src/core/errors';
import { SeatsExceededError } from '../../src/core/license/licenseService';
import { setSetting } from '../../src/core/settings/settingsService';
import { Store } from '../../src/core/store/database';
import { LoginFormatError, signIn } from '../../src/core/users/auth';
import type { Actor } from '../../src/core/access/rights';
import { smallDemoStore } from '../helpers';
import { canAccess, setProgramRight } from '../../src/core/users/programRights';
import { CtiOffError, InactiveUserError, SelfLockoutError, UnknownRoleError, UnknownUserError, changeRole, myData, setActive, setOwnCtiLine, uncoupledUsers, unlockModuleFor } from '../../src/core/users/userService';

describe('users and modules', function () {
  this.timeout(30_000);
  let store: Store;
  let admin: Actor;
  let haupt: Actor;

  beforeEach(async () => ({ store, admin, haupt } = await smallDemoStore()));
  afterEach(async () => store.close());

  const loginWhere = (where: string): string => String(store.scalar(`SELECT login FROM users WHERE ${where} ORDER BY id LIMIT 1`));

  it('couples an active uncoupled user on the first plus module; never lists admin/ncrem as uncoupled', () => {
    const uncoupled = loginWhere("active = 1 AND coupled = 0 AND id NOT IN (SELECT user_id FROM user_modules WHERE module_code = 'KOMFORT')");
    assert.ok(uncoupledUsers(store).includes(uncoupled));
    assert.deepEqual(unlockModuleFor(store, admin, uncoupled, 'KOMFORT'), { coupled: true });
    assert.ok(!uncoupledUsers(store).includes(uncoupled));
    store.run("UPDATE users SET coupled = 0 WHERE login = 'admin'");
    assert.ok(!uncoupledUsers(store).includes('admin'));
  });

  it('refuses unlocks for deactivated users, beyond seats, by non-admins and for unknown users', () => {
    const inactive = loginWhere('active = 0');
    assert.throws(() => unlockModuleFor(store, admin, inactive, 'KOMFORT'), InactiveUserError);
    const free = loginWhere("active = 1 AND id NOT IN (SELECT user_id FROM user_modules WHERE module_code = 'IMPORT')");
    assert.throws(() => unlockModuleFor(store, admin, free, 'IMPORT'), SeatsExceededError);
    assert.throws(() => unlockModuleFor(store, haupt, free, 'KOMFORT'), PermissionError);
    assert.throws(() => unlockModuleFor(store, admin, 'niemand', 'KOMFORT'), UnknownUserError);
  });

  it('changes roles and deactivates (never deletes), audited; not for oneself', () => {
    const clerk = loginWhere("role = 'Sachbearbeiter' AND active = 1");
    changeRole(store, admin, clerk, 'Technik');
    assert.equal(store.scalar('SELECT role FROM users WHERE login = ?', [clerk]), 'Technik');
    assert.throws(() => changeRole(store, admin, clerk, 'Chef'), UnknownRoleError);
    assert.throws(() => changeRole(store, admin, 'admin', 'Lesezugriff'), SelfLockoutError);
    setActive(store, admin, clerk, false);
    assert.equal(store.scalar('SELECT active FROM users WHERE login = ?', [clerk]), 0);
    assert.equal(store.scalar('SELECT count(*) FROM users WHERE login = ?', [clerk]), 1, 'still there');
    assert.throws(() => setActive(store, admin, 'admin', false), SelfLockoutError);
    assert.throws(() => setActive(store, haupt, clerk, true), PermissionError);
    assert.equal(store.scalar("SELECT count(*) FROM audit_log WHERE action IN ('user.role', 'user.deactivate')"), 2);
  });

  it('Meine Daten: each user sets only their own CTI line, and only while CTI is on', () => {
    setSetting(store, admin, 'PlusGlobalCTIKopplungAktiv', '0');
    assert.throws(() => setOwnCtiLine(store, haupt, DEMO_HAUPTBENUTZER_LOGIN, 'SIP/204'), CtiOffError);
    setSetting(store, admin, 'PlusGlobalCTIKopplungAktiv', '1');
    setOwnCtiLine(store, haupt, DEMO_HAUPTBENUTZER_LOGIN, 'SIP/204');
    assert.deepEqual(myData(store, haupt.id), { ctiLine: 'SIP/204', ctiEnabled: true });
    assert.throws(() => setOwnCtiLine(store, admin, DEMO_HAUPTBENUTZER_LOGIN, 'SIP/999'), PermissionError);
    assert.equal(myData(store, haupt.id).ctiLine, 'SIP/204');
  });

  it('refuses a 9-character login at sign-in', async () => {
    await assert.rejects(signIn(store, 'abcdefghi', 'x'), LoginFormatError);
  });
});

describe('program rights: canAccess(user, module, list?)', function () {
  this.timeout(30_000);
  it('needs an active user, a licensed and unlocked module, and rights of the class; lists inherit unless overridden', async () => {
    const store = await Store.inMemory();
    await generateDemoData(store, { sizes: { persons: 10, creditors: 3, owners: 3, objects: 3 } });
    const admin = await signIn(store, DEMO_ADMIN_LOGIN, DEMO_PASSWORD);
    const haupt = await signIn(store, DEMO_HAUPTBENUTZER_LOGIN, DEMO_PASSWORD);
    const user = store.get<{ id: number; rights_class: string }>("SELECT u.id, u.rights_class FROM users u JOIN user_modules m ON m.user_id = u.id WHERE m.module_code = 'MELDUNGEN' AND u.active = 1 AND u.rights_class = 'A' LIMIT 1");
    assert.ok(user);
    assert.deepEqual(canAccess(store, user.id, 'MELDUNGEN'), { allowed: true, reason: 'allowed' });
    assert.equal(canAccess(store, user.id, 'RAUMBUCH').reason, 'not-licensed');
    setProgramRight(store, admin, 'A', 'MELDUNGEN', '', false);
    assert.equal(canAccess(store, user.id, 'MELDUNGEN').reason, 'denied-module');
    assert.equal(canAccess(store, user.id, 'MELDUNGEN', 'Meldungsliste').reason, 'denied-module', 'the list inherits the module right');
    setProgramRight(store, admin, 'A', 'MELDUNGEN', 'Meldungsliste', true);
    assert.equal(canAccess(store, user.id, 'MELDUNGEN', 'Meldungsliste').allowed, true, 'the list overrides');
    setProgramRight(store, admin, 'A', 'MELDUNGEN', '', null);
    setProgramRight(store, admin, 'A', 'MELDUNGEN', 'Auswertung', false);
    assert.equal(canAccess(store, user.id, 'MELDUNGEN', 'Auswertung').reason, 'denied-list');
    assert.equal(canAccess(store, user.id, 'MELDUNGEN').allowed, true);
    assert.throws(() => setProgramRight(store, haupt, 'A', 'MELDUNGEN', '', false), PermissionError);
    store.run("DELETE FROM user_modules WHERE user_id = ? AND module_code = 'MELDUNGEN'", [user.id]);
    assert.equal(canAccess(store, user.id, 'MELDUNGEN').reason, 'not-unlocked');
    await store.close();
  });
});
