/**
 * The records other kinds refer to, by the names a file uses (issue 22 "references to other records"): teams by
 * name, users by login, objects by Objektnummer, creditors by Kreditorennummer, Meldungen by Meldungsnummer — and
 * back, for the readable form of a change. Dialect-neutral reads (asyncStore.ts).
 */
import type { AsyncQueryable, SqlCell } from '../store/asyncStore';
import type { Binding } from './planEntities';

/** Names and ids of the records other kinds refer to (teams by name, users by login, objects by number). */
export interface StoreRefs {
  readonly teamIdByName: Map<string, number>;
  readonly teamNameById: Map<number, string>;
  readonly userIdByLogin: Map<string, number>;
  readonly loginByUserId: Map<number, string>;
  readonly objectIdByNo: Map<number, number>;
  readonly objectNoById: Map<number, number>;
  readonly creditorIdByNo: Map<number, number>;
  readonly creditorNoById: Map<number, number>;
  readonly meldungIdByNo: Map<number, number>;
  readonly meldungNoById: Map<number, number>;
}

/** Loads {@link StoreRefs} (five small queries). */
export async function loadRefs(q: AsyncQueryable): Promise<StoreRefs> {
  const refs: StoreRefs = {
    teamIdByName: new Map(),
    teamNameById: new Map(),
    userIdByLogin: new Map(),
    loginByUserId: new Map(),
    objectIdByNo: new Map(),
    objectNoById: new Map(),
    creditorIdByNo: new Map(),
    creditorNoById: new Map(),
    meldungIdByNo: new Map(),
    meldungNoById: new Map(),
  };
  for (const r of await q.query<{ id: number; name: string }>('SELECT id, name FROM teams')) {
    refs.teamIdByName.set(r.name, Number(r.id));
    refs.teamNameById.set(Number(r.id), r.name);
  }
  for (const r of await q.query<{ id: number; login: string }>('SELECT id, login FROM users')) {
    refs.userIdByLogin.set(r.login.toLowerCase(), Number(r.id));
    refs.loginByUserId.set(Number(r.id), r.login);
  }
  for (const r of await q.query<{ id: number; object_no: number }>('SELECT id, object_no FROM objects')) {
    refs.objectIdByNo.set(Number(r.object_no), Number(r.id));
    refs.objectNoById.set(Number(r.id), Number(r.object_no));
  }
  for (const r of await q.query<{ id: number; creditor_no: number }>('SELECT id, creditor_no FROM creditors')) {
    refs.creditorIdByNo.set(Number(r.creditor_no), Number(r.id));
    refs.creditorNoById.set(Number(r.id), Number(r.creditor_no));
  }
  for (const r of await q.query<{ id: number; meldung_no: number }>('SELECT id, meldung_no FROM meldungen')) {
    refs.meldungIdByNo.set(Number(r.meldung_no), Number(r.id));
    refs.meldungNoById.set(Number(r.id), Number(r.meldung_no));
  }
  return refs;
}

/** A team id by name: exact, else the one team whose name matches case-insensitively. */
export function teamIdOf(refs: StoreRefs, name: string): number | undefined {
  const exact = refs.teamIdByName.get(name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  const matches = [...refs.teamIdByName].filter(([n]) => n.toLowerCase() === lower);
  return matches.length === 1 ? matches[0]?.[1] : undefined;
}

/** The readable form of a column value (team name, login, Objektnummer for references). */
export function displayCell(refs: StoreRefs, binding: Binding, value: SqlCell): string | null {
  if (value === null) return null;
  switch (binding.kind) {
    case 'teamRef':
      return refs.teamNameById.get(Number(value)) ?? `#${String(value)}`;
    case 'userRef':
      return refs.loginByUserId.get(Number(value)) ?? `#${String(value)}`;
    case 'objectRef':
      return String(refs.objectNoById.get(Number(value)) ?? `#${String(value)}`);
    case 'creditorRef':
      return String(refs.creditorNoById.get(Number(value)) ?? `#${String(value)}`);
    case 'meldungRef':
      return String(refs.meldungNoById.get(Number(value)) ?? `#${String(value)}`);
    case 'bool':
      return Number(value) === 1 ? 'ja' : 'nein';
    default:
      return value instanceof Uint8Array ? '<bytes>' : String(value);
  }
}
