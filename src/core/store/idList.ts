/**
 * A list of many integer ids bound as ONE parameter (issue 19 "Verantwortlichen ändern 100k assignments ≤ 3 s"):
 * instead of hundreds of `IN (?, ?, …)` statements with hundreds of parameters each (every one parsed, planned and
 * sent on its own — a quarter of a 100,000-row transfer on PostgreSQL), one statement takes the whole list as one
 * text parameter and expands it server-side. The expansion is the one place where the two dialects differ, so it
 * is chosen by the store's backend here (the dialect seam, like `backend === 'postgres'` in copyStore.ts); the
 * statement around it stays dialect-neutral (see asyncStore.ts).
 *
 * Use: `… WHERE ${idListMatch(store.backend, 'id')}` with `idListParam(store.backend, ids)` bound to its one `?`.
 */
import type { StoreBackend } from './asyncStore';

/**
 * A condition with exactly one `?` placeholder: `column` is one of the ids bound to it ({@link idListParam}).
 * - SQLite (sql.js): `column IN (SELECT value FROM json_each(?))` over a JSON array (JSON is built into
 *   SQLite ≥ 3.38; sqlite.org/json1.html#jeach);
 * - PostgreSQL 15: `column = ANY (CAST(? AS BIGINT[]))` over an array literal — one index scan that looks up the
 *   sorted keys (postgresql.org/docs/15/functions-comparisons.html#id-1.5.8.30.16); measured at 100,000 ids it
 *   beats an `IN (SELECT … json_array_elements_text(…))`, which hashes the list first.
 */
export function idListMatch(backend: StoreBackend, column: string): string {
  return backend === 'postgres'
    ? `${column} = ANY (CAST(? AS BIGINT[]))`
    : `${column} IN (SELECT value FROM json_each(?))`;
}

/**
 * The parameter for {@link idListMatch}: the ids as a JSON array text (`[1,2,3]`, SQLite) or a PostgreSQL array
 * literal (`{1,2,3}`).
 * @throws RangeError when an id is not a safe integer (it would not survive the text round trip)
 */
export function idListParam(backend: StoreBackend, ids: readonly number[]): string {
  for (const id of ids) if (!Number.isSafeInteger(id)) throw new RangeError(`not an integer id: ${id}`);
  const list = ids.join(',');
  return backend === 'postgres' ? `{${list}}` : `[${list}]`;
}
