import { licensedSeats } from '../license/licenseService';
import type { Store } from '../store/database';
import { requireAdmin } from '../access/rights';
import type { Actor } from '../access/rights';

/** Why access was granted or refused (for messages and support). */
export type AccessReason = 'allowed' | 'not-licensed' | 'not-unlocked' | 'inactive' | 'denied-module' | 'denied-list';

/**
 * May a user use a module, or one list inside it (domain.md §2.2, §2.4)? All of: the user is active; the module is
 * in a valid installed license; it is unlocked for the user; and the program rights of the user's rights class allow
 * it — a list's own right overrides the module's, the module's right is inherited by its lists, and without any row
 * access is allowed (new users are unrestricted, domain.md §2.1). Class S reaches everything licensed and unlocked.
 * The core check every feature calls before it acts (permissions are enforced in core, not by hiding UI).
 */
export function canAccess(store: Store, userId: number, moduleCode: string, list?: string, now: Date = new Date()): { allowed: boolean; reason: AccessReason } {
  const user = store.get<{ active: number; rights_class: string }>('SELECT active, rights_class FROM users WHERE id = ?', [userId]);
  if (!user || user.active !== 1) return { allowed: false, reason: 'inactive' };
  const licensed = licensedSeats(store, moduleCode, now);
  if (!licensed || licensed.seats === 0) return { allowed: false, reason: 'not-licensed' };
  if (store.scalar('SELECT 1 FROM user_modules WHERE user_id = ? AND module_code = ?', [userId, moduleCode]) === undefined) return { allowed: false, reason: 'not-unlocked' };
  if (user.rights_class === 'S') return { allowed: true, reason: 'allowed' };
  if (list) {
    const own = store.scalar('SELECT allowed FROM program_rights WHERE rights_class = ? AND module_code = ? AND list = ?', [user.rights_class, moduleCode, list]);
    if (own !== undefined) return own === 1 ? { allowed: true, reason: 'allowed' } : { allowed: false, reason: 'denied-list' };
  }
  const moduleRight = store.scalar("SELECT allowed FROM program_rights WHERE rights_class = ? AND module_code = ? AND list = ''", [user.rights_class, moduleCode]);
  return moduleRight === 0 ? { allowed: false, reason: 'denied-module' } : { allowed: true, reason: 'allowed' };
}

/**
 * Sets (allowed true/false) or removes (null: inherit) a program right of a rights class for a module or a list.
 * Admins only; audited. The caller saves the store.
 */
export function setProgramRight(store: Store, actor: Actor, rightsClass: string, moduleCode: string, list: string, allowed: boolean | null, now: Date = new Date()): void {
  requireAdmin(actor, 'change program rights');
  store.transaction(() => {
    const old = store.scalar('SELECT allowed FROM program_rights WHERE rights_class = ? AND module_code = ? AND list = ?', [rightsClass, moduleCode, list]);
    store.run('DELETE FROM program_rights WHERE rights_class = ? AND module_code = ? AND list = ?', [rightsClass, moduleCode, list]);
    if (allowed !== null) store.run('INSERT INTO program_rights (rights_class, module_code, list, allowed) VALUES (?, ?, ?, ?)', [rightsClass, moduleCode, list, allowed ? 1 : 0]);
    const text = (v: unknown): string => (v === undefined || v === null ? 'inherit' : v === 1 || v === true ? 'allow' : 'deny');
    store.run("INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value) VALUES (?, ?, 'rights.set', 'program_right', ?, ?, ?)", [now.toISOString(), actor.id, `${rightsClass}/${moduleCode}/${list}`, text(old), text(allowed)]);
  });
}
