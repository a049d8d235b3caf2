import { IxError, msg } from '../errors';
import type { AsyncStore } from '../store/asyncStore';
import { insertId, scalar } from '../store/asyncQueries';
import { validateLogin } from './auth';
import { hashPassword } from './password';

/** The first administrator can only be created in a store without users. */
export class StoreHasUsersError extends IxError {
  constructor() {
    super(
      'E_STORE_HAS_USERS',
      msg(
        'The store already has users; the first administrator is created only in an empty store. Sign in as an administrator to manage users.',
      ),
    );
  }
}

/** A password too weak for the first administrator. */
export class WeakPasswordError extends IxError {
  constructor() {
    super(
      'E_WEAK_PASSWORD',
      msg('The password of the administrator needs at least 8 characters. Choose a longer one.'),
    );
  }
}

/**
 * Creates the first administrator of a new, empty store (rights class S, role Administrator; domain.md §2.1
 * "admin"), so that somebody can sign in. Audited as done by the new user itself.
 * @returns the new user's id
 * @throws LoginFormatError, WeakPasswordError, StoreHasUsersError
 */
export async function createFirstAdmin(
  store: AsyncStore,
  login: string,
  password: string,
  now: Date = new Date(),
): Promise<number> {
  const name = validateLogin(login);
  if (password.length < 8) throw new WeakPasswordError();
  const hash = await hashPassword(password);
  return await store.transaction(async (tx) => {
    if (Number(await scalar(tx, 'SELECT count(*) FROM users')) > 0) throw new StoreHasUsersError();
    const id = await insertId(
      tx,
      "INSERT INTO users (login, short_code, last_name, first_name, rights_class, role, password_hash) VALUES (?, ?, 'Administrator', 'iX-Haus', 'S', 'Administrator', ?) RETURNING id",
      [name, name.slice(0, 10).toUpperCase(), hash],
    );
    await tx.run(
      "INSERT INTO audit_log (at, user_id, action, entity, entity_key, new_value) VALUES (?, ?, 'user.createFirstAdmin', 'user', ?, ?)",
      [now.toISOString(), id, name, JSON.stringify({ rightsClass: 'S', role: 'Administrator' })],
    );
    return id;
  });
}
