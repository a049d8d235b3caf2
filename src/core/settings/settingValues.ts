import type { Store } from '../store/database';

/** A stored setting value (one that differs from the catalogue default), global or for one user. */
export interface StoredSettingValue {
  /** Bereich */
  readonly area: string;
  /** Abschnitt */
  readonly section: string;
  readonly name: string;
  readonly value: string;
  /** null = global value */
  readonly userLogin: string | null;
  /** ISO-8601 UTC */
  readonly changedAt: string;
}

/** Lists stored setting values ordered by Bereich, Abschnitt, Name. */
export function listSettingValues(store: Store): StoredSettingValue[] {
  return store
    .all<{ area: string; section: string; name: string; value: string; login: string | null; changed_at: string }>(
      `SELECT s.area, s.section, s.name, s.value, u.login, s.changed_at
         FROM setting_values s LEFT JOIN users u ON u.id = s.user_id
        ORDER BY s.area, s.section, s.name, u.login`,
    )
    .map((r) => ({ area: r.area, section: r.section, name: r.name, value: r.value, userLogin: r.login, changedAt: r.changed_at }));
}
