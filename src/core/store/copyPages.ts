/**
 * The page machinery of `store copy` (copyStore.ts): reading a table in keyset-paginated pages on its primary
 * key, the checksum read-backs (pages, or a PostgreSQL cursor), and writing a page into the target — multi-row
 * INSERTs ({@link MAX_PARAMETERS} parameters at most) or `COPY … FROM STDIN` in text format — with one page in
 * flight while the next is read and hashed ({@link copyTable}).
 */
import type { AsyncQueryable, AsyncTransaction, SqlCell, SqlParam, SqlRow } from './asyncStore';
import { copyTextRows } from './postgres/copyText';
import type { PostgresCopyIn } from './postgres/postgresStore';
import { RowChecksum } from './rowChecksum';
import { quoteIdentifier } from './storeCatalog';
import type { TableShape } from './storeCatalog';

/** Parameters per INSERT at most: below SQLite's 32 766 (sql.js) and PostgreSQL's 65 535. */
export const MAX_PARAMETERS = 32_000;

/** A table of the source and the same table in the target (their columns may be in another order). */
export interface MatchedTable {
  readonly source: TableShape;
  readonly target: TableShape;
}

function columnList(columns: readonly string[]): string {
  return columns.map(quoteIdentifier).join(', ');
}

/** Rows per page of `table`: at most {@link MAX_PARAMETERS} parameters per INSERT. */
function pageRows(table: TableShape, batchRows: number): number {
  return Math.max(1, Math.min(batchRows, Math.floor(MAX_PARAMETERS / table.columns.length)));
}

/**
 * Reads `table` page by page in primary-key order (keyset pagination) and calls `onPage` with each page.
 * The key comparison uses each backend's own collation consistently, so every row is seen exactly once.
 */
async function forEachPage(
  q: AsyncQueryable,
  table: TableShape,
  rowsPerPage: number,
  onPage: (rows: SqlRow[]) => Promise<void>,
): Promise<void> {
  const key = columnList(table.primaryKey);
  const select = `SELECT ${columnList(table.columns)} FROM ${quoteIdentifier(table.name)}`;
  const first = `${select} ORDER BY ${key} LIMIT ${rowsPerPage}`;
  const next = `${select} WHERE (${key}) > (${table.primaryKey.map(() => '?').join(', ')}) ORDER BY ${key} LIMIT ${rowsPerPage}`;
  let after: SqlCell[] | undefined;
  for (;;) {
    const rows = after === undefined ? await q.query(first) : await q.query(next, after);
    if (rows.length === 0) return;
    await onPage(rows);
    if (rows.length < rowsPerPage) return;
    const last = rows[rows.length - 1] as SqlRow;
    after = table.primaryKey.map((c) => last[c] ?? null);
  }
}

/** The checksum of `table` as `q` sees it, read in pages of `batchRows` (a read binds only the key). */
export async function readTable(q: AsyncQueryable, table: TableShape, batchRows: number): Promise<RowChecksum> {
  const sum = new RowChecksum([...table.columns].sort());
  await forEachPage(q, table, batchRows, async (rows) => {
    for (const row of rows) sum.add(row);
  });
  return sum;
}

/**
 * The checksum of `table` as the PostgreSQL transaction `tx` sees it (its own uncommitted rows included), read
 * through a cursor in `batchRows`-row FETCHes: a plain sequential scan, no ORDER BY and no index — the checksum does
 * not depend on row order, so the server does the least work for a full read of every cell.
 */
export async function readTableByCursor(
  tx: AsyncQueryable,
  table: TableShape,
  batchRows: number,
): Promise<RowChecksum> {
  const sum = new RowChecksum([...table.columns].sort());
  await tx.run(
    `DECLARE ixhaus_copy_verify NO SCROLL CURSOR FOR SELECT ${columnList(table.columns)} FROM ${quoteIdentifier(table.name)}`,
  );
  for (;;) {
    const rows = await tx.query(`FETCH FORWARD ${batchRows} FROM ixhaus_copy_verify`);
    for (const row of rows) sum.add(row);
    if (rows.length < batchRows) break;
  }
  await tx.run('CLOSE ixhaus_copy_verify');
  return sum;
}

/** Writes one page of rows of a table into the target. */
type PageWriter = (tx: AsyncQueryable, rows: readonly SqlRow[]) => Promise<void>;

/**
 * Multi-row `INSERT … VALUES (?, …), (?, …)` (both backends): one parameter per value, so a page holds at most
 * {@link MAX_PARAMETERS} values.
 */
function valuesWriter(table: TableShape, rowsPerPage: number): PageWriter {
  const columns = table.columns;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const head = `INSERT INTO ${quoteIdentifier(table.name)} (${columnList(columns)}) VALUES `;
  const full = head + new Array<string>(rowsPerPage).fill(tuple).join(', ');
  return async (tx, rows) => {
    const params: SqlParam[] = [];
    for (const row of rows) for (const column of columns) params.push(row[column] ?? null);
    await tx.run(
      rows.length === rowsPerPage ? full : head + new Array<string>(rows.length).fill(tuple).join(', '),
      params,
    );
  };
}

/** COPY FROM STDIN in text format (PostgreSQL target): no parameter limit, so a page is `rowsPerPage` rows. */
function copyInWriter(table: TableShape, bulk: PostgresCopyIn): PageWriter {
  const columns = table.columns;
  return async (_tx, rows) => {
    await bulk.copyIn(table.name, columns, copyTextRows(rows, columns));
  };
}

/** The COPY path of a PostgreSQL transaction ({@link PostgresCopyIn}), undefined on other backends. */
export function copyInOf(tx: AsyncTransaction): PostgresCopyIn | undefined {
  const candidate = tx as AsyncTransaction & Partial<PostgresCopyIn>;
  return typeof candidate.copyIn === 'function' ? (candidate as PostgresCopyIn) : undefined;
}

export async function copyTable(
  src: AsyncQueryable,
  tx: AsyncQueryable,
  plan: MatchedTable,
  batchRows: number,
  progress: (table: string, rowsDone: number, rowsTotal: number) => void,
  bulk: PostgresCopyIn | undefined,
): Promise<{ plan: MatchedTable; sum: RowChecksum; sourceCount: number }> {
  const name = plan.target.name;
  const columns = plan.target.columns;
  const sourceCount = Number(
    (await src.get<{ n: number }>(`SELECT count(*) AS n FROM ${quoteIdentifier(plan.source.name)}`))?.n,
  );
  const sum = new RowChecksum([...columns].sort());
  const rowsPerPage = bulk === undefined ? pageRows(plan.target, batchRows) : batchRows;
  const write = bulk === undefined ? valuesWriter(plan.target, rowsPerPage) : copyInWriter(plan.target, bulk);
  progress(name, 0, sourceCount);
  // read with the source's key but the target's column list, so each row is inserted and hashed in one order
  const reading: TableShape = { ...plan.source, columns };
  // one INSERT/COPY in flight while the next page is read and hashed: the server inserts while this process reads
  let inFlight: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;
  const settle = async (): Promise<void> => {
    await inFlight;
    inFlight = undefined;
    if (failure) throw failure.error;
  };
  try {
    await forEachPage(src, reading, rowsPerPage, async (rows) => {
      for (const row of rows) sum.add(row);
      await settle();
      const done = sum.rows;
      // the rejection is caught at once (no unhandled rejection) and rethrown by the next settle()
      inFlight = write(tx, rows).then(
        () => progress(name, done, sourceCount),
        (error: unknown) => void (failure = { error }),
      );
    });
  } finally {
    await inFlight; // never leave a statement running on the transaction (it is rolled back or goes on)
  }
  await settle();
  return { plan, sum, sourceCount };
}
