/**
 * The connection layer of the PostgreSQL store (issue 19 "Field behaviour"): a `pg.Pool` with deadlines
 * everywhere (node-postgres waits for ever by default) and an `'error'` listener on the pool *and* on every client
 * it makes (an unhandled `'error'` event ends the Node process when the server ends a connection: restart,
 * `pg_terminate_backend`, idle timeout).
 *
 * `pg` is loaded here only, with a dynamic import, when a PostgreSQL store is opened: the extension's activation
 * and the file store never load it (esbuild keeps it in the bundle behind a lazy module wrapper).
 */
import * as fs from 'node:fs';
import type * as PgNamespace from 'pg';
import type { Client, Pool, PoolClient, PoolConfig } from 'pg';
import { silentLogger, taggedLogger } from '../../log';
import type { Logger } from '../../log';
import type { PostgresLocation } from '../location';
import { classifyPostgresError, PostgresHbaError, PostgresTlsError, PostgresTlsRequiredError } from './errors';
import type { ClassifyContext, PasswordSourceHint } from './errors';

type PgModule = typeof PgNamespace;

let pgModule: Promise<PgModule> | undefined;

/** node-postgres, loaded on first use. */
export function loadPg(): Promise<PgModule> {
  pgModule ??= import('pg').then((m) => (m as unknown as { default?: PgModule }).default ?? m);
  return pgModule;
}

/** Deadlines and pool size of {@link openPostgresPool} (all in ms). */
export interface PostgresPoolOptions {
  /** password of the URL's role (from {@link ../location.postgresPassword} or secret storage); never logged */
  readonly password?: string;
  /** where the password came from (the CLI option), named by the password errors */
  readonly passwordSource?: PasswordSourceHint;
  /** TCP connect + TLS + authentication; default 10 000 */
  readonly connectTimeoutMs?: number;
  /** server-side `statement_timeout`; default 30 000 (0 = none, only for migrations) */
  readonly statementTimeoutMs?: number;
  /** server-side `idle_in_transaction_session_timeout`: a client stuck in a transaction is ended; default 60 000 */
  readonly idleInTransactionTimeoutMs?: number;
  /** a pooled connection unused this long is closed; default 30 000 */
  readonly idleTimeoutMs?: number;
  /** pool size; default 5 (a window or a CLI run rarely needs more, and servers cap connections) */
  readonly max?: number;
  readonly logger?: Logger;
}

/** An open pool and what its errors need for their messages. */
export interface PostgresPool {
  readonly pool: Pool;
  readonly location: PostgresLocation;
  readonly context: ClassifyContext;
  /** `classifyPostgresError` bound to this pool's location and deadlines */
  classify(error: unknown): unknown;
  /** checks out a client (within the connect timeout); typed error on failure */
  connect(): Promise<PoolClient>;
  /**
   * A connection outside the pool with the same settings (for LISTEN, which needs one connection for as long as it
   * listens); its `'error'` events are logged. Not connected yet: call `connect()`.
   */
  dedicatedClient(): Client;
  end(): Promise<void>;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Opens a pool for `location`. Does not connect yet (the first {@link PostgresPool.connect} does).
 * @throws PostgresTlsError when the CA file cannot be read
 */
export async function openPostgresPool(
  location: PostgresLocation,
  options: PostgresPoolOptions = {},
): Promise<PostgresPool> {
  const pg = await loadPg();
  const log = taggedLogger(options.logger ?? silentLogger, 'store');
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const context: ClassifyContext = {
    connectTimeoutMs,
    statementTimeoutMs,
    ...(options.passwordSource !== undefined ? { passwordSource: options.passwordSource } : {}),
  };
  const server = `${location.host}:${location.port}`;
  const config: PoolConfig = {
    host: location.host,
    port: location.port,
    user: location.user,
    database: location.database,
    ...(options.password !== undefined ? { password: options.password } : {}),
    application_name: location.applicationName,
    ssl: sslConfig(location, server),
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    max: options.max ?? 5,
    keepAlive: true,
    ...(statementTimeoutMs > 0
      ? { statement_timeout: statementTimeoutMs, query_timeout: statementTimeoutMs + 5_000 }
      : {}),
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 60_000,
    // rows look the same on both backends: bigint and numeric as JS numbers (ids and counts stay below 2^53)
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
        return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
      }) as typeof pg.types.getTypeParser,
    },
  };
  const pool = new pg.Pool({
    ...config,
    Client: endingOnFailedConnect(pg) as unknown as new () => PgNamespace.ClientBase,
  });
  // idle clients: the pool emits their errors here; without a listener the process would end
  pool.on('error', (error) => log.warn(`idle connection to ${server} ended: ${error.message}`));
  // checked-out clients emit 'error' themselves (the running query also rejects and is classified there)
  pool.on('connect', (client) => {
    client.on('error', (error) => log.warn(`connection to ${server} ended during use: ${error.message}`));
  });
  const classify = (error: unknown): unknown => classifyPostgresError(error, location, context);
  return {
    pool,
    location,
    context,
    classify,
    connect: async () => {
      try {
        return await pool.connect();
      } catch (error) {
        const classified = classify(error);
        if (
          classified instanceof PostgresHbaError &&
          location.sslMode === 'disable' &&
          /no encryption/i.test((error as { message?: unknown }).message as string) &&
          (await admittedOverTls(pg, config))
        )
          throw new PostgresTlsRequiredError(classified.server, location.user, location.database, error);
        throw classified;
      }
    },
    dedicatedClient: () => {
      const client = new pg.Client({ ...config, statement_timeout: undefined, query_timeout: undefined });
      client.on('error', (error) => log.warn(`listening connection to ${server} ended: ${error.message}`));
      return client;
    },
    end: () => pool.end(),
  };
}

/**
 * Whether pg_hba.conf lets this role into this database over TLS, after a plain connection found no line (a
 * TLS-only server with `hostssl` lines only): one connection with TLS, the certificate not checked (`require`: the
 * client was about to connect without any TLS, so this is no weaker). Let in = connected, or refused only later than
 * pg_hba.conf (password 28P01, database 3D000, or the server asked for a password none was given for).
 */
async function admittedOverTls(pg: PgModule, config: PoolConfig): Promise<boolean> {
  const Probe = endingOnFailedConnect(pg);
  const probe = new Probe({ ...config, ssl: { rejectUnauthorized: false } });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.end().catch(() => undefined);
    return true;
  } catch (error) {
    const fields = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
    return (
      fields.code === '28P01' ||
      fields.code === '3D000' ||
      /client password must be a string|SASL/i.test(String(fields.message))
    );
  }
}

/**
 * pg's Client, ending its socket when connecting fails. pg-pool drops a client whose connect failed without ending
 * it; when the failure came from the client itself (the server asked for a password and none was given: "SASL:
 * client password must be a string"), the socket stays open until the server's `authentication_timeout` (60 s) and
 * keeps a CLI process from exiting for that long.
 */
function endingOnFailedConnect(pg: PgModule): typeof PgNamespace.Client {
  return class EndingClient extends pg.Client {
    override connect(): Promise<PgNamespace.Client>;
    override connect(callback: ((err: Error) => void) | ((err: null, c: PgNamespace.Client) => void)): void;
    override connect(
      callback?: ((err: Error) => void) | ((err: null, c: PgNamespace.Client) => void),
    ): Promise<PgNamespace.Client> | void {
      if (callback === undefined)
        return super.connect().catch((error: unknown) => {
          this.end().catch(() => undefined);
          throw error;
        });
      super.connect((error: Error | null) => {
        if (error) this.end().catch(() => undefined);
        (callback as (err: Error | null, c?: PgNamespace.Client) => void)(error, error ? undefined : this);
      });
    }
  };
}

function sslConfig(location: PostgresLocation, server: string): PoolConfig['ssl'] {
  if (location.sslMode === 'disable') return false;
  // libpq semantics: require = encrypted, certificate not checked; verify-full = chain and host name checked
  if (location.sslMode === 'require') return { rejectUnauthorized: false };
  let ca: string | undefined;
  if (location.caFile !== undefined) {
    try {
      ca = fs.readFileSync(location.caFile, 'utf8');
    } catch (error) {
      throw new PostgresTlsError(
        server,
        `CA file ${location.caFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        error,
      );
    }
  }
  // node-postgres sets the TLS server name (SNI and the host-name check) from the host itself, except for an IP
  return { rejectUnauthorized: true, ...(ca !== undefined ? { ca } : {}) };
}
