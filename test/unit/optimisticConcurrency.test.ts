/**
 * Several writers on one store (issue 19 "Several writers at once"): an edit based on a value that someone else has
 * changed meanwhile is refused with the current value shown, and nothing is written — for system settings, user
 * roles, SMTP and SFTP settings. Runs on the backend under test (IXHAUS_TEST_BACKEND: sql.js file or PostgreSQL).
 */
import { strict as assert } from 'node:assert';
import { ChangedMeanwhileError } from '../../src/core/errors';
import { loadMailSettings, saveMailSettings } from '../../src/core/mail/mailStore';
import { setSetting, settingState, requireSetting } from '../../src/core/settings/settingsService';
import { loadSftpSettings, saveSftpSettings } from '../../src/core/sftp/sftpSettings';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import { changeRole } from '../../src/core/users/userService';
import type { Actor } from '../../src/core/access/rights';
import { smallDemoDb } from '../helpers';

const SMTP = {
  authType: 'basic',
  host: 'smtp.example.org',
  port: 587,
  ssl: true,
  allowInsecureAuth: false,
  user: 'ixhaus',
  from: 'ixhaus@example.org',
  notifyAddress: 'admin@example.org',
  schedulerRecipient: 'ops@example.org',
  schedulerRecipient2: '',
};

describe('optimistic concurrency: edits based on a stale value are refused (issue 19)', () => {
  let db: AsyncStore;
  let admin: Actor;

  beforeEach(async () => {
    ({ db, admin } = await smallDemoDb());
  });
  afterEach(async () => {
    await db.close();
  });

  it('a system setting changed by another admin meanwhile: refused, the current value named, nothing written', async () => {
    const def = requireSetting('AutomatischeAbmeldungNachTagen');
    const shown = (await settingState(db, def)).value;
    // another admin saves 7 while this one still looks at the old value
    await setSetting(db, admin, def.systemId, '7', { expected: shown });
    const refused = await setSetting(db, admin, def.systemId, '9', { expected: shown }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(refused instanceof ChangedMeanwhileError, String(refused));
    assert.deepEqual(refused.args, ['AutomatischeAbmeldungNachTagen', '7']);
    assert.equal((await settingState(db, def)).value, '7');
    const audits = await db.query("SELECT new_value FROM audit_log WHERE action = 'setting.set' ORDER BY id");
    assert.deepEqual(
      audits.map((r) => r.new_value),
      ['7'],
    );
    // based on the current value, the change goes through
    await setSetting(db, admin, def.systemId, '9', { expected: '7' });
    assert.equal((await settingState(db, def)).value, '9');
  });

  it("a user's role changed by another admin meanwhile: refused with the role it has now", async () => {
    const user = await db.get<{ login: string; role: string }>(
      "SELECT login, role FROM users WHERE role <> 'Administrator' AND id <> ? ORDER BY id LIMIT 1",
      [admin.id],
    );
    assert.ok(user);
    const other = user.role === 'Technik' ? 'Sachbearbeiter' : 'Technik';
    await changeRole(db, admin, user.login, other, new Date(), user.role);
    await assert.rejects(
      changeRole(db, admin, user.login, 'Administrator', new Date(), user.role),
      (error: unknown) => error instanceof ChangedMeanwhileError && error.args[1] === other,
    );
    assert.equal((await db.get<{ role: string }>('SELECT role FROM users WHERE login = ?', [user.login]))?.role, other);
  });

  it('SMTP settings saved by another admin meanwhile: the second save is refused and the first one kept', async () => {
    const shown = (await loadMailSettings(db)) ?? null;
    await saveMailSettings(db, admin, SMTP, { password: true, clientSecret: false }, new Date(), shown);
    await assert.rejects(
      saveMailSettings(db, admin, { ...SMTP, host: 'other.example.org' }, undefined, new Date(), shown),
      (error: unknown) => error instanceof ChangedMeanwhileError && String(error.args[1]).includes('smtp.example.org'),
    );
    assert.equal((await loadMailSettings(db))?.host, 'smtp.example.org');
  });

  it('SFTP settings saved by another admin meanwhile: refused', async () => {
    const input = {
      host: 'lizenz.example.org',
      port: 22,
      username: 'kunde',
      authMethod: 'password' as const,
      remoteDir: '/',
    };
    const shown = (await loadSftpSettings(db)) ?? null;
    await saveSftpSettings(db, admin, input, shown);
    await assert.rejects(
      saveSftpSettings(db, admin, { ...input, host: 'other.example.org' }, shown),
      ChangedMeanwhileError,
    );
    assert.equal((await loadSftpSettings(db))?.host, 'lizenz.example.org');
  });
});
