/**
 * Store change events (DESIGN.md §4b "Store change events say what changed"), the same on both backends: the file
 * store reports the changes of this process, the PostgreSQL store those of every process (LISTEN/NOTIFY).
 */

/**
 * What one committed change wrote (DESIGN.md §4b "Store change events say what changed"): the tables of its
 * INSERT / UPDATE / DELETE / REPLACE statements, lower case. Listeners refresh only what shows those tables.
 */
export interface StoreChange {
  /** empty when no statement named its table (e.g. a CTE) — then treat everything as changed */
  readonly tables: ReadonlySet<string>;
}

/** True when `change` may have written one of `tables` (always true for a change of unknown tables). */
export function changeTouches(change: StoreChange, tables: readonly string[]): boolean {
  return change.tables.size === 0 || tables.some((t) => change.tables.has(t));
}

/** The table a data-changing statement writes (the first one named after INSERT INTO / UPDATE / DELETE FROM / REPLACE INTO). */
const WRITE_TARGET =
  /^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+["`]?(\w+)/i;

/** The table a data-changing statement writes, lower case, or undefined (a read, DDL, or a CTE). */
export function writtenTable(sql: string): string | undefined {
  return WRITE_TARGET.exec(sql)?.[1]?.toLowerCase();
}
