import { ChangedMeanwhileError, IxError, PermissionError, msg } from '../errors';
import { unlockModuleIn } from '../license/licenseService';
import { requireSetting, settingState } from '../settings/settingsService';
import type { AsyncQueryable, AsyncStore } from '../store/asyncStore';
import { scalar } from '../store/asyncQueries';
import { USER_ROLES, requireAdmin } from '../access/rights';
import type { Actor, UserRole } from '../access/rights';

/** Built-in users that are never listed as uncoupled (domain.md §2.2). */
export const BUILT_IN_LOGINS = ['admin', 'ncrem'] as const;

export class UnknownUserError extends IxError {
  constructor(login: string) {
    super(
      'E_USER_UNKNOWN',
      msg('There is no user "{0}". Check the login (at most 8 characters) in the Modules & Users view.'),
      [login],
    );
  }
}

export class InactiveUserError extends IxError {
  constructor(login: string) {
    super(
      'E_USER_INACTIVE_UNLOCK',
      msg('{0} is deactivated; modules are unlocked only for active users. Reactivate the user first.'),
      [login],
    );
  }
}

export class SelfLockoutError extends IxError {
  constructor(what: string) {
    super(
      'E_USER_SELF_LOCKOUT',
      msg(
        'You cannot {0} your own account: the store would lose the administrator who is signed in. Ask another administrator.',
      ),
      [what],
    );
  }
}

export class UnknownRoleError extends IxError {
  constructor(role: string) {
    super('E_USER_ROLE', msg('"{0}" is not a role. Roles: {1}.'), [role, USER_ROLES.join(', ')]);
  }
}

export class CtiOffError extends IxError {
  constructor() {
    super(
      'E_CTI_OFF',
      msg(
        'CTI is switched off (system setting PlusGlobalCTIKopplungAktiv), so no CTI line can be chosen. An administrator turns CTI on first.',
      ),
    );
  }
}

interface UserRow extends Record<string, string | number | null> {
  id: number;
  login: string;
  active: number;
  coupled: number;
  role: string;
}

/** Finds a user by login (case-insensitive). @throws UnknownUserError */
export async function requireUser(store: AsyncQueryable, login: string): Promise<UserRow> {
  const row = await store.get<UserRow>('SELECT id, login, active, coupled, role FROM users WHERE login = ?', [
    login.trim(),
  ]);
  if (!row) throw new UnknownUserError(login);
  return row;
}

async function audit(
  store: AsyncQueryable,
  actor: Actor,
  action: string,
  user: UserRow,
  oldValue: string | null,
  newValue: string,
  now: Date,
): Promise<void> {
  await store.run(
    "INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value) VALUES (?, ?, ?, 'user', ?, ?, ?)",
    [now.toISOString(), actor.id, action, user.login, oldValue, newValue],
  );
}

/**
 * Unlocks a module for a user (admins): refused for deactivated users and beyond the licensed seats. An active,
 * uncoupled user is coupled with iX-Haus plus on the first plus module, as iX-Haus does (domain.md §2.2).
 * @returns whether the user was coupled by this unlock
 * @throws PermissionError, UnknownUserError, InactiveUserError, ModuleNotLicensedError, SeatsExceededError
 */
export async function unlockModuleFor(
  store: AsyncStore,
  actor: Actor,
  login: string,
  code: string,
  now: Date = new Date(),
): Promise<{ coupled: boolean }> {
  requireAdmin(actor, 'unlock modules for users');
  return await store.transaction(async (tx) => {
    const user = await requireUser(tx, login);
    if (user.active !== 1) throw new InactiveUserError(user.login);
    await unlockModuleIn(tx, actor, user.id, code, now);
    if (user.coupled === 1) return { coupled: false };
    await tx.run('UPDATE users SET coupled = 1 WHERE id = ?', [user.id]);
    await audit(tx, actor, 'user.couple', user, 'uncoupled', 'coupled', now);
    return { coupled: true };
  });
}

/** Changes a user's Benutzerrolle (admins; not one's own). Audited. */
export async function changeRole(
  store: AsyncStore,
  actor: Actor,
  login: string,
  role: string,
  now: Date = new Date(),
  /** the role the change was based on (what the admin saw): refused when it differs meanwhile */
  expectedRole?: string,
): Promise<void> {
  requireAdmin(actor, 'change user roles');
  if (!(USER_ROLES as readonly string[]).includes(role)) throw new UnknownRoleError(role);
  await store.transaction(async (tx) => {
    await tx.lock(`user:${login.toLowerCase()}`);
    const user = await requireUser(tx, login);
    if (user.id === actor.id) throw new SelfLockoutError('change the role of');
    if (expectedRole !== undefined && user.role !== expectedRole)
      throw new ChangedMeanwhileError(`The role of ${user.login}`, user.role);
    if (user.role === role) return;
    await tx.run('UPDATE users SET role = ? WHERE id = ?', [role as UserRole, user.id]);
    await audit(tx, actor, 'user.role', user, user.role, role, now);
  });
}

/**
 * Deactivates (or reactivates) a user — never deletes: leavers are deactivated so their history stays
 * (domain.md §2.1). A deactivated user frees their license seats. Admins only; not oneself.
 */
export async function setActive(
  store: AsyncStore,
  actor: Actor,
  login: string,
  active: boolean,
  now: Date = new Date(),
): Promise<void> {
  requireAdmin(actor, active ? 'reactivate users' : 'deactivate users');
  await store.transaction(async (tx) => {
    await tx.lock(`user:${login.toLowerCase()}`);
    const user = await requireUser(tx, login);
    if (user.id === actor.id && !active) throw new SelfLockoutError('deactivate');
    if ((user.active === 1) === active) return;
    await tx.run('UPDATE users SET active = ? WHERE id = ?', [active ? 1 : 0, user.id]);
    await audit(
      tx,
      actor,
      active ? 'user.activate' : 'user.deactivate',
      user,
      user.active === 1 ? 'active' : 'inactive',
      active ? 'active' : 'inactive',
      now,
    );
  });
}

/** "Meine Daten" of a user (domain.md §2.3). */
export interface MyData {
  readonly ctiLine: string | null;
  /** CTI is on (PlusGlobalCTIKopplungAktiv): only then can a line be chosen */
  readonly ctiEnabled: boolean;
}

/** Reads Meine Daten of a user. */
export async function myData(store: AsyncQueryable, userId: number): Promise<MyData> {
  const line = await scalar(store, 'SELECT cti_line FROM users WHERE id = ?', [userId]);
  return {
    ctiLine: typeof line === 'string' ? line : null,
    ctiEnabled: (await settingState(store, requireSetting('PlusGlobalCTIKopplungAktiv'))).value === '1',
  };
}

/**
 * Sets the user's own CTI line (Meine Daten, domain.md §2.3): only for oneself — an administrator cannot set it for
 * another user — and only while CTI is on. Empty clears it. Audited.
 * @throws PermissionError (another user), CtiOffError
 */
export async function setOwnCtiLine(
  store: AsyncStore,
  actor: Actor,
  forLogin: string,
  line: string,
  now: Date = new Date(),
): Promise<void> {
  const user = await requireUser(store, forLogin);
  if (user.id !== actor.id)
    throw new PermissionError(
      `choose the CTI line of ${user.login}`,
      'that user themselves (Meine Daten): every user picks their own line',
    );
  if (!(await myData(store, actor.id)).ctiEnabled) throw new CtiOffError();
  const value = line.trim();
  if (value.length > 60) throw new IxError('E_CTI_LINE', msg('A CTI line name has at most 60 characters.'));
  await store.transaction(async (tx) => {
    const old = await scalar(tx, 'SELECT cti_line FROM users WHERE id = ?', [user.id]);
    await tx.run('UPDATE users SET cti_line = ? WHERE id = ?', [value === '' ? null : value, user.id]);
    await audit(tx, actor, 'user.ctiLine', user, typeof old === 'string' ? old : null, value, now);
  });
}

/** Active users not coupled with iX-Haus plus, without the built-in `admin` and `ncrem` (domain.md §2.2). */
export async function uncoupledUsers(store: AsyncQueryable): Promise<string[]> {
  return (
    await store.query<{ login: string }>('SELECT login FROM users WHERE active = 1 AND coupled = 0 ORDER BY login')
  )
    .map((r) => r.login)
    .filter((login) => !(BUILT_IN_LOGINS as readonly string[]).includes(login.toLowerCase()));
}
