/**
 * The row writes of entity kinds for applyImport/undoImport (importBatch.ts), inside the caller's transaction:
 * multi-row inserts of new records, updates of the changed columns, and the parts of a state beside the row —
 * phone numbers (through the CTI index, src/core/cti/phoneIndex.ts), team memberships, and the Verantwortlicher/
 * Vertreter of Meldungen and Aufträge (`responsibilities`). Dialect-neutral SQL (asyncStore.ts).
 */
import type { AsyncTransaction, SqlCell } from '../store/asyncStore';
import { writePhoneNumber } from '../cti/phoneIndex';
import type { PlanRow } from './plan';
import { keyText } from './planEntities';
import type { EntitySpec, EntityState } from './planEntities';

/** `password_hash` of imported users: no password matches it (verifyPassword: unknown format → false). */
export const IMPORTED_USER_PASSWORD_HASH = '!imported';

/** Inserts new records in one multi-row statement; returns their ids by key ({@link keyText}). */
export async function insertEntities(
  tx: AsyncTransaction,
  spec: EntitySpec,
  rows: readonly PlanRow[],
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  if (rows.length === 0) return ids;
  const columns = [spec.keyColumn, ...spec.bindings.map((b) => b.column)];
  if (spec.table === 'users') columns.push('password_hash');
  const numeric = spec.keyColumn !== 'login' && spec.keyColumn !== 'name';
  const values: SqlCell[] = [];
  for (const r of rows) {
    const state = r.after as EntityState;
    values.push(numeric ? Number(r.key) : r.key, ...spec.bindings.map((b) => state.cols[b.column] ?? null));
    if (spec.table === 'users') values.push(IMPORTED_USER_PASSWORD_HASH);
  }
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (const row of await tx.query<{ id: number; k: SqlCell }>(
    `INSERT INTO ${spec.table} (${columns.join(', ')}) VALUES ${rows.map(() => tuple).join(', ')} RETURNING id, ${spec.keyColumn} AS k`,
    values,
  ))
    ids.set(keyText(spec, row.k), Number(row.id));
  return ids;
}

/** Updates the columns that differ between `before` and `after`. */
export async function updateEntity(
  tx: AsyncTransaction,
  spec: EntitySpec,
  id: number,
  before: EntityState,
  after: EntityState,
): Promise<void> {
  const changed = spec.bindings.filter((b) => (before.cols[b.column] ?? null) !== (after.cols[b.column] ?? null));
  if (changed.length === 0) return;
  await tx.run(`UPDATE ${spec.table} SET ${changed.map((b) => `${b.column} = ?`).join(', ')} WHERE id = ?`, [
    ...changed.map((b) => after.cols[b.column] ?? null),
    id,
  ]);
}

/**
 * Brings the phone numbers (of each kind that differs) and the team memberships of one record from `before` to
 * `after`; returns the raw texts of the phone numbers written.
 */
export async function writeState(
  tx: AsyncTransaction,
  spec: EntitySpec,
  id: number,
  before: EntityState | undefined,
  after: EntityState,
  areaCode: string | undefined,
): Promise<string[]> {
  const written: string[] = [];
  if (spec.phoneOrigin) {
    const origin = spec.phoneOrigin;
    const kinds = new Set([...(before?.phones ?? []), ...(after.phones ?? [])].map((p) => p.kind));
    for (const kind of kinds) {
      const x = (before?.phones ?? []).filter((p) => p.kind === kind).map((p) => p.raw);
      const y = (after.phones ?? []).filter((p) => p.kind === kind).map((p) => p.raw);
      if (before && JSON.stringify(x) === JSON.stringify(y)) continue;
      if (before) await tx.run(`DELETE FROM phone_numbers WHERE ${origin}_id = ? AND kind = ?`, [id, kind]);
      for (const raw of y) {
        await writePhoneNumber(tx, { origin, partyId: id, field: kind, raw }, { areaCode });
        written.push(raw);
      }
    }
  }
  if (spec.teamMembership) {
    const x = new Set(before?.teams ?? []);
    const y = new Set(after.teams ?? []);
    for (const team of x)
      if (!y.has(team)) await tx.run('DELETE FROM team_members WHERE team_id = ? AND user_id = ?', [team, id]);
    for (const team of y)
      if (!x.has(team))
        await tx.run(
          'INSERT INTO team_members (team_id, user_id) VALUES (?, ?) ON CONFLICT (team_id, user_id) DO NOTHING',
          [team, id],
        );
  }
  if (spec.responsibilities) {
    const module = spec.responsibilities.module;
    const objectId = after.cols.object_id ?? null;
    for (const { role } of spec.responsibilities.fields) {
      const x = before?.resp?.[role] ?? null;
      const y = after.resp?.[role] ?? null;
      if (x === y) continue;
      if (y === null)
        await tx.run('DELETE FROM responsibilities WHERE module = ? AND record_id = ? AND role = ?', [
          module,
          id,
          role,
        ]);
      else if (x === null)
        await tx.run(
          'INSERT INTO responsibilities (module, object_id, record_id, user_id, role) VALUES (?, ?, ?, ?, ?)',
          [module, objectId, id, y, role],
        );
      else
        await tx.run('UPDATE responsibilities SET user_id = ? WHERE module = ? AND record_id = ? AND role = ?', [
          y,
          module,
          id,
          role,
        ]);
    }
    // an assignment follows its record to another object
    if (before && (before.cols.object_id ?? null) !== objectId)
      await tx.run('UPDATE responsibilities SET object_id = ? WHERE module = ? AND record_id = ?', [
        objectId,
        module,
        id,
      ]);
  }
  return written;
}
