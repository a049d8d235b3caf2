import { strict as assert } from 'node:assert';
import { DEMO_HAUPTBENUTZER_LOGIN } from '../../src/core/demo/demoData';
import { PermissionError } from '../../src/core/errors';
import { SeatsExceededError } from '../../src/core/license/licenseService';
import { setSetting } from '../../src/core/settings/settingsService';
import type { Store } from '../../src/core/store/database';
import { LoginFormatError, signIn } from '../../src/core/users/auth';
import type { Actor } from '../../src/core/access/rights';
import { smallDemoStore } from '../helpers';
import {
  ProgramRightInputError,
  canAccess,
  listProgramRights,
  programRightSetting,
  rightsClassesInUse,
  rightsModules,
  setProgramRight,
} from '../../src/core/users/programRights';
import {
  CtiOffError,
  InactiveUserError,
  SelfLockoutError,
  UnknownRoleError,
  UnknownUserError,
  changeRole,
  myData,
  setActive,
  setOwnCtiLine,
  uncoupledUsers,
  unlockModuleFor,
} from '../../src/core/users/userService';

describe('users and modules', function () {
  this.timeout(30_000);
  let store: Store;
  let admin: Actor;
  let haupt: Actor;

  beforeEach(async () => ({ store, admin, haupt } = await smallDemoStore()));
  afterEach(async () => store.close());

  const loginWhere = (where: string): string =>
    String(store.scalar(`SELECT login FROM users WHERE ${where} ORDER BY id LIMIT 1`));

  it('couples an active uncoupled user on the first plus module; never lists admin/ncrem as uncoupled', () => {
    const uncoupled = loginWhere(
      "active = 1 AND coupled = 0 AND id NOT IN (SELECT user_id FROM user_modules WHERE module_code = 'KOMFORT')",
    );
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
    const { store, admin, haupt } = await smallDemoStore();
    const user = store.get<{ id: number; rights_class: string }>(
      "SELECT u.id, u.rights_class FROM users u JOIN user_modules m ON m.user_id = u.id WHERE m.module_code = 'MELDUNGEN' AND u.active = 1 AND u.rights_class = 'A' LIMIT 1",
    );
    assert.ok(user);
    assert.deepEqual(canAccess(store, user.id, 'MELDUNGEN'), { allowed: true, reason: 'allowed' });
    assert.equal(canAccess(store, user.id, 'RAUMBUCH').reason, 'not-licensed');
    setProgramRight(store, admin, 'A', 'MELDUNGEN', '', false);
    assert.equal(canAccess(store, user.id, 'MELDUNGEN').reason, 'denied-module');
    assert.equal(
      canAccess(store, user.id, 'MELDUNGEN', 'Meldungsliste').reason,
      'denied-module',
      'the list inherits the module right',
    );
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

describe('program rights editor service (issue 18)', function () {
  this.timeout(30_000);
  let store: Store;
  let admin: Actor;
  let haupt: Actor;
  const NOW = new Date('2026-11-30T10:00:00Z');
  const audits = (): Array<{ user_id: number; entity_key: string; old_value: string; new_value: string }> =>
    store.all(
      "SELECT user_id, entity_key, old_value, new_value FROM audit_log WHERE action = 'rights.set' ORDER BY id",
    );

  beforeEach(async () => ({ store, admin, haupt } = await smallDemoStore()));
  afterEach(async () => store.close());

  it('sets allow/deny/inherit per class × module or list, normalised, audited old → new, nothing written when unchanged', () => {
    const first = setProgramRight(store, admin, ' a ', 'meldungen', '', false, NOW);
    assert.deepEqual(first, {
      rightsClass: 'A',
      moduleCode: 'MELDUNGEN',
      list: '',
      oldSetting: 'inherit',
      newSetting: 'deny',
      changed: true,
    });
    assert.equal(setProgramRight(store, admin, 'A', 'MELDUNGEN', ' Meldungsliste ', true, NOW).newSetting, 'allow');
    assert.equal(
      setProgramRight(store, admin, 'A', 'MELDUNGEN', '', false, NOW).changed,
      false,
      'the same setting again',
    );
    assert.deepEqual(
      listProgramRights(store).map((r) => [r.rightsClass, r.moduleCode, r.list, r.allowed]),
      [
        ['A', 'MELDUNGEN', '', false],
        ['A', 'MELDUNGEN', 'Meldungsliste', true],
      ],
    );
    assert.equal(listProgramRights(store, { rightsClass: 'B' }).length, 0);
    assert.ok(listProgramRights(store)[0]?.moduleName, 'the module name comes from the license');
    const cleared = setProgramRight(store, admin, 'A', 'MELDUNGEN', '', null, NOW);
    assert.deepEqual([cleared.oldSetting, cleared.newSetting], ['deny', 'inherit']);
    assert.equal(programRightSetting(store, 'A', 'MELDUNGEN', ''), 'inherit');
    assert.deepEqual(
      audits().map((a) => [a.user_id, a.entity_key, a.old_value, a.new_value]),
      [
        [admin.id, 'A/MELDUNGEN/', 'inherit', 'deny'],
        [admin.id, 'A/MELDUNGEN/Meldungsliste', 'inherit', 'allow'],
        [admin.id, 'A/MELDUNGEN/', 'deny', 'inherit'],
      ],
    );
  });

  it('is for administrators only and refuses bad input with the fix, changing nothing', () => {
    assert.throws(() => setProgramRight(store, haupt, 'A', 'MELDUNGEN', '', false), PermissionError);
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        assert.ok(e instanceof ProgramRightInputError, String(e));
        return e.code;
      }
      return undefined;
    };
    assert.equal(
      code(() => setProgramRight(store, admin, 'AB', 'MELDUNGEN', '', false)),
      'E_RIGHTS_CLASS',
    );
    assert.equal(
      code(() => setProgramRight(store, admin, '1', 'MELDUNGEN', '', false)),
      'E_RIGHTS_CLASS',
    );
    assert.equal(
      code(() => setProgramRight(store, admin, 's', 'MELDUNGEN', '', false)),
      'E_RIGHTS_CLASS_S',
    );
    assert.equal(
      code(() => setProgramRight(store, admin, 'A', 'RAUMBUCH', '', false)),
      'E_RIGHTS_MODULE',
    );
    assert.throws(
      () => setProgramRight(store, admin, 'A', 'RAUMBUCH', '', false),
      /no installed license\. Use one of: .*MELDUNGEN/,
      'names the modules to choose from',
    );
    assert.equal(
      code(() => setProgramRight(store, admin, 'A', 'MELDUNGEN', 'x'.repeat(81), false)),
      'E_RIGHTS_LIST',
    );
    assert.equal(
      code(() => setProgramRight(store, admin, 'A', 'MELDUNGEN', 'Liste\nzwei', false)),
      'E_RIGHTS_LIST',
    );
    assert.equal(store.scalar('SELECT count(*) FROM program_rights'), 0);
    assert.equal(audits().length, 0);
  });

  it('offers the licensed modules and the classes in use (without S), and a stored right of a module no longer licensed can be cleared', () => {
    const modules = rightsModules(store).map((m) => m.code);
    assert.ok(modules.includes('MELDUNGEN') && !modules.includes('RAUMBUCH'));
    const classes = rightsClassesInUse(store);
    assert.ok(classes.some((c) => c.rightsClass === 'A' && c.users > 0));
    assert.ok(!classes.some((c) => c.rightsClass === 'S'));
    // a right left from a license that no longer has the module: it can still be cleared, not set
    store.run("INSERT INTO program_rights (rights_class, module_code, list, allowed) VALUES ('Q', 'ALTMODUL', '', 0)");
    assert.ok(rightsClassesInUse(store).some((c) => c.rightsClass === 'Q' && c.rights === 1 && c.users === 0));
    assert.throws(() => setProgramRight(store, admin, 'Q', 'ALTMODUL', '', true), ProgramRightInputError);
    assert.equal(setProgramRight(store, admin, 'Q', 'ALTMODUL', '', null).changed, true);
    assert.equal(listProgramRights(store, { rightsClass: 'Q' }).length, 0);
  });

  it('an edited right is what canAccess enforces', () => {
    const user = store.get<{ id: number }>(
      "SELECT u.id FROM users u JOIN user_modules m ON m.user_id = u.id WHERE m.module_code = 'MELDUNGEN' AND u.active = 1 AND u.rights_class = 'A' LIMIT 1",
    );
    assert.ok(user);
    setProgramRight(store, admin, 'A', 'MELDUNGEN', 'Auswertung', false);
    assert.equal(canAccess(store, user.id, 'MELDUNGEN', 'Auswertung').reason, 'denied-list');
    setProgramRight(store, admin, 'A', 'MELDUNGEN', 'Auswertung', null);
    assert.equal(canAccess(store, user.id, 'MELDUNGEN', 'Auswertung').allowed, true);
  });
});
