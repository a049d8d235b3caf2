/**
 * Small conveniences over {@link AsyncQueryable} that the core uses on both backends (DESIGN.md §4): the first
 * column of the first row, and the id of an `INSERT … RETURNING id`.
 */
import type { AsyncQueryable, SqlCell, SqlParam } from './asyncStore';
import { StoreTransactionError } from './errors';

/** The first column of the first row of `sql`, or undefined when there is no row. */
export async function scalar(
  q: AsyncQueryable,
  sql: string,
  params?: readonly SqlParam[],
): Promise<SqlCell | undefined> {
  const row = await q.get(sql, params);
  if (row === undefined) return undefined;
  for (const key in row) return row[key];
  return undefined;
}

/**
 * Runs an `INSERT … RETURNING id` and returns the new id (a number on both backends).
 * @throws StoreTransactionError when the statement returned no `id` (a missing `RETURNING id`)
 */
export async function insertId(q: AsyncQueryable, sql: string, params?: readonly SqlParam[]): Promise<number> {
  const row = await q.get<{ id: number }>(sql, params);
  if (row === undefined || row.id === null || row.id === undefined)
    throw new StoreTransactionError(`the insert returned no id (does it end in RETURNING id?): ${sql.slice(0, 80)}`);
  return Number(row.id);
}
