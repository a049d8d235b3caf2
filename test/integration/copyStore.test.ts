/**
 * `copyStore` (src/core/store/copyStore.ts) between the sql.js file store and a real PostgreSQL 15 cluster on
 * 127.0.0.1 (test/peers/postgres.ts), with the runtime role of docs/postgresql.md as the target's role.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { AsyncStore, AsyncTransaction, SqlParam } from '../../src/core/store/asyncStore';
import { copyStore, freshStoreRowCounts, StoreCopyError } from '../../src/core/store/copyStore';
import type { CopySummary } from '../../src/core/store/copyStore';
import { Store } from '../../src/core/store/database';
import { PostgresConnectionLostError } from '../../src/core/store/postgres/errors';
import type { PostgresCopyIn } from '../../src/core/store/postgres/postgresStore';
import { readCatalog } from '../../src/core/store/storeCatalog';
import { SqlJsAsyncStore } from '../../src/core/store/sqlJsAsyncStore';
import { smallDemoStoreFile, tempDir } from '../helpers';
import { APP_ROLE, postgresBinariesPresent, sharedPostgresCluster } from '../peers/postgres';
import type { PostgresCluster } from '../peers/postgres';
import { migratedDatabase, openAsApp, openAsOwner } from '../storeBackends';

const havePostgres = postgresBinariesPresent();

/** Row counts of every table (the catalog's own list). */
async function counts(store: AsyncStore): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const t of await readCatalog(store, store.backend))
    result[t.name] = Number((await store.get<{ n: number }>(`SELECT count(*) AS n FROM "${t.name}"`))?.n);
  return result;
}

function checksums(summary: CopySummary): Record<string, string> {
  return Object.fromEntries(summary.tables.map((t) => [t.name, t.checksum]));
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<StoreCopyError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof StoreCopyError, `expected StoreCopyError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}, but the copy succeeded`);
}

/**
 * The real store with one hook: `before(n)` runs before the n-th statement of its transactions (fault injection);
 * a PostgreSQL transaction keeps its COPY path (hooked as `COPY table`).
 */
function withStatementHook(store: AsyncStore, before: (n: number, sql: string) => Promise<void>): AsyncStore {
  let n = 0;
  const hooked = (tx: AsyncTransaction): AsyncTransaction => {
    const statements: AsyncTransaction = {
      query: async (sql: string, params?: readonly SqlParam[]) => (await before(++n, sql), tx.query(sql, params)),
      get: async (sql: string, params?: readonly SqlParam[]) => (await before(++n, sql), tx.get(sql, params)),
      run: async (sql: string, params?: readonly SqlParam[]) => (await before(++n, sql), tx.run(sql, params)),
      lock: (resource: string) => tx.lock(resource),
    };
    const bulk = (tx as AsyncTransaction & Partial<PostgresCopyIn>).copyIn;
    if (bulk === undefined) return statements;
    const copyIn: PostgresCopyIn['copyIn'] = async (table, columns, text) => (
      await before(++n, `COPY ${table}`),
      bulk.call(tx, table, columns, text)
    );
    return Object.assign(statements, { copyIn });
  };
  return Object.assign(Object.create(store) as AsyncStore, {
    transaction: <T>(body: (tx: AsyncTransaction) => Promise<T>) => store.transaction((tx) => body(hooked(tx))),
  });
}

(havePostgres ? describe : describe.skip)('store copy: file ↔ PostgreSQL (real cluster)', function () {
  this.timeout(120_000);
  let cluster: PostgresCluster;
  let dir: string;
  let cleanup: () => Promise<void>;
  const open: AsyncStore[] = [];
  const keep = <S extends AsyncStore>(s: S): S => (open.push(s), s);

  before(async function () {
    if (!havePostgres) this.skip();
    cluster = await sharedPostgresCluster();
    ({ dir, cleanup } = await tempDir());
  });
  after(async () => cleanup?.());
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close().catch(() => undefined);
  });

  const demoSource = async (): Promise<SqlJsAsyncStore> => {
    const file = await smallDemoStoreFile(path.join(dir, `demo-${Date.now()}-${Math.random()}.sqlite`));
    return keep(new SqlJsAsyncStore(await Store.open(file, { readOnly: true })));
  };

  it('a fresh PostgreSQL database is seeded with the same rows as a fresh file store (the "empty" reference)', async () => {
    const pg = keep(await openAsApp(cluster, await migratedDatabase(cluster)));
    const fresh = Object.fromEntries(await freshStoreRowCounts());
    assert.deepEqual(await counts(pg), fresh);
    assert.ok(
      Object.values(fresh).some((n) => n > 0),
      'the migrations seed at least one row (meta)',
    );
  });

  it('file → PostgreSQL → file gives identical checksums, moves sequences, keeps ids', async () => {
    // the demo has no party addresses (schema v13): give one of each kind an address, with a PLZ's leading zero
    const file = await smallDemoStoreFile(path.join(dir, `demo-adr-${Date.now()}.sqlite`));
    const writable = await Store.open(file);
    for (const table of ['persons', 'creditors', 'owners'])
      writable.run(
        `UPDATE ${table} SET street = 'Königstraße 5', zip = '01067', city = 'Dresden' WHERE id = (SELECT min(id) FROM ${table})`,
      );
    await writable.save();
    await writable.close();
    const source = keep(new SqlJsAsyncStore(await Store.open(file, { readOnly: true })));
    const pg = keep(await openAsApp(cluster, await migratedDatabase(cluster)));
    const progress: string[] = [];
    const there = await copyStore(source, pg, {
      batchRows: 7,
      onProgress: (t, done, total) => progress.push(`${t} ${done}/${total}`),
    });
    assert.ok(there.rows > 100, `copied ${there.rows} rows`);
    assert.ok(progress.includes('persons 0/10') && progress.includes('persons 10/10'), progress.join('\n'));
    assert.deepEqual(await counts(pg), await counts(source));
    assert.ok(there.sequences.includes('users.id') && there.sequences.includes('persons.id'), there.sequences.join());

    // the next id continues after the copied ones (the identity sequence was moved)
    const maxUser = Number((await pg.get<{ m: number }>('SELECT max(id) AS m FROM users'))?.m);
    const inserted = await pg.get<{ id: number }>(
      "INSERT INTO users (login, short_code, last_name, rights_class, role, password_hash) VALUES ('neu1', 'NE', 'Neu', 'A', 'Sachbearbeiter', 'x') RETURNING id",
    );
    assert.equal(inserted?.id, maxUser + 1);
    await pg.run("DELETE FROM users WHERE login = 'neu1'");

    const fileBack = keep(new SqlJsAsyncStore(await Store.create(path.join(dir, 'back.sqlite'))));
    const back = await copyStore(pg, fileBack);
    assert.deepEqual(checksums(back), checksums(there));
    assert.deepEqual(await counts(fileBack), await counts(source));
    const admin = await fileBack.get<{ id: number; login: string }>(
      "SELECT id, login FROM users WHERE login = 'admin'",
    );
    const original = await source.get<{ id: number; login: string }>(
      "SELECT id, login FROM users WHERE login = 'admin'",
    );
    assert.deepEqual(admin, original);
    const addresses = async (s: AsyncStore): Promise<unknown[]> => {
      const out: unknown[] = [];
      for (const table of ['persons', 'creditors', 'owners'])
        out.push(
          ...(await s.query(
            `SELECT '${table}' AS t, id, street, zip, city FROM ${table} WHERE street IS NOT NULL ORDER BY id`,
          )),
        );
      return out;
    };
    const expected = await addresses(source);
    assert.equal(expected.length, 3);
    assert.deepEqual(await addresses(pg), expected);
    assert.deepEqual(await addresses(fileBack), expected);
  });

  it('refuses a non-empty target and leaves it unchanged', async () => {
    const pg = keep(await openAsApp(cluster, await migratedDatabase(cluster)));
    await copyStore(await demoSource(), pg);
    const before = await counts(pg);
    const error = await rejectsWithCode(copyStore(await demoSource(), pg), 'E_STORE_COPY_NOT_EMPTY');
    assert.match(error.message, /not empty: table \w+ holds \d+ rows/);
    assert.deepEqual(await counts(pg), before);

    const file = keep(new SqlJsAsyncStore(await Store.inMemory()));
    await file.run("INSERT INTO meta (key, value) VALUES ('x', 'y')");
    await rejectsWithCode(copyStore(await demoSource(), file), 'E_STORE_COPY_NOT_EMPTY');
  });

  it('a connection terminated mid-copy (pg_terminate_backend) leaves the target as it was', async () => {
    const database = await migratedDatabase(cluster);
    const pg = keep(await openAsApp(cluster, database));
    const seeded = await counts(pg);
    let inserts = 0;
    let cutOff = '';
    const hooked = withStatementHook(pg, async (_n, sql) => {
      if (!/^(INSERT|COPY)/.test(sql) || ++inserts !== 5) return;
      cutOff = sql;
      await cluster.admin(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}' AND usename = '${APP_ROLE}' AND pid <> pg_backend_pid()`,
      );
    });
    await assert.rejects(copyStore(await demoSource(), hooked, { batchRows: 3 }), (error: unknown) => {
      assert.ok(error instanceof PostgresConnectionLostError, String(error));
      return true;
    });
    assert.match(cutOff, /^COPY /, 'rows go into PostgreSQL by COPY, and a COPY was cut off');
    const again = keep(await openAsApp(cluster, database));
    assert.deepEqual(await counts(again), seeded);
    // and the copy can simply be repeated
    const summary = await copyStore(await demoSource(), again);
    assert.ok(summary.rows > 100);
  });

  it('a constraint violation mid-copy leaves the target empty (PostgreSQL and file)', async () => {
    // a damaged source: a phone number whose person does not exist (written with foreign keys off)
    const demoFile = await smallDemoStoreFile(path.join(dir, 'damaged-source.sqlite'));
    const damaged = await Store.inMemory({ image: await fs.readFile(demoFile) });
    damaged.run('PRAGMA foreign_keys = OFF');
    damaged.run("INSERT INTO phone_numbers (person_id, kind, raw) VALUES (999999, 'business', '030 1234567')");
    const source = keep(new SqlJsAsyncStore(damaged));
    const pg = keep(await openAsApp(cluster, await migratedDatabase(cluster)));
    const seeded = await counts(pg);
    await assert.rejects(copyStore(source, pg), /foreign key/i);
    assert.deepEqual(await counts(pg), seeded);

    const file = keep(new SqlJsAsyncStore(await Store.inMemory()));
    const fileSeeded = await counts(file);
    await assert.rejects(copyStore(source, file), /FOREIGN KEY/i);
    assert.deepEqual(await counts(file), fileSeeded);
  });

  it('a copy that reads back different rows fails verification and is rolled back', async () => {
    // a trigger on the server that changes what is written (as a foreign extension or audit trigger might)
    const database = await migratedDatabase(cluster);
    const owner = await openAsOwner(cluster, database);
    await owner.run(
      'CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.last_name := upper(NEW.last_name); RETURN NEW; END $$',
    );
    await owner.run('CREATE TRIGGER shout BEFORE INSERT ON persons FOR EACH ROW EXECUTE FUNCTION shout()');
    await owner.close();
    const pg = keep(await openAsApp(cluster, database));
    const seeded = await counts(pg);
    const error = await rejectsWithCode(copyStore(await demoSource(), pg), 'E_STORE_COPY_VERIFY');
    assert.match(
      error.message,
      /table persons failed: the source has 10 rows \(checksum 10:[0-9a-f]{16}\), the copy 10 rows/,
    );
    assert.deepEqual(await counts(pg), seeded);
  });

  it('bytes, fractions, unicode, NULL and text that sorts differently survive file → PostgreSQL → file', async () => {
    const probe = (store: Store): Store => (
      store.run(
        'CREATE TABLE copy_probe (k TEXT NOT NULL, n INTEGER NOT NULL, data BLOB, r REAL, t TEXT, PRIMARY KEY (k, n))',
      ),
      store
    );
    const source = keep(new SqlJsAsyncStore(probe(await Store.inMemory())));
    const rows = [
      ['a', 1, new Uint8Array([0, 1, 2, 255, 128]), 1.5, 'Grüße 😀'],
      ['B', 1, new Uint8Array([]), -0.1, 'it\'s "quoted" \\ ?'],
      ['b', 2, null, null, null],
      ['Ä', 3, new Uint8Array(300).map((_v, i) => i % 256), 1e-300, ''],
      ['_', 4, null, 3, 'x'.repeat(5000)],
    ] as const;
    for (const row of rows) await source.run('INSERT INTO copy_probe (k, n, data, r, t) VALUES (?, ?, ?, ?, ?)', row);

    const database = await migratedDatabase(cluster);
    const owner = await openAsOwner(cluster, database);
    await owner.run(
      'CREATE TABLE copy_probe (k TEXT NOT NULL, n BIGINT NOT NULL, data BYTEA, r DOUBLE PRECISION, t TEXT, PRIMARY KEY (k, n))',
    );
    await owner.close();
    const pg = keep(await openAsApp(cluster, database));
    const there = await copyStore(source, pg, { batchRows: 2 });
    const back = keep(new SqlJsAsyncStore(probe(await Store.inMemory())));
    const again = await copyStore(pg, back, { batchRows: 2 });
    assert.deepEqual(checksums(again), checksums(there));
    const fromPg = await pg.query('SELECT data FROM copy_probe WHERE k = ?', ['a']);
    assert.ok(Buffer.isBuffer(fromPg[0]?.data), 'the PostgreSQL backend returns bytea as a Buffer');
    const read = async (s: AsyncStore): Promise<unknown[]> =>
      (await s.query('SELECT k, n, data, r, t FROM copy_probe')).map((r) => [
        r.k,
        r.n,
        r.data === null ? null : [...(r.data as Uint8Array)],
        r.r,
        r.t,
      ]);
    const sortRows = (list: unknown[]): string[] => list.map((r) => JSON.stringify(r)).sort();
    assert.deepEqual(sortRows(await read(back)), sortRows(await read(source)));
    assert.deepEqual(sortRows(await read(pg)), sortRows(await read(source)));
  });

  it('cells that COPY text format must escape survive file → PostgreSQL → file exactly (probe table and demo tables)', async () => {
    // every kind of cell the schema can hold: text with the COPY delimiter, line ends, backslashes and the `\N` /
    // `\.` markers; NULL beside the empty string; integers up to ±(2^53 − 1); reals; bytes
    const hostile = [
      'tab\there',
      'line 1\nline 2',
      'crlf\r\nend\r',
      '\\N',
      '\\.',
      '\\',
      'C:\\temp\\new\\table',
      '\\x41',
      'it\'s "quoted" ; , | ?',
      'Grüße 😀 مرحبا e\u0301 \u2028',
      '',
      ' ',
      'NULL',
    ];
    const probe = (store: Store): Store => (
      store.run('CREATE TABLE copy_cells (id INTEGER PRIMARY KEY, t TEXT, n INTEGER, r REAL, b BLOB)'),
      store
    );
    const demoFile = await smallDemoStoreFile(path.join(dir, `hostile-${Date.now()}.sqlite`));
    const sourceStore = probe(await Store.inMemory({ image: await fs.readFile(demoFile) }));
    const source = keep(new SqlJsAsyncStore(sourceStore));
    const integers = [0, -1, 1, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
    const reals = [0.1, -2.5, 1e-300, 1.7976931348623157e308, 5e-324, Infinity, -Infinity, 1 / 3];
    const cells: SqlParam[][] = [];
    for (let i = 0; i < 40; i++)
      cells.push([
        i + 1,
        i % 7 === 6 ? null : (hostile[i % hostile.length] as string),
        i % 5 === 4 ? null : (integers[i % integers.length] as number),
        i % 6 === 5 ? null : (reals[i % reals.length] as number),
        i % 4 === 3 ? null : new Uint8Array([i, 9, 10, 13, 92, 0, 255].slice(0, i % 8)),
      ]);
    for (const row of cells) await source.run('INSERT INTO copy_cells (id, t, n, r, b) VALUES (?, ?, ?, ?, ?)', row);
    // the same texts in real columns of the demo, so the schema's own tables carry them too
    const persons = await source.query<{ id: number }>('SELECT id FROM persons ORDER BY id');
    for (const [i, { id }] of persons.entries())
      await source.run('UPDATE persons SET last_name = ?, company = ?, street = ? WHERE id = ?', [
        `${hostile[i % hostile.length] as string}x`, // last_name is NOT NULL
        i % 2 === 0 ? null : (hostile[(i + 3) % hostile.length] as string),
        i % 3 === 0 ? '' : (hostile[(i + 5) % hostile.length] as string),
        id,
      ]);

    const database = await migratedDatabase(cluster);
    const owner = await openAsOwner(cluster, database);
    await owner.run('CREATE TABLE copy_cells (id BIGINT PRIMARY KEY, t TEXT, n BIGINT, r DOUBLE PRECISION, b BYTEA)');
    await owner.close();
    const pg = keep(await openAsApp(cluster, database));
    for (const batchRows of [3, undefined]) {
      // pages of 3 rows (many COPY statements) and the default page
      const target = batchRows === undefined ? pg : keep(await openAsApp(cluster, await cellsDatabase()));
      const there = await copyStore(source, target, batchRows === undefined ? {} : { batchRows });
      const back = keep(new SqlJsAsyncStore(probe(await Store.inMemory())));
      const again = await copyStore(target, back);
      assert.deepEqual(checksums(again), checksums(there));
      const exact = async (s: AsyncStore, sql: string): Promise<string[]> =>
        (await s.query(sql)).map((r) =>
          // kinds kept apart: a number is not its text, bytes (Buffer or Uint8Array) are compared by content
          JSON.stringify(
            Object.values(r).map((v) =>
              v instanceof Uint8Array
                ? `bytes:${Buffer.from(v).toString('hex')}`
                : typeof v === 'number'
                  ? `num:${v}`
                  : v,
            ),
          ),
        );
      for (const sql of [
        'SELECT id, t, n, r, b FROM copy_cells ORDER BY id',
        'SELECT id, last_name, company, street FROM persons ORDER BY id',
      ]) {
        const expected = await exact(source, sql);
        assert.deepEqual(await exact(target, sql), expected, `PostgreSQL: ${sql}`);
        assert.deepEqual(await exact(back, sql), expected, `file again: ${sql}`);
      }
      // NULL stays NULL and '' stays '' (not confused by the `\N` marker)
      const kinds = await target.get<{ nulls: number; empties: number; marker: number }>(
        "SELECT sum(CASE WHEN t IS NULL THEN 1 ELSE 0 END) AS nulls, sum(CASE WHEN t = '' THEN 1 ELSE 0 END) AS empties, sum(CASE WHEN t = ? THEN 1 ELSE 0 END) AS marker FROM copy_cells",
        ['\\N'],
      );
      assert.deepEqual(kinds, { nulls: 5, empties: 3, marker: 3 });
    }

    async function cellsDatabase(): Promise<string> {
      const name = await migratedDatabase(cluster);
      const o = await openAsOwner(cluster, name);
      await o.run('CREATE TABLE copy_cells (id BIGINT PRIMARY KEY, t TEXT, n BIGINT, r DOUBLE PRECISION, b BYTEA)');
      await o.close();
      return name;
    }
  });

  it('refuses stores with different tables, and a copy onto itself', async () => {
    const source = keep(new SqlJsAsyncStore(await Store.inMemory()));
    source.syncStore.run('CREATE TABLE extra (id INTEGER PRIMARY KEY)');
    const target = keep(new SqlJsAsyncStore(await Store.inMemory()));
    const error = await rejectsWithCode(copyStore(source, target), 'E_STORE_COPY_SHAPE');
    assert.match(error.message, /only in the source: extra/);
    await rejectsWithCode(copyStore(target, target), 'E_STORE_COPY_SAME');
  });
});
