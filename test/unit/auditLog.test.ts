/**
 * The audit log listing (src/core/audit/auditLog.ts) on the backend under test (IXHAUS_TEST_BACKEND: sql.js or
 * PostgreSQL): administrators only, newest first, filters by action prefix, time and acting user, and no secret in
 * what it returns even if a writer had put one into a row.
 */
import { strict as assert } from 'node:assert';
import { AuditQueryError, listAuditEntries, redactAuditValue } from '../../src/core/audit/auditLog';
import { PermissionError } from '../../src/core/errors';
import { closeAfterEach, smallDemoDb } from '../helpers';

const INSERT =
  'INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';

describe('audit log listing (both backends)', function () {
  this.timeout(60_000);
  const closing = closeAfterEach();

  async function withRows(): Promise<Awaited<ReturnType<typeof smallDemoDb>>> {
    const opened = closing(await smallDemoDb());
    const { db, admin, haupt } = opened;
    await db.run('DELETE FROM audit_log');
    const rows: Array<
      [string, number | null, string, string, string | null, string | null, string | null, string | null]
    > = [
      ['2026-11-01T08:00:00.000Z', admin.id, 'setting.set', 'setting', 'S1', '1', '2', null],
      ['2026-11-20T09:30:00.000Z', haupt.id, 'module.unlock', 'user', 'haupt', 'locked', 'UV', null],
      [
        '2026-12-01T10:00:00.000Z',
        admin.id,
        'mail.settings',
        'mail_settings',
        '1',
        null,
        '{"host":"mail.example"}',
        null,
      ],
      ['2026-12-01T10:00:00.000Z', null, 'alert.claim', 'alert', 'scheduler:1', null, 'sent', null],
      ['2026-12-02T07:15:00.000Z', admin.id, 'responsible.transfer', 'assignment', '7', 'a', 'b', 'rb-1'],
      ['2026-12-02T07:16:00.000Z', admin.id, 'mail_x.odd', 'x', null, null, null, null],
    ];
    for (const row of rows) await db.run(INSERT, row);
    return opened;
  }

  it('lists newest first (time, then id) with login, or null for the system; administrators only', async () => {
    const { db, admin, haupt } = await withRows();
    const all = await listAuditEntries(db, admin);
    assert.deepEqual(
      all.map((e) => e.action),
      ['mail_x.odd', 'responsible.transfer', 'alert.claim', 'mail.settings', 'module.unlock', 'setting.set'],
    );
    assert.equal(all[2]?.login, null);
    assert.equal(all[4]?.login, haupt.login);
    assert.equal(all[1]?.batchId, 'rb-1');
    assert.equal(all[1]?.at, '2026-12-02T07:15:00.000Z');
    await assert.rejects(listAuditEntries(db, haupt), PermissionError);
    await assert.rejects(listAuditEntries(db, undefined), PermissionError);
  });

  it('filters by action prefix (case-insensitive, _ and % literal), since, acting user, limit', async () => {
    const { db, admin, haupt } = await withRows();
    const actions = async (query: Parameters<typeof listAuditEntries>[2]): Promise<string[]> =>
      (await listAuditEntries(db, admin, query)).map((e) => e.action);
    assert.deepEqual(await actions({ actionPrefix: 'MAIL.' }), ['mail.settings']);
    assert.deepEqual(await actions({ actionPrefix: 'mail_' }), ['mail_x.odd'], '_ is a letter here, not a wildcard');
    assert.deepEqual(await actions({ actionPrefix: '%' }), []);
    assert.deepEqual(await actions({ since: new Date('2026-12-01T10:00:00.000Z') }), [
      'mail_x.odd',
      'responsible.transfer',
      'alert.claim',
      'mail.settings',
    ]);
    assert.deepEqual(await actions({ login: haupt.login.toUpperCase() }), ['module.unlock']);
    assert.deepEqual(await actions({ limit: 2 }), ['mail_x.odd', 'responsible.transfer']);
    await assert.rejects(
      listAuditEntries(db, admin, { login: 'nobody9' }),
      (e: unknown) => e instanceof AuditQueryError && e.code === 'E_AUDIT_UNKNOWN_USER',
    );
    await assert.rejects(listAuditEntries(db, admin, { limit: 0 }), /E_AUDIT_LIMIT|whole number from 1/);
  });

  it('returns no secret even if a row held one (URL password, signature, hash, JSON password field)', async () => {
    const { db, admin } = await withRows();
    await db.run(INSERT, [
      '2026-12-03T00:00:00.000Z',
      admin.id,
      'test.hostile',
      'x',
      null,
      'postgres://app:Geheim99@db/ix and https://prod.example/workflows/1?api-version=1&sig=S1GNATURE&sv=1',
      '{"user":"a","password":"Geheim99","clientSecret":"S3cret","hash":"scrypt$16384$abc$def"}',
      null,
    ]);
    const [row] = await listAuditEntries(db, admin, { actionPrefix: 'test.' });
    const text = JSON.stringify(row);
    for (const secret of ['Geheim99', 'S1GNATURE', 'S3cret', 'abc$def'])
      assert.ok(!text.includes(secret), `${secret} in ${text}`);
    assert.match(row?.oldValue ?? '', /postgres:\/\/app:\*\*\*@db\/ix/);
    assert.match(row?.newValue ?? '', /"user":"a"/);
    assert.equal(redactAuditValue(null), null);
    assert.equal(redactAuditValue('{"host":"mail.example","port":587}'), '{"host":"mail.example","port":587}');
  });
});
