import { IxError, msg } from '../errors';
import type { Store } from '../store/database';
import { verifyPassword } from './password';
import type { Actor, UserRole } from '../access/rights';

/** Wrong login or password. Deliberately the same for both, so that logins cannot be probed. */
export class SignInError extends IxError {
  constructor() {
    super('E_SIGN_IN', msg('Login or password is wrong. Check both (the password is case-sensitive) and try again.'));
  }
}

/** The user exists and the password is right, but the account is deactivated. */
export class UserInactiveError extends IxError {
  constructor(login: string) {
    super('E_USER_INACTIVE', msg('The user {0} is deactivated. An administrator can reactivate the account in the user management.'), [login]);
  }
}

/** Login longer than iX-Haus allows (8 characters, domain.md §2.1). */
export class LoginFormatError extends IxError {
  constructor() {
    super('E_LOGIN_FORMAT', msg('An iX-Haus login has 1 to 8 characters. Enter the login name, not the full name or e-mail address.'));
  }
}

interface UserRow extends Record<string, string | number | null> {
  id: number;
  login: string;
  first_name: string;
  last_name: string;
  rights_class: string;
  role: string;
  active: number;
  password_hash: string;
}

/** Validates a login as iX-Haus does (1–8 characters, no spaces). @throws LoginFormatError */
export function validateLogin(login: string): string {
  const trimmed = login.trim();
  if (trimmed.length < 1 || trimmed.length > 8 || /\s/.test(trimmed)) throw new LoginFormatError();
  return trimmed;
}

/**
 * Signs a user in against the store (product.md §1): login (case-insensitive) and password checked against the
 * salted scrypt hash. An unknown login costs as much time as a wrong password.
 * @returns the {@link Actor} for core service calls
 * @throws LoginFormatError, SignInError (unknown login or wrong password), UserInactiveError
 */
export async function signIn(store: Store, login: string, password: string): Promise<Actor> {
  const name = validateLogin(login);
  const row = store.get<UserRow>('SELECT id, login, first_name, last_name, rights_class, role, active, password_hash FROM users WHERE login = ?', [name]);
  // verify against a fixed dummy hash when the login is unknown, so both paths take the same time
  const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
  if (!row || !ok) throw new SignInError();
  if (row.active !== 1) throw new UserInactiveError(row.login);
  return {
    id: row.id,
    login: row.login,
    displayName: `${row.first_name} ${row.last_name}`.trim(),
    rightsClass: row.rights_class,
    role: row.role as UserRole,
  };
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
