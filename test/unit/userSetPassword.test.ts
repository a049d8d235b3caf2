import { strict as assert } from 'node:assert';
import { closeAfterEach, smallDemoDb } from '../helpers';
import { setUserPassword, WeakNewPasswordError } from '../../src/core/users/setPassword';
import { signIn } from '../../src/core/users/auth';
import { UnknownUserError } from '../../src/core/users/userService';
import { IMPORTED_USER_PASSWORD_HASH } from '../../src/core/import/writeEntities';
import { PermissionError } from '../../src/core/errors';

describe('users: an administrator sets a password (both backends)', function () {
  this.timeout(60_000);
  const closing = closeAfterEach();

  it('gives an imported user (no password) one they can sign in with; audited without the secret', async () => {
    const { db, admin, haupt } = closing(await smallDemoDb());
    await db.run(
      "INSERT INTO users (login, short_code, last_name, first_name, rights_class, role, password_hash) VALUES ('imp1', 'I1', 'Importiert', '', 'A', 'Sachbearbeiter', ?)",
      [IMPORTED_USER_PASSWORD_HASH],
    );
    await assert.rejects(signIn(db, 'imp1', IMPORTED_USER_PASSWORD_HASH));
    await assert.rejects(setUserPassword(db, haupt, 'imp1', 'Sommer-2026!'), PermissionError);
    await assert.rejects(setUserPassword(db, undefined, 'imp1', 'Sommer-2026!'), PermissionError);
    await assert.rejects(setUserPassword(db, admin, 'imp1', 'kurz'), WeakNewPasswordError);
    await assert.rejects(setUserPassword(db, admin, 'niemand', 'Sommer-2026!'), UnknownUserError);
    assert.equal(
      (await db.get<{ password_hash: string }>("SELECT password_hash FROM users WHERE login = 'imp1'"))?.password_hash,
      IMPORTED_USER_PASSWORD_HASH,
    );

    const result = await setUserPassword(db, admin, 'IMP1', 'Sommer-2026!');
    assert.deepEqual(result, { login: 'imp1', hadNoPassword: true });
    const actor = await signIn(db, 'imp1', 'Sommer-2026!');
    assert.equal(actor.login, 'imp1');
    await assert.rejects(signIn(db, 'imp1', 'Winter-2026!'));
    const audit = await db.query<{ user_id: number; old_value: string; new_value: string }>(
      "SELECT user_id, old_value, new_value FROM audit_log WHERE action = 'user.password' AND entity_key = 'imp1'",
    );
    assert.deepEqual(
      audit.map((a) => [Number(a.user_id), a.old_value, a.new_value]),
      [[admin.id, 'none', 'set']],
    );
  });
});
