/**
 * "Verantwortlichen ändern" — the planner (product.md §6, domain.md §4, issue 8 §1): from a request it computes
 * what a transfer would change (counts per module and role, the affected assignments, warnings) without changing
 * anything. The same query is run again by {@link applyTransfer} to re-check that nothing changed since the preview.
 */
import { createHash } from 'node:crypto';
import { msg } from '../errors';
import { licensedSeats } from '../license/licenseService';
import type { AsyncQueryable, SqlParam, StoreBackend } from '../store/asyncStore';
import { idListMatch, idListParam } from '../store/idList';
import { scalar } from '../store/asyncQueries';
import { TransferModuleNotLicensedError, UnknownObjectError, UnknownTeamError } from './transferErrors';
import { canAccess } from '../users/programRights';
import type { Actor } from '../access/rights';
import { UnknownUserError } from '../users/userService';
import { MODULE_LICENSE_CODE, MODULE_NAME, normalizeRequest, requireTransferRight } from './transferRequest';
import type { TransferModule, TransferRequest, TransferRole } from './transferRequest';

/** A user as the plan shows it. */
export interface TransferUser {
  readonly id: number;
  readonly login: string;
  readonly name: string;
  readonly active: boolean;
  readonly coupled: boolean;
}

/** One assignment the transfer would change. */
export interface AffectedAssignment {
  /** `responsibilities.id` */
  readonly id: number;
  readonly module: TransferModule;
  readonly role: TransferRole;
  readonly objectNo: number;
  readonly objectName: string;
  /** Meldung/Auftrag number, technical object id; null for the object itself */
  readonly recordNo: number | null;
  /** subject of the Meldung/Auftrag, name of the technical object or object */
  readonly label: string;
  readonly closed: boolean;
}

/** Count of one module × role (every selected combination is listed, zeros too). */
export interface TransferCount {
  readonly module: TransferModule;
  readonly role: TransferRole;
  readonly count: number;
}

/** Warning codes of a plan; `blocking` ones make {@link applyTransfer} refuse. */
export type TransferWarningCode =
  'same-user' | 'target-inactive' | 'target-uncoupled' | 'target-no-access' | 'both-roles' | 'nothing-matches';

/** A warning of the preview: an l10n template (via {@link msg}) with its arguments. */
export interface TransferWarning {
  readonly code: TransferWarningCode;
  readonly blocking: boolean;
  readonly template: string;
  readonly args: readonly (string | number)[];
}

/** The preview of a transfer. `fingerprint` identifies the affected set; pass it to apply. */
export interface TransferPlan {
  readonly request: TransferRequest;
  readonly from: TransferUser;
  readonly to: TransferUser;
  readonly counts: readonly TransferCount[];
  readonly total: number;
  /** ordered by Objektnummer, module, record, role */
  readonly assignments: readonly AffectedAssignment[];
  readonly warnings: readonly TransferWarning[];
  /** sha-256 (hex) over from, to and the sorted assignment ids */
  readonly fingerprint: string;
}

// ---------------------------------------------------------------- errors

// ---------------------------------------------------------------- planning

interface UserRow extends Record<string, string | number | null> {
  id: number;
  login: string;
  first_name: string;
  last_name: string;
  active: number;
  coupled: number;
}

async function findUser(store: AsyncQueryable, login: string): Promise<TransferUser> {
  const row = await store.get<UserRow>(
    'SELECT id, login, first_name, last_name, active, coupled FROM users WHERE login = ?',
    [login],
  );
  if (!row) throw new UnknownUserError(login);
  return {
    id: row.id,
    login: row.login,
    name: `${row.first_name} ${row.last_name}`.trim(),
    active: row.active === 1,
    coupled: row.coupled === 1,
  };
}

/** The resolved scope of a request: user ids, object ids (undefined = all), team id. */
export interface Scope {
  readonly from: TransferUser;
  readonly to: TransferUser;
  readonly objectIds: ReadonlySet<number> | undefined;
  readonly teamId: number | undefined;
}

async function resolveScope(store: AsyncQueryable, request: TransferRequest, now: Date): Promise<Scope> {
  for (const module of request.modules) {
    const code = MODULE_LICENSE_CODE[module];
    const licensed = await licensedSeats(store, code, now);
    if (!licensed || licensed.seats === 0) throw new TransferModuleNotLicensedError(MODULE_NAME[module], code);
  }
  const from = await findUser(store, request.fromLogin);
  const to = await findUser(store, request.toLogin);
  let objectIds: Set<number> | undefined;
  if (request.objectNos && request.objectNos.length > 0) {
    const found = new Map<number, number>();
    for (const row of await store.query<{ id: number; object_no: number }>('SELECT id, object_no FROM objects'))
      found.set(row.object_no, row.id);
    const missing = request.objectNos.filter((n) => !found.has(n));
    if (missing.length > 0) throw new UnknownObjectError(missing);
    objectIds = new Set(request.objectNos.map((n) => found.get(n) ?? 0));
  }
  let teamId: number | undefined;
  if (request.team !== undefined) {
    const id = await scalar(store, 'SELECT id FROM teams WHERE name = ?', [request.team]);
    if (typeof id !== 'number') throw new UnknownTeamError(request.team);
    teamId = id;
  }
  return { from, to, objectIds, teamId };
}

/** The WHERE clause and its parameters for the assignments a request matches (without the object filter). */
function matchSql(
  request: TransferRequest,
  scope: Scope,
  columns: string,
): { sql: string; params: (string | number)[] } {
  const params: (string | number)[] = [scope.from.id, ...request.modules, ...request.roles];
  let sql = `SELECT ${columns}
FROM responsibilities r
JOIN objects o ON o.id = r.object_id
LEFT JOIN meldungen m ON r.module = 'meldungen' AND m.id = r.record_id
LEFT JOIN auftraege a ON r.module = 'auftraege' AND a.id = r.record_id
LEFT JOIN technical_objects t ON r.module = 'technical_objects' AND t.id = r.record_id
WHERE r.user_id = ? AND r.module IN (${request.modules.map(() => '?').join(',')}) AND r.role IN (${request.roles.map(() => '?').join(',')})`;
  if (scope.teamId !== undefined) {
    sql += ' AND o.team_id = ?';
    params.push(scope.teamId);
  }
  if (!request.includeClosed) sql += ' AND coalesce(m.closed, a.closed, 0) = 0';
  return { sql, params };
}

function fingerprintOf(scope: Scope, ids: readonly number[]): string {
  const hash = createHash('sha256');
  hash.update(`${scope.from.id}>${scope.to.id}|`);
  // in chunks: a string of 100,000 ids is fine, but keep memory flat for larger batches
  for (let i = 0; i < ids.length; i += 10_000) hash.update(`${ids.slice(i, i + 10_000).join(',')},`);
  return hash.digest('hex');
}

/**
 * Plans a transfer (the preview; nothing is changed). Checks the right, the request and the license; resolves
 * users, objects and team; lists the matching assignments with counts per module × role and the warnings:
 * same user, target deactivated, target not coupled, target without access to a chosen module, nothing matches.
 * @param now reference time for license validity
 * @returns the plan with its fingerprint (see {@link TransferPlan})
 * @throws PermissionError, KomfortpaketMissingError, TransferInputError, TransferModuleNotLicensedError,
 *         UnknownUserError, UnknownObjectError, UnknownTeamError
 */
export async function planTransfer(
  store: AsyncQueryable,
  actor: Actor | undefined,
  input: TransferRequest,
  now: Date = new Date(),
): Promise<TransferPlan> {
  await requireTransferRight(store, actor, now);
  const request = normalizeRequest(input);
  const scope = await resolveScope(store, request, now);
  const { sql, params } = matchSql(
    request,
    scope,
    `r.id, r.module, r.role, r.object_id, r.record_id, o.object_no, o.name AS object_name,
     CASE r.module WHEN 'meldungen' THEN m.meldung_no WHEN 'auftraege' THEN a.auftrag_no WHEN 'technical_objects' THEN r.record_id END AS record_no,
     CASE r.module WHEN 'objects' THEN o.name WHEN 'meldungen' THEN m.subject WHEN 'auftraege' THEN a.subject ELSE t.name END AS label,
     coalesce(m.closed, a.closed, 0) AS closed`,
  );
  const assignments: AffectedAssignment[] = [];
  const countMap = new Map<string, number>();
  // record (module/object/record) → roles the new user would hold there after the transfer (bits: 1 responsible, 2 deputy)
  const rolesAfter = new Map<string, number>();
  const recordKey = (module: string, objectId: number, recordId: number | null): string =>
    `${module}/${objectId}/${recordId ?? '-'}`;
  const roleBit = (role: string): number => (role === 'deputy' ? 2 : 1);
  const rows = await store.query<{
    id: number;
    module: string;
    role: string;
    object_id: number;
    record_id: number | null;
    object_no: number;
    object_name: string;
    record_no: number | null;
    label: string | null;
    closed: number;
  }>(`${sql} ORDER BY o.object_no, r.module, record_no, r.role`, params);
  for (const row of rows) {
    const { id, module, role } = row;
    const objectId = row.object_id;
    const recordId = row.record_id;
    if (scope.objectIds && !scope.objectIds.has(objectId)) continue;
    const record = recordKey(module, objectId, recordId);
    rolesAfter.set(record, (rolesAfter.get(record) ?? 0) | roleBit(role));
    assignments.push({
      id,
      module: module as TransferModule,
      role: role as TransferRole,
      objectNo: row.object_no,
      objectName: row.object_name,
      recordNo: row.record_no,
      label: row.label ?? '',
      closed: row.closed === 1,
    });
    const key = `${module}/${role}`;
    countMap.set(key, (countMap.get(key) ?? 0) + 1);
  }
  const counts = request.modules.flatMap((module) =>
    request.roles.map((role) => ({ module, role, count: countMap.get(`${module}/${role}`) ?? 0 })),
  );
  const sameUser = scope.from.id === scope.to.id;
  const warnings: TransferWarning[] = [];
  const warn = (code: TransferWarningCode, blocking: boolean, template: string, args: (string | number)[] = []): void =>
    void warnings.push({ code, blocking, template, args });
  if (sameUser)
    warn(
      'same-user',
      true,
      msg(
        'The previous and the new responsible user are the same ({0}); nothing would change. Choose another new user.',
      ),
      [scope.to.login],
    );
  // with the same user nothing would change, so the other warnings about the target would only distract
  if (!sameUser && !scope.to.active)
    warn(
      'target-inactive',
      true,
      msg('{0} is deactivated and cannot take over responsibilities. Choose an active user or reactivate {0} first.'),
      [scope.to.login],
    );
  if (!sameUser && scope.to.active && !scope.to.coupled)
    warn(
      'target-uncoupled',
      false,
      msg(
        '{0} is not coupled with iX-Haus plus yet; the records are assigned anyway, and {0} sees them after the first sign-in to iX-Haus plus.',
      ),
      [scope.to.login],
    );
  if (!sameUser && scope.to.active) {
    for (const module of request.modules) {
      if (!(await canAccess(store, scope.to.id, MODULE_LICENSE_CODE[module], undefined, now)).allowed) {
        warn(
          'target-no-access',
          false,
          msg(
            '{0} has no access to the module {1} (not unlocked or no program right); the records are assigned anyway. Unlock the module for {0} in Modules & Users.',
          ),
          [scope.to.login, MODULE_NAME[module]],
        );
      }
    }
  }
  if (!sameUser && assignments.length > 0) {
    for (const held of await store.query<{ module: string; object_id: number; record_id: number | null; role: string }>(
      'SELECT module, object_id, record_id, role FROM responsibilities WHERE user_id = ?',
      [scope.to.id],
    )) {
      const record = recordKey(held.module, held.object_id, held.record_id);
      const bits = rolesAfter.get(record);
      if (bits !== undefined) rolesAfter.set(record, bits | roleBit(held.role));
    }
    let both = 0;
    for (const bits of rolesAfter.values()) if (bits === 3) both++;
    if (both > 0)
      warn(
        'both-roles',
        false,
        msg(
          'After the transfer {1} would be both responsible and deputy of {0} record(s); the deputy then stands in for nobody. Choose a different deputy for them afterwards, or leave the deputy role out.',
        ),
        [both, scope.to.login],
      );
  }
  if (assignments.length === 0 && !sameUser)
    warn(
      'nothing-matches',
      true,
      msg(
        'Nothing matches: {0} holds no assignment in the chosen objects, modules and roles. Widen the scope or check the previous user.',
      ),
      [scope.from.login],
    );
  const ids = assignments.map((a) => a.id).sort((a, b) => a - b);
  return {
    request,
    from: scope.from,
    to: scope.to,
    counts,
    total: assignments.length,
    assignments,
    warnings,
    fingerprint: fingerprintOf(scope, ids),
  };
}

/** Internal: resolves the request's users, objects and team again (apply, inside its transaction). */
export async function resolveTransferScope(store: AsyncQueryable, request: TransferRequest, now: Date): Promise<Scope> {
  return resolveScope(store, request, now);
}

/**
 * Internal (apply's re-check and its undo list in one pass): inserts one `responsibility_batch_items` row per
 * assignment the request matches now (old user = the previous user, new user = the new one) and returns their ids,
 * sorted, with the fingerprint over them and the count per `module/role` key. The caller compares the fingerprint
 * with the preview's and rolls the transaction back when they differ. The object filter runs in SQL here (one id
 * list parameter, ../store/idList.ts), so that only matching rows are written.
 */
export async function insertMatchingItems(
  tx: AsyncQueryable,
  backend: StoreBackend,
  request: TransferRequest,
  scope: Scope,
  batchId: string,
): Promise<{ ids: number[]; perModuleRole: Map<string, number>; fingerprint: string }> {
  const { sql, params } = matchSql(
    request,
    scope,
    'CAST(? AS TEXT), r.id, r.module, r.role, r.object_id, r.record_id, r.user_id, CAST(? AS BIGINT)',
  );
  let where = '';
  const whereParams: SqlParam[] = [];
  if (scope.objectIds) {
    where = ` AND ${idListMatch(backend, 'r.object_id')}`;
    whereParams.push(idListParam(backend, [...scope.objectIds]));
  }
  const rows = await tx.query<{ assignment_id: number; module: string; role: string }>(
    `INSERT INTO responsibility_batch_items (batch_id, assignment_id, module, role, object_id, record_id, old_user_id, new_user_id)
     ${sql}${where}
     RETURNING assignment_id, module, role`,
    [batchId, scope.to.id, ...params, ...whereParams],
  );
  const ids: number[] = [];
  const perModuleRole = new Map<string, number>();
  for (const row of rows) {
    ids.push(row.assignment_id);
    const key = `${row.module}/${row.role}`;
    perModuleRole.set(key, (perModuleRole.get(key) ?? 0) + 1);
  }
  ids.sort((x, y) => x - y);
  return { ids, perModuleRole, fingerprint: fingerprintOf(scope, ids) };
}
