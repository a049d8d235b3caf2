import type { Command } from 'commander';
import type { AsyncStore } from '../core/store/asyncStore';
import { Store } from '../core/store/database';
import { StoreLockedError } from '../core/store/errors';
import { parseStoreLocation, postgresPassword } from '../core/store/location';
import { openStore } from '../core/store/openStore';
import type { OpenedStore } from '../core/store/openStore';
import { SqlJsAsyncStore } from '../core/store/sqlJsAsyncStore';

/** How long a changing CLI verb waits for another writer by default (ms). */
export const DEFAULT_LOCK_WAIT_MS = 30_000;

/**
 * The lock wait of changing verbs: `IXHAUS_LOCK_WAIT_SECONDS` (0 … 3600) or {@link DEFAULT_LOCK_WAIT_MS}.
 * @throws Error naming the variable when it is not a whole number of seconds in range
 */
export function lockWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.IXHAUS_LOCK_WAIT_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_LOCK_WAIT_MS;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) > 3600)
    throw new Error(`IXHAUS_LOCK_WAIT_SECONDS must be a whole number of seconds from 0 to 3600, not "${raw}"`);
  return Number(raw) * 1000;
}

/**
 * Opens a store for a changing CLI verb: takes the write lock before the file is read, waiting (with a deadline,
 * {@link lockWaitMs}) while another window or program changes it, so that two scripts started together run one
 * after the other instead of one failing.
 * @throws StoreLockedError naming the holder when the lock is still held after the wait (nothing was changed);
 *         the errors of {@link Store.open}
 */
export async function openForWriting(file: string): Promise<Store> {
  const store = await Store.open(file, { waitForLockMs: lockWaitMs() });
  if (store.readOnly) {
    const holder = store.lockHolder ?? 'another window or program';
    await store.close({ save: false });
    throw new StoreLockedError(store.file ?? file, holder);
  }
  return store;
}

/** The options every store-using verb takes (see {@link addStoreOptions}). */
export interface StoreCliOptions {
  readonly store: string;
  readonly storePasswordEnv?: string;
  readonly storeCa?: string;
}

/** Options of {@link addStoreOptions}. */
export interface AddStoreOptions {
  /** `--store` may be left out (the verb works without a store); default: required */
  readonly optional?: boolean;
  /** what the store is used for, in the help text (default "store file") */
  readonly description?: string;
}

/**
 * Adds `--store <file|url>` (required unless `optional`), `--store-password-env <var>` and `--store-ca <file>` to a
 * verb (issue 19 "Where a store is named"): the password of a PostgreSQL store comes from the named variable or
 * PGPASSWORD, never from the URL.
 */
export function addStoreOptions<C extends Command>(command: C, options: AddStoreOptions = {}): C {
  const description = `${options.description ?? 'store file'}, or postgres://user@host:port/database[?sslmode=require|verify-full]`;
  if (options.optional === true) command.option('--store <file|url>', description);
  else command.requiredOption('--store <file|url>', description);
  command
    .option('--store-password-env <var>', 'environment variable holding the PostgreSQL password (default: PGPASSWORD)')
    .option('--store-ca <file>', 'PEM file with the CA certificate of the PostgreSQL server (sslmode=verify-full)');
  return command;
}

/**
 * How a verb opens its store: `read` — a file read-only (no lock); `write` — a file with the write lock, waited for
 * ({@link openForWriting}); `write-if-free` — the file writable when it is free, read-only without waiting when another
 * window holds it: for verbs that change nothing themselves but sign in (so that the sign-in is audited and a failed
 * one counts towards the throttle, issue 15) or that record a by-product when they can (`mail test` keeps a read
 * "Gültig bis"). A PostgreSQL store is opened the same way in all three (the role's rights decide).
 */
export type CliStoreMode = 'read' | 'write' | 'write-if-free';

/**
 * Opens the store of a verb as the core's asynchronous store: a file as `mode` says ({@link CliStoreMode}); a
 * `postgres://` URL with its password from `--store-password-env` / PGPASSWORD. Close it with `store.close()`.
 * @throws StoreLocationError, StoreLockedError, the file and PostgreSQL open errors (all name the fix)
 */
export async function openCliStore(options: StoreCliOptions, mode: CliStoreMode): Promise<OpenedStore> {
  const location = parseStoreLocation(options.store, options.storeCa !== undefined ? { caFile: options.storeCa } : {});
  if (location.kind === 'file') {
    const file =
      mode === 'write'
        ? await openForWriting(location.path)
        : mode === 'read'
          ? await Store.open(location.path, { readOnly: true })
          : await Store.open(location.path);
    return { store: new SqlJsAsyncStore(file), location, file };
  }
  const password = postgresPassword(
    options.storePasswordEnv !== undefined ? { passwordEnv: options.storePasswordEnv } : {},
  );
  return openStore(options.store, {
    ...(password !== undefined ? { password } : {}),
    ...(options.storeCa !== undefined ? { location: { caFile: options.storeCa } } : {}),
  });
}

/**
 * Opens the store of a verb ({@link openCliStore}), runs `body` with it and closes it (a file store saves what its
 * transactions left pending and releases the lock), also when `body` throws.
 * @throws the errors of {@link openCliStore} and of `body`
 */
export async function withCliStore<T>(
  options: StoreCliOptions,
  mode: CliStoreMode,
  body: (store: AsyncStore, opened: OpenedStore) => Promise<T>,
): Promise<T> {
  const opened = await openCliStore(options, mode);
  try {
    return await body(opened.store, opened);
  } finally {
    await opened.store.close();
  }
}
