/**
 * The tables of a store as its own catalog describes them, on both backends (issue 19 `store copy`, `store check`):
 * SQLite `sqlite_master` + `pragma_table_info` / `pragma_foreign_key_list`; PostgreSQL `pg_catalog` of
 * `current_schema()` (pg_catalog rather than information_schema: information_schema hides the key columns of
 * tables the role may only read). Internal tables are left out: SQLite's `sqlite_*` and the PostgreSQL migration
 * ledger `schema_version` (src/core/store/postgres/migrations.ts), whose content is the schema version itself.
 */
import type { AsyncQueryable, StoreBackend } from './asyncStore';

/** One foreign key: `columns` of the child refer to `parentColumns` of `parent`. */
export interface ForeignKeyShape {
  readonly parent: string;
  readonly columns: readonly string[];
  readonly parentColumns: readonly string[];
}

/** One table: its columns (catalog order), primary key columns (key order) and foreign keys. */
export interface TableShape {
  readonly name: string;
  readonly columns: readonly string[];
  /** empty when the table has no primary key */
  readonly primaryKey: readonly string[];
  readonly foreignKeys: readonly ForeignKeyShape[];
}

/** Tables that are part of the store's machinery, not of its data. */
const POSTGRES_INTERNAL_TABLES = new Set(['schema_version']);

/** Quotes an identifier for both dialects (`"name"`, inner quotes doubled). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Reads the user tables of a store, sorted by name.
 * @throws the backend's errors (connection lost, permission)
 */
export async function readCatalog(q: AsyncQueryable, backend: StoreBackend): Promise<TableShape[]> {
  return backend === 'sqlite' ? readSqliteCatalog(q) : readPostgresCatalog(q);
}

async function readSqliteCatalog(q: AsyncQueryable): Promise<TableShape[]> {
  const tables = await q.query<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
  );
  const shapes: TableShape[] = [];
  for (const { name } of tables) {
    const columns = await q.query<{ name: string; pk: number }>(
      'SELECT name, pk FROM pragma_table_info(?) ORDER BY cid',
      [name],
    );
    const keys = await q.query<{ id: number; seq: number; parent: string; from_column: string; to_column: string }>(
      'SELECT id, seq, "table" AS parent, "from" AS from_column, "to" AS to_column FROM pragma_foreign_key_list(?) ORDER BY id, seq',
      [name],
    );
    const byId = new Map<number, { parent: string; columns: string[]; parentColumns: string[] }>();
    for (const k of keys) {
      let fk = byId.get(k.id);
      if (fk === undefined) byId.set(k.id, (fk = { parent: k.parent, columns: [], parentColumns: [] }));
      fk.columns.push(k.from_column);
      fk.parentColumns.push(k.to_column);
    }
    shapes.push({
      name,
      columns: columns.map((c) => c.name),
      primaryKey: columns
        .filter((c) => Number(c.pk) > 0)
        .sort((a, b) => Number(a.pk) - Number(b.pk))
        .map((c) => c.name),
      foreignKeys: [...byId.values()],
    });
  }
  return shapes;
}

async function readPostgresCatalog(q: AsyncQueryable): Promise<TableShape[]> {
  const columns = await q.query<{ table_name: string; column_name: string }>(
    `SELECT c.relname AS table_name, a.attname AS column_name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
      ORDER BY c.relname, a.attnum`,
  );
  const keys = await q.query<{ table_name: string; column_name: string }>(
    `SELECT c.relname AS table_name, a.attname AS column_name
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE i.indisprimary AND n.nspname = current_schema()
      ORDER BY c.relname, k.position`,
  );
  const foreign = await q.query<{
    name: string;
    table_name: string;
    parent: string;
    columns: string;
    parent_columns: string;
  }>(
    `SELECT k.conname AS name, c.relname AS table_name, p.relname AS parent,
            (SELECT string_agg(a.attname, ',' ORDER BY u.position) FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, position)
               JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum) AS columns,
            (SELECT string_agg(a.attname, ',' ORDER BY u.position) FROM unnest(k.confkey) WITH ORDINALITY AS u(attnum, position)
               JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum) AS parent_columns
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND n.nspname = current_schema()
      ORDER BY c.relname, k.conname`,
  );
  const shapes = new Map<string, { columns: string[]; primaryKey: string[]; foreignKeys: ForeignKeyShape[] }>();
  for (const c of columns) {
    if (POSTGRES_INTERNAL_TABLES.has(c.table_name)) continue;
    let shape = shapes.get(c.table_name);
    if (shape === undefined) shapes.set(c.table_name, (shape = { columns: [], primaryKey: [], foreignKeys: [] }));
    shape.columns.push(c.column_name);
  }
  for (const k of keys) shapes.get(k.table_name)?.primaryKey.push(k.column_name);
  for (const f of foreign) {
    shapes.get(f.table_name)?.foreignKeys.push({
      parent: f.parent,
      columns: f.columns.split(','),
      parentColumns: f.parent_columns.split(','),
    });
  }
  return [...shapes.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, shape]) => ({ name, ...shape }));
}

/**
 * Orders tables so that every table comes after the tables its foreign keys refer to (parents first); a
 * self-reference does not constrain the order. Ties are broken by name, so the order is stable.
 * @returns the order, or the tables of a cycle when there is one (then no insert order satisfies every key)
 */
export function foreignKeyOrder(tables: readonly TableShape[]): { order: TableShape[] } | { cycle: string[] } {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const parents = new Map(
    tables.map((t) => [
      t.name,
      new Set(t.foreignKeys.map((f) => f.parent).filter((p) => p !== t.name && byName.has(p))),
    ]),
  );
  const order: TableShape[] = [];
  const done = new Set<string>();
  while (order.length < tables.length) {
    const ready = tables
      .filter((t) => !done.has(t.name) && [...(parents.get(t.name) ?? [])].every((p) => done.has(p)))
      .map((t) => t.name)
      .sort();
    const next = ready[0];
    if (next === undefined) return { cycle: tables.filter((t) => !done.has(t.name)).map((t) => t.name) };
    done.add(next);
    order.push(byName.get(next) as TableShape);
  }
  return { order };
}
