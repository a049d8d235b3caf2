/**
 * Where a store is named (issue 19 "Where a store is named": `--store`, `ixhaus.store.path`, Open Store…): a file
 * path (the embedded sql.js store) or a PostgreSQL URL
 * `postgres://user@host[:port]/database[?sslmode=disable|require|verify-full][&sslrootcert=FILE]` (the libpq
 * connection URI of the PostgreSQL manual §34.1.1, restricted to what this suite supports).
 *
 * A URL never carries a password: it ends up in settings, logs and shell history. The password comes from an
 * environment variable named on the command line (`--store-password-env NAME`), from `PGPASSWORD`, or (VS Code)
 * from secret storage keyed by {@link PostgresLocation.redacted}.
 */
import * as path from 'node:path';
import { msg } from '../errors';
import { StoreError } from './errors';

/** TLS modes (libpq `sslmode`): `disable` = plain TCP; `require` = TLS without checking the certificate; `verify-full` = TLS, certificate chain and host name checked. */
export type PostgresSslMode = 'disable' | 'require' | 'verify-full';

/** A store in one SQLite file. */
export interface FileLocation {
  readonly kind: 'file';
  /** the absolute path */
  readonly path: string;
  /** how to show it in logs and the UI (the path itself) */
  readonly redacted: string;
}

/** A store in a PostgreSQL database. Never holds a password. */
export interface PostgresLocation {
  readonly kind: 'postgres';
  readonly host: string;
  /** TCP port (default 5432) */
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly sslMode: PostgresSslMode;
  /** a PEM file with the CA certificate(s) to trust (`sslrootcert=` or the CA file option); only with TLS */
  readonly caFile: string | undefined;
  /** `application_name` shown in `pg_stat_activity`; default `ixhaus-admin` */
  readonly applicationName: string;
  /** canonical URL without password, for logs, status bar and the secret-storage key */
  readonly redacted: string;
}

export type StoreLocation = FileLocation | PostgresLocation;

/** Options of {@link parseStoreLocation}. */
export interface LocationOptions {
  /** CA file given beside the URL (CLI `--store-ca FILE`); overrides `sslrootcert=` in the URL */
  readonly caFile?: string;
  /** folder relative file paths are resolved against (default: the process's working directory) */
  readonly baseDir?: string;
}

/** A store location that cannot be used; the message names the problem and the fix. */
export class StoreLocationError extends StoreError {
  constructor(code: string, template: string, args: readonly (string | number)[]) {
    super(code, template, undefined, args);
  }
}

const URL_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const SSL_MODES: readonly PostgresSslMode[] = ['disable', 'require', 'verify-full'];
const QUERY_KEYS = ['sslmode', 'sslrootcert', 'application_name'];

/** True when `text` names a PostgreSQL store (a `postgres://` or `postgresql://` URL). */
export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text.trim());
}

/**
 * Parses where a store is named.
 * @param text a file path, or a `postgres://`/`postgresql://` URL
 * @throws StoreLocationError: empty text; a URL scheme other than postgres; a password in the URL (E_STORE_URL_PASSWORD);
 *         no user, host or database; a bad port; an unknown `sslmode` or query parameter; a CA file without TLS
 */
export function parseStoreLocation(text: string, options: LocationOptions = {}): StoreLocation {
  const trimmed = text.trim();
  if (trimmed === '')
    throw new StoreLocationError(
      'E_STORE_LOCATION_EMPTY',
      msg('No store is named. Give a store file path or a postgres://user@host:port/database URL.'),
      [],
    );
  const scheme = URL_SCHEME.exec(trimmed)?.[1];
  if (scheme === undefined) {
    const absolute = path.resolve(options.baseDir ?? process.cwd(), trimmed);
    return { kind: 'file', path: absolute, redacted: absolute };
  }
  if (!/^postgres(ql)?$/i.test(scheme)) {
    throw new StoreLocationError(
      'E_STORE_URL_SCHEME',
      msg(
        '{0}:// is not a supported store location. Give a store file path or a postgres://user@host:port/database URL.',
      ),
      [scheme],
    );
  }
  return parsePostgresUrl(trimmed, options);
}

function parsePostgresUrl(text: string, options: LocationOptions): PostgresLocation {
  // before parsing: a URL that fails to parse must not echo its password either
  if (userInfoOf(text)?.includes(':') === true) {
    throw new StoreLocationError(
      'E_STORE_URL_PASSWORD',
      msg(
        'The store URL {0} contains a password. A password in a URL ends up in settings, logs and shell history, so it is refused. Remove it from the URL and give it through --store-password-env NAME (an environment variable), PGPASSWORD, or in VS Code when asked (secret storage).',
      ),
      [redactUnparsed(text)],
    );
  }
  let url: URL;
  try {
    // a non-special scheme: the WHATWG parser splits user, host, port and path, keeps case and any port
    url = new URL(text);
  } catch {
    throw new StoreLocationError(
      'E_STORE_URL_INVALID',
      msg('The store URL {0} cannot be read. Write it as postgres://user@host:port/database.'),
      [redactUnparsed(text)],
    );
  }
  const user = decodeURIComponent(url.username);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const shown = redactUnparsed(text);
  if (user === '')
    throw new StoreLocationError(
      'E_STORE_URL_NO_USER',
      msg('The store URL {0} names no database role. Write it as postgres://user@host:port/database.'),
      [shown],
    );
  if (host === '')
    throw new StoreLocationError(
      'E_STORE_URL_NO_HOST',
      msg('The store URL {0} names no server. Write it as postgres://user@host:port/database.'),
      [shown],
    );
  if (database === '' || database.includes('/'))
    throw new StoreLocationError(
      'E_STORE_URL_NO_DATABASE',
      msg(
        'The store URL {0} names no database (or more than one path part). Write it as postgres://user@host:port/database.',
      ),
      [shown],
    );
  const port = url.port === '' ? 5432 : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new StoreLocationError(
      'E_STORE_URL_INVALID',
      msg('The store URL {0} cannot be read. Write it as postgres://user@host:port/database.'),
      [shown],
    );
  for (const key of url.searchParams.keys()) {
    if (!QUERY_KEYS.includes(key)) {
      throw new StoreLocationError(
        'E_STORE_URL_PARAMETER',
        msg('The store URL parameter {0} is not supported. Supported: {1}.'),
        [key, QUERY_KEYS.join(', ')],
      );
    }
  }
  const sslText = url.searchParams.get('sslmode') ?? 'disable';
  if (!(SSL_MODES as readonly string[]).includes(sslText)) {
    throw new StoreLocationError(
      'E_STORE_URL_SSLMODE',
      msg(
        'sslmode={0} is not supported. Use sslmode=verify-full (TLS, the server certificate and name are checked), sslmode=require (TLS, certificate not checked) or sslmode=disable.',
      ),
      [sslText],
    );
  }
  const sslMode = sslText as PostgresSslMode;
  const caText = options.caFile ?? url.searchParams.get('sslrootcert') ?? undefined;
  const caFile =
    caText === undefined || caText === '' ? undefined : path.resolve(options.baseDir ?? process.cwd(), caText);
  if (caFile !== undefined && sslMode === 'disable') {
    throw new StoreLocationError(
      'E_STORE_URL_CA_WITHOUT_TLS',
      msg('A CA file ({0}) is given but the store URL does not ask for TLS. Add ?sslmode=verify-full to the URL.'),
      [caFile],
    );
  }
  const applicationName = url.searchParams.get('application_name') ?? 'ixhaus-admin';
  const hostText = host.includes(':') ? `[${host}]` : host;
  const query: string[] = [];
  if (sslMode !== 'disable') query.push(`sslmode=${sslMode}`);
  if (caFile !== undefined) query.push(`sslrootcert=${readableQueryValue(caFile)}`);
  if (applicationName !== 'ixhaus-admin') query.push(`application_name=${readableQueryValue(applicationName)}`);
  const queryText = query.join('&');
  const redacted = `postgres://${encodeURIComponent(user)}@${hostText}:${port}/${encodeURIComponent(database)}${queryText === '' ? '' : `?${queryText}`}`;
  return { kind: 'postgres', host, port, user, database, sslMode, caFile, applicationName, redacted };
}

/**
 * A query value as people write it (docs/postgresql.md "Naming the store": the URL is shown as written): a path keeps
 * its `/` and `:` readable; only what would change the URL's meaning when read back (`&`, `#`, `%`, `+`, `=`,
 * spaces, other non-URL characters) is percent-encoded.
 */
function readableQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/%2F/gi, '/').replace(/%3A/gi, ':').replace(/%40/gi, '@');
}

/**
 * The `user[:password]` part of a URL as typed: what lies between `//` and the last `@` before the query (a
 * password with an unencoded `/` or `@` must still be found and hidden), or undefined when there is no `@`.
 */
function userInfoOf(text: string): string | undefined {
  const afterScheme = text.replace(URL_SCHEME, '');
  const beforeQuery = afterScheme.split('?')[0] ?? '';
  const at = beforeQuery.lastIndexOf('@');
  return at < 0 ? undefined : beforeQuery.slice(0, at);
}

/** A URL as typed, with any password replaced by `***` (for error messages about URLs that failed to parse). */
export function redactUnparsed(text: string): string {
  const userInfo = userInfoOf(text);
  const colon = userInfo?.indexOf(':') ?? -1;
  if (userInfo === undefined || colon < 0) return text;
  const scheme = URL_SCHEME.exec(text)?.[0] ?? '';
  return `${scheme}${userInfo.slice(0, colon)}:***${text.slice(scheme.length + userInfo.length)}`;
}

/** Options of {@link postgresPassword}. */
export interface PasswordSource {
  /** the environment variable named on the command line (`--store-password-env NAME`) */
  readonly passwordEnv?: string;
  /** the environment to read (default `process.env`) */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The password for a PostgreSQL store outside VS Code: the variable named by `--store-password-env` when given
 * (it must then be set and non-empty), else `PGPASSWORD`, else undefined (the server may not ask for one:
 * `trust`, `peer` or certificate authentication). Never log the result.
 * @throws StoreLocationError (E_STORE_PASSWORD_ENV) when the named variable is unset or empty
 */
export function postgresPassword(source: PasswordSource = {}): string | undefined {
  const env = source.env ?? process.env;
  if (source.passwordEnv !== undefined) {
    const value = env[source.passwordEnv];
    if (value === undefined || value === '') {
      throw new StoreLocationError(
        'E_STORE_PASSWORD_ENV',
        msg(
          'The environment variable {0} (named by --store-password-env) is not set or empty. Set it to the database password before starting the command.',
        ),
        [source.passwordEnv],
      );
    }
    return value;
  }
  const fallback = env.PGPASSWORD;
  return fallback === undefined || fallback === '' ? undefined : fallback;
}
