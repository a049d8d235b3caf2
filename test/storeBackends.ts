/**
 * The PostgreSQL side of the core tests' backend switch (test/helpers.ts `TEST_BACKEND`): a fresh database per
 * test on the run's shared cluster (test/peers/postgres.ts), created as docs/postgresql.md says and opened as the
 * runtime role. Loaded only when `IXHAUS_TEST_BACKEND=postgres`.
 */
import type { AsyncStore } from '../src/core/store/asyncStore';

/** A new database holding a copy of the small demo store file `demoFile`. */
export async function postgresDemoDb(_demoFile: string): Promise<AsyncStore> {
  throw new Error('the PostgreSQL test backend arrives with store copy (issue 19)');
}

/** A new, migrated, empty database. */
export async function postgresEmptyDb(): Promise<AsyncStore> {
  throw new Error('the PostgreSQL test backend arrives with store copy (issue 19)');
}
