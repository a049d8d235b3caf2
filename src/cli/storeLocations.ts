/**
 * Store locations given as verb arguments (`store init|check|info URL`, `store copy SRC DST`, issue 19 "CLI"): a
 * file path or a `postgres://` URL, with the password taken only from an environment variable named on the
 * command line (or PGPASSWORD), never from the URL.
 */
import { Store } from '../core/store/database';
import { parseStoreLocation, postgresPassword } from '../core/store/location';
import type { StoreLocation } from '../core/store/location';
import { openStore } from '../core/store/openStore';
import type { OpenedStore } from '../core/store/openStore';
import { SqlJsAsyncStore } from '../core/store/sqlJsAsyncStore';

/** How to reach one store named by an argument. */
export interface LocationArgument {
  readonly text: string;
  /** environment variable with the PostgreSQL password (default PGPASSWORD) */
  readonly passwordEnv?: string;
  /** the option that named `passwordEnv`, for the error message */
  readonly passwordOption: string;
  /** PEM file with the server's CA (sslmode=verify-full) */
  readonly caFile?: string;
}

/** Parses the location of an argument. @throws StoreLocationError (password in the URL, malformed URL …) */
export function locationOf(arg: LocationArgument): StoreLocation {
  return parseStoreLocation(arg.text, arg.caFile !== undefined ? { caFile: arg.caFile } : {});
}

/**
 * The password of a URL argument.
 * @throws Error naming the option and the variable when the named variable is unset or empty
 */
export function passwordOf(arg: LocationArgument): string | undefined {
  if (arg.passwordEnv !== undefined && (process.env[arg.passwordEnv] ?? '') === '')
    throw new Error(
      `the environment variable ${arg.passwordEnv} (named by ${arg.passwordOption}) is not set or empty: set it to the database password before starting the command`,
    );
  return postgresPassword(arg.passwordEnv !== undefined ? { passwordEnv: arg.passwordEnv } : {});
}

/**
 * Opens a URL argument as the core's asynchronous store (migrating an older schema when the role may, unless
 * `migrate` is false: then an older schema is refused, so that a check or a copy source changes nothing), or a
 * file argument read-only.
 * @throws the classified PostgreSQL errors, the file store's open errors
 */
export async function openLocation(arg: LocationArgument, options: { migrate?: boolean } = {}): Promise<OpenedStore> {
  const location = locationOf(arg);
  if (location.kind === 'file') {
    const file = await Store.open(location.path, { readOnly: true });
    return { store: new SqlJsAsyncStore(file), location, file };
  }
  const password = passwordOf(arg);
  return openStore(arg.text, {
    ...(password !== undefined ? { password } : {}),
    passwordSource: {
      option: arg.passwordOption,
      ...(arg.passwordEnv !== undefined ? { variable: arg.passwordEnv } : {}),
    },
    ...(options.migrate !== undefined ? { migrate: options.migrate } : {}),
    ...(arg.caFile !== undefined ? { location: { caFile: arg.caFile } } : {}),
  });
}

/**
 * Progress of a copy on stderr: on a terminal one updating line per table, otherwise one line per finished table
 * (logs stay readable).
 */
export function copyProgressReporter(): (table: string, done: number, total: number) => void {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  return (table, done, total) => {
    if (table === 'verify') {
      if (tty && done === total) process.stderr.write(`\rverified ${total} tables${' '.repeat(30)}\n`);
      else if (!tty && done === total) process.stderr.write(`verified ${total} tables\n`);
      return;
    }
    if (tty) {
      const now = Date.now();
      if (now - last > 200 || done === total) {
        last = now;
        process.stderr.write(`\rcopying ${table}: ${done} / ${total}${' '.repeat(10)}${done === total ? '\n' : ''}`);
      }
    } else if (done === total) process.stderr.write(`copied ${table}: ${total} rows\n`);
  };
}
