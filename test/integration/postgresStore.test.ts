/**
 * The PostgreSQL store against a real PostgreSQL 15 cluster on 127.0.0.1 (test/peers/postgres.ts), with the two
 * roles of docs/postgresql.md; and the async store contract on both backends (sql.js file adapter, PostgreSQL).
 */
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import * as path from 'node:path';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import { Store } from '../../src/core/store/database';
import { LATEST_SCHEMA_VERSION } from '../../src/core/store/migrations';
import { parseStoreLocation } from '../../src/core/store/location';
import type { PostgresLocation } from '../../src/core/store/location';
import {
  PostgresConnectionLostError,
  PostgresDatabaseMissingError,
  PostgresHbaError,
  PostgresPasswordError,
  PostgresPermissionError,
  PostgresRefusedError,
  PostgresSchemaOutdatedError,
  PostgresStoreError,
  PostgresTimeoutError,
  PostgresTlsError,
} from '../../src/core/store/postgres/errors';
import {
  migratePostgres,
  POSTGRES_SCHEMA_REPLACEMENTS,
  postgresMigrations,
} from '../../src/core/store/postgres/migrations';
import { openPostgresPool } from '../../src/core/store/postgres/connection';
import { silentLogger } from '../../src/core/log';
import { PostgresStore } from '../../src/core/store/postgres/postgresStore';
import type { PostgresStoreOptions } from '../../src/core/store/postgres/postgresStore';
import { SqlJsAsyncStore } from '../../src/core/store/sqlJsAsyncStore';
import { StoreTransactionError } from '../../src/core/store/errors';
import {
  APP_PASSWORD,
  APP_ROLE,
  OWNER_PASSWORD,
  OWNER_ROLE,
  POSTGRES_MISSING,
  postgresBinariesPresent,
  sharedPostgresCluster,
} from '../peers/postgres';
import type { PostgresCluster } from '../peers/postgres';
import { freePort } from '../peers/sshd';
import { startReadyWorker } from '../helpers';

const havePostgres = postgresBinariesPresent();

function location(cluster: PostgresCluster, database: string, user: string, port = cluster.port): PostgresLocation {
  return parseStoreLocation(`postgres://${user}@127.0.0.1:${port}/${database}`) as PostgresLocation;
}

async function openAs(
  cluster: PostgresCluster,
  database: string,
  role: 'owner' | 'app',
  options: PostgresStoreOptions = {},
): Promise<PostgresStore> {
  const user = role === 'owner' ? OWNER_ROLE : APP_ROLE;
  return PostgresStore.open(location(cluster, database, user), {
    password: role === 'owner' ? OWNER_PASSWORD : APP_PASSWORD,
    ...options,
  });
}

async function rejectsWith<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${type.name}, but it succeeded`);
}

const USER_INSERT =
  "INSERT INTO users (login, short_code, last_name, rights_class, role, password_hash) VALUES (?, ?, ?, 'A', 'Sachbearbeiter', 'x') RETURNING id";

/** The same behaviour on both backends (DESIGN.md §4: every core service runs unchanged on both). */
function asyncStoreContract(backend: string, open: () => Promise<AsyncStore>): void {
  describe(`async store contract: ${backend}`, () => {
    let store: AsyncStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('INSERT … RETURNING id, ? placeholders, numbers come back as numbers', async () => {
      const inserted = await store.query<{ id: number }>(USER_INSERT, ['mmuster', 'MM', 'Muster']);
      const id = inserted[0]?.id;
      assert.equal(typeof id, 'number');
      const row = await store.get<{ login: string; active: number; n: number }>(
        "SELECT login, active, (SELECT count(*) FROM users) AS n FROM users WHERE id = ? AND login <> '?'",
        [id ?? 0],
      );
      assert.deepEqual(row, { login: 'mmuster', active: 1, n: 1 });
      assert.equal(await store.get('SELECT id FROM users WHERE id = ?', [-1]), undefined);
      assert.deepEqual(await store.run('UPDATE users SET note = ? WHERE login = ?', ['n', 'mmuster']), { changes: 1 });
    });

    it('a transaction commits all of it, or nothing when the body throws', async () => {
      await store.transaction(async (tx) => {
        await tx.run('INSERT INTO meta (key, value) VALUES (?, ?)', ['a', '1']);
        await tx.run('INSERT INTO meta (key, value) VALUES (?, ?)', ['b', '2']);
      });
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.run('INSERT INTO meta (key, value) VALUES (?, ?)', ['c', '3']);
          await tx.run('UPDATE meta SET value = ? WHERE key = ?', ['changed', 'a']);
          throw new Error('the body failed');
        }),
        /the body failed/,
      );
      assert.deepEqual(await store.query("SELECT key, value FROM meta WHERE key IN ('a', 'b', 'c') ORDER BY key"), [
        { key: 'a', value: '1' },
        { key: 'b', value: '2' },
      ]);
    });

    it('a constraint violation rejects, and the transaction leaves nothing behind', async () => {
      await store.query(USER_INSERT, ['admin', 'AD', 'Admin']);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.run('INSERT INTO meta (key, value) VALUES (?, ?)', ['x', '1']);
          await tx.query(USER_INSERT, ['ADMIN', 'AD', 'Admin']); // COLLATE NOCASE: the same login on both backends
        }),
      );
      assert.equal(await store.get('SELECT key FROM meta WHERE key = ?', ['x']), undefined);
      assert.equal(
        (await store.get<{ login: string }>('SELECT login FROM users WHERE login = ?', ['Admin']))?.login,
        'admin',
      );
    });

    it('a statement on a transaction that has ended is refused', async () => {
      let kept: { run(sql: string): Promise<unknown> } | undefined;
      await store.transaction(async (tx) => {
        kept = tx;
      });
      await assert.rejects(kept?.run('DELETE FROM meta') ?? Promise.resolve(), StoreTransactionError);
    });

    it('the schema is at the latest version', async () => {
      assert.equal(await store.schemaVersion(), LATEST_SCHEMA_VERSION);
    });
  });
}

asyncStoreContract('sql.js file adapter', async () => new SqlJsAsyncStore(await Store.inMemory()));

describe('PostgreSQL store on a real PostgreSQL 15 (issue 19)', function () {
  this.timeout(60_000);
  let cluster: PostgresCluster;

  before(async function () {
    if (!havePostgres) {
      console.log(`      skipped: ${POSTGRES_MISSING}`);
      this.skip();
    }
    cluster = await sharedPostgresCluster();
  });

  describe('backend', () => {
    asyncStoreContract('PostgreSQL as the runtime role', async () => {
      const database = await cluster.freshDatabase();
      await (await openAs(cluster, database, 'owner')).close(); // the schema owner migrates
      return openAs(cluster, database, 'app');
    });
  });

  it('applies every migration and yields the same tables and columns as the SQLite schema', async () => {
    const database = await cluster.freshDatabase();
    const store = await openAs(cluster, database, 'owner');
    await store.close();
    const sqlite = await Store.inMemory();
    const db = sqlite.rawDatabaseForTests();
    const expected = new Map<string, string[]>();
    const tables =
      db
        .exec("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")[0]
        ?.values.map((v) => String(v[0])) ?? [];
    const typeOf: Record<string, string> = { INTEGER: 'bigint', TEXT: 'text', REAL: 'double precision', BLOB: 'bytea' };
    for (const table of tables) {
      const columns = db.exec(`PRAGMA table_info(${table})`)[0]?.values ?? [];
      // name, type, not null, primary key (PRIMARY KEY columns are NOT NULL in PostgreSQL)
      expected.set(
        table,
        columns.map(
          (c) =>
            `${String(c[1])}:${typeOf[String(c[2])] ?? String(c[2])}:${Number(c[3]) === 1 || Number(c[5]) > 0 ? 'NN' : ''}:${Number(c[5]) > 0 ? 'PK' : ''}`,
        ),
      );
    }
    const expectedIndexes = (
      db.exec(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name",
      )[0]?.values ?? []
    ).map((v) => String(v[0]));
    await sqlite.close();

    const columns = await cluster.admin<{
      table_name: string;
      column_name: string;
      data_type: string;
      is_nullable: string;
      pk: boolean;
    }>(
      `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable,
              EXISTS (SELECT 1 FROM information_schema.key_column_usage k JOIN information_schema.table_constraints t
                        ON t.constraint_name = k.constraint_name AND t.table_name = k.table_name AND t.constraint_type = 'PRIMARY KEY'
                      WHERE k.table_name = c.table_name AND k.column_name = c.column_name) AS pk
         FROM information_schema.columns c WHERE c.table_schema = 'public' ORDER BY c.table_name, c.ordinal_position`,
      database,
    );
    const actual = new Map<string, string[]>();
    for (const c of columns) {
      if (c.table_name === 'schema_version') continue;
      actual.set(c.table_name, [
        ...(actual.get(c.table_name) ?? []),
        `${c.column_name}:${c.data_type}:${c.is_nullable === 'NO' ? 'NN' : ''}:${c.pk ? 'PK' : ''}`,
      ]);
    }
    assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
    for (const [table, cols] of expected) assert.deepEqual(actual.get(table), cols, `columns of ${table}`);
    const indexes = (
      await cluster.admin<{ indexname: string }>(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key' ORDER BY indexname",
        database,
      )
    ).map((r) => r.indexname);
    assert.deepEqual(indexes, expectedIndexes);
    const versions = await cluster.admin<{ version: number }>(
      'SELECT version FROM schema_version ORDER BY version',
      database,
    );
    assert.deepEqual(
      versions.map((v) => Number(v.version)),
      Array.from({ length: LATEST_SCHEMA_VERSION }, (_v, i) => i + 1),
    );
    // translated CHECKs still check: GLOB → regular expression, boolean arithmetic → ::int
    const app = await openAs(cluster, database, 'app');
    try {
      const person = await app.query<{ id: number }>(
        "INSERT INTO persons (person_no, last_name) VALUES (1, 'Muster') RETURNING id",
      );
      const phone = await app.query<{ id: number }>(
        "INSERT INTO phone_numbers (person_id, kind, raw) VALUES (?, 'mobile', '0171 1234567') RETURNING id",
        [person[0]?.id ?? 0],
      );
      await assert.rejects(
        app.run("INSERT INTO phone_index (phone_id, variant, e164, last8) VALUES (?, 'main', '0171', '1234567')", [
          phone[0]?.id ?? 0,
        ]),
        /phone_index_e164_check/,
      );
      await assert.rejects(
        app.run(
          "INSERT INTO phone_numbers (person_id, owner_id, kind, raw) VALUES (?, NULL, 'mobile', 'x'), (NULL, NULL, 'fax', 'y')",
          [person[0]?.id ?? 0],
        ),
        /phone_numbers_check/,
      );
    } finally {
      await app.close();
    }
  });

  it('reports the migrations whose SQLite step writes rows in TypeScript (each has a PostgreSQL data step)', async () => {
    const steps = await postgresMigrations();
    const withData = steps.filter((s) => s.sqliteDataStatements.length > 0).map((s) => s.version);
    assert.deepEqual(withData, [6, 7, 9, 12]);
    // v12 copies rows on SQLite only (table rebuild); PostgreSQL changes the CHECK in place and keeps them
    assert.ok(
      steps.every(
        (s) =>
          s.sqliteDataStatements.length === 0 ||
          s.dataStep !== undefined ||
          POSTGRES_SCHEMA_REPLACEMENTS[s.version] !== undefined,
      ),
    );
    assert.ok(
      steps.find((s) => s.version === 12)?.statements.every((x) => x.startsWith('ALTER TABLE import_batch_items')),
    );
  });

  it('v12 widens the import batch entities in place: a v11 database keeps its batch items', async () => {
    const database = await cluster.freshDatabase();
    const pg = await openPostgresPool(location(cluster, database, OWNER_ROLE), { password: OWNER_PASSWORD });
    try {
      assert.deepEqual(await migratePostgres(pg, { log: silentLogger, toVersion: 11 }), { from: 0, to: 11 });
      await pg.pool.query(
        "INSERT INTO import_batches (id, at, actor_id, kind, source_name, counts_json, total) VALUES ('imp-1', '2026-12-01T10:00:00.000Z', NULL, 'persons', 'p.csv', '{}', 1)",
      );
      await pg.pool.query(
        "INSERT INTO import_batch_items (batch_id, seq, entity, entity_id, entity_key, action, before_json, after_json) VALUES ('imp-1', 1, 'persons', 7, '1007', 'insert', NULL, '{}')",
      );
      await assert.rejects(
        pg.pool.query(
          "INSERT INTO import_batch_items (batch_id, seq, entity, entity_id, entity_key, action, before_json, after_json) VALUES ('imp-1', 2, 'meldungen', 1, 'M1', 'insert', NULL, '{}')",
        ),
        /check constraint/,
        'v11 does not take a Meldung',
      );
    } finally {
      await pg.end();
    }
    const store = await openAs(cluster, database, 'owner'); // migrates to the latest version
    try {
      assert.equal(await store.schemaVersion(), LATEST_SCHEMA_VERSION);
      await store.run(
        "INSERT INTO import_batch_items (batch_id, seq, entity, entity_id, entity_key, action, before_json, after_json) VALUES ('imp-1', 2, 'meldungen', 1, 'M1', 'insert', NULL, '{}')",
      );
      assert.deepEqual(
        (await store.query<{ entity: string }>('SELECT entity FROM import_batch_items ORDER BY seq')).map(
          (r) => r.entity,
        ),
        ['persons', 'meldungen'],
        'the v11 row is kept and v12 takes the new kinds',
      );
      await assert.rejects(
        store.run(
          "INSERT INTO import_batch_items (batch_id, seq, entity, entity_id, entity_key, action, before_json, after_json) VALUES ('imp-1', 3, 'licenses', 1, 'L', 'insert', NULL, '{}')",
        ),
        'the constraint still refuses what no import writes',
      );
    } finally {
      await store.close();
    }
  });

  it('the runtime role reads and writes rows (tables and sequences) but may not change the schema', async () => {
    const database = await cluster.freshDatabase();
    await rejectsWith(openAs(cluster, database, 'app'), PostgresSchemaOutdatedError);
    await (await openAs(cluster, database, 'owner')).close();
    const app = await openAs(cluster, database, 'app');
    try {
      const [first] = await app.query<{ id: number }>(USER_INSERT, ['eins', 'E1', 'Eins']);
      const [second] = await app.query<{ id: number }>(USER_INSERT, ['zwei', 'Z2', 'Zwei']);
      assert.equal((second?.id ?? 0) - (first?.id ?? 0), 1);
      assert.deepEqual(await app.run('DELETE FROM users WHERE login = ?', ['eins']), { changes: 1 });
      assert.ok((await app.get<{ n: number }>("SELECT nextval(pg_get_serial_sequence('audit_log', 'id')) AS n"))?.n);
      const ddl = await rejectsWith(app.run('CREATE TABLE intruder (a INTEGER)'), PostgresPermissionError);
      assert.match(ddl.message, new RegExp(`${APP_ROLE}.*127\\.0\\.0\\.1:${cluster.port}`));
      await rejectsWith(app.run('DROP TABLE audit_log'), PostgresStoreError);
      await rejectsWith(app.run('TRUNCATE audit_log'), PostgresPermissionError);
    } finally {
      await app.close();
    }
  });

  it('two processes starting on a new database at once both migrate it, once (advisory lock)', async () => {
    const database = await cluster.freshDatabase();
    const url = `postgres://${OWNER_ROLE}@127.0.0.1:${cluster.port}/${database}`;
    const worker = path.join(__dirname, '..', 'fixtures', 'pgOpenWorker.ts');
    const workers = [0, 1, 2].map(() => startReadyWorker(worker, [url], { PGPASSWORD: OWNER_PASSWORD }));
    // all loaded: start them at the same moment, so their migrations overlap
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();
    const results = await Promise.all(workers.map((w) => w.done));
    for (const r of results) {
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(JSON.parse(r.out.trim().split('\n').pop() ?? ''), { version: LATEST_SCHEMA_VERSION });
    }
    const rows = await cluster.admin<{ n: string }>('SELECT count(*) AS n FROM schema_version', database);
    assert.equal(Number(rows[0]?.n), LATEST_SCHEMA_VERSION);
  });

  describe('connection failures: one line naming host:port and the fix, within the deadline', () => {
    it('server down / wrong port → refused', async () => {
      const port = await freePort();
      const error = await rejectsWith(
        PostgresStore.open(location(cluster, 'postgres', APP_ROLE, port), { password: 'x' }),
        PostgresRefusedError,
      );
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.ok(!error.message.includes('\n'));
    });

    it('a server that accepts but never answers → timeout after the connect deadline', async () => {
      const silent = net.createServer(() => undefined);
      const sockets: net.Socket[] = [];
      silent.on('connection', (s) => sockets.push(s));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
      const port = (silent.address() as net.AddressInfo).port;
      try {
        const started = Date.now();
        const error = await rejectsWith(
          PostgresStore.open(location(cluster, 'postgres', APP_ROLE, port), { password: 'x', connectTimeoutMs: 700 }),
          PostgresTimeoutError,
        );
        assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
        assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}.*0\\.7 s`));
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise((r) => silent.close(r));
      }
    });

    it('wrong password, unknown role, no pg_hba.conf entry, database missing: different messages, never "user does not exist"', async () => {
      const database = await cluster.freshDatabase();
      const wrong = await rejectsWith(
        PostgresStore.open(location(cluster, database, APP_ROLE), { password: 'falsch' }),
        PostgresPasswordError,
      );
      const unknownRole = await rejectsWith(
        PostgresStore.open(location(cluster, database, 'nobody_here'), { password: 'x' }),
        PostgresPasswordError,
      );
      const missing = await rejectsWith(
        PostgresStore.open(location(cluster, 'no_such_db', APP_ROLE), { password: APP_PASSWORD }),
        PostgresDatabaseMissingError,
      );
      await cluster.setHostHba([`host all ${OWNER_ROLE} 127.0.0.1/32 scram-sha-256`]);
      let hba: PostgresHbaError;
      try {
        hba = await rejectsWith(
          PostgresStore.open(location(cluster, database, APP_ROLE), { password: APP_PASSWORD }),
          PostgresHbaError,
        );
      } finally {
        await cluster.restoreHba();
      }
      const messages = [wrong.message, missing.message, hba.message];
      assert.equal(new Set(messages).size, 3);
      for (const m of [...messages, unknownRole.message]) {
        assert.match(m, new RegExp(`127\\.0\\.0\\.1:${cluster.port}`));
        assert.ok(!/does not exist/.test(m) || m === missing.message, m);
        assert.ok(!m.includes('falsch'));
      }
      assert.match(wrong.message, /password/);
      assert.match(missing.message, /no_such_db/);
      assert.match(hba.message, /pg_hba\.conf/);
    });
  });

  describe('TLS (the test server has ssl = on with a certificate for 127.0.0.1 from a test CA)', () => {
    const tlsLocation = (database: string, query: string): PostgresLocation =>
      parseStoreLocation(`postgres://${APP_ROLE}@127.0.0.1:${cluster.port}/${database}?${query}`) as PostgresLocation;

    it('verify-full with the CA file connects encrypted; require connects encrypted without checking', async () => {
      const database = await cluster.freshDatabase();
      await (await openAs(cluster, database, 'owner')).close();
      for (const query of [
        `sslmode=verify-full&sslrootcert=${encodeURIComponent(cluster.caFile)}`,
        'sslmode=require',
      ]) {
        const store = await PostgresStore.open(tlsLocation(database, query), { password: APP_PASSWORD });
        try {
          assert.deepEqual(
            await store.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'),
            [{ ssl: true }],
            query,
          );
        } finally {
          await store.close();
        }
      }
    });

    it('verify-full without the right CA is refused with a TLS error naming the server', async () => {
      const error = await rejectsWith(
        PostgresStore.open(tlsLocation('postgres', 'sslmode=verify-full'), { password: APP_PASSWORD }),
        PostgresTlsError,
      );
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${cluster.port}.*sslmode`));
      await rejectsWith(
        PostgresStore.open(tlsLocation('postgres', 'sslmode=verify-full&sslrootcert=/no/such/ca.pem'), {
          password: APP_PASSWORD,
        }),
        PostgresTlsError,
      );
    });
  });

  describe('the server ends connections', () => {
    it('an idle pooled connection terminated by the server does not crash the process; the next query reconnects', async () => {
      const database = await cluster.freshDatabase();
      await (await openAs(cluster, database, 'owner')).close();
      const store = await openAs(cluster, database, 'app');
      try {
        await store.query('SELECT 1 AS one');
        const killed = await cluster.admin<{ ok: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = '${database}' AND usename = '${APP_ROLE}'`,
        );
        assert.ok(killed.length >= 1);
        await new Promise((r) => setTimeout(r, 300)); // the pool sees the socket close and emits 'error' on the idle client
        assert.deepEqual(await store.query('SELECT 1 AS one'), [{ one: 1 }]);
      } finally {
        await store.close();
      }
    });

    it('a connection terminated mid-transaction: a clear error, no partial write, the store stays usable', async () => {
      const database = await cluster.freshDatabase();
      await (await openAs(cluster, database, 'owner')).close();
      const store = await openAs(cluster, database, 'app');
      try {
        const error = await rejectsWith(
          store.transaction(async (tx) => {
            await tx.run('INSERT INTO meta (key, value) VALUES (?, ?)', ['half', 'done']);
            const pid = (await tx.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))?.pid;
            await cluster.admin(`SELECT pg_terminate_backend(${Number(pid)})`);
            await tx.run('INSERT INTO meta (key, value) VALUES (?, ?)', ['second', 'half']);
          }),
          PostgresConnectionLostError,
        );
        assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${cluster.port}.*nothing was written`));
        assert.deepEqual(await store.query("SELECT key FROM meta WHERE key <> 'store_kind'"), []);
        await store.run('INSERT INTO meta (key, value) VALUES (?, ?)', ['after', 'ok']);
        assert.equal(
          (await store.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', ['after']))?.value,
          'ok',
        );
      } finally {
        await store.close();
      }
    });
  });
});
