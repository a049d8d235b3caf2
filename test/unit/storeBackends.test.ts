/**
 * The core tests' backend switch (test/helpers.ts): `smallDemoDb()` and `emptyDb()` give the same data on the
 * backend under test (`IXHAUS_TEST_BACKEND=postgres`: `npm run test:core:pg`; default sql.js) as the run's demo
 * file, and every call is a store of its own.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { Store } from '../../src/core/store/database';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import { DEMO_ADMIN_LOGIN } from '../../src/core/demo/demoData';
import { emptyDb, smallDemoDb, smallDemoStoreFile, tempDir, TEST_BACKEND } from '../helpers';

const COUNTED = ['users', 'teams', 'persons', 'creditors', 'owners', 'objects', 'phone_numbers', 'phone_index'];

async function counts(db: AsyncStore): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const table of COUNTED)
    result[table] = Number((await db.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))?.n);
  return result;
}

describe(`test store backend: ${TEST_BACKEND}`, function () {
  this.timeout(60_000);
  const open: AsyncStore[] = [];
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close();
  });

  it('smallDemoDb() holds the small demo store, with the signed-in admin as a user of it', async () => {
    const { db, admin } = await smallDemoDb();
    open.push(db);
    assert.equal(db.backend, TEST_BACKEND);
    // the run's demo file itself, read by the sql.js engine
    const { dir, cleanup } = await tempDir();
    const expected: Record<string, number> = {};
    try {
      const store = await Store.open(await smallDemoStoreFile(path.join(dir, 'demo.sqlite')), { readOnly: true });
      for (const table of COUNTED) expected[table] = Number(store.scalar(`SELECT count(*) FROM ${table}`));
      await store.close();
    } finally {
      await cleanup();
    }
    assert.deepEqual(await counts(db), expected);
    assert.ok((expected.persons ?? 0) > 0 && (expected.users ?? 0) > 0);
    const found = await db.get<{ id: number; login: string }>(
      'SELECT id, login FROM users WHERE lower(login) = lower(?)',
      [DEMO_ADMIN_LOGIN],
    );
    assert.equal(found?.id, admin.id);
  });

  it('each call is a store of its own', async () => {
    const a = (await smallDemoDb()).db;
    const b = (await smallDemoDb()).db;
    open.push(a, b);
    await a.run('DELETE FROM phone_index');
    assert.equal(Number((await a.get<{ n: number }>('SELECT count(*) AS n FROM phone_index'))?.n), 0);
    assert.ok(Number((await b.get<{ n: number }>('SELECT count(*) AS n FROM phone_index'))?.n) > 0);
  });

  it('emptyDb() is migrated and has no users; new ids start at 1', async () => {
    const db = await emptyDb();
    open.push(db);
    assert.equal(db.backend, TEST_BACKEND);
    assert.deepEqual(await counts(db), Object.fromEntries(COUNTED.map((t) => [t, 0])));
    const row = await db.get<{ id: number }>(
      "INSERT INTO teams (name, kind) VALUES ('Team 1', 'Buchhaltung') RETURNING id",
    );
    assert.equal(row?.id, 1);
  });
});
