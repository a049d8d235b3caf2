import { IxError, msg } from '../errors';
import { licensedSeats } from '../license/licenseService';
import type { AsyncQueryable, AsyncStore } from '../store/asyncStore';
import { scalar } from '../store/asyncQueries';
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
export async function canAccess(
  store: AsyncQueryable,
  userId: number,
  moduleCode: string,
  list?: string,
  now: Date = new Date(),
): Promise<{ allowed: boolean; reason: AccessReason }> {
  const user = await store.get<{ active: number; rights_class: string }>(
    'SELECT active, rights_class FROM users WHERE id = ?',
    [userId],
  );
  if (!user || user.active !== 1) return { allowed: false, reason: 'inactive' };
  const licensed = await licensedSeats(store, moduleCode, now);
  if (!licensed || licensed.seats === 0) return { allowed: false, reason: 'not-licensed' };
  if (
    (await scalar(store, 'SELECT 1 FROM user_modules WHERE user_id = ? AND module_code = ?', [userId, moduleCode])) ===
    undefined
  )
    return { allowed: false, reason: 'not-unlocked' };
  if (user.rights_class === 'S') return { allowed: true, reason: 'allowed' };
  if (list) {
    const own = await scalar(
      store,
      'SELECT allowed FROM program_rights WHERE rights_class = ? AND module_code = ? AND list = ?',
      [user.rights_class, moduleCode, list],
    );
    if (own !== undefined)
      return own === 1 ? { allowed: true, reason: 'allowed' } : { allowed: false, reason: 'denied-list' };
  }
  const moduleRight = await scalar(
    store,
    "SELECT allowed FROM program_rights WHERE rights_class = ? AND module_code = ? AND list = ''",
    [user.rights_class, moduleCode],
  );
  return moduleRight === 0 ? { allowed: false, reason: 'denied-module' } : { allowed: true, reason: 'allowed' };
}

/** A program right as stored: allow or deny a rights class a module (`list` = '') or one list inside it. */
export interface ProgramRight {
  /** Benutzerklasse, one letter A–Z except S (domain.md §2.4) */
  readonly rightsClass: string;
  readonly moduleCode: string;
  /** the module's name from the installed license, or the code when no license names it */
  readonly moduleName: string;
  /** '' = the module itself; otherwise the list (menu item) inside the module */
  readonly list: string;
  readonly allowed: boolean;
}

/** What a rights class gets for a module or list: allow, deny, or no own row (inherit; domain.md §2.4). */
export type RightSetting = 'allow' | 'deny' | 'inherit';

/** The longest list name accepted (iX-Haus menu items are short captions). */
export const MAX_LIST_NAME_LENGTH = 80;

/** A program-right input is invalid; `code` says which part (class, module or list) and the text says the fix. */
export class ProgramRightInputError extends IxError {}

/** The actual change {@link setProgramRight} made (`changed` false: the right had that setting already, nothing written). */
export interface ProgramRightChange {
  readonly rightsClass: string;
  readonly moduleCode: string;
  readonly list: string;
  readonly oldSetting: RightSetting;
  readonly newSetting: RightSetting;
  readonly changed: boolean;
}

const settingOf = (allowed: unknown): RightSetting =>
  allowed === undefined || allowed === null ? 'inherit' : allowed === 1 || allowed === true ? 'allow' : 'deny';

/** Module codes and names that program rights may name: every module of an installed license (also expired ones). */
export async function rightsModules(store: AsyncQueryable): Promise<{ code: string; name: string }[]> {
  return await store.query<{ code: string; name: string }>(
    'SELECT code, min(name) AS name FROM license_modules GROUP BY code ORDER BY code',
  );
}

/** The rights classes in use: by users (with their count) or by stored rights, A–Z; class S is never listed (it reaches everything). */
export async function rightsClassesInUse(
  store: AsyncQueryable,
): Promise<{ rightsClass: string; users: number; rights: number }[]> {
  return await store.query<{ rightsClass: string; users: number; rights: number }>(
    `SELECT c AS "rightsClass",
            (SELECT count(*) FROM users u WHERE u.rights_class = c AND u.active = 1) AS users,
            (SELECT count(*) FROM program_rights p WHERE p.rights_class = c) AS rights
       FROM (SELECT rights_class AS c FROM users UNION SELECT rights_class FROM program_rights) AS used
      WHERE c <> 'S' ORDER BY c`,
  );
}

/**
 * The stored program rights, ordered by class, module, list (module rows first). Filters are exact codes.
 * Rows that do not exist inherit: the module's right for a list, "allowed" for a module (domain.md §2.1, §2.4).
 */
export async function listProgramRights(
  store: AsyncQueryable,
  filter: { rightsClass?: string; moduleCode?: string } = {},
): Promise<ProgramRight[]> {
  return (
    await store.query<{
      rights_class: string;
      module_code: string;
      name: string | null;
      list: string;
      allowed: number;
    }>(
      `SELECT p.rights_class, p.module_code, (SELECT min(m.name) FROM license_modules m WHERE m.code = p.module_code) AS name, p.list, p.allowed
         FROM program_rights p
        WHERE (CAST(? AS TEXT) IS NULL OR p.rights_class = ?) AND (CAST(? AS TEXT) IS NULL OR p.module_code = ?)
        ORDER BY p.rights_class, p.module_code, p.list`,
      [filter.rightsClass ?? null, filter.rightsClass ?? null, filter.moduleCode ?? null, filter.moduleCode ?? null],
    )
  ).map((r) => ({
    rightsClass: r.rights_class,
    moduleCode: r.module_code,
    moduleName: r.name ?? r.module_code,
    list: r.list,
    allowed: r.allowed === 1,
  }));
}

/** The current setting of one right (no row = inherit). */
export async function programRightSetting(
  store: AsyncQueryable,
  rightsClass: string,
  moduleCode: string,
  list: string,
): Promise<RightSetting> {
  return settingOf(
    await scalar(store, 'SELECT allowed FROM program_rights WHERE rights_class = ? AND module_code = ? AND list = ?', [
      rightsClass,
      moduleCode,
      list,
    ]),
  );
}

/**
 * Checks and normalises the parts of a program right: class one letter A–Z (upper-cased) and not S, module code
 * (upper-cased) of an installed license — or, to clear a right, one that has a stored row — and a list name
 * (trimmed, '' = the module) of at most {@link MAX_LIST_NAME_LENGTH} printable characters.
 * @throws ProgramRightInputError (E_RIGHTS_CLASS, E_RIGHTS_CLASS_S, E_RIGHTS_MODULE, E_RIGHTS_LIST)
 */
export async function normalizeProgramRight(
  store: AsyncQueryable,
  rightsClass: string,
  moduleCode: string,
  list: string,
  clearing: boolean,
): Promise<{ rightsClass: string; moduleCode: string; list: string }> {
  const cls = rightsClass.trim().toUpperCase();
  if (!/^[A-Z]$/.test(cls))
    throw new ProgramRightInputError(
      'E_RIGHTS_CLASS',
      msg('"{0}" is not a rights class. A rights class (Benutzerklasse) is one letter A–Z, e.g. A.'),
      [rightsClass],
    );
  if (cls === 'S')
    throw new ProgramRightInputError(
      'E_RIGHTS_CLASS_S',
      msg(
        'Rights class S reaches every licensed and unlocked module; program rights do not apply to it. Choose another class.',
      ),
    );
  const code = moduleCode.trim().toUpperCase();
  const known = (await scalar(store, 'SELECT 1 FROM license_modules WHERE code = ?', [code])) !== undefined;
  const stored =
    clearing &&
    (await scalar(store, 'SELECT 1 FROM program_rights WHERE rights_class = ? AND module_code = ?', [cls, code])) !==
      undefined;
  if (!known && !stored) {
    const codes = (await rightsModules(store)).map((m) => m.code);
    throw new ProgramRightInputError(
      'E_RIGHTS_MODULE',
      msg('The module {0} is in no installed license. Use one of: {1}.'),
      [code || '""', codes.join(', ') || '–'],
    );
  }
  const name = list.trim();
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (name.length > MAX_LIST_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new ProgramRightInputError(
      'E_RIGHTS_LIST',
      msg('The list name must be at most {0} characters on one line. Use the caption of the list as iX-Haus shows it.'),
      [MAX_LIST_NAME_LENGTH],
    );
  }
  return { rightsClass: cls, moduleCode: code, list: name };
}

/**
 * Sets (allowed true/false) or removes (null: inherit) a program right of a rights class for a module (`list` '')
 * or a list inside it (domain.md §2.4). Admins only (checked here); inputs checked by {@link normalizeProgramRight};
 * the change and its audit row (`rights.set`, old → new as allow/deny/inherit) are written in one transaction, and
 * nothing is written when the right already has that setting. The caller saves the store.
 * @throws PermissionError, ProgramRightInputError
 */
export async function setProgramRight(
  store: AsyncStore,
  actor: Actor,
  rightsClass: string,
  moduleCode: string,
  list: string,
  allowed: boolean | null,
  now: Date = new Date(),
): Promise<ProgramRightChange> {
  requireAdmin(actor, 'change program rights');
  const right = await normalizeProgramRight(store, rightsClass, moduleCode, list, allowed === null);
  const newSetting = settingOf(allowed);
  return await store.transaction(async (tx) => {
    const oldSetting = await programRightSetting(tx, right.rightsClass, right.moduleCode, right.list);
    if (oldSetting === newSetting) return { ...right, oldSetting, newSetting, changed: false };
    await tx.run('DELETE FROM program_rights WHERE rights_class = ? AND module_code = ? AND list = ?', [
      right.rightsClass,
      right.moduleCode,
      right.list,
    ]);
    if (allowed !== null)
      await tx.run('INSERT INTO program_rights (rights_class, module_code, list, allowed) VALUES (?, ?, ?, ?)', [
        right.rightsClass,
        right.moduleCode,
        right.list,
        allowed ? 1 : 0,
      ]);
    await tx.run(
      "INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value) VALUES (?, ?, 'rights.set', 'program_right', ?, ?, ?)",
      [now.toISOString(), actor.id, `${right.rightsClass}/${right.moduleCode}/${right.list}`, oldSetting, newSetting],
    );
    return { ...right, oldSetting, newSetting, changed: true };
  });
}
