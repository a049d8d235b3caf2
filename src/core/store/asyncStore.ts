/**
 * The asynchronous store interface the core talks to on both backends (DESIGN.md §4 "one async interface, two
 * backends"; issue 19 "One store interface, asynchronous"): the sql.js file ({@link ../sqlJsAsyncStore}) and
 * PostgreSQL ({@link ./postgres/postgresStore}).
 *
 * **Dialect-neutral SQL** (how core SQL is written so that one text runs on both):
 * - parameters are positional `?` placeholders; the PostgreSQL backend rewrites them to `$1, $2, …` outside string
 *   literals, quoted identifiers and comments ({@link ./postgres/dialect.toPostgresPlaceholders}); a literal `?` in
 *   SQL text must be inside quotes;
 * - new ids come from `INSERT … RETURNING id` (SQLite ≥ 3.35 and PostgreSQL), never from `last_insert_rowid()`;
 * - upserts are `INSERT … ON CONFLICT (cols) DO NOTHING | DO UPDATE SET c = excluded.c` (both), never
 *   `INSERT OR IGNORE / OR REPLACE`; `coalesce()` instead of `ifnull()`;
 * - booleans are stored as 0/1 integers and times as ISO-8601 UTC text on both, so rows look the same;
 * - integers come back as JS numbers on both (PostgreSQL `bigint`/`numeric` are parsed to number by the backend;
 *   ids and counts stay far below 2^53);
 * - `LIKE` is case-insensitive (ASCII) in SQLite but case-sensitive in PostgreSQL: compare `lower(x) LIKE lower(?)`.
 *
 * test/unit/dialectNeutralSql.test.ts keeps the SQLite-only forms out of the SQL literals under src/core (the
 * migrations and the PostgreSQL backend excepted) and lists the few that still remain.
 */

import type { StoreChange } from './storeChange';

/** A value bound to a `?` placeholder. */
export type SqlParam = string | number | bigint | boolean | null | Uint8Array;

/** A value in a result row (same on both backends: text, number, bytes or null). */
export type SqlCell = string | number | Uint8Array | null;

/** A result row: column name → value. */
export type SqlRow = Record<string, SqlCell>;

/** Which backend serves a store. */
export type StoreBackend = 'sqlite' | 'postgres';

/** Statements that can run inside or outside a transaction. */
export interface AsyncQueryable {
  /**
   * Runs one statement with `?` placeholders and returns its rows (empty for a statement without rows; use
   * `RETURNING` to get rows from a change).
   * @throws the backend's typed store error (connection lost, read-only, permission) or the database error
   *         (constraint …) unchanged
   */
  query<T extends SqlRow = SqlRow>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  /** Runs a query and returns its first row, or undefined. */
  get<T extends SqlRow = SqlRow>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined>;
  /** Runs a changing statement and returns how many rows it changed. */
  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }>;
}

/** The statements of one open transaction (passed to the body of {@link AsyncStore.transaction}). */
export interface AsyncTransaction extends AsyncQueryable {
  /**
   * Serialises this transaction against every other transaction (of any process) that locks the same `resource`,
   * until this one commits or rolls back — for a check-then-write that two admins could run at once (seats of a
   * module, the transfer's fingerprint re-check). PostgreSQL: `pg_advisory_xact_lock` on a hash of the name (waits,
   * within the statement timeout). File: nothing to do — a file store has one writer and its transactions run one
   * at a time.
   */
  lock(resource: string): Promise<void>;
}

/** Options of {@link AsyncStore.transaction}. */
export interface TransactionOptions {
  /**
   * File backend only: save the file within about 0.5 s instead of before the promise resolves (for frequent,
   * small writes such as a call-journal row or a sign-in attempt, where a whole-file save per write would cost
   * seconds on a large store). A crash within that window loses the change; an explicit close still saves it.
   * No effect on PostgreSQL, where every commit is durable.
   */
  readonly deferSave?: boolean;
}

/** One open store, on either backend. */
export interface AsyncStore extends AsyncQueryable {
  readonly backend: StoreBackend;
  /** where the store is, for logs and the UI (a file path, or a URL without password) */
  readonly location: string;
  /** true when no change can be made (file store opened read-only; see the backend for why) */
  readonly readOnly: boolean;
  /**
   * Runs `body` in one transaction: all of it is committed or, when it throws, none of it (the error is
   * rethrown). Statements outside `tx` during the body are not part of it. On PostgreSQL a lost connection
   * during the body or the commit rejects with StoreConnectionLostError and nothing is written.
   */
  transaction<T>(body: (tx: AsyncTransaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Listens for committed changes (the tables they wrote). File: changes of this process. PostgreSQL: changes of
   * every process on the database (LISTEN/NOTIFY), this one included. Returns the function that stops listening.
   */
  onDidChange(listener: (change: StoreChange) => void): () => void;
  /** The schema version (file: `PRAGMA user_version`; PostgreSQL: the `schema_version` table). */
  schemaVersion(): Promise<number>;
  /** Releases the store (file: saves and unlocks; PostgreSQL: ends the pool). */
  close(): Promise<void>;
}
