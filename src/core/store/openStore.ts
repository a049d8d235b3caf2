/**
 * Opens a store named by the user — a file path or a `postgres://` URL (issue 19 "Where a store is named") — as
 * the one asynchronous interface the core uses ({@link AsyncStore}). `pg` is loaded only for a URL.
 */
import type { Logger } from '../log';
import type { AsyncStore } from './asyncStore';
import { Store } from './database';
import type { StoreOptions } from './database';
import { parseStoreLocation } from './location';
import type { LocationOptions, StoreLocation } from './location';
import type { PasswordSourceHint } from './postgres/errors';
import { SqlJsAsyncStore } from './sqlJsAsyncStore';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** file: open read-only (no lock taken); PostgreSQL: no effect (rights come from the role) */
  readonly readOnly?: boolean;
  /** file store options (lock wait, take-over, lock-lost callback …) */
  readonly file?: StoreOptions;
  /** the PostgreSQL password (from --store-password-env / PGPASSWORD or secret storage); never logged */
  readonly password?: string;
  /** where the password came from (the CLI option and its variable), so that the password errors name it */
  readonly passwordSource?: PasswordSourceHint;
  /** PostgreSQL: migrate an older schema (default true; a runtime role without DDL gets the fix instead) */
  readonly migrate?: boolean;
  /** how relative paths and the CA option are read (see {@link parseStoreLocation}) */
  readonly location?: LocationOptions;
  readonly logger?: Logger;
}

/** An open store and, for a file, the synchronous engine behind it (file-only facts: lock holder, size, pages). */
export interface OpenedStore {
  readonly store: AsyncStore;
  readonly location: StoreLocation;
  /** the sql.js store of a file location; undefined for PostgreSQL */
  readonly file: Store | undefined;
}

/**
 * Opens `text` (a file path or a `postgres://user@host:port/db` URL).
 * @throws StoreLocationError (a password in the URL, a malformed URL); the errors of {@link Store.open} for a file;
 *         the classified PostgreSQL errors (refused, unknown host, timeout, password, pg_hba, database missing, TLS,
 *         schema outdated) for a URL
 */
export async function openStore(text: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const location = parseStoreLocation(text, options.location ?? {});
  if (location.kind === 'file') {
    const file = await Store.open(location.path, {
      ...(options.logger ? { logger: options.logger } : {}),
      ...options.file,
      ...(options.readOnly === true ? { readOnly: true } : {}),
    });
    return { store: new SqlJsAsyncStore(file), location, file };
  }
  const { PostgresStore } = await import('./postgres/postgresStore');
  const store = await PostgresStore.open(location, {
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.passwordSource !== undefined ? { passwordSource: options.passwordSource } : {}),
    ...(options.migrate !== undefined ? { migrate: options.migrate } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return { store, location, file: undefined };
}
