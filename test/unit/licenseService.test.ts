import { strict as assert } from 'node:assert';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  DEMO_ADMIN_LOGIN,
  DEMO_HAUPTBENUTZER_LOGIN,
  DEMO_LICENSE_KEY,
  DEMO_PASSWORD,
  demoLicensePayload,
  generateDemoData,
} from '../../src/core/demo/demoData';
import { PermissionError } from '../../src/core/errors';
import { DEMO_KID, demoPrivateKey } from '../../src/core/license/demoVendorKey';
import { LicenseRollbackError } from '../../src/core/license/licenseFile';
import type { LicensePayload } from '../../src/core/license/licenseFile';
import { issueLicenseFile } from '../../src/core/license/licenseIssuer';
import {
  ModuleNotLicensedError,
  SeatsExceededError,
  buildTrustedKeys,
  checkClock,
  diffLicenses,
  dueReminders,
  installCandidates,
  installLicense,
  lockModule,
  prepareInstall,
  markRemindersGiven,
  renderLicenseText,
  unlockModule,
  verifyForStore,
} from '../../src/core/license/licenseService';
import { listInstalledLicenses } from '../../src/core/license/installedLicenses';
import { Store } from '../../src/core/store/database';
import { LATEST_SCHEMA_VERSION } from '../../src/core/store/migrations';
import { SCHEMA_V1 } from '../../src/core/store/migrations/001_initial';
import { APPLICATION_ID } from '../../src/core/store/fileCheck';
import { loadSqlJs } from '../../src/core/store/sqlJs';
import { signIn } from '../../src/core/users/auth';
import type { Actor } from '../../src/core/access/rights';
import { fileBackendOnly, onTestBackend, tempDir } from '../helpers';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import { scalar } from '../../src/core/store/asyncQueries';

const NOW = new Date('2026-11-29T12:00:00Z');
const trusted = buildTrustedKeys().keys;
const vendor = { kid: DEMO_KID, privateKey: demoPrivateKey() };

function candidate(overrides: Partial<LicensePayload>): string {
  return issueLicenseFile({ ...demoLicensePayload(NOW), ...overrides }, vendor, DEMO_LICENSE_KEY);
}

describe('license service on the demo store', function () {
  this.timeout(30_000);
  let store: AsyncStore;
  let admin: Actor;
  let haupt: Actor;
  let clerk: Actor;

  beforeEach(async () => {
    // the demo license's module end dates follow `now`: a demo generated for NOW, on the backend under test
    const generated = await Store.inMemory();
    await generateDemoData(generated, { now: NOW, sizes: { persons: 20, creditors: 5, owners: 5, objects: 5 } });
    store = await onTestBackend(generated);
    admin = await signIn(store, DEMO_ADMIN_LOGIN, DEMO_PASSWORD);
    haupt = await signIn(store, DEMO_HAUPTBENUTZER_LOGIN, DEMO_PASSWORD);
    const login = String(
      await scalar(store, "SELECT login FROM users WHERE role = 'Sachbearbeiter' AND active = 1 ORDER BY id LIMIT 1"),
    );
    clerk = await signIn(store, login, DEMO_PASSWORD);
  });
  afterEach(async () => store.close());

  it('the one install path: prepare (verify → diff, no write), then install all candidates or none', async () => {
    const licenseNo = demoLicensePayload(NOW).licenseNo;
    const before = (await scalar(store, 'SELECT serial FROM licenses WHERE license_no = ?', [licenseNo])) as number;
    const newer = await prepareInstall(store, candidate({ serial: before + 1 }), DEMO_LICENSE_KEY, trusted, NOW);
    assert.equal(newer.installed?.payload.serial, before);
    assert.equal(newer.diff.serialAfter, before + 1);
    assert.equal(
      await scalar(store, 'SELECT serial FROM licenses WHERE license_no = ?', [licenseNo]),
      before,
      'prepare writes nothing',
    );
    await assert.rejects(() => installCandidates(store, clerk, [newer], NOW), PermissionError);
    // a second candidate that is refused inside the transaction takes the first one back with it
    const older = { verified: { ...newer.verified, payload: { ...newer.verified.payload, serial: before - 1 } } };
    await assert.rejects(() => installCandidates(store, admin, [newer, older], NOW), LicenseRollbackError);
    assert.equal(
      await scalar(store, 'SELECT serial FROM licenses WHERE license_no = ?', [licenseNo]),
      before,
      'all or none',
    );
    const [result] = await installCandidates(store, haupt, [newer], NOW);
    assert.equal(result?.diff.serialAfter, before + 1);
    assert.equal(await scalar(store, 'SELECT serial FROM licenses WHERE license_no = ?', [licenseNo]), before + 1);
    await assert.rejects(
      () => prepareInstall(store, candidate({ serial: before }), DEMO_LICENSE_KEY, trusted, NOW),
      LicenseRollbackError,
    );
  });

  it('the demo store holds a verified demo license, installed through the service with an audit row', async () => {
    const [license] = await listInstalledLicenses(store);
    assert.equal(license?.licenseNo, 'DEMO-0001');
    assert.equal(license?.demo, true);
    assert.match(
      String(await scalar(store, "SELECT file_text FROM licenses WHERE license_no = 'DEMO-0001'")),
      /BEGIN IXHAUS LICENSE FILE/,
    );
    assert.equal(await scalar(store, "SELECT count(*) FROM audit_log WHERE action = 'license.install'"), 1);
  });

  it('diffs, installs a newer serial with history and audit, and keeps the old one in history', async () => {
    const old = demoLicensePayload(NOW);
    const next = candidate({
      serial: 2,
      modules: [
        ...old.modules.filter((m) => m.code !== 'TECHOBJ').map((m) => (m.code === 'CTI' ? { ...m, seats: 20 } : m)),
        { code: 'HEIZKOSTEN', name: 'Heizkosten plus', seats: 3, validUntil: null },
      ],
    });
    const verified = await verifyForStore(store, next, DEMO_LICENSE_KEY, trusted, NOW);
    const diff = diffLicenses(old, verified.payload);
    assert.deepEqual([diff.added, diff.removed, diff.changed], [1, 1, 1]);
    assert.equal(diff.modules.find((m) => m.code === 'CTI')?.seatsAfter, 20);
    const result = await installLicense(store, haupt, verified, NOW);
    assert.deepEqual(
      result.diff.modules
        .filter((m) => m.change !== 'unchanged')
        .map((m) => `${m.change}:${m.code}`)
        .sort(),
      ['added:HEIZKOSTEN', 'changed:CTI', 'removed:TECHOBJ'],
    );
    assert.equal(await scalar(store, "SELECT serial FROM licenses WHERE license_no = 'DEMO-0001'"), 2);
    assert.equal(await scalar(store, "SELECT serial FROM license_history WHERE license_no = 'DEMO-0001'"), 1);
    assert.equal(await scalar(store, "SELECT count(*) FROM audit_log WHERE action = 'license.install'"), 2);
    // removing Technische Objekte while users have it unlocked is a listed conflict, not a refusal
    assert.ok(result.conflicts.some((c) => c.code === 'TECHOBJ' && c.seats === 0 && c.unlockedByActiveUsers > 0));
    // and then the older file is refused (anti-rollback), in verification and in install
    const older = candidate({ serial: 1 });
    await assert.rejects(() => verifyForStore(store, older, DEMO_LICENSE_KEY, trusted, NOW), LicenseRollbackError);
  });

  it('only an admin or Hauptbenutzer may install; nothing changes when refused', async () => {
    const verified = await verifyForStore(store, candidate({ serial: 5 }), DEMO_LICENSE_KEY, trusted, NOW);
    await assert.rejects(() => installLicense(store, clerk, verified, NOW), PermissionError);
    assert.equal(await scalar(store, "SELECT serial FROM licenses WHERE license_no = 'DEMO-0001'"), 1);
    await installLicense(store, admin, verified, NOW);
  });

  it('lists seat conflicts of a license with fewer seats, and says when it adds Import', async () => {
    const withoutImport = demoLicensePayload(NOW)
      .modules.filter((m) => m.code !== 'IMPORT')
      .map((m) => (m.code === 'MELDUNGEN' ? { ...m, seats: 2 } : m));
    const first = await installLicense(
      store,
      admin,
      await verifyForStore(store, candidate({ serial: 2, modules: withoutImport }), DEMO_LICENSE_KEY, trusted, NOW),
      NOW,
    );
    const meldungen = first.conflicts.find((c) => c.code === 'MELDUNGEN');
    assert.ok(
      meldungen &&
        meldungen.seats === 2 &&
        meldungen.unlockedByActiveUsers > 2 &&
        meldungen.logins.length === meldungen.unlockedByActiveUsers,
    );
    assert.equal(first.addsImport, false);
    const again = await installLicense(
      store,
      admin,
      await verifyForStore(store, candidate({ serial: 3 }), DEMO_LICENSE_KEY, trusted, NOW),
      NOW,
    );
    assert.equal(again.addsImport, true);
  });

  it('refuses an unlock beyond the seats, allows it after a lock, and only for admins', async () => {
    const free = await store.query<{ id: number }>(
      "SELECT id FROM users WHERE active = 1 AND id NOT IN (SELECT user_id FROM user_modules WHERE module_code = 'IMPORT') ORDER BY id",
    );
    assert.ok(free.length >= 2);
    const holder = Number(await scalar(store, "SELECT user_id FROM user_modules WHERE module_code = 'IMPORT'"));
    await assert.rejects(
      () => unlockModule(store, admin, free[0]!.id, 'IMPORT', NOW),
      (e: Error) => e instanceof SeatsExceededError && /Import/.test(e.message) && /1/.test(e.message),
    );
    await assert.rejects(() => unlockModule(store, haupt, free[0]!.id, 'IMPORT', NOW), PermissionError);
    await lockModule(store, admin, holder, 'IMPORT', NOW);
    await unlockModule(store, admin, free[0]!.id, 'IMPORT', NOW);
    assert.equal(await scalar(store, "SELECT count(*) FROM user_modules WHERE module_code = 'IMPORT'"), 1);
    await assert.rejects(() => unlockModule(store, admin, free[1]!.id, 'RAUMBUCH', NOW), ModuleNotLicensedError);
    assert.equal(
      await scalar(store, "SELECT count(*) FROM audit_log WHERE action IN ('module.lock', 'module.unlock')"),
      2,
    );
  });

  it('gives each expiry reminder (30, 7, 1 days) once, keyed by the end date', async () => {
    // the demo Scheduler module ends 20 days after NOW: the 30-day reminder is due, once
    const first = await dueReminders(store, NOW);
    assert.deepEqual(
      first.map((r) => [r.moduleCode, r.threshold, r.daysLeft]),
      [['SCHEDULER', 30, 20]],
    );
    await markRemindersGiven(store, first, NOW);
    assert.deepEqual(await dueReminders(store, NOW), []);
    const in14Days = new Date(NOW.getTime() + 14 * 86_400_000);
    assert.deepEqual(
      (await dueReminders(store, in14Days)).map((r) => r.threshold),
      [7],
    );
    await markRemindersGiven(store, await dueReminders(store, in14Days), in14Days);
    const lastDay = new Date(NOW.getTime() + 19.5 * 86_400_000);
    assert.deepEqual(
      (await dueReminders(store, lastDay)).map((r) => r.threshold),
      [1],
    );
    await markRemindersGiven(store, await dueReminders(store, lastDay), lastDay);
    assert.deepEqual(
      await dueReminders(store, new Date(NOW.getTime() + 25 * 86_400_000)),
      [],
      'expired: no more reminders',
    );
  });

  it('warns when the clock is more than 48 hours behind the highest time seen, and never moves the mark back', async () => {
    assert.equal((await checkClock(store, NOW)).suspicious, false);
    assert.equal((await checkClock(store, new Date(NOW.getTime() - 47 * 3600_000))).suspicious, false);
    const back = await checkClock(store, new Date(NOW.getTime() - 49 * 3600_000));
    assert.equal(back.suspicious, true);
    assert.equal(back.highestSeen, NOW.toISOString());
  });

  it('renders a canonical text for the diff editor', () => {
    const text = renderLicenseText(demoLicensePayload(NOW), true);
    assert.match(text, /^License {8}DEMO-0001 {3}\[DEMO\]\n/);
    assert.ok(text.includes('\n  CTI               15  —           CTI\n'), text);
    assert.ok(text.includes('\n  SCHEDULER          2  2026-12-19  Scheduler\n'), text);
    assert.equal(renderLicenseText(undefined, false), '(no license installed)\n');
  });
});

describe('store migration v1 → v2', () => {
  it('opens a version-1 store, migrates it, and keeps the data and a .bak of the old version', async function () {
    fileBackendOnly(this); // the file engine's migration and .bak
    const { dir, cleanup } = await tempDir();
    try {
      const SQL = await loadSqlJs();
      const db = new SQL.Database();
      db.exec(`PRAGMA application_id = ${APPLICATION_ID};`);
      db.exec(SCHEMA_V1);
      db.exec("PRAGMA user_version = 1; INSERT INTO teams (name, kind) VALUES ('Team Alt', 'Buchhaltung');");
      const file = path.join(dir, 'v1.sqlite');
      await fs.writeFile(file, db.export());
      db.close();
      const store = await Store.open(file);
      assert.equal(store.schemaVersion(), LATEST_SCHEMA_VERSION);
      assert.equal(store.scalar('SELECT name FROM teams'), 'Team Alt');
      assert.equal(store.scalar('SELECT count(*) FROM license_reminders'), 0);
      await store.close();
      const backup = await Store.open(file + '.bak', { readOnly: true });
      assert.equal(backup.schemaVersion(), 1);
      await backup.close();
    } finally {
      await cleanup();
    }
  });
});
