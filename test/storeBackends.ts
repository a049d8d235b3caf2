/**
 * The PostgreSQL side of the core tests' backend switch (test/helpers.ts `TEST_BACKEND`): a fresh database per
 * test on the run's shared cluster (test/peers/postgres.ts), opened as the documented runtime role. Loaded only
 * when `IXHAUS_TEST_BACKEND=postgres` (and by the tests of this file's own behaviour).
 *
 * Fast: per run, ONE template database is built for each kind — migrated by the schema-owner role (empty), and
 * for the demo also filled with `copyStore` from the run's small demo file by the runtime role, as `store copy`
 * does for an administrator. Each call then clones a template with `CREATE DATABASE … TEMPLATE …` (a file-level
 * copy inside the server, a few ms) instead of migrating and copying again. A clone is dropped when its store is
 * closed.
 */
import type { AsyncStore } from '../src/core/store/asyncStore';
import { copyStore } from '../src/core/store/copyStore';
import { Store } from '../src/core/store/database';
import { parseStoreLocation } from '../src/core/store/location';
import type { PostgresLocation } from '../src/core/store/location';
import { PostgresStore } from '../src/core/store/postgres/postgresStore';
import { SqlJsAsyncStore } from '../src/core/store/sqlJsAsyncStore';
import { APP_PASSWORD, APP_ROLE, OWNER_PASSWORD, OWNER_ROLE, sharedPostgresCluster } from './peers/postgres';
import type { PostgresCluster } from './peers/postgres';

/** The URL of `database` on the shared cluster for `user` (no password: it goes beside the URL). */
export function postgresLocation(cluster: PostgresCluster, database: string, user: string): PostgresLocation {
  return parseStoreLocation(`postgres://${user}@127.0.0.1:${cluster.port}/${database}`) as PostgresLocation;
}

/** Opens `database` as the runtime role (no DDL, rows only), as the extension and the CLI do. */
export function openAsApp(cluster: PostgresCluster, database: string): Promise<PostgresStore> {
  return PostgresStore.open(postgresLocation(cluster, database, APP_ROLE), { password: APP_PASSWORD });
}

/** Opens `database` as the schema-owner role (migrations). */
export function openAsOwner(cluster: PostgresCluster, database: string): Promise<PostgresStore> {
  return PostgresStore.open(postgresLocation(cluster, database, OWNER_ROLE), { password: OWNER_PASSWORD });
}

/** A new database on the shared cluster, migrated by the owner role, and its name. */
export async function migratedDatabase(cluster: PostgresCluster): Promise<string> {
  const database = await cluster.freshDatabase();
  await (await openAsOwner(cluster, database)).close();
  return database;
}

let emptyTemplate: Promise<string> | undefined;
let demoTemplate: Promise<string> | undefined;
let clones = 0;

async function buildDemoTemplate(cluster: PostgresCluster, demoFile: string): Promise<string> {
  const database = await migratedDatabase(cluster);
  const source = new SqlJsAsyncStore(await Store.open(demoFile, { readOnly: true }));
  const target = await openAsApp(cluster, database);
  try {
    await copyStore(source, target);
  } finally {
    await target.close();
    await source.close();
  }
  return database;
}

/**
 * Clones `template` into a new database with the database-level rights of docs/postgresql.md (those live in the
 * cluster-wide catalog, which a template does not carry; the schema rights and default privileges come with it).
 * The template must have no open connection: a store's pool may still be ending its sessions, so this retries
 * for up to 5 s.
 */
async function cloneDatabase(cluster: PostgresCluster, template: string): Promise<string> {
  const name = `ixclone_${process.pid}_${++clones}`;
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      await cluster.admin(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      break;
    } catch (error) {
      // 55006: "source database … is being accessed by other users"
      if ((error as { code?: string }).code !== '55006' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  await cluster.admin(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
  await cluster.admin(`GRANT CONNECT, TEMPORARY ON DATABASE ${name} TO ${OWNER_ROLE}, ${APP_ROLE}`);
  return name;
}

/** Opens a clone as the runtime role; closing the store drops the clone. */
async function openClone(cluster: PostgresCluster, template: string): Promise<AsyncStore> {
  const database = await cloneDatabase(cluster, template);
  const store = await openAsApp(cluster, database);
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await cluster.admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
  };
  return store;
}

/** A new database holding a copy of the small demo store file `demoFile` (the same file on every call of a run). */
export async function postgresDemoDb(demoFile: string): Promise<AsyncStore> {
  const cluster = await sharedPostgresCluster();
  demoTemplate ??= buildDemoTemplate(cluster, demoFile).catch((error: unknown) => {
    demoTemplate = undefined;
    throw error;
  });
  return openClone(cluster, await demoTemplate);
}

/** A new, migrated, empty database. */
export async function postgresEmptyDb(): Promise<AsyncStore> {
  const cluster = await sharedPostgresCluster();
  emptyTemplate ??= migratedDatabase(cluster).catch((error: unknown) => {
    emptyTemplate = undefined;
    throw error;
  });
  return openClone(cluster, await emptyTemplate);
}
