/**
 * Reading the audit log (DESIGN.md §4 "Every admin change writes an `audit_log` row (who, when, what, old → new)";
 * README: alerts, claims, settings, transfers, imports, sign-ins are audited): the rows, newest first, filtered by
 * action prefix, time and acting user. Administrators only, like the other admin reads (import and transfer
 * history). Dialect-neutral SQL (asyncStore.ts), so it runs on the file store and on PostgreSQL alike.
 *
 * Audit rows hold no secrets (every writer stores names, states and non-secret settings only); as a second line of
 * defence the values are passed through {@link redactAuditValue} before they leave the core.
 */
import type { Actor } from '../access/rights';
import { requireAdmin } from '../access/rights';
import { IxError, msg } from '../errors';
import type { AsyncQueryable } from '../store/asyncStore';

/** One audit row. `at` is ISO-8601 UTC text as stored. */
export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  /** login of the acting user; null for the system (alert claims of `serve`, the scheduler) or a removed user */
  readonly login: string | null;
  /** dotted action name, e.g. `setting.set`, `mail.settings`, `responsible.transfer`, `sign-in.failed` */
  readonly action: string;
  readonly entity: string;
  readonly entityKey: string | null;
  readonly oldValue: string | null;
  readonly newValue: string | null;
  /** transfer or import batch the row belongs to */
  readonly batchId: string | null;
}

/** Filters of {@link listAuditEntries}. */
export interface AuditQuery {
  /** only actions starting with this text (case-insensitive), e.g. `mail.` or `sign-in` */
  readonly actionPrefix?: string;
  /** only rows at or after this instant */
  readonly since?: Date;
  /** only rows of this acting user (login, case-insensitive) */
  readonly login?: string;
  /** at most this many rows (default 50; 1 … {@link MAX_AUDIT_ROWS}) */
  readonly limit?: number;
}

/** The largest `limit` of one listing (the text view is for reading, --json for scripts). */
export const MAX_AUDIT_ROWS = 10_000;

/** A filter of the audit listing that cannot be used. */
export class AuditQueryError extends IxError {}

/**
 * Hides what would be a secret if a writer ever put one into an audit value: the password of a URL
 * (`scheme://user:***@host`), signature and token query parameters (`sig=***`: a Teams Workflows URL's query is its
 * signature), password hashes (`scrypt$***`) and JSON fields named like secrets (`"password": "***"`).
 */
export function redactAuditValue(value: string | null): string | null {
  if (value === null) return null;
  return value
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@"]+):[^\s/@"]+@/gi, '$1:***@')
    .replace(/([?&](?:sig|signature|code|token|access_token|key|password|secret)=)[^&\s"]+/gi, '$1***')
    .replace(/scrypt\$[^\s"]+/g, 'scrypt$***')
    .replace(
      /("[A-Za-z_]*(?:password|secret|passphrase|privateKey|token)[A-Za-z_]*"\s*:\s*)"(?:[^"\\]|\\.)*"/gi,
      '$1"***"',
    );
}

/** `text` for a LIKE pattern matched literally (with `ESCAPE '\'`). */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The audit rows, newest first (by time, then by id).
 * @throws PermissionError (not an administrator); AuditQueryError (E_AUDIT_UNKNOWN_USER: `login` names no user;
 *         E_AUDIT_LIMIT: `limit` outside 1 … {@link MAX_AUDIT_ROWS})
 */
export async function listAuditEntries(
  store: AsyncQueryable,
  actor: Actor | undefined,
  query: AuditQuery = {},
): Promise<AuditEntry[]> {
  requireAdmin(actor, 'read the audit log');
  const limit = query.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_ROWS)
    throw new AuditQueryError(
      'E_AUDIT_LIMIT',
      msg('The limit {0} cannot be used: give a whole number from 1 to {1}.'),
      [String(limit), MAX_AUDIT_ROWS],
    );
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (query.login !== undefined) {
    const user = await store.get<{ id: number }>('SELECT id FROM users WHERE lower(login) = lower(?)', [query.login]);
    if (!user)
      throw new AuditQueryError(
        'E_AUDIT_UNKNOWN_USER',
        msg('There is no user with the login {0}. Check the login (users list shows all).'),
        [query.login],
      );
    where.push('a.user_id = ?');
    params.push(Number(user.id));
  }
  if (query.actionPrefix !== undefined && query.actionPrefix !== '') {
    where.push("lower(a.action) LIKE lower(?) ESCAPE '\\'");
    params.push(`${likeLiteral(query.actionPrefix)}%`);
  }
  if (query.since !== undefined) {
    // times are stored as toISOString() text: comparing the text compares the instants
    where.push('a.at >= ?');
    params.push(query.since.toISOString());
  }
  const rows = await store.query<{
    id: number;
    at: string;
    login: string | null;
    action: string;
    entity: string;
    entity_key: string | null;
    old_value: string | null;
    new_value: string | null;
    batch_id: string | null;
  }>(
    `SELECT a.id, a.at, u.login, a.action, a.entity, a.entity_key, a.old_value, a.new_value, a.batch_id
     FROM audit_log a
     LEFT JOIN users u ON u.id = a.user_id
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY a.at DESC, a.id DESC
     LIMIT ?`,
    [...params, limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    at: r.at,
    login: r.login,
    action: r.action,
    entity: r.entity,
    entityKey: r.entity_key,
    oldValue: redactAuditValue(r.old_value),
    newValue: redactAuditValue(r.new_value),
    batchId: r.batch_id,
  }));
}
