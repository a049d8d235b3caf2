/**
 * Reminder windows as a store-wide admin setting (issue 17 §12): parsing, rights and audit, license/module and
 * client-secret reminders at the store's windows, and migration 009 (a v6 store keeps the reminders it gave).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  DEMO_ADMIN_LOGIN,
  DEMO_HAUPTBENUTZER_LOGIN,
  DEMO_PASSWORD,
  generateDemoData,
} from '../../src/core/demo/demoData';
import { PermissionError } from '../../src/core/errors';
import { dueReminders, markRemindersGiven } from '../../src/core/license/licenseService';
import { dueReminder } from '../../src/core/mail/secretExpiry';
import {
  DEFAULT_REMINDER_DAYS,
  ReminderWindowsError,
  parseReminderDays,
  reminderDays,
  setReminderDays,
} from '../../src/core/reminders/reminderWindows';
import { Store } from '../../src/core/store/database';
import { MIGRATIONS } from '../../src/core/store/migrations';
import { APPLICATION_ID } from '../../src/core/store/fileCheck';
import { loadSqlJs } from '../../src/core/store/sqlJs';
import { signIn } from '../../src/core/users/auth';
import { fileBackendOnly, onTestBackend, tempDir } from '../helpers';
import { SqlJsAsyncStore } from '../../src/core/store/sqlJsAsyncStore';

const NOW = new Date('2026-11-29T12:00:00Z');

describe('reminder windows (store-wide, administrators)', function () {
  this.timeout(30_000);

  it('parses "30, 7, 1" style lists and names what is wrong', () => {
    assert.deepEqual(parseReminderDays('7, 30 ;1'), [30, 7, 1]);
    assert.deepEqual(parseReminderDays([14, 60]), [60, 14]);
    const code = (input: string) => {
      try {
        parseReminderDays(input);
        return 'ok';
      } catch (error) {
        assert.ok(error instanceof ReminderWindowsError);
        return error.code;
      }
    };
    assert.equal(code(''), 'E_REMINDER_DAYS_EMPTY');
    assert.equal(code('30, 0'), 'E_REMINDER_DAYS_VALUE');
    assert.equal(code('366'), 'E_REMINDER_DAYS_VALUE');
    assert.equal(code('7.5'), 'E_REMINDER_DAYS_VALUE');
    assert.equal(code('dreißig'), 'E_REMINDER_DAYS_VALUE');
    assert.equal(code('7 7'), 'E_REMINDER_DAYS_REPEATED');
    assert.equal(code('1 2 3 4 5 6 7'), 'E_REMINDER_DAYS_MANY');
  });

  it('only administrators change them; every change is audited; license and module reminders follow them', async () => {
    // the demo's module end dates follow `now`: a demo generated for NOW, on the backend under test
    const generated = await Store.inMemory();
    await generateDemoData(generated, { now: NOW, sizes: { persons: 5, creditors: 2, owners: 2, objects: 2 } });
    const store = await onTestBackend(generated);
    try {
      const admin = await signIn(store, DEMO_ADMIN_LOGIN, DEMO_PASSWORD);
      const haupt = await signIn(store, DEMO_HAUPTBENUTZER_LOGIN, DEMO_PASSWORD);
      assert.deepEqual(await reminderDays(store), [...DEFAULT_REMINDER_DAYS]);
      // the demo Scheduler module ends 20 days after NOW: with the default, the 30-day reminder is due
      assert.deepEqual(
        (await dueReminders(store, NOW)).map((r) => [r.moduleCode, r.threshold]),
        [['SCHEDULER', 30]],
      );
      await assert.rejects(() => setReminderDays(store, haupt, '60 14 3', NOW), PermissionError);
      assert.deepEqual(await setReminderDays(store, admin, '14, 60, 3', NOW), [60, 14, 3]);
      assert.deepEqual(
        await store.get('SELECT user_id AS u, old_value AS o, new_value AS n FROM audit_log WHERE action = ?', [
          'reminders.days',
        ]),
        { u: admin.id, o: '30,7,1', n: '60,14,3' },
      );
      const due = await dueReminders(store, NOW);
      assert.deepEqual(
        due.map((r) => [r.moduleCode, r.threshold, r.daysLeft]),
        [['SCHEDULER', 60, 20]],
      );
      await markRemindersGiven(store, due, NOW);
      assert.deepEqual(await dueReminders(store, NOW), []);
      const in7Days = new Date(NOW.getTime() + 7 * 86_400_000);
      assert.deepEqual(
        (await dueReminders(store, in7Days)).map((r) => r.threshold),
        [14],
        'a window of 14 days (not the default 7)',
      );
      assert.equal(
        dueReminder('2027-03-31', new Date('2027-02-19T00:00:00Z'), new Set(), await reminderDays(store)),
        60,
      );
      assert.equal(
        dueReminder('2027-03-31', new Date('2027-02-19T00:00:00Z'), new Set()),
        undefined,
        'default windows: not yet',
      );
    } finally {
      await store.close();
    }
  });

  it('migration 009: a schema-6 store keeps the reminders it gave and then accepts any window of 1–365 days', async function () {
    fileBackendOnly(this); // the file engine's migration 009
    const { dir, cleanup } = await tempDir();
    try {
      const SQL = await loadSqlJs();
      const db = new SQL.Database();
      db.exec(`PRAGMA application_id = ${APPLICATION_ID};`);
      for (const m of MIGRATIONS.filter((x) => x.version <= 6)) m.up(db);
      db.exec('PRAGMA user_version = 6;');
      db.exec(
        "INSERT INTO license_reminders VALUES ('4711', '', '2027-01-31', 30, '2026-12-01T00:00:00Z'); INSERT INTO mail_secret_reminders VALUES ('2027-03-31', 7, '2027-03-24T00:00:00Z', 'it@ixhaus.example');",
      );
      assert.throws(
        () => db.exec("INSERT INTO license_reminders VALUES ('4711', '', '2027-01-31', 60, 'x')"),
        /CHECK constraint/,
      );
      const file = path.join(dir, 'v6.sqlite');
      await fs.writeFile(file, db.export());
      db.close();
      const store = new SqlJsAsyncStore(await Store.open(file));
      try {
        assert.ok((await store.schemaVersion()) >= 9);
        assert.deepEqual(await store.query('SELECT license_no AS l, threshold_days AS t FROM license_reminders'), [
          { l: '4711', t: 30 },
        ]);
        assert.deepEqual(
          await store.query('SELECT valid_until AS v, days_before AS d, recipient AS r FROM mail_secret_reminders'),
          [{ v: '2027-03-31', d: 7, r: 'it@ixhaus.example' }],
        );
        await store.run("INSERT INTO license_reminders VALUES ('4711', '', '2027-01-31', 60, '2026-12-01T00:00:00Z')");
        await store.run(
          "INSERT INTO mail_secret_reminders VALUES ('2027-03-31', 90, '2027-01-01T00:00:00Z', 'it@ixhaus.example')",
        );
        await assert.rejects(
          () => store.run("INSERT INTO mail_secret_reminders VALUES ('2027-03-31', 400, 'x', 'y')"),
          /CHECK constraint/,
        );
      } finally {
        await store.close();
      }
    } finally {
      await cleanup();
    }
  });
});
