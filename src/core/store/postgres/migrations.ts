/**
 * Migrations of the PostgreSQL store from the one ordered list of src/core/store/migrations (issue 19
 * "Migrations for both dialects from one ordered list").
 *
 * How the PostgreSQL steps are made: each SQLite migration's `up(db)` runs against a scratch in-memory sql.js
 * database (so its TypeScript runs exactly as on the file), through a recording proxy; the schema statements it
 * executes are translated by {@link translateDdl}, its reads are ignored, and any row it writes is a **data step**:
 * a data step needs a PostgreSQL implementation in {@link POSTGRES_DATA_STEPS} (written against the async store
 * interface), else building the list fails, naming the migration. The schema version lives in the table
 * `schema_version` (one row per applied step) instead of `PRAGMA user_version`.
 *
 * Concurrency: {@link migratePostgres} holds `pg_advisory_lock` on one connection for the whole run, so two
 * processes starting on a new or older database at once migrate it once (IF NOT EXISTS alone does not serialise).
 */
import type { Database, SqlValue, Statement } from 'sql.js';
import type { PoolClient } from 'pg';
import { indexRowsFor, AREA_CODE_META_KEY } from '../../cti/phoneIndex';
import type { Logger } from '../../log';
import { MIGRATIONS } from '../migrations';
import { SCHEMA_V12_POSTGRES } from '../migrations/012_import_batch_entities';
import { loadSqlJs } from '../sqlJs';
import { CREATE_NOCASE_COLLATION, splitStatements, toPostgresPlaceholders, translateDdl } from './dialect';
import { PostgresMigrationLockError, PostgresSchemaOutdatedError } from './errors';
import type { PostgresPool } from './connection';

/** A data step run inside the migration's transaction on PostgreSQL (`query` with `?` placeholders). */
export type PostgresDataStep = (
  query: (sql: string, params?: readonly SqlValue[]) => Promise<Array<Record<string, unknown>>>,
) => Promise<void>;

/** One PostgreSQL migration step. */
export interface PostgresMigration {
  readonly version: number;
  readonly name: string;
  /** translated schema statements, in order */
  readonly statements: readonly string[];
  /** the statements the SQLite step used to write rows (recorded, for reports and the check below) */
  readonly sqliteDataStatements: readonly string[];
  readonly dataStep: PostgresDataStep | undefined;
}

/**
 * PostgreSQL versions of the data steps of SQLite migrations, by schema version.
 * 6: `backfillPhoneIndex` (006_cti) — the phone index for numbers that existed before CTI. A PostgreSQL database
 *    is always created at version ≥ 6 by this suite, so this runs on an empty table; it is kept for completeness.
 */
export const POSTGRES_DATA_STEPS: Readonly<Record<number, PostgresDataStep>> = {
  6: async (query) => {
    const area = (await query('SELECT value FROM meta WHERE key = ?', [AREA_CODE_META_KEY]))[0]?.value;
    const areaCode = typeof area === 'string' && area !== '' ? area : undefined;
    for (const row of await query('SELECT id, raw FROM phone_numbers ORDER BY id')) {
      for (const r of indexRowsFor(String(row.raw), areaCode)) {
        await query(
          'INSERT INTO phone_index (phone_id, variant, e164, last8, extension) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
          [Number(row.id), r.variant, r.e164, r.last8, r.extension],
        );
      }
    }
  },
  // v7 (issue 15): the store kind — a store is a demo store only when it was marked demo and holds no license of
  // another key; a new PostgreSQL database has neither, so this writes 'production' unless a row exists already
  7: async (query) => {
    await query(
      "INSERT INTO meta (key, value) SELECT 'store_kind', CASE WHEN EXISTS (SELECT 1 FROM meta WHERE key = 'demo' AND value = '1') AND NOT EXISTS (SELECT 1 FROM licenses WHERE key_id <> 'demo') THEN 'demo' ELSE 'production' END ON CONFLICT (key) DO NOTHING",
    );
  },
  // v9 (issue 17): SQLite rebuilds the two reminder tables to widen a CHECK and copies their rows between CREATE and
  // DROP. PostgreSQL stores exist only from schema 9 on (the backend arrived after it), so every PostgreSQL database
  // runs this step while the tables are empty: there is nothing to copy.
  9: async () => {},
};

/**
 * PostgreSQL schema statements that replace the translated ones of a SQLite step: where SQLite must rebuild a table
 * (and copy its rows in a data statement) to change a constraint, PostgreSQL changes it in place and keeps the rows.
 * 12: the CHECK on `import_batch_items.entity` (012_import_batch_entities.ts).
 */
export const POSTGRES_SCHEMA_REPLACEMENTS: Readonly<Record<number, readonly string[]>> = {
  12: SCHEMA_V12_POSTGRES,
};

const CHANGING = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i;

/** Records what `up(db)` executes while passing every call to the real scratch database. */
function recordingProxy(db: Database, schema: string[], data: string[]): Database {
  const recordText = (sql: string): void => {
    for (const statement of splitStatements(sql)) {
      if (CHANGING.test(statement)) data.push(statement);
      else if (!/^\s*(SELECT|WITH)\b/i.test(statement)) schema.push(statement);
    }
  };
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'exec' || property === 'run') {
        return (sql: string, params?: unknown) => {
          recordText(sql);
          return property === 'exec'
            ? target.exec(sql, params as SqlValue[] | undefined)
            : target.run(sql, params as SqlValue[] | undefined);
        };
      }
      if (property === 'prepare') {
        return (sql: string, params?: unknown): Statement => {
          if (CHANGING.test(sql)) data.push(sql.trim());
          else if (!/^\s*(SELECT|WITH)\b/i.test(sql)) schema.push(sql.trim());
          return target.prepare(sql, params as SqlValue[] | undefined);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

let cached: Promise<PostgresMigration[]> | undefined;

/**
 * The PostgreSQL migration list, built once per process from {@link MIGRATIONS}.
 * @throws UntranslatableSqlError for a schema statement no rule covers; Error for a data step without a
 *         PostgreSQL implementation
 */
export function postgresMigrations(): Promise<PostgresMigration[]> {
  cached ??= buildPostgresMigrations().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function buildPostgresMigrations(): Promise<PostgresMigration[]> {
  const SQL = await loadSqlJs();
  const scratch = new SQL.Database();
  try {
    return MIGRATIONS.map((migration) => {
      const schema: string[] = [];
      const data: string[] = [];
      migration.up(recordingProxy(scratch, schema, data));
      const replacement = POSTGRES_SCHEMA_REPLACEMENTS[migration.version];
      const statements = replacement
        ? [...replacement]
        : schema.map(translateDdl).filter((s): s is string => s !== undefined);
      const dataStep = POSTGRES_DATA_STEPS[migration.version];
      if (data.length > 0 && dataStep === undefined && replacement === undefined) {
        throw new Error(
          `store migration ${migration.version} (${migration.name}) writes rows in TypeScript (${data[0]}); add its PostgreSQL version to POSTGRES_DATA_STEPS`,
        );
      }
      return { version: migration.version, name: migration.name, statements, sqliteDataStatements: data, dataStep };
    });
  } finally {
    scratch.close();
  }
}

/** Two-key advisory lock id of the schema migration ('ixha', 'mig!'); other applications on the database will not pick it. */
const LOCK_KEYS = [0x69786861, 0x6d696721] as const;

/** The schema version of the database: the highest applied step, 0 for a database without our tables. */
export async function postgresSchemaVersion(client: PoolClient): Promise<number> {
  const exists = await client.query<{ found: string | null }>("SELECT to_regclass('schema_version')::text AS found");
  if (exists.rows[0]?.found === null || exists.rows[0] === undefined) return 0;
  const row = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_version');
  return Number(row.rows[0]?.version ?? 0);
}

/** Options of {@link migratePostgres}. */
export interface MigrateOptions {
  /** how long to wait for another process's migration (ms); default 300 000 */
  readonly lockTimeoutMs?: number;
  readonly log: Logger;
  /** stop after this version (tests of older databases); default: all */
  readonly toVersion?: number;
}

/**
 * Brings the database to the latest schema: takes the advisory lock on one connection, re-reads the version
 * under the lock, and applies each pending step in its own transaction (statements, data step, `schema_version`
 * row), so a failed step leaves the database at the previous version.
 * @returns the version before and after
 * @throws PostgresSchemaOutdatedError when the role may not change the schema (runtime role on an older
 *         database); PostgresMigrationLockError when the lock is not free within the deadline; classified
 *         connection errors
 */
export async function migratePostgres(
  pg: PostgresPool,
  options: MigrateOptions,
): Promise<{ from: number; to: number }> {
  const steps = await postgresMigrations();
  const target = options.toVersion ?? steps[steps.length - 1]?.version ?? 0;
  const lockTimeoutMs = options.lockTimeoutMs ?? 300_000;
  const server = `${pg.location.host}:${pg.location.port}`;
  const client = await pg.connect();
  try {
    const before = await postgresSchemaVersion(client);
    if (before >= target) return { from: before, to: before };
    // migrations may run long: no statement deadline on this connection, but a deadline for the lock wait
    await client.query('SET statement_timeout = 0');
    await client.query(`SET lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))}`);
    try {
      await client.query('SELECT pg_advisory_lock($1, $2)', [...LOCK_KEYS]);
    } catch (error) {
      if ((error as { code?: string }).code === '55P03')
        throw new PostgresMigrationLockError(server, lockTimeoutMs / 1000, error);
      throw error;
    }
    try {
      const from = await postgresSchemaVersion(client); // another process may have migrated while we waited
      for (const step of steps) {
        if (step.version <= from || step.version > target) continue;
        await client.query('BEGIN');
        try {
          if (step.version === 1) await client.query(CREATE_NOCASE_COLLATION);
          if (step.version === 1)
            await client.query(
              'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, migrated_at TEXT NOT NULL)',
            );
          for (const statement of step.statements) await client.query(statement);
          if (step.dataStep) {
            await step.dataStep(
              async (sql, params) =>
                (await client.query(toPostgresPlaceholders(sql).text, params === undefined ? [] : [...params]))
                  .rows as Array<Record<string, unknown>>,
            );
          }
          await client.query('INSERT INTO schema_version (version, name, migrated_at) VALUES ($1, $2, $3)', [
            step.version,
            step.name,
            new Date().toISOString(),
          ]);
          await client.query('COMMIT');
          options.log.info(`schema of ${pg.location.redacted} migrated to ${step.version} (${step.name})`);
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          if ((error as { code?: string }).code === '42501')
            throw new PostgresSchemaOutdatedError(server, pg.location.database, from, target, error);
          throw error;
        }
      }
      return { from, to: target };
    } finally {
      // when the session is gone, the server has released its lock with it
      await client.query('SELECT pg_advisory_unlock($1, $2)', [...LOCK_KEYS]).catch(() => undefined);
    }
  } catch (error) {
    throw pg.classify(error);
  } finally {
    // a connection with changed session settings is not returned to the pool
    client.release(true);
  }
}
