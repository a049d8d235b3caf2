/**
 * The PostgreSQL backend of the asynchronous store interface (DESIGN.md §4, issue 19): core SQL with `?`
 * placeholders runs through a `pg.Pool` (src/core/store/postgres/connection.ts); every transaction runs on one
 * checked-out connection; opening migrates the schema under the advisory lock (or, for a runtime role without
 * DDL rights, refuses an older schema with the fix).
 */
import type * as CopyStreams from 'pg-copy-streams';
import { silentLogger, taggedLogger } from '../../log';
import type { Logger } from '../../log';
import type { AsyncStore, AsyncTransaction, SqlParam, SqlRow, TransactionOptions } from '../asyncStore';
import { writtenTable } from '../storeChange';
import type { StoreChange } from '../storeChange';
import { CHANGE_CHANNEL, ChangeFeed, changePayload } from './changeFeed';
import type { FeedState } from './changeFeed';
import { StoreTooNewError, StoreTransactionError } from '../errors';
import type { PostgresLocation } from '../location';
import { LATEST_SCHEMA_VERSION } from '../migrations';
import { openPostgresPool } from './connection';
import type { PostgresPool, PostgresPoolOptions } from './connection';
import { toPostgresPlaceholders } from './dialect';
import { PostgresConnectionLostError, PostgresSchemaOutdatedError, PostgresStoreError } from './errors';
import { migratePostgres, postgresSchemaVersion } from './migrations';
import { msg } from '../../errors';

/** The connection ended while COMMIT was on its way: the transaction is atomic, but whether it committed is unknown. */
export class PostgresCommitUnknownError extends PostgresStoreError {
  constructor(server: string, detail: string, cause?: unknown) {
    super(
      'E_PG_COMMIT_UNKNOWN',
      msg(
        'The connection to the PostgreSQL server at {0} was lost while committing ({1}): the change was saved either completely or not at all. Refresh to see which before you repeat it.',
      ),
      server,
      [server, detail],
      undefined,
      cause,
    );
  }
}

/** Options of {@link PostgresStore.open}. */
export interface PostgresStoreOptions extends PostgresPoolOptions {
  /** migrate an older schema when this role may (default true); false: refuse an older schema */
  readonly migrate?: boolean;
  /** deadline for another process's migration (ms); default 300 000 */
  readonly migrationLockTimeoutMs?: number;
}

function toPg(params: readonly SqlParam[] | undefined): unknown[] {
  if (params === undefined) return [];
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : typeof p === 'bigint' ? p.toString() : p));
}

/**
 * Named prepared statements: node-postgres prepares a named statement once per connection and then only binds
 * (saves parse + plan on every lookup). Names are global per SQL text so that every pooled connection agrees;
 * bounded, because SQL built at run time (IN lists of varying length) would otherwise grow the map for ever.
 */
const statementNames = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 500;

function queryConfig(text: string, values: unknown[]): { name?: string; text: string; values: unknown[] } {
  if (values.length === 0) return { text, values };
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `ixhaus_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name === undefined ? { text, values } : { name, text, values };
}

function placeholders(sql: string, params: readonly SqlParam[] | undefined): string {
  const { text, count } = toPostgresPlaceholders(sql);
  const given = params?.length ?? 0;
  if (count !== given)
    throw new StoreTransactionError(`the statement has ${count} ? placeholder(s) but ${given} parameter(s) were given`);
  return text;
}

/**
 * `COPY table (columns) FROM STDIN` inside a PostgreSQL transaction (the bulk path of `store copy`, issue 19
 * "Speed"; src/core/store/copyStore.ts). Present on the transactions of {@link PostgresStore} only.
 */
export interface PostgresCopyIn {
  /**
   * Sends `text` (COPY text format, src/core/store/postgres/copyText.ts) into `table` and waits for the server's
   * CommandComplete. Identifiers are quoted here.
   * @returns the rows the server stored
   * @throws as {@link PostgresStore.query}: the server's error (constraint, bad value), PostgresConnectionLostError
   */
  copyIn(table: string, columns: readonly string[], text: string): Promise<number>;
}

type CopyStreamsModule = typeof CopyStreams;
let copyStreamsModule: Promise<CopyStreamsModule> | undefined;

/** pg-copy-streams, loaded with the first COPY only (like `pg` itself, never at extension activation). */
function loadCopyStreams(): Promise<CopyStreamsModule> {
  copyStreamsModule ??= import('pg-copy-streams').then(
    (m) => (m as unknown as { default?: CopyStreamsModule }).default ?? m,
  );
  return copyStreamsModule;
}

function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A store in a PostgreSQL database. */
export class PostgresStore implements AsyncStore {
  readonly backend = 'postgres' as const;
  readonly readOnly = false;
  private closed = false;
  private readonly feed: ChangeFeed;

  private constructor(
    private readonly pg: PostgresPool,
    private readonly log: Logger,
  ) {
    this.feed = new ChangeFeed(() => pg.dedicatedClient(), log);
  }

  get location(): string {
    return this.pg.location.redacted;
  }

  /**
   * Connects (within the connect timeout), checks the schema version and migrates an older one.
   * @throws the classified connection errors (refused, unknown host, timeout, password, pg_hba, database missing,
   *         TLS); PostgresSchemaOutdatedError; StoreTooNewError; PostgresMigrationLockError
   */
  static async open(location: PostgresLocation, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const log = taggedLogger(options.logger ?? silentLogger, 'store');
    const pg = await openPostgresPool(location, options);
    const store = new PostgresStore(pg, log);
    try {
      const client = await pg.connect();
      let version: number;
      try {
        version = await postgresSchemaVersion(client);
      } catch (error) {
        client.release(true);
        throw pg.classify(error);
      }
      client.release();
      if (version > LATEST_SCHEMA_VERSION)
        throw new StoreTooNewError(location.redacted, version, LATEST_SCHEMA_VERSION);
      if (version < LATEST_SCHEMA_VERSION) {
        if (options.migrate === false)
          throw new PostgresSchemaOutdatedError(
            `${location.host}:${location.port}`,
            location.database,
            version,
            LATEST_SCHEMA_VERSION,
          );
        await migratePostgres(pg, {
          log,
          ...(options.migrationLockTimeoutMs !== undefined ? { lockTimeoutMs: options.migrationLockTimeoutMs } : {}),
        });
      }
      log.info(`opened ${location.redacted} (schema ${LATEST_SCHEMA_VERSION})`);
      return store;
    } catch (error) {
      await pg.end().catch(() => undefined);
      throw error;
    }
  }

  async query<T extends SqlRow = SqlRow>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    this.assertOpen();
    if (writtenTable(sql) !== undefined) return this.transaction((tx) => tx.query<T>(sql, params));
    const text = placeholders(sql, params);
    try {
      return (await this.pg.pool.query(queryConfig(text, toPg(params)))).rows as T[];
    } catch (error) {
      throw this.pg.classify(error);
    }
  }

  async get<T extends SqlRow = SqlRow>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    return (await this.query<T>(sql, params))[0];
  }

  /** Runs one changing statement in its own transaction (so that other processes are told of the change). */
  async run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }> {
    return this.transaction((tx) => tx.run(sql, params));
  }

  /**
   * Runs `body` in one transaction on one connection (READ COMMITTED). When the connection is lost during the
   * body, the server rolls back and this rejects with PostgresConnectionLostError; lost during COMMIT, with
   * PostgresCommitUnknownError. A connection that failed is never returned to the pool.
   */
  async transaction<T>(body: (tx: AsyncTransaction) => Promise<T>, _options?: TransactionOptions): Promise<T> {
    this.assertOpen();
    const client = await this.pg.connect();
    let open = true;
    let failed: unknown;
    const written = new Set<string>();
    let wroteUnknown = false;
    const exec = async (
      sql: string,
      params: readonly SqlParam[] | undefined,
    ): Promise<{ rows: unknown[]; rowCount: number | null }> => {
      if (!open) throw new StoreTransactionError('a statement was run on a transaction that has ended');
      const table = writtenTable(sql);
      if (table !== undefined) written.add(table);
      else if (/^\s*WITH\b[\s\S]*\b(INSERT|UPDATE|DELETE)\b/i.test(sql)) wroteUnknown = true;
      try {
        return await client.query(queryConfig(placeholders(sql, params), toPg(params)));
      } catch (error) {
        const classified = this.pg.classify(error);
        if (classified instanceof PostgresConnectionLostError) failed = classified;
        throw classified;
      }
    };
    const tx: AsyncTransaction & PostgresCopyIn = {
      query: async <R extends SqlRow = SqlRow>(sql: string, params?: readonly SqlParam[]) =>
        (await exec(sql, params)).rows as R[],
      get: async <R extends SqlRow = SqlRow>(sql: string, params?: readonly SqlParam[]) =>
        (await exec(sql, params)).rows[0] as R | undefined,
      run: async (sql: string, params?: readonly SqlParam[]) => ({ changes: (await exec(sql, params)).rowCount ?? 0 }),
      lock: async (resource: string) => {
        await exec('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`ixhaus:${resource}`]);
      },
      copyIn: async (table: string, columns: readonly string[], text: string) => {
        if (!open) throw new StoreTransactionError('a statement was run on a transaction that has ended');
        written.add(table.toLowerCase());
        const { from } = await loadCopyStreams();
        const sql = `COPY ${quoteName(table)} (${columns.map(quoteName).join(', ')}) FROM STDIN`;
        try {
          const stream = client.query(from(sql));
          await new Promise<void>((resolve, reject) => {
            stream.on('error', reject);
            stream.on('finish', resolve);
            stream.end(text, 'utf8');
          });
          return stream.rowCount;
        } catch (error) {
          const classified = this.pg.classify(error);
          if (classified instanceof PostgresConnectionLostError) failed = classified;
          throw classified;
        }
      },
    };
    try {
      await exec('BEGIN', undefined);
      let result: T;
      try {
        result = await body(tx);
      } catch (error) {
        open = false;
        if (failed === undefined)
          await client.query('ROLLBACK').catch((rollbackError: unknown) => (failed = rollbackError));
        // the body may have swallowed the lost connection and thrown something else: report the loss
        throw failed instanceof PostgresConnectionLostError ? failed : error;
      }
      if (failed === undefined && (written.size > 0 || wroteUnknown)) {
        // delivered to every listener at COMMIT, never after a rollback (PostgreSQL NOTIFY semantics)
        await exec('SELECT pg_notify(?, ?)', [CHANGE_CHANNEL, changePayload(wroteUnknown ? new Set() : written)]).catch(
          () => undefined,
        );
      }
      open = false;
      if (failed !== undefined) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw failed;
      }
      try {
        await client.query('COMMIT');
      } catch (error) {
        failed = error;
        const classified = this.pg.classify(error);
        if (classified instanceof PostgresConnectionLostError)
          throw new PostgresCommitUnknownError(
            classified.server,
            classified.args[1] === undefined ? '' : String(classified.args[1]),
            error,
          );
        throw classified;
      }
      return result;
    } finally {
      open = false;
      client.release(failed === undefined ? undefined : true);
    }
  }

  async schemaVersion(): Promise<number> {
    this.assertOpen();
    const client = await this.pg.connect();
    try {
      return await postgresSchemaVersion(client);
    } catch (error) {
      throw this.pg.classify(error);
    } finally {
      client.release();
    }
  }

  /**
   * Committed changes of every process on this database (this one included), within about a second; after the
   * listening connection was lost and came back, one change of unknown tables (refresh everything).
   */
  onDidChange(listener: (change: StoreChange) => void): () => void {
    return this.feed.onDidChange(listener);
  }

  /** State of the connection that listens for changes (the extension shows "reconnecting" in the status bar). */
  onDidChangeConnectionState(listener: (state: FeedState, error?: string) => void): () => void {
    return this.feed.onDidChangeState(listener);
  }

  /** Resolves once change notifications are being received (after the first {@link onDidChange}). */
  listening(): Promise<void> {
    return this.feed.ready();
  }

  /** Ends the pool (waits for checked-out connections to be released) and the listening connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.feed.close();
    await this.pg.end();
    this.log.debug(`closed ${this.pg.location.redacted}`);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreTransactionError('the store is closed');
  }
}
