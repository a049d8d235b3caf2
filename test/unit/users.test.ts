import { strict as assert } from 'node:assert';
import { DEMO_HAUPTBENUTZER_LOGIN } from '../../src/core/demo/demoData';
import { PermissionError } from '../../src/core/errors';
import { SeatsExceededError } from '../../src/core/license/licenseService';
import { setSetting } from '../../src/core/settings/settingsService';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import { LoginFormatError, signIn } from '../../src/core/users/auth';
import type { Actor } from '../../src/core/access/rights';
import { smallDemoDb } from '../helpers';
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
import { scalar } from '../../src/core/store/asyncQueries';

describe('users and modules', function () {
  this.timeout(30_000);
  let store: AsyncStore;
  let admin: Actor;
  let haupt: Actor;

  beforeEach(async () => ({ db: store, admin, haupt } = await smallDemoDb()));
  afterEach(async () => store.close());

  const loginWhere = async (where: string): Promise<string> =>
    String(await scalar(store, `SELECT login FROM users WHERE ${where} ORDER BY id LIMIT 1`));

  it('couples an active uncoupled user on the first plus module; never lists admin/ncrem as uncoupled', async () => {
    const uncoupled = await loginWhere(
      "active = 1 AND coupled = 0 AND id NOT IN (SELECT user_id FROM user_modules WHERE module_code = 'KOMFORT')",
    );
    assert.ok((await uncoupledUsers(store)).includes(uncoupled));
    assert.deepEqual(await unlockModuleFor(store, admin, uncoupled, 'KOMFORT'), { coupled: true });
    assert.ok(!(await uncoupledUsers(store)).includes(uncoupled));
    await store.run("UPDATE users SET coupled = 0 WHERE login = 'admin'");
    assert.ok(!(await uncoupledUsers(store)).includes('admin'));
  });

  it('refuses unlocks for deactivated users, beyond seats, by non-admins and for unknown users', async () => {
    const inactive = await loginWhere('active = 0');
    await assert.rejects(() => unlockModuleFor(store, admin, inactive, 'KOMFORT'), InactiveUserError);
    const free = await loginWhere(
      "active = 1 AND id NOT IN (SELECT user_id FROM user_modules WHERE module_code = 'IMPORT')",
    );
    await assert.rejects(() => unlockModuleFor(store, admin, free, 'IMPORT'), SeatsExceededError);
    await assert.rejects(() => unlockModuleFor(store, haupt, free, 'KOMFORT'), PermissionError);
    await assert.rejects(() => unlockModuleFor(store, admin, 'niemand', 'KOMFORT'), UnknownUserError);
  });

  it('changes roles and deactivates (never deletes), audited; not for oneself', async () => {
    const clerk = await loginWhere("role = 'Sachbearbeiter' AND active = 1");
    await changeRole(store, admin, clerk, 'Technik');
    assert.equal(await scalar(store, 'SELECT role FROM users WHERE login = ?', [clerk]), 'Technik');
    await assert.rejects(() => changeRole(store, admin, clerk, 'Chef'), UnknownRoleError);
    await assert.rejects(() => changeRole(store, admin, 'admin', 'Lesezugriff'), SelfLockoutError);
    await setActive(store, admin, clerk, false);
    assert.equal(await scalar(store, 'SELECT active FROM users WHERE login = ?', [clerk]), 0);
    assert.equal(await scalar(store, 'SELECT count(*) FROM users WHERE login = ?', [clerk]), 1, 'still there');
    await assert.rejects(() => setActive(store, admin, 'admin', false), SelfLockoutError);
    await assert.rejects(() => setActive(store, haupt, clerk, true), PermissionError);
    assert.equal(
      await scalar(store, "SELECT count(*) FROM audit_log WHERE action IN ('user.role', 'user.deactivate')"),
      2,
    );
  });

  it('Meine Daten: each user sets only their own CTI line, and only while CTI is on', async () => {
    await setSetting(store, admin, 'PlusGlobalCTIKopplungAktiv', '0');
    await assert.rejects(() => setOwnCtiLine(store, haupt, DEMO_HAUPTBENUTZER_LOGIN, 'SIP/204'), CtiOffError);
    await setSetting(store, admin, 'PlusGlobalCTIKopplungAktiv', '1');
    await setOwnCtiLine(store, haupt, DEMO_HAUPTBENUTZER_LOGIN, 'SIP/204');
    assert.deepEqual(await myData(store, haupt.id), { ctiLine: 'SIP/204', ctiEnabled: true });
    await assert.rejects(() => setOwnCtiLine(store, admin, DEMO_HAUPTBENUTZER_LOGIN, 'SIP/999'), PermissionError);
    assert.equal((await myData(store, haupt.id)).ctiLine, 'SIP/204');
  });

  it('refuses a 9-character login at sign-in', async () => {
    await assert.rejects(signIn(store, 'abcdefghi', 'x'), LoginFormatError);
  });
});

describe('program rights: await canAccess(user, module, list?)', function () {
  this.timeout(30_000);
  it('needs an active user, a licensed and unlocked module, and rights of the class; lists inherit unless overridden', async () => {
    const { db: store, admin, haupt } = await smallDemoDb();
    const user = await store.get<{ id: number; rights_class: string }>(
      "SELECT u.id, u.rights_class FROM users u JOIN user_modules m ON m.user_id = u.id WHERE m.module_code = 'MELDUNGEN' AND u.active = 1 AND u.rights_class = 'A' LIMIT 1",
    );
    assert.ok(user);
    assert.deepEqual(await canAccess(store, user.id, 'MELDUNGEN'), { allowed: true, reason: 'allowed' });
    assert.equal((await canAccess(store, user.id, 'RAUMBUCH')).reason, 'not-licensed');
    await setProgramRight(store, admin, 'A', 'MELDUNGEN', '', false);
    assert.equal((await canAccess(store, user.id, 'MELDUNGEN')).reason, 'denied-module');
    assert.equal(
      (await canAccess(store, user.id, 'MELDUNGEN', 'Meldungsliste')).reason,
      'denied-module',
      'the list inherits the module right',
    );
    await setProgramRight(store, admin, 'A', 'MELDUNGEN', 'Meldungsliste', true);
    assert.equal((await canAccess(store, user.id, 'MELDUNGEN', 'Meldungsliste')).allowed, true, 'the list overrides');
    await setProgramRight(store, admin, 'A', 'MELDUNGEN', '', null);
    await setProgramRight(store, admin, 'A', 'MELDUNGEN', 'Auswertung', false);
    assert.equal((await canAccess(store, user.id, 'MELDUNGEN', 'Auswertung')).reason, 'denied-list');
    assert.equal((await canAccess(store, user.id, 'MELDUNGEN')).allowed, true);
    await assert.rejects(() => setProgramRight(store, haupt, 'A', 'MELDUNGEN', '', false), PermissionError);
    await store.run("DELETE FROM user_modules WHERE user_id = ? AND module_code = 'MELDUNGEN'", [user.id]);
    assert.equal((await canAccess(store, user.id, 'MELDUNGEN')).reason, 'not-unlocked');
    await store.close();
  });
});

describe('program rights editor service (issue 18)', function () {
  this.timeout(30_000);
  let store: AsyncStore;
  let admin: Actor;
  let haupt: Actor;
  const NOW = new Date('2026-11-30T10:00:00Z');
  const audits = (): Promise<Array<{ user_id: number; entity_key: string; old_value: string; new_value: string }>> =>
    store.query(
      "SELECT user_id, entity_key, old_value, new_value FROM audit_log WHERE action = 'rights.set' ORDER BY id",
    );

  beforeEach(async () => ({ db: store, admin, haupt } = await smallDemoDb()));
  afterEach(async () => store.close());

  it('sets allow/deny/inherit per class × module or list, normalised, audited old → new, nothing written when unchanged', async () => {
    const first = await setProgramRight(store, admin, ' a ', 'meldungen', '', false, NOW);
    assert.deepEqual(first, {
      rightsClass: 'A',
      moduleCode: 'MELDUNGEN',
      list: '',
      oldSetting: 'inherit',
      newSetting: 'deny',
      changed: true,
    });
    assert.equal(
      (await setProgramRight(store, admin, 'A', 'MELDUNGEN', ' Meldungsliste ', true, NOW)).newSetting,
      'allow',
    );
    assert.equal(
      (await setProgramRight(store, admin, 'A', 'MELDUNGEN', '', false, NOW)).changed,
      false,
      'the same setting again',
    );
    assert.deepEqual(
      (await listProgramRights(store)).map((r) => [r.rightsClass, r.moduleCode, r.list, r.allowed]),
      [
        ['A', 'MELDUNGEN', '', false],
        ['A', 'MELDUNGEN', 'Meldungsliste', true],
      ],
    );
    assert.equal((await listProgramRights(store, { rightsClass: 'B' })).length, 0);
    assert.ok((await listProgramRights(store))[0]?.moduleName, 'the module name comes from the license');
    const cleared = await setProgramRight(store, admin, 'A', 'MELDUNGEN', '', null, NOW);
    assert.deepEqual([cleared.oldSetting, cleared.newSetting], ['deny', 'inherit']);
    assert.equal(await programRightSetting(store, 'A', 'MELDUNGEN', ''), 'inherit');
    assert.deepEqual(
      (await audits()).map((a) => [a.user_id, a.entity_key, a.old_value, a.new_value]),
      [
        [admin.id, 'A/MELDUNGEN/', 'inherit', 'deny'],
        [admin.id, 'A/MELDUNGEN/Meldungsliste', 'inherit', 'allow'],
        [admin.id, 'A/MELDUNGEN/', 'deny', 'inherit'],
      ],
    );
  });

  it('is for administrators only and refuses bad input with the fix, changing nothing', async () => {
    await assert.rejects(() => setProgramRight(store, haupt, 'A', 'MELDUNGEN', '', false), PermissionError);
    const code = async (f: () => Promise<unknown>): Promise<string | undefined> => {
      try {
        await f();
      } catch (e) {
        assert.ok(e instanceof ProgramRightInputError, String(e));
        return e.code;
      }
      return undefined;
    };
    assert.equal(await code(() => setProgramRight(store, admin, 'AB', 'MELDUNGEN', '', false)), 'E_RIGHTS_CLASS');
    assert.equal(await code(() => setProgramRight(store, admin, '1', 'MELDUNGEN', '', false)), 'E_RIGHTS_CLASS');
    assert.equal(await code(() => setProgramRight(store, admin, 's', 'MELDUNGEN', '', false)), 'E_RIGHTS_CLASS_S');
    assert.equal(await code(() => setProgramRight(store, admin, 'A', 'RAUMBUCH', '', false)), 'E_RIGHTS_MODULE');
    await assert.rejects(
      () => setProgramRight(store, admin, 'A', 'RAUMBUCH', '', false),
      /no installed license\. Use one of: .*MELDUNGEN/,
      'names the modules to choose from',
    );
    assert.equal(
      await code(() => setProgramRight(store, admin, 'A', 'MELDUNGEN', 'x'.repeat(81), false)),
      'E_RIGHTS_LIST',
    );
    assert.equal(
      await code(() => setProgramRight(store, admin, 'A', 'MELDUNGEN', 'Liste\nzwei', false)),
      'E_RIGHTS_LIST',
    );
    assert.equal(await scalar(store, 'SELECT count(*) FROM program_rights'), 0);
    assert.equal((await audits()).length, 0);
  });

  it('offers the licensed modules and the classes in use (without S), and a stored right of a module no longer licensed can be cleared', async () => {
    const modules = (await rightsModules(store)).map((m) => m.code);
    assert.ok(modules.includes('MELDUNGEN') && !modules.includes('RAUMBUCH'));
    const classes = await rightsClassesInUse(store);
    assert.ok(classes.some((c) => c.rightsClass === 'A' && c.users > 0));
    assert.ok(!classes.some((c) => c.rightsClass === 'S'));
    // a right left from a license that no longer has the module: it can still be cleared, not set
    await store.run(
      "INSERT INTO program_rights (rights_class, module_code, list, allowed) VALUES ('Q', 'ALTMODUL', '', 0)",
    );
    assert.ok((await rightsClassesInUse(store)).some((c) => c.rightsClass === 'Q' && c.rights === 1 && c.users === 0));
    await assert.rejects(() => setProgramRight(store, admin, 'Q', 'ALTMODUL', '', true), ProgramRightInputError);
    assert.equal((await setProgramRight(store, admin, 'Q', 'ALTMODUL', '', null)).changed, true);
    assert.equal((await listProgramRights(store, { rightsClass: 'Q' })).length, 0);
  });

  it('an edited right is what canAccess enforces', async () => {
    const user = await store.get<{ id: number }>(
      "SELECT u.id FROM users u JOIN user_modules m ON m.user_id = u.id WHERE m.module_code = 'MELDUNGEN' AND u.active = 1 AND u.rights_class = 'A' LIMIT 1",
    );
    assert.ok(user);
    await setProgramRight(store, admin, 'A', 'MELDUNGEN', 'Auswertung', false);
    assert.equal((await canAccess(store, user.id, 'MELDUNGEN', 'Auswertung')).reason, 'denied-list');
    await setProgramRight(store, admin, 'A', 'MELDUNGEN', 'Auswertung', null);
    assert.equal((await canAccess(store, user.id, 'MELDUNGEN', 'Auswertung')).allowed, true);
  });
});
