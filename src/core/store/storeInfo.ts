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
