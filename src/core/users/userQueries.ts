import type { AsyncQueryable } from '../store/asyncStore';
import type { UserRole } from '../access/rights';

/** A user as listed in "Module & Benutzer" (no password hash ever leaves the store layer). */
export interface UserSummary {
  readonly id: number;
  readonly login: string;
  /** Kürzel */
  readonly shortCode: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly rightsClass: string;
  readonly role: UserRole;
  readonly active: boolean;
  readonly coupled: boolean;
  /** internal telephone extension (Nebenstelle), if any — what the caller lookup finds for internal numbers */
  readonly extension: string | null;
  /** module codes unlocked for this user */
  readonly modules: readonly string[];
}

/** Lists all users ordered by login, with their unlocked modules. */
export async function listUsers(store: AsyncQueryable): Promise<UserSummary[]> {
  const modules = new Map<number, string[]>();
  for (const row of await store.query<{ user_id: number; module_code: string }>(
    'SELECT user_id, module_code FROM user_modules ORDER BY module_code',
  )) {
    const list = modules.get(row.user_id) ?? [];
    list.push(row.module_code);
    modules.set(row.user_id, list);
  }
  return (
    await store.query<{
      id: number;
      login: string;
      short_code: string;
      first_name: string;
      last_name: string;
      rights_class: string;
      role: string;
      active: number;
      coupled: number;
      extension: string | null;
    }>(
      'SELECT id, login, short_code, first_name, last_name, rights_class, role, active, coupled, extension FROM users ORDER BY login',
    )
  ).map((u) => ({
    id: u.id,
    login: u.login,
    shortCode: u.short_code,
    firstName: u.first_name,
    lastName: u.last_name,
    rightsClass: u.rights_class,
    role: u.role as UserRole,
    active: u.active === 1,
    coupled: u.coupled === 1,
    extension: u.extension,
    modules: modules.get(u.id) ?? [],
  }));
}

/** Each user's own CTI line (Meine Daten), by user id; null when none is picked. */
export async function userCtiLines(store: AsyncQueryable): Promise<Map<number, string | null>> {
  return new Map(
    (await store.query<{ id: number; cti_line: string | null }>('SELECT id, cti_line FROM users')).map((r) => [
      r.id,
      r.cti_line,
    ]),
  );
}
