/**
 * An administrator sets another user's (or their own) password for this suite (issue 22: users imported from a file
 * get the unusable hash `!imported` and cannot sign in until an administrator sets one). The password is hashed with
 * the suite's salted scrypt (password.ts, product.md §1); the store never sees it in clear, the audit log records
 * only that it was set. Administrators only (checked here).
 */
import { IxError, msg } from '../errors';
import type { Actor } from '../access/rights';
import { requireAdmin } from '../access/rights';
import type { AsyncStore } from '../store/asyncStore';
import { hashPassword } from './password';
import { requireUser } from './userService';

/** Minimum length of a password set here (as for the first administrator, bootstrap.ts). */
export const MIN_PASSWORD_LENGTH = 8;

/** The new password is too short. */
export class WeakNewPasswordError extends IxError {
  constructor() {
    super('E_WEAK_NEW_PASSWORD', msg('The new password needs at least {0} characters. Choose a longer one.'), [
      MIN_PASSWORD_LENGTH,
    ]);
  }
}

/** Result of {@link setUserPassword}. */
export interface SetPasswordResult {
  readonly login: string;
  /** the user had no usable password before (imported, `!imported`) */
  readonly hadNoPassword: boolean;
}

/**
 * Sets the password of `login` (hashed, scrypt). Audited as `user.password` (old/new value: `none`/`set` or
 * `set`/`set` — never the password or its hash).
 * @throws PermissionError (not an administrator), UnknownUserError, WeakNewPasswordError (nothing changed)
 */
export async function setUserPassword(
  store: AsyncStore,
  actor: Actor | undefined,
  login: string,
  password: string,
  now: Date = new Date(),
): Promise<SetPasswordResult> {
  requireAdmin(actor, 'set passwords of users');
  if (password.length < MIN_PASSWORD_LENGTH) throw new WeakNewPasswordError();
  const hash = await hashPassword(password);
  return store.transaction(async (tx) => {
    await tx.lock(`user:${login.toLowerCase()}`);
    const user = await requireUser(tx, login);
    const row = await tx.get<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = ?', [user.id]);
    const hadNoPassword = !(row?.password_hash ?? '').startsWith('scrypt$');
    await tx.run('UPDATE users SET password_hash = ? WHERE id = ?', [hash, user.id]);
    await tx.run(
      "INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value) VALUES (?, ?, 'user.password', 'user', ?, ?, 'set')",
      [now.toISOString(), actor.id, user.login, hadNoPassword ? 'none' : 'set'],
    );
    return { login: user.login, hadNoPassword };
  });
}
