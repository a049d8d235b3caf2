import type { AsyncStore, StoreBackend } from './asyncStore';
import { scalar } from './asyncQueries';
import type { Store, StoreFacts } from './database';

/** Tables counted by {@link storeInfo}, in display order. */
export const COUNTED_TABLES = [
  'users',
  'teams',
  'objects',
  'persons',
  'creditors',
  'owners',
  'phone_numbers',
  'meldungen',
  'auftraege',
  'technical_objects',
  'responsibilities',
  'setting_values',
  'licenses',
  'call_journal',
  'audit_log',
] as const;

/** Facts and record counts of a store, for `store info` and the UI. */
export interface StoreInfo extends StoreFacts {
  readonly demo: boolean;
  readonly counts: Readonly<Record<(typeof COUNTED_TABLES)[number], number>>;
}

/** Collects {@link StoreInfo}. */
export function storeInfo(store: Store): StoreInfo {
  const counts = {} as Record<(typeof COUNTED_TABLES)[number], number>;
  for (const table of COUNTED_TABLES) counts[table] = Number(store.scalar(`SELECT count(*) FROM ${table}`) ?? 0);
  return { ...store.facts(), demo: store.scalar("SELECT value FROM meta WHERE key = 'demo'") === '1', counts };
}

/** Facts of a store on either backend, for `store info URL` (issue 19: the same facts as for a file where they exist). */
export interface AsyncStoreInfo {
  readonly backend: StoreBackend;
  /** a file path, or the URL without password */
  readonly location: string;
  readonly schemaVersion: number;
  readonly demo: boolean;
  /** PostgreSQL: `pg_database_size` of the database (bytes; includes indexes and free space); file: page size × pages */
  readonly sizeBytes: number | undefined;
  /** PostgreSQL: `server_version`; undefined for a file */
  readonly serverVersion: string | undefined;
  readonly counts: Readonly<Record<(typeof COUNTED_TABLES)[number], number>>;
}

/** Collects {@link AsyncStoreInfo} through the asynchronous store interface. */
export async function asyncStoreInfo(store: AsyncStore): Promise<AsyncStoreInfo> {
  const counts = {} as Record<(typeof COUNTED_TABLES)[number], number>;
  for (const table of COUNTED_TABLES)
    counts[table] = Number((await scalar(store, `SELECT count(*) FROM ${table}`)) ?? 0);
  const demo = (await scalar(store, "SELECT value FROM meta WHERE key = 'demo'")) === '1';
  let sizeBytes: number | undefined;
  let serverVersion: string | undefined;
  if (store.backend === 'postgres') {
    sizeBytes = Number(await scalar(store, 'SELECT pg_database_size(current_database())'));
    serverVersion = String(await scalar(store, 'SHOW server_version'));
  } else {
    const pages = Number(await scalar(store, 'SELECT page_count FROM pragma_page_count()'));
    sizeBytes = pages * Number(await scalar(store, 'SELECT page_size FROM pragma_page_size()'));
  }
  return {
    backend: store.backend,
    location: store.location,
    schemaVersion: await store.schemaVersion(),
    demo,
    sizeBytes,
    serverVersion,
    counts,
  };
}
