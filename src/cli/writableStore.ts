import * as path from 'node:path';
import type { Command } from 'commander';
import type { AsyncStore } from '../core/store/asyncStore';
import { Store } from '../core/store/database';
import { StoreLockedError } from '../core/store/errors';
import { parseStoreLocation, postgresPassword } from '../core/store/location';
import { openStore } from '../core/store/openStore';
import type { OpenedStore } from '../core/store/openStore';
import { SqlJsAsyncStore } from '../core/store/sqlJsAsyncStore';
import { msg } from '../core/errors';
import { findSystemInFile, readSystemsFileEntries, SystemError, SYSTEMS_ENV } from '../core/systems/systems';
import type { CustomerSystem } from '../core/systems/systems';

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
  /** `--system NAME` (issue 20): replaced by the system's store before the verb runs */
  readonly system?: string;
  /** `--systems-file FILE`: where `--system` is looked up (default: the file named by `IXHAUS_SYSTEMS`) */
  readonly systemsFile?: string;
}

/**
 * The customer system `name` of the systems list in `systemsFile`, else in the file named by `IXHAUS_SYSTEMS`
 * (issue 20): a JSON array of systems, or a VS Code user `settings.json` with `"ixhaus.systems"`. A relative store
 * path in the file is taken relative to the file's folder. The CLI never reads VS Code's secret storage: a
 * PostgreSQL password still comes from `--store-password-env` / PGPASSWORD. Entries are checked one by one: the
 * named system is used when it is valid itself; every other entry that cannot be used is a warning on stderr naming
 * the file and the entry (an admin's typo in one customer's entry must not stop work on all the others).
 * @throws SystemError: no file named (E_SYSTEMS_FILE_MISSING), an unreadable or invalid file, the named entry broken
 *         (E_SYSTEMS_ENTRY, naming file, entry and cause), an unknown name
 */
export function resolveCliSystem(
  name: string,
  systemsFile: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): CustomerSystem {
  const file = systemsFile ?? env[SYSTEMS_ENV];
  if (file === undefined || file === '')
    throw new SystemError(
      'E_SYSTEMS_FILE_MISSING',
      msg(
        '--system needs the list of systems: give --systems-file FILE (a JSON array of systems, or your VS Code settings.json) or set {0} to the path of such a file.',
      ),
      [SYSTEMS_ENV],
    );
  const contents = readSystemsFileEntries(file);
  const system = findSystemInFile(contents, name);
  for (const problem of contents.problems)
    process.stderr.write(`ixhaus-admin: warning: ${problem.error.message} (skipped)\n`);
  const location = parseStoreLocation(system.store, { baseDir: path.dirname(path.resolve(file)) });
  return { ...system, store: location.kind === 'file' ? location.path : system.store };
}

/**
 * Says on stderr which system and store a verb works on (stderr, so that `--json` output stays clean; the URL
 * redacted), and warns on a Produktion system (issue 20).
 */
export function announceSystem(system: CustomerSystem): void {
  const customer = system.customer === '' ? '' : ` of ${system.customer}`;
  process.stderr.write(
    `ixhaus-admin: system ${system.name} (${system.kind}${customer}): ${parseStoreLocation(system.store).redacted}\n`,
  );
  if (system.kind === 'Produktion')
    process.stderr.write("ixhaus-admin: a Produktion system: changes reach the customer's live data at once.\n");
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
  // --store is checked in the preAction hook below: --system NAME may stand in for it (issue 20)
  command.option('--store <file|url>', description);
  command
    .option('--store-password-env <var>', 'environment variable holding the PostgreSQL password (default: PGPASSWORD)')
    .option('--store-ca <file>', 'PEM file with the CA certificate of the PostgreSQL server (sslmode=verify-full)')
    .option('--system <name>', `a customer system by name instead of --store (from --systems-file or $${SYSTEMS_ENV})`)
    .option(
      '--systems-file <file>',
      `the systems list: a JSON array, or a VS Code settings.json with "ixhaus.systems" (default: $${SYSTEMS_ENV})`,
    );
  command.hook('preAction', () => {
    const given = command.opts<Partial<StoreCliOptions>>();
    if (given.system !== undefined) {
      if (given.store !== undefined)
        command.error('error: give either --store or --system, not both', { code: 'commander.conflictingOption' });
      const system = resolveCliSystem(given.system, given.systemsFile);
      command.setOptionValue('store', system.store);
      announceSystem(system);
    } else if (given.store === undefined && options.optional !== true) {
      command.error("error: required option '--store <file|url>' (or --system <name>) not specified", {
        code: 'commander.missingMandatoryOptionValue',
      });
    }
  });
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
    passwordSource: {
      option: '--store-password-env',
      ...(options.storePasswordEnv !== undefined ? { variable: options.storePasswordEnv } : {}),
    },
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
