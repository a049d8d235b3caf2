import { IxError, msg } from '../errors';
import type { AsyncQueryable, AsyncStore } from '../store/asyncStore';
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
    super(
      'E_USER_INACTIVE',
      msg('The user {0} is deactivated. An administrator can reactivate the account in the user management.'),
      [login],
    );
  }
}

/** Login longer than iX-Haus allows (8 characters, domain.md §2.1). */
export class LoginFormatError extends IxError {
  constructor() {
    super(
      'E_LOGIN_FORMAT',
      msg('An iX-Haus login has 1 to 8 characters. Enter the login name, not the full name or e-mail address.'),
    );
  }
}

interface ActorRow extends Record<string, string | number | null> {
  id: number;
  login: string;
  first_name: string;
  last_name: string;
  rights_class: string;
  role: string;
  active: number;
}

interface UserRow extends ActorRow {
  password_hash: string;
}

/** Validates a login as iX-Haus does (1–8 characters, no spaces). @throws LoginFormatError */
export function validateLogin(login: string): string {
  const trimmed = login.trim();
  if (trimmed.length < 1 || trimmed.length > 8 || /\s/.test(trimmed)) throw new LoginFormatError();
  return trimmed;
}

/** Too many failed sign-ins for this login: refused without checking the password until `until`. */
export class SignInThrottledError extends IxError {
  /** when the next attempt is allowed (ISO-8601 UTC) */
  readonly until: string;
  constructor(login: string, until: Date, seconds: number) {
    super(
      'E_SIGN_IN_THROTTLED',
      msg(
        'Too many failed sign-ins for the login {0}: the next attempt is possible in {1} seconds ({2} UTC). Check the login and the password (it is case-sensitive); an administrator can set a new password.',
      ),
      [login, seconds, until.toISOString().slice(0, 19).replace('T', ' ')],
    );
    this.until = until.toISOString();
  }
}

/** Failed sign-ins of one login that cost nothing; from the next one on the login waits (product decision, issue 15). */
export const FREE_FAILED_SIGN_INS = 4;
/** The first wait (ms) after {@link FREE_FAILED_SIGN_INS} failures; it doubles with every further failure. */
export const FIRST_SIGN_IN_DELAY_MS = 30_000;
/** The longest wait (ms). */
export const MAX_SIGN_IN_DELAY_MS = 15 * 60_000;
/** A login's failures are forgotten after this long without a new one (ms). */
export const SIGN_IN_FAILURES_FORGOTTEN_MS = 24 * 3600_000;

/** Where a sign-in came from, recorded in its audit row. */
export type SignInChannel = 'cli' | 'vscode' | 'service';

/** Options of {@link signIn}. */
export interface SignInOptions {
  /** the time (default now) */
  readonly now?: Date;
  /** recorded in the audit row (default 'vscode') */
  readonly channel?: SignInChannel;
}

/** The wait (ms) after `failures` failed sign-ins in a row: 0 up to {@link FREE_FAILED_SIGN_INS}, then 30 s, 60 s … 15 min. */
export function signInDelayMs(failures: number): number {
  if (failures < FREE_FAILED_SIGN_INS) return 0;
  return Math.min(MAX_SIGN_IN_DELAY_MS, FIRST_SIGN_IN_DELAY_MS * 2 ** Math.min(failures - FREE_FAILED_SIGN_INS, 20));
}

interface Attempts {
  failures: number;
  lockedUntil: number;
}

/**
 * Failed attempts of stores that cannot record them (opened read-only): kept for the life of this process, so
 * that a read-only window is throttled too.
 */
const unrecorded = new WeakMap<AsyncStore, Map<string, Attempts>>();

async function storedAttempts(store: AsyncStore, login: string, now: number): Promise<Attempts> {
  const row = await store.get<{ failures: number; last_failure_at: string; locked_until: string | null }>(
    'SELECT failures, last_failure_at, locked_until FROM sign_in_attempts WHERE login = ?',
    [login],
  );
  const stored =
    row && now - Date.parse(row.last_failure_at) < SIGN_IN_FAILURES_FORGOTTEN_MS
      ? { failures: row.failures, lockedUntil: row.locked_until ? Date.parse(row.locked_until) : 0 }
      : { failures: 0, lockedUntil: 0 };
  const memory = unrecorded.get(store)?.get(login.toLowerCase());
  return memory && memory.failures > stored.failures ? memory : stored;
}

/** Records a sign-in in the audit log (never the password), inside the caller's transaction. */
async function audit(
  store: AsyncQueryable,
  at: Date,
  userId: number | null,
  login: string,
  action: 'sign-in' | 'sign-in.failed' | 'sign-in.refused',
  detail: Record<string, string | number>,
): Promise<void> {
  await store.run(
    'INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value) VALUES (?, ?, ?, ?, ?, NULL, ?)',
    [at.toISOString(), userId, action, 'user', login, JSON.stringify(detail)],
  );
}

/**
 * Signs a user in against the store (product.md §1): login (case-insensitive) and password checked against the
 * salted scrypt hash. An unknown login costs as much time as a wrong password. Issue 15:
 * - throttled per login (also unknown ones, so that the throttle does not tell which exist): after
 *   {@link FREE_FAILED_SIGN_INS} failures in a row the login waits 30 s, doubling per further failure up to
 *   15 min, and an attempt during the wait is refused without checking the password. The count is kept in the
 *   store (table `sign_in_attempts`) and saved at once, so a new process does not reset it; a success resets it.
 * - every attempt — success, failure, refusal — gets an audit row (`sign-in`, `sign-in.failed`,
 *   `sign-in.refused`; entity `user`, key = the login; never the password). A failure is saved at once, a
 *   success with the caller's next save.
 * @returns the {@link Actor} for core service calls
 * @throws LoginFormatError, SignInThrottledError, SignInError (unknown login or wrong password), UserInactiveError
 */
export async function signIn(
  store: AsyncStore,
  login: string,
  password: string,
  options: SignInOptions = {},
): Promise<Actor> {
  const name = validateLogin(login);
  const now = options.now ?? new Date();
  const channel = options.channel ?? 'vscode';
  const attempts = await storedAttempts(store, name, now.getTime());
  if (attempts.lockedUntil > now.getTime()) {
    const seconds = Math.ceil((attempts.lockedUntil - now.getTime()) / 1000);
    if (!store.readOnly)
      await store.transaction((tx) =>
        audit(tx, now, null, name, 'sign-in.refused', {
          channel,
          reason: 'throttled',
          failures: attempts.failures,
          waitSeconds: seconds,
        }),
      );
    throw new SignInThrottledError(name, new Date(attempts.lockedUntil), seconds);
  }
  const row = await store.get<UserRow>(
    'SELECT id, login, first_name, last_name, rights_class, role, active, password_hash FROM users WHERE login = ?',
    [name],
  );
  // verify against a fixed dummy hash when the login is unknown, so both paths take the same time
  const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
  if (!row || !ok) {
    const failures = attempts.failures + 1;
    const delay = signInDelayMs(failures);
    const lockedUntil = delay > 0 ? now.getTime() + delay : 0;
    if (store.readOnly) {
      const map = unrecorded.get(store) ?? new Map<string, Attempts>();
      map.set(name.toLowerCase(), { failures, lockedUntil });
      unrecorded.set(store, map);
    } else {
      await store.transaction(async (tx) => {
        await tx.run('DELETE FROM sign_in_attempts WHERE last_failure_at < ?', [
          new Date(now.getTime() - SIGN_IN_FAILURES_FORGOTTEN_MS).toISOString(),
        ]);
        await tx.run(
          `INSERT INTO sign_in_attempts (login, failures, last_failure_at, locked_until) VALUES (?, ?, ?, ?)
           ON CONFLICT (login) DO UPDATE SET login = excluded.login, failures = excluded.failures,
             last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until`,
          [name, failures, now.toISOString(), lockedUntil ? new Date(lockedUntil).toISOString() : null],
        );
        await audit(tx, now, row?.id ?? null, name, 'sign-in.failed', {
          channel,
          reason: 'wrong login or password',
          failures,
          ...(delay > 0 ? { waitSeconds: delay / 1000 } : {}),
        });
      });
    }
    throw new SignInError();
  }
  if (row.active !== 1) {
    if (!store.readOnly)
      await store.transaction((tx) =>
        audit(tx, now, row.id, name, 'sign-in.refused', { channel, reason: 'user deactivated' }),
      );
    throw new UserInactiveError(row.login);
  }
  unrecorded.get(store)?.delete(name.toLowerCase());
  if (!store.readOnly) {
    // a successful sign-in is saved soon, not at once (a failure is saved at once: the next CLI run must see it)
    await store.transaction(
      async (tx) => {
        await tx.run('DELETE FROM sign_in_attempts WHERE login = ?', [name]);
        await audit(tx, now, row.id, row.login, 'sign-in', { channel });
      },
      { deferSave: true },
    );
  }
  return actorOf(row);
}

function actorOf(row: ActorRow): Actor {
  return {
    id: row.id,
    login: row.login,
    displayName: `${row.first_name} ${row.last_name}`.trim(),
    rightsClass: row.rights_class,
    role: row.role as UserRole,
  };
}

/**
 * Resumes a sign-in kept while another store was open (issue 20: the sign-in belongs to the customer system, and
 * switching back within the window keeps it). The user is read again, so that what changed meanwhile counts: a
 * removed or deactivated user, or another user under that login, gives undefined (sign in again); a changed role or
 * rights class is taken. No password is checked and no audit row written — the sign-in itself was audited.
 * @returns the current {@link Actor}, or undefined when the kept sign-in no longer holds
 */
export async function resumeSignIn(store: AsyncQueryable, kept: Actor): Promise<Actor | undefined> {
  const row = await store.get<ActorRow>(
    'SELECT id, login, first_name, last_name, rights_class, role, active FROM users WHERE id = ?',
    [kept.id],
  );
  if (!row || row.active !== 1 || row.login.toLowerCase() !== kept.login.toLowerCase()) return undefined;
  return actorOf(row);
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
