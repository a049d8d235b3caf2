/**
 * What "Store Info" shows, on either backend (issue 19): where the store is, its backend and schema version,
 * whether it is the demo store, and the record counts of {@link COUNTED_TABLES}. Facts that exist only for a
 * file (size, pages, lock) stay with {@link ./storeInfo.storeInfo} over the file engine.
 */
import { scalar } from './asyncQueries';
import type { AsyncStore, StoreBackend } from './asyncStore';
import { COUNTED_TABLES } from './storeInfo';

/** Backend-neutral facts and record counts of an open store. */
export interface StoreSummary {
  readonly backend: StoreBackend;
  /** a file path, or the PostgreSQL URL without password */
  readonly location: string;
  readonly schemaVersion: number;
  readonly readOnly: boolean;
  /** the `meta` row `demo = '1'` of a generated demo store */
  readonly demo: boolean;
  readonly counts: Readonly<Record<(typeof COUNTED_TABLES)[number], number>>;
}

/**
 * Reads {@link StoreSummary} with one dialect-neutral query per counted table.
 * @throws the backend's store errors (PostgreSQL: connection lost, permission …)
 */
export async function summarizeStore(db: AsyncStore): Promise<StoreSummary> {
  const counts = {} as Record<(typeof COUNTED_TABLES)[number], number>;
  for (const table of COUNTED_TABLES) counts[table] = Number((await scalar(db, `SELECT count(*) FROM ${table}`)) ?? 0);
  const demo = (await scalar(db, "SELECT value FROM meta WHERE key = 'demo'")) === '1';
  return {
    backend: db.backend,
    location: db.location,
    schemaVersion: await db.schemaVersion(),
    readOnly: db.readOnly,
    demo,
    counts,
  };
}
