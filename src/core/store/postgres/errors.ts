/**
 * Typed failures of the PostgreSQL store (issue 19 "Field behaviour"), each one line naming the server
 * (`host:port`) and what to do, and {@link classifyPostgresError}, which maps what node-postgres and the server
 * report (Node `errno` codes, SQLSTATEs of PostgreSQL 15 Appendix A, the texts of pg's own errors) onto them.
 * A password never appears in any of these messages.
 */
import { msg } from '../../errors';
import { StoreError } from '../errors';
import type { PostgresLocation } from '../location';

/** Base class: `server` is `host:port`, `sqlState` the server's SQLSTATE when there was one. */
export class PostgresStoreError extends StoreError {
  constructor(
    code: string,
    template: string,
    readonly server: string,
    args: readonly (string | number)[],
    readonly sqlState: string | undefined,
    cause?: unknown,
  ) {
    super(code, template, undefined, args, cause);
  }
}

/** ECONNREFUSED: nothing listens there. */
export class PostgresRefusedError extends PostgresStoreError {
  constructor(server: string, cause?: unknown) {
    super(
      'E_PG_REFUSED',
      msg(
        'The PostgreSQL server at {0} refused the connection: it is not running or listens on another port. Start the server, or correct host and port in the store URL.',
      ),
      server,
      [server],
      undefined,
      cause,
    );
  }
}

/** ENOTFOUND / EAI_AGAIN: the host name does not resolve. */
export class PostgresUnknownHostError extends PostgresStoreError {
  constructor(server: string, host: string, cause?: unknown) {
    super(
      'E_PG_UNKNOWN_HOST',
      msg(
        'The server name {0} of the store {1} cannot be resolved (DNS). Correct the host name in the store URL or use the IP address.',
      ),
      server,
      [host, server],
      undefined,
      cause,
    );
  }
}

/** No answer within the connect timeout (or the pool had no free connection within it). */
export class PostgresTimeoutError extends PostgresStoreError {
  constructor(server: string, seconds: number, cause?: unknown) {
    super(
      'E_PG_TIMEOUT',
      msg(
        'The PostgreSQL server at {0} did not answer within {1} s. Check host and port in the store URL and that no firewall drops the connection.',
      ),
      server,
      [server, seconds],
      undefined,
      cause,
    );
  }
}

/**
 * Where the password of a connection came from, so that its errors name the option the user actually used
 * (`--store-password-env`, or `--source-password-env` / `--target-password-env` of `store copy`). Without it (VS
 * Code) the messages name the generic sources.
 */
export interface PasswordSourceHint {
  /** the command-line option that names the variable, e.g. `--target-password-env` */
  readonly option: string;
  /** the variable that option named; undefined when the option was not given (PGPASSWORD or no password) */
  readonly variable?: string;
}

/** 28P01 (also for an unknown role: the server does not tell them apart, on purpose). */
export class PostgresPasswordError extends PostgresStoreError {
  constructor(server: string, user: string, cause?: unknown, source?: PasswordSourceHint) {
    super(
      'E_PG_PASSWORD',
      source === undefined
        ? msg(
            'The PostgreSQL server at {0} refused the password of role {1}. Give the right password (--store-password-env NAME, PGPASSWORD, or enter it again in VS Code) or check the role name in the store URL.',
          )
        : source.variable !== undefined
          ? msg(
              'The PostgreSQL server at {0} refused the password of role {1}. Put the right password into the environment variable {3} (named by {2}) or check the role name in the store URL.',
            )
          : msg(
              'The PostgreSQL server at {0} refused the password of role {1} (taken from PGPASSWORD). Give the right password with {2} NAME (an environment variable holding it) or in PGPASSWORD, or check the role name in the store URL.',
            ),
      server,
      [server, user, source?.option ?? '', source?.variable ?? ''],
      '28P01',
      cause,
    );
  }
}

/** The server asks for a password and none was given (node-postgres: "SASL: … client password must be a string"). */
export class PostgresPasswordMissingError extends PostgresStoreError {
  constructor(server: string, user: string, cause?: unknown, source?: PasswordSourceHint) {
    super(
      'E_PG_PASSWORD_MISSING',
      source === undefined
        ? msg(
            'The PostgreSQL server at {0} asks for the password of role {1}, and none was given. Name the environment variable that holds it with --store-password-env NAME (or set PGPASSWORD); VS Code asks for it.',
          )
        : msg(
            'The PostgreSQL server at {0} asks for the password of role {1}, and none was given. Name the environment variable that holds it with {2} NAME (or set PGPASSWORD).',
          ),
      server,
      [server, user, source?.option ?? ''],
      '28P01',
      cause,
    );
  }
}

/** 28000 with "no pg_hba.conf entry" (or "pg_hba.conf rejects connection"): the server's access rules exclude this client. */
export class PostgresHbaError extends PostgresStoreError {
  constructor(server: string, user: string, database: string, cause?: unknown) {
    super(
      'E_PG_HBA',
      msg(
        'The PostgreSQL server at {0} does not let role {1} connect to database {2} from this computer (no matching pg_hba.conf entry). Ask the database administrator to add a host line for this role, database and address to pg_hba.conf and reload the server.',
      ),
      server,
      [server, user, database],
      '28000',
      cause,
    );
  }
}

/**
 * 28000 "no pg_hba.conf entry … no encryption" on a connection without TLS, and the same role and database are let
 * in over TLS (the server has a `hostssl` line and no `host` line, as docs/postgresql.md "TLS" recommends). The
 * message text alone cannot tell this from "no line at all" (PostgreSQL names the client's encryption either way),
 * so connection.ts probes once with TLS. The fix is TLS on the client, not a weaker pg_hba.conf.
 */
export class PostgresTlsRequiredError extends PostgresStoreError {
  constructor(server: string, user: string, database: string, cause?: unknown) {
    super(
      'E_PG_TLS_REQUIRED',
      msg(
        'The PostgreSQL server at {0} accepts role {1} on database {2} only over TLS (its pg_hba.conf has no line for a connection without encryption), and the store URL asks for none. Add ?sslmode=verify-full to the URL (with &sslrootcert=CA-FILE or the CA file option when the server certificate comes from your own CA); see docs/postgresql.md, "TLS". If the server still refuses, ask the database administrator for a hostssl line for this role and database.',
      ),
      server,
      [server, user, database],
      '28000',
      cause,
    );
  }
}

/** 3D000: the database in the URL does not exist. */
export class PostgresDatabaseMissingError extends PostgresStoreError {
  constructor(server: string, database: string, cause?: unknown) {
    super(
      'E_PG_NO_DATABASE',
      msg(
        'The database {0} does not exist on the PostgreSQL server at {1}. Create it (docs/postgresql.md, "Set up the server") or correct the database name in the store URL.',
      ),
      server,
      [database, server],
      '3D000',
      cause,
    );
  }
}

/** 42501: the role lacks a right (a runtime role asked to change the schema, or grants missing). */
export class PostgresPermissionError extends PostgresStoreError {
  constructor(server: string, user: string, detail: string, cause?: unknown) {
    super(
      'E_PG_PERMISSION',
      msg(
        'The role {0} lacks a right on the PostgreSQL server at {1} ({2}). Grant the rights listed in docs/postgresql.md, "Set up the server", or use the schema-owner role for this step.',
      ),
      server,
      [user, server, detail],
      '42501',
      cause,
    );
  }
}

/** TLS failed: certificate not trusted, name mismatch, or the server does not offer TLS. */
export class PostgresTlsError extends PostgresStoreError {
  constructor(server: string, detail: string, cause?: unknown) {
    super(
      'E_PG_TLS',
      msg(
        'The TLS connection to the PostgreSQL server at {0} failed ({1}). Check sslmode and the CA file of the store URL, and that the server has ssl = on with a certificate for this host name.',
      ),
      server,
      [server, detail],
      undefined,
      cause,
    );
  }
}

/** The connection ended during an operation (server restart, pg_terminate_backend, idle timeout, network). */
export class PostgresConnectionLostError extends PostgresStoreError {
  constructor(server: string, detail: string, sqlState: string | undefined, cause?: unknown) {
    super(
      'E_PG_CONNECTION_LOST',
      msg(
        'The connection to the PostgreSQL server at {0} was lost ({1}); the operation was rolled back and nothing was written. Try again when the server is reachable.',
      ),
      server,
      [server, detail],
      sqlState,
      cause,
    );
  }
}

/** statement_timeout (57014) or the client-side query timeout. */
export class PostgresQueryTimeoutError extends PostgresStoreError {
  constructor(server: string, seconds: number, cause?: unknown) {
    super(
      'E_PG_QUERY_TIMEOUT',
      msg(
        'A statement on the PostgreSQL server at {0} took longer than {1} s and was cancelled; nothing was written. Try again; if it recurs, the server is overloaded or a lock is held.',
      ),
      server,
      [server, seconds],
      '57014',
      cause,
    );
  }
}

/** The database schema is older than this build and this role may not migrate it. */
export class PostgresSchemaOutdatedError extends PostgresStoreError {
  constructor(server: string, database: string, found: number, needed: number, cause?: unknown) {
    super(
      'E_PG_SCHEMA_OUTDATED',
      msg(
        'The store database {0} on {1} has schema version {2}, this version of the suite needs {3}, and this role may not change the schema. Open the store once with the schema-owner role (docs/postgresql.md) to migrate it.',
      ),
      server,
      [database, server, found, needed],
      undefined,
      cause,
    );
  }
}

/** Another process held the migration lock longer than the deadline. */
export class PostgresMigrationLockError extends PostgresStoreError {
  constructor(server: string, seconds: number, cause?: unknown) {
    super(
      'E_PG_MIGRATION_LOCK',
      msg(
        'Another process has been migrating the store database on {0} for more than {1} s. Wait until it has finished and open the store again.',
      ),
      server,
      [server, seconds],
      '55P03',
      cause,
    );
  }
}

/** The error fields node-postgres sets (DatabaseError of pg-protocol, or a Node socket error). */
interface PgErrorFields {
  readonly code?: unknown;
  readonly message?: unknown;
}

/** Timeouts a classification needs to word its message. */
export interface ClassifyContext {
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
  /** where the password came from (CLI): the password errors name that option */
  readonly passwordSource?: PasswordSourceHint;
}

const LOST_SQLSTATES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004', '08P01']);
const LOST_TEXT =
  /Connection terminated|ECONNRESET|EPIPE|not queryable|socket hang up|read ECONNRESET|write after end|Client was closed/i;

/**
 * Maps an error thrown by node-postgres onto a typed store error. Constraint violations and other SQL errors of
 * the caller's statement are returned unchanged (their SQLSTATE is on `code`), as on the file backend.
 */
export function classifyPostgresError(error: unknown, location: PostgresLocation, context: ClassifyContext): unknown {
  if (error instanceof StoreError) return error;
  const fields = (typeof error === 'object' && error !== null ? error : {}) as PgErrorFields;
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const text = typeof fields.message === 'string' ? fields.message : String(error);
  const server = `${location.host.includes(':') ? `[${location.host}]` : location.host}:${location.port}`;
  switch (code) {
    case 'ECONNREFUSED':
      return new PostgresRefusedError(server, error);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new PostgresUnknownHostError(server, location.host, error);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new PostgresTimeoutError(server, context.connectTimeoutMs / 1000, error);
    case '28P01':
      return new PostgresPasswordError(server, location.user, error, context.passwordSource);
    case '28000':
      // 28000 also covers other authorisation failures; only the pg_hba texts get the pg_hba advice
      // a TLS-only server ("…, no encryption" with only hostssl lines) is told apart by a probe in connection.ts
      if (/pg_hba\.conf/i.test(text)) return new PostgresHbaError(server, location.user, location.database, error);
      return new PostgresPermissionError(server, location.user, text, error);
    case '3D000':
      return new PostgresDatabaseMissingError(server, location.database, error);
    case '42501':
      return new PostgresPermissionError(server, location.user, text, error);
    case '57014':
      return new PostgresQueryTimeoutError(server, context.statementTimeoutMs / 1000, error);
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return new PostgresTlsError(server, text, error);
    default:
      break;
  }
  if (code !== undefined && LOST_SQLSTATES.has(code)) return new PostgresConnectionLostError(server, text, code, error);
  if (/client password must be a string|password authentication.*no password|SASL.*password/i.test(text))
    return new PostgresPasswordMissingError(server, location.user, error, context.passwordSource);
  if (/does not support SSL|SSL connection|certificate/i.test(text)) return new PostgresTlsError(server, text, error);
  if (/timeout expired|connection timeout|timeout exceeded when trying to connect/i.test(text))
    return new PostgresTimeoutError(server, context.connectTimeoutMs / 1000, error);
  if (/Query read timeout/i.test(text))
    return new PostgresQueryTimeoutError(server, context.statementTimeoutMs / 1000, error);
  if (LOST_TEXT.test(text) || code === 'ECONNRESET' || code === 'EPIPE')
    return new PostgresConnectionLostError(server, text, code, error);
  return error;
}
