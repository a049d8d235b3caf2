/**
 * A quick consistency check of a store on either backend (issue 19 `store check URL`): the schema version against
 * this program's, the rows of every table, and that every foreign key value has its row. PostgreSQL enforces
 * foreign keys, so orphans appear only when rows were written around them (triggers disabled for a bulk load,
 * `session_replication_role = replica`, a partial restore); the file store enforces them since schema 1.
 */
import type { AsyncStore } from './asyncStore';
import { LATEST_SCHEMA_VERSION } from './migrations';
import { quoteIdentifier, readCatalog } from './storeCatalog';

/** Result of {@link checkStoreConsistency}. */
export interface StoreConsistency {
  readonly schemaVersion: number;
  /** rows per table (catalog order by name) */
  readonly counts: Readonly<Record<string, number>>;
  /** one line per problem (an outdated schema, foreign key values without their row); empty when all is well */
  readonly problems: readonly string[];
}

/** Checks `store` without changing it. @throws the backend's errors (connection, permission) */
export async function checkStoreConsistency(store: AsyncStore): Promise<StoreConsistency> {
  const schemaVersion = await store.schemaVersion();
  const tables = await readCatalog(store, store.backend);
  const counts: Record<string, number> = {};
  const problems: string[] = [];
  for (const t of tables)
    counts[t.name] = Number(
      (await store.get<{ n: number }>(`SELECT count(*) AS n FROM ${quoteIdentifier(t.name)}`))?.n,
    );
  for (const t of tables) {
    for (const fk of t.foreignKeys) {
      const join = fk.columns.map((c, i) => `p.${quoteIdentifier(fk.parentColumns[i] ?? c)} = c.${quoteIdentifier(c)}`);
      const notNull = fk.columns.map((c) => `c.${quoteIdentifier(c)} IS NOT NULL`);
      const orphans = Number(
        (
          await store.get<{ n: number }>(
            `SELECT count(*) AS n FROM ${quoteIdentifier(t.name)} c WHERE ${notNull.join(' AND ')} AND NOT EXISTS (SELECT 1 FROM ${quoteIdentifier(fk.parent)} p WHERE ${join.join(' AND ')})`,
          )
        )?.n,
      );
      if (orphans > 0)
        problems.push(`${t.name}.${fk.columns.join(',')}: ${orphans} rows refer to missing ${fk.parent} rows`);
    }
  }
  if (schemaVersion !== LATEST_SCHEMA_VERSION)
    problems.push(`schema v${schemaVersion}, this program expects v${LATEST_SCHEMA_VERSION}`);
  return { schemaVersion, counts, problems };
}
