/**
 * `store copy`: every table of one store into another, file → PostgreSQL and back (issue 19 "CLI … `store copy SRC
 * DST` (file → PostgreSQL and back; refuses a non-empty target; verifies row counts and checksums of each table
 * after copying; progress on stderr)"; docs/postgresql.md "Move a file store to the server").
 *
 * How:
 * - tables, columns, primary and foreign keys come from each backend's catalog ({@link readCatalog}); both stores
 *   must be at the same (current) schema version and hold the same tables and columns;
 * - the target must be empty: no table holds more rows than a freshly created store has (migrations seed a few
 *   rows, e.g. `meta.store_kind`); those seeded rows are deleted inside the copy's transaction;
 * - everything is written in ONE transaction of the target: on any failure (constraint, lost connection,
 *   verification) nothing stays written — except PostgreSQL sequence positions, which `setval` moves outside
 *   transactions by design (harmless: later ids only start higher);
 * - the source is read by keyset pagination on its primary key (`WHERE (a, b) > (?, ?) ORDER BY a, b LIMIT n`,
 *   row values work on both backends), never OFFSET (which re-reads every skipped row); a PostgreSQL source is
 *   read in one REPEATABLE READ, READ ONLY transaction, so the copy is one consistent snapshot (the reading and
 *   writing of pages: copyPages.ts);
 * - rows go in foreign-key order (parents first): into PostgreSQL as `COPY … FROM STDIN` in text format
 *   (postgres/copyText.ts; about a fifth less CPU on client and server together than multi-row INSERTs, measured at
 *   200k parties), {@link COPY_BATCH_ROWS} rows per COPY; into a file as multi-row INSERTs, at most
 *   `MAX_PARAMETERS` (copyPages.ts) parameters each (SQLite as built into sql.js allows 32 766). One page is in
 *   flight on the server while the next is read and hashed;
 * - into PostgreSQL, every identity/serial sequence is then set past the copied maximum (`pg_get_serial_sequence`),
 *   so the next INSERT … RETURNING id does not collide with a copied id;
 * - verification, before the commit: per table the row count and an order-independent checksum
 *   ({@link RowChecksum}) over every cell of every row as read from the source and as read back from the target
 *   inside the transaction (from PostgreSQL through a cursor, {@link COPY_BATCH_ROWS} rows per FETCH, in no
 *   particular order). A difference rolls the copy back.
 */
import { msg } from '../errors';
import type { AsyncQueryable, AsyncStore } from './asyncStore';
import { copyInOf, copyTable, readTable, readTableByCursor } from './copyPages';
import type { MatchedTable } from './copyPages';
import { Store } from './database';
import { StoreError } from './errors';
import { LATEST_SCHEMA_VERSION } from './migrations';
import type { RowChecksum } from './rowChecksum';
import { foreignKeyOrder, quoteIdentifier, readCatalog } from './storeCatalog';
import type { TableShape } from './storeCatalog';

/**
 * Rows read per page and inserted per statement into a file by default (fewer for wide tables, see `MAX_PARAMETERS`
 * in copyPages.ts).
 */
export const DEFAULT_BATCH_ROWS = 2000;

/**
 * Rows per page (read, hashed, sent as one COPY) and per read-back page of a PostgreSQL target by default: a few MB
 * of text per statement, far below the statement timeout; fewer round trips than {@link DEFAULT_BATCH_ROWS}.
 */
export const COPY_BATCH_ROWS = 10_000;

/** Options of {@link copyStore}. */
export interface CopyStoreOptions {
  /**
   * Called after every batch and once per table at its start (rowsDone 0) and after verification
   * (table `verify`, counting tables); rowsTotal is the table's row count in the source.
   */
  readonly onProgress?: (table: string, rowsDone: number, rowsTotal: number) => void;
  /**
   * rows per page and per INSERT or COPY (default {@link COPY_BATCH_ROWS} into PostgreSQL, {@link DEFAULT_BATCH_ROWS}
   * into a file)
   */
  readonly batchRows?: number;
}

/** One copied table: its rows and the checksum both sides agreed on. */
export interface CopiedTable {
  readonly name: string;
  readonly rows: number;
  /** `<rows>:<16 hex digits>` ({@link RowChecksum.digest}) */
  readonly checksum: string;
}

/** What {@link copyStore} did. */
export interface CopySummary {
  readonly source: string;
  readonly target: string;
  readonly schemaVersion: number;
  /** in foreign-key (insert) order */
  readonly tables: readonly CopiedTable[];
  /** rows copied in all */
  readonly rows: number;
  /** sequences moved past the copied ids (PostgreSQL target), e.g. `users.id` */
  readonly sequences: readonly string[];
  /** wall time of the whole copy including verification (ms) */
  readonly ms: number;
  /**
   * where the time went (ms): `copy` reading + hashing the source while the target inserts (overlapped), `sequences`
   * moving them, `verify` reading back + hashing the target, `commit`; the rest of {@link ms} is checking both
   * stores before the transaction
   */
  readonly phasesMs: {
    readonly copy: number;
    readonly sequences: number;
    readonly verify: number;
    readonly commit: number;
  };
}

/** A copy that was refused or failed; nothing was written to the target. */
export class StoreCopyError extends StoreError {
  constructor(code: string, template: string, args: readonly (string | number)[], cause?: unknown) {
    super(code, template, undefined, args, cause);
  }
}

let freshCounts: Promise<ReadonlyMap<string, number>> | undefined;

/**
 * Row counts of a freshly created store at the current schema (the rows its migrations seed). Taken from a new
 * in-memory sql.js store; the PostgreSQL data steps seed the same rows (test/integration/copyStore.test.ts
 * compares a fresh database with it).
 */
export function freshStoreRowCounts(): Promise<ReadonlyMap<string, number>> {
  freshCounts ??= (async () => {
    const fresh = await Store.inMemory();
    try {
      const counts = new Map<string, number>();
      const tables = fresh.all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
      );
      for (const { name } of tables)
        counts.set(String(name), Number(fresh.scalar(`SELECT count(*) FROM ${quoteIdentifier(String(name))}`)));
      return counts;
    } finally {
      await fresh.close({ save: false });
    }
  })();
  return freshCounts;
}

/**
 * Copies every table of `source` into the empty store `target` in one transaction of the target, and verifies it.
 * @returns the tables, rows, sequences and time
 * @throws StoreCopyError: E_STORE_COPY_SAME (source and target are one store), E_STORE_COPY_READ_ONLY,
 *         E_STORE_COPY_VERSION (schema versions differ or are not current), E_STORE_COPY_SHAPE (tables or columns
 *         differ, a table without primary key), E_STORE_COPY_CYCLE (foreign keys in a cycle),
 *         E_STORE_COPY_NOT_EMPTY (the target holds data), E_STORE_COPY_VERIFY (counts or checksums differ after
 *         copying); the backends' errors (constraint violations, lost connection, permission). In every case the
 *         target is left as it was.
 */
export async function copyStore(
  source: AsyncStore,
  target: AsyncStore,
  options: CopyStoreOptions = {},
): Promise<CopySummary> {
  const started = performance.now();
  const sameLocation =
    source.backend === target.backend && source.location === target.location && source.location !== '(memory)';
  if (source === target || sameLocation)
    throw new StoreCopyError(
      'E_STORE_COPY_SAME',
      msg('Source and target are the same store ({0}). Name another target.'),
      [target.location],
    );
  if (target.readOnly)
    throw new StoreCopyError(
      'E_STORE_COPY_READ_ONLY',
      msg('The target store {0} is open read-only; nothing was copied. Close the program that has it open.'),
      [target.location],
    );
  const [sourceVersion, targetVersion] = [await source.schemaVersion(), await target.schemaVersion()];
  if (sourceVersion !== targetVersion || targetVersion !== LATEST_SCHEMA_VERSION)
    throw new StoreCopyError(
      'E_STORE_COPY_VERSION',
      msg(
        'The source has schema version {0} and the target {1}; both must be at version {2} of this program. Open the older store once with this version (it migrates on opening) and copy again.',
      ),
      [sourceVersion, targetVersion, LATEST_SCHEMA_VERSION],
    );
  const tables = await matchingTables(source, target);
  const ordered = foreignKeyOrder(tables.map((t) => t.target));
  if ('cycle' in ordered)
    throw new StoreCopyError(
      'E_STORE_COPY_CYCLE',
      msg('The foreign keys of the tables {0} form a cycle, so no insert order satisfies them; nothing was copied.'),
      [ordered.cycle.join(', ')],
    );
  const plans = ordered.order.map((t) => tables.find((m) => m.target.name === t.name) as MatchedTable);
  const fresh = await freshStoreRowCounts();
  const progress = options.onProgress ?? (() => undefined);

  const result = await target.transaction(async (tx) => {
    const bulk = copyInOf(tx);
    const batchRows = Math.max(
      1,
      Math.floor(options.batchRows ?? (bulk === undefined ? DEFAULT_BATCH_ROWS : COPY_BATCH_ROWS)),
    );
    await refuseNonEmpty(tx, target.location, plans, fresh);
    const copyStarted = performance.now();
    const copied = await readSnapshot(source, async (src) => {
      const sums: Array<{ plan: MatchedTable; sum: RowChecksum; sourceCount: number }> = [];
      for (const plan of plans) sums.push(await copyTable(src, tx, plan, batchRows, progress, bulk));
      return sums;
    });
    const copyEnded = performance.now();
    const sequences = target.backend === 'postgres' ? await movePostgresSequences(tx, plans) : [];
    const verifyStarted = performance.now();
    const verified: CopiedTable[] = [];
    for (const { plan, sum, sourceCount } of copied) {
      const back =
        target.backend === 'postgres'
          ? await readTableByCursor(tx, plan.target, batchRows)
          : await readTable(tx, plan.target, batchRows);
      const name = plan.target.name;
      if (sum.rows !== sourceCount || back.digest() !== sum.digest())
        throw new StoreCopyError(
          'E_STORE_COPY_VERIFY',
          msg(
            'Verification of table {0} failed: the source has {1} rows (checksum {2}), the copy {3} rows (checksum {4}). Nothing was copied; was the source changed during the copy? Try again.',
          ),
          [name, sourceCount, sum.digest(), back.rows, back.digest()],
        );
      verified.push({ name, rows: sum.rows, checksum: sum.digest() });
      progress('verify', verified.length, copied.length);
    }
    const ended = performance.now();
    const phases = {
      copy: copyEnded - copyStarted,
      sequences: verifyStarted - copyEnded,
      verify: ended - verifyStarted,
    };
    return { verified, sequences, phases, ended };
  });
  const round = (ms: number): number => Math.round(ms);
  return {
    source: source.location,
    target: target.location,
    schemaVersion: targetVersion,
    tables: result.verified,
    rows: result.verified.reduce((n, t) => n + t.rows, 0),
    sequences: result.sequences,
    ms: Math.round(performance.now() - started),
    phasesMs: {
      copy: round(result.phases.copy),
      sequences: round(result.phases.sequences),
      verify: round(result.phases.verify),
      commit: round(performance.now() - result.ended),
    },
  };
}

/** Pairs the tables of both stores; they must have the same tables and columns, each table a primary key. */
async function matchingTables(source: AsyncStore, target: AsyncStore): Promise<MatchedTable[]> {
  const sourceTables = await readCatalog(source, source.backend);
  const targetTables = await readCatalog(target, target.backend);
  const shapeError = (detail: string): StoreCopyError =>
    new StoreCopyError(
      'E_STORE_COPY_SHAPE',
      msg('The source and the target store have different tables ({0}); nothing was copied.'),
      [detail],
    );
  const byName = new Map(targetTables.map((t) => [t.name, t]));
  const missing = sourceTables.filter((t) => !byName.has(t.name)).map((t) => t.name);
  const extra = targetTables.filter((t) => !sourceTables.some((s) => s.name === t.name)).map((t) => t.name);
  if (missing.length > 0) throw shapeError(`only in the source: ${missing.join(', ')}`);
  if (extra.length > 0) throw shapeError(`only in the target: ${extra.join(', ')}`);
  return sourceTables.map((s) => {
    const t = byName.get(s.name) as TableShape;
    const a = [...s.columns].sort().join(', ');
    const b = [...t.columns].sort().join(', ');
    if (a !== b) throw shapeError(`${s.name}: columns ${a} in the source, ${b} in the target`);
    if (s.primaryKey.length === 0 || t.primaryKey.length === 0)
      throw shapeError(`${s.name} has no primary key, so it cannot be read in pages`);
    return { source: s, target: t };
  });
}

/**
 * Refuses a store that holds data: more rows in any table than a freshly created store has. Changes nothing.
 * @param purpose whose refusal it is: `init` (`store init URL` on a database in use: "nothing was created") or
 *        `copy` (the target of `store copy`: "nothing was copied")
 * @throws StoreCopyError E_STORE_INIT_NOT_EMPTY / E_STORE_COPY_NOT_EMPTY naming the table and its row count
 */
export async function refuseNonEmptyStore(store: AsyncStore, purpose: 'init' | 'copy' = 'copy'): Promise<void> {
  const tables = await readCatalog(store, store.backend);
  const fresh = await freshStoreRowCounts();
  for (const table of tables) {
    const count = Number(
      (await store.get<{ n: number }>(`SELECT count(*) AS n FROM ${quoteIdentifier(table.name)}`))?.n,
    );
    if (count > (fresh.get(table.name) ?? 0))
      throw purpose === 'init'
        ? notEmptyForInit(store.location, table.name, count)
        : notEmpty(store.location, table.name, count);
  }
}

function notEmpty(location: string, table: string, count: number): StoreCopyError {
  return new StoreCopyError(
    'E_STORE_COPY_NOT_EMPTY',
    count === 1
      ? msg(
          'The target store {0} is not empty: table {1} holds 1 row. Copy only into a new store (a new file, or an empty database with the schema only); nothing was copied.',
        )
      : msg(
          'The target store {0} is not empty: table {1} holds {2} rows. Copy only into a new store (a new file, or an empty database with the schema only); nothing was copied.',
        ),
    [location, table, count],
  );
}

function notEmptyForInit(location: string, table: string, count: number): StoreCopyError {
  return new StoreCopyError(
    'E_STORE_INIT_NOT_EMPTY',
    count === 1
      ? msg(
          'The database {0} already holds a store with data: table {1} holds 1 row. store init creates a store only in an empty database; nothing was created. Name an empty database, or see what is there with store info.',
        )
      : msg(
          'The database {0} already holds a store with data: table {1} holds {2} rows. store init creates a store only in an empty database; nothing was created. Name an empty database, or see what is there with store info.',
        ),
    [location, table, count],
  );
}

/** Refuses a target with data; deletes the rows a fresh store is seeded with (children first). */
async function refuseNonEmpty(
  tx: AsyncQueryable,
  location: string,
  plans: readonly MatchedTable[],
  fresh: ReadonlyMap<string, number>,
): Promise<void> {
  const seeded: string[] = [];
  for (const { target } of plans) {
    const count = Number((await tx.get<{ n: number }>(`SELECT count(*) AS n FROM ${quoteIdentifier(target.name)}`))?.n);
    if (count > (fresh.get(target.name) ?? 0)) throw notEmpty(location, target.name, count);
    if (count > 0) seeded.push(target.name);
  }
  for (const name of seeded.reverse()) await tx.run(`DELETE FROM ${quoteIdentifier(name)}`);
}

/** Runs `body` on one consistent snapshot of the source (PostgreSQL: a REPEATABLE READ, READ ONLY transaction). */
async function readSnapshot<T>(source: AsyncStore, body: (q: AsyncQueryable) => Promise<T>): Promise<T> {
  if (source.backend !== 'postgres') return body(source); // a file has one writer: this process while it copies
  return source.transaction(async (src) => {
    await src.run('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    return body(src);
  });
}

/**
 * Sets every sequence behind an identity or serial column of the copied tables so that its next value is the
 * column's maximum + 1 (1 for an empty table). The runtime role has USAGE, SELECT, UPDATE on sequences.
 * @returns `table.column` of each sequence moved
 */
async function movePostgresSequences(tx: AsyncQueryable, plans: readonly MatchedTable[]): Promise<string[]> {
  const moved: string[] = [];
  for (const { target } of plans) {
    for (const column of target.columns) {
      const seq = await tx.get<{ seq: string | null }>(
        "SELECT pg_get_serial_sequence(quote_ident(current_schema()) || '.' || quote_ident(?), ?) AS seq",
        [target.name, column],
      );
      if (seq?.seq === null || seq?.seq === undefined) continue;
      await tx.query(
        `SELECT setval(?::regclass, coalesce((SELECT max(${quoteIdentifier(column)}) FROM ${quoteIdentifier(target.name)}), 0) + 1, false)`,
        [seq.seq],
      );
      moved.push(`${target.name}.${column}`);
    }
  }
  return moved;
}
