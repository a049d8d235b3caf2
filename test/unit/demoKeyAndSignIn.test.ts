import { strict as assert } from 'node:assert';
import { createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DEMO_LICENSE_KEY, demoLicensePayload } from '../../src/core/demo/demoData';
import { DEMO_KID, DEMO_PUBLIC_KEY_BASE64, demoPrivateKey } from '../../src/core/license/demoVendorKey';
import { issueLicenseFile, generateVendorKey, licenseKeyFileText } from '../../src/core/license/licenseIssuer';
import type { LicensePayload } from '../../src/core/license/licenseFile';
import {
  DemoKeyNotTrustedError,
  DemoOverVendorError,
  buildTrustedKeys,
  installLicense,
  storeTrustsDemoKey,
  verifyForStore,
} from '../../src/core/license/licenseService';
import { Store } from '../../src/core/store/database';
import { MIGRATIONS } from '../../src/core/store/migrations';
import { loadSqlJs } from '../../src/core/store/sqlJs';
import {
  FREE_FAILED_SIGN_INS,
  SignInError,
  SignInThrottledError,
  UserInactiveError,
  signIn,
  signInDelayMs,
} from '../../src/core/users/auth';
import { createFirstAdmin } from '../../src/core/users/bootstrap';
import { emptyDb, fileBackendOnly, smallDemoDb, tempDir } from '../helpers';
import type { AsyncQueryable } from '../../src/core/store/asyncStore';
import { SqlJsAsyncStore } from '../../src/core/store/sqlJsAsyncStore';
import { scalar } from '../../src/core/store/asyncQueries';

const NOW = new Date('2026-06-01T10:00:00Z');
const KEY_TEXT = licenseKeyFileText(DEMO_LICENSE_KEY);

function demoSigned(overrides: Partial<LicensePayload>): string {
  return issueLicenseFile(
    { ...demoLicensePayload(NOW), ...overrides },
    { kid: DEMO_KID, privateKey: demoPrivateKey() },
    DEMO_LICENSE_KEY,
  );
}

describe('demo key kept to demo stores (issue 15)', function () {
  this.timeout(30_000);
  const vendor = generateVendorKey('crem-2026');
  const vendorKey = { kid: vendor.kid, privateKey: createPrivateKey(vendor.privateKeyPem) };
  const trusted = buildTrustedKeys({ [vendor.kid]: vendor.publicKeyBase64 }).keys;

  it('a store created with a first administrator never trusts the demo key, whatever keys are configured', async () => {
    const store = await emptyDb();
    await createFirstAdmin(store, 'chef', 'geheim-123');
    const actor = await signIn(store, 'chef', 'geheim-123');
    assert.equal(await storeTrustsDemoKey(store), false);
    const file = demoSigned({ licenseNo: '4711', serial: 99, validUntil: '2099-12-31' });
    await assert.rejects(
      () => verifyForStore(store, file, KEY_TEXT, trusted, NOW),
      (error: Error) =>
        error instanceof DemoKeyNotTrustedError &&
        /built-in demo key, which only demo stores trust/.test(error.message) &&
        error.message.includes('4711'),
    );
    // the demo key cannot be smuggled in under another key id
    const smuggled = buildTrustedKeys({ mine: DEMO_PUBLIC_KEY_BASE64 });
    assert.equal(smuggled.keys.has('mine'), false);
    assert.match(smuggled.problems.join(), /"mine" is the built-in demo key/);
    // nor installed past verification: installLicense checks again
    const verifiedElsewhere = (await smallDemoDb()).db;
    const verified = await verifyForStore(verifiedElsewhere, demoSigned({ licenseNo: '4712' }), KEY_TEXT, trusted, NOW);
    await assert.rejects(() => installLicense(store, actor, verified, NOW), DemoKeyNotTrustedError);
    assert.equal(await scalar(store, 'SELECT count(*) FROM licenses'), 0);
    await verifiedElsewhere.close();
    await store.close();
  });

  it('a demo store installs demo licenses, but a demo license never replaces or joins a vendor-signed one', async () => {
    const { db: store, haupt } = await smallDemoDb();
    assert.equal(await storeTrustsDemoKey(store), true);
    await installLicense(
      store,
      haupt,
      await verifyForStore(store, demoSigned({ serial: 2 }), KEY_TEXT, trusted, NOW),
      NOW,
    );
    const vendorFile = issueLicenseFile(
      { ...demoLicensePayload(NOW), licenseNo: '8150', serial: 5 },
      vendorKey,
      DEMO_LICENSE_KEY,
    );
    await installLicense(store, haupt, await verifyForStore(store, vendorFile, KEY_TEXT, trusted, NOW), NOW);
    for (const licenseNo of ['8150', 'OTHER-1']) {
      await assert.rejects(
        () =>
          verifyForStore(
            store,
            demoSigned({ licenseNo, serial: 99, validUntil: '2099-12-31' }),
            KEY_TEXT,
            trusted,
            NOW,
          ),
        (error: Error) =>
          error instanceof DemoOverVendorError &&
          error.message.includes('8150') &&
          /serial 5/.test(error.message) &&
          /"crem-2026"/.test(error.message),
      );
    }
    // the vendor's next serial still installs
    const next = issueLicenseFile(
      { ...demoLicensePayload(NOW), licenseNo: '8150', serial: 6 },
      vendorKey,
      DEMO_LICENSE_KEY,
    );
    await installLicense(store, haupt, await verifyForStore(store, next, KEY_TEXT, trusted, NOW), NOW);
    assert.equal(await scalar(store, "SELECT serial FROM licenses WHERE license_no = '8150'"), 6);
    await store.close();
  });

  it('migration 007: an older demo store stays a demo store unless a vendor license was installed; other stores never trust the demo key', async function () {
    fileBackendOnly(this); // the file engine's migration 007
    const SQL = await loadSqlJs();
    const { dir, cleanup } = await tempDir();
    try {
      const cases: Array<[string, string[], string]> = [
        ['demo, demo licenses only', ["INSERT INTO meta (key, value) VALUES ('demo', '1')"], 'demo'],
        [
          'demo with a vendor license',
          [
            "INSERT INTO meta (key, value) VALUES ('demo', '1')",
            "INSERT INTO licenses (license_no, customer_no, customer_name, serial, issued_at, valid_until, key_id, demo, installed_at, installed_by, payload_json, file_text) VALUES ('5', '1', 'K', 5, '2026-01-01', NULL, 'crem', 0, '2026-01-01', NULL, '{}', '')",
          ],
          'production',
        ],
        ['no demo marker', [], 'production'],
      ];
      for (const [label, statements, expected] of cases) {
        const db = new SQL.Database();
        for (const migration of MIGRATIONS.filter((m) => m.version <= 6)) {
          migration.up(db);
          db.exec(`PRAGMA user_version = ${migration.version}`);
        }
        for (const sql of statements) db.exec(sql);
        const file = path.join(dir, `${label.replace(/\W+/g, '-')}.sqlite`);
        await fs.writeFile(file, db.export());
        db.close();
        const store = await Store.open(file);
        assert.equal(store.scalar("SELECT value FROM meta WHERE key = 'store_kind'"), expected, label);
        await store.close();
      }
    } finally {
      await cleanup();
    }
  });
});

describe('sign-in throttling and audit (issue 15)', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => cleanup());

  const audit = (store: AsyncQueryable): Promise<Array<{ action: string; entity_key: string; new_value: string }>> =>
    store.query<{ action: string; entity_key: string; new_value: string }>(
      "SELECT action, entity_key, new_value FROM audit_log WHERE action LIKE 'sign-in%' ORDER BY id",
    );

  it('delays grow after a few failures, are kept in the store across processes, refuse even the right password, and a success resets them', async function () {
    fileBackendOnly(this); // each attempt in a new process: a store file opened again
    assert.deepEqual([1, 3, 4, 5, 6, 20].map(signInDelayMs), [0, 0, 30_000, 60_000, 120_000, 900_000]);
    const file = path.join(dir, 'throttle.sqlite');
    await (
      await Store.create(file, {
        populate: (s) => createFirstAdmin(new SqlJsAsyncStore(s), 'chef', 'geheim-123').then(() => undefined),
      })
    ).close();
    let at = NOW.getTime();
    for (let i = 1; i <= FREE_FAILED_SIGN_INS; i++) {
      // every attempt in a new "process": a freshly opened store
      const store = new SqlJsAsyncStore(await Store.open(file));
      await assert.rejects(signIn(store, 'chef', `Pw-guess-${i}`, { now: new Date(at), channel: 'cli' }), SignInError);
      await store.close();
      at += 1000;
    }
    const reopened = new SqlJsAsyncStore(await Store.open(file));
    await assert.rejects(
      signIn(reopened, 'CHEF', 'geheim-123', { now: new Date(at), channel: 'cli' }),
      (error: Error) =>
        error instanceof SignInThrottledError &&
        /Too many failed sign-ins for the login CHEF: the next attempt is possible in 29 seconds/.test(error.message),
    );
    const actor = await signIn(reopened, 'chef', 'geheim-123', { now: new Date(at + 31_000), channel: 'cli' });
    assert.equal(actor.login, 'chef');
    assert.equal(await scalar(reopened, 'SELECT count(*) FROM sign_in_attempts'), 0, 'a success resets the count');
    const rows = await audit(reopened);
    assert.deepEqual(
      rows.map((r) => r.action),
      ['sign-in.failed', 'sign-in.failed', 'sign-in.failed', 'sign-in.failed', 'sign-in.refused', 'sign-in'],
    );
    assert.ok(rows.every((r) => r.entity_key.toLowerCase() === 'chef' && JSON.parse(r.new_value).channel === 'cli'));
    assert.ok(
      rows.every((r) => !r.new_value.includes('geheim') && !r.new_value.includes('guess')),
      'never the password',
    );
    assert.equal(JSON.parse(rows[3]?.new_value ?? '{}').waitSeconds, 30);
    await reopened.close();
    const check = new SqlJsAsyncStore(await Store.open(file, { readOnly: true }));
    assert.equal((await audit(check)).length, 6, 'the success row is saved with the store');
    await check.close();
  });

  it('unknown logins are throttled alike (the throttle does not reveal which logins exist); a deactivated user is refused and audited', async () => {
    const { db: store } = await smallDemoDb();
    for (let i = 0; i < FREE_FAILED_SIGN_INS; i++)
      await assert.rejects(signIn(store, 'nobody', 'x', { now: NOW }), SignInError);
    await assert.rejects(signIn(store, 'nobody', 'x', { now: NOW }), SignInThrottledError);
    const login = String(await scalar(store, "SELECT login FROM users WHERE role = 'Sachbearbeiter' LIMIT 1"));
    await store.run('UPDATE users SET active = 0 WHERE login = ?', [login]);
    await assert.rejects(signIn(store, login, 'demo', { now: NOW }), UserInactiveError);
    assert.deepEqual(
      (await audit(store)).slice(-2).map((r) => [r.action, JSON.parse(r.new_value).reason]),
      [
        ['sign-in.refused', 'throttled'],
        ['sign-in.refused', 'user deactivated'],
      ],
    );
    await store.close();
  });

  it('a read-only window still throttles (in its process) and honours the count kept in the store', async function () {
    fileBackendOnly(this); // read-only: a second window on a store file
    const file = path.join(dir, 'ro.sqlite');
    await (
      await Store.create(file, {
        populate: (s) => createFirstAdmin(new SqlJsAsyncStore(s), 'chef', 'geheim-123').then(() => undefined),
      })
    ).close();
    const readOnly = new SqlJsAsyncStore(await Store.open(file, { readOnly: true }));
    for (let i = 0; i < FREE_FAILED_SIGN_INS; i++)
      await assert.rejects(signIn(readOnly, 'chef', 'nope', { now: NOW }), SignInError);
    await assert.rejects(signIn(readOnly, 'chef', 'geheim-123', { now: NOW }), SignInThrottledError);
    await readOnly.close();
  });
});
