/**
 * How the import planner sees the store (issue 22 "upsert by the natural key"): for each kind that can be written,
 * its table, natural key column and the fields bound to columns (schema v1, 001_initial.ts), plus the stored
 * state of a record as a comparable, JSON-able {@link EntityState} — the same shape the import batch keeps as
 * before- and after-image (schema v11, 011_import_batches.ts). Written against {@link AsyncQueryable} only
 * (dialect-neutral SQL, header of asyncStore.ts).
 *
 * Fields of the file that the schema has no column for (addresses of persons, creditors and owners) are listed in
 * {@link IGNORED_FIELDS} and left alone.
 */
import type { AsyncQueryable, SqlCell } from '../store/asyncStore';
import type { PartyOrigin } from '../cti/phoneIndex';
import type { PhoneKind } from './columnCatalog';
import type { ImportKind } from './importTypes';

/** The kinds the planner can write (the others are read and validated but not yet planned). */
export const WRITABLE_KINDS = ['users', 'teams', 'objects', 'persons', 'creditors', 'owners'] as const;
export type WritableKind = (typeof WRITABLE_KINDS)[number];

/** True when `kind` can be planned, applied and exported. */
export function isWritableKind(kind: ImportKind): kind is WritableKind {
  return (WRITABLE_KINDS as readonly string[]).includes(kind);
}

/**
 * How a record value becomes a column value:
 * `text` null → NULL; `textOrEmpty` null → '' (NOT NULL DEFAULT '' columns); `int`; `bool` → 1/0, empty = 0
 * ("x/leer"); `teamRef` team name → teams.id; `userRef` login → users.id; `objectRef` Objektnummer → objects.id.
 */
export type BindingKind = 'text' | 'textOrEmpty' | 'int' | 'bool' | 'teamRef' | 'userRef' | 'objectRef';

/** One record field bound to one column. */
export interface Binding {
  readonly field: string;
  readonly column: string;
  readonly kind: BindingKind;
  /** the value a new row gets when the file has no column for the field */
  readonly defaultNew: SqlCell;
  /** a new row needs a value (the column is NOT NULL without a default) */
  readonly requiredNew?: boolean;
}

/** The store side of one writable kind. */
export interface EntitySpec {
  readonly kind: WritableKind;
  readonly table: WritableKind;
  /** the natural key's field id and column */
  readonly keyField: string;
  readonly keyColumn: string;
  /** true: keys compare case-insensitively (logins, COLLATE NOCASE) */
  readonly keyNoCase: boolean;
  readonly bindings: readonly Binding[];
  /** the phone numbers of this kind's rows (`phone_numbers.<origin>_id`) */
  readonly phoneOrigin?: PartyOrigin;
  /** users: team membership (`team_members`) from the `team` field */
  readonly teamMembership?: boolean;
}

const t = (field: string, column: string, extra: Partial<Binding> = {}): Binding => ({
  field,
  column,
  kind: 'text',
  defaultNew: null,
  ...extra,
});

/** The kinds' store specs (schema v1). */
export const ENTITY_SPECS: Readonly<Record<WritableKind, EntitySpec>> = {
  users: {
    kind: 'users',
    table: 'users',
    keyField: 'login',
    keyColumn: 'login',
    keyNoCase: true,
    bindings: [
      t('shortCode', 'short_code'),
      t('lastName', 'last_name'),
      t('firstName', 'first_name', { kind: 'textOrEmpty', defaultNew: '' }),
      t('email', 'email'),
      t('role', 'role', { requiredNew: true }),
      t('rightsClass', 'rights_class', { requiredNew: true }),
      t('active', 'active', { kind: 'bool', defaultNew: 1 }),
      t('ctiLine', 'cti_line'),
      t('extension', 'extension'),
      t('note', 'note'),
    ],
    teamMembership: true,
  },
  teams: {
    kind: 'teams',
    table: 'teams',
    keyField: 'name',
    keyColumn: 'name',
    keyNoCase: false,
    bindings: [t('name2', 'name2'), t('teamKind', 'kind'), t('leader', 'leader_user_id', { kind: 'userRef' })],
  },
  objects: {
    kind: 'objects',
    table: 'objects',
    keyField: 'objectNo',
    keyColumn: 'object_no',
    keyNoCase: false,
    bindings: [
      t('name', 'name'),
      t('street', 'street'),
      t('zip', 'zip'),
      t('city', 'city'),
      t('team', 'team_id', { kind: 'teamRef' }),
    ],
  },
  persons: {
    kind: 'persons',
    table: 'persons',
    keyField: 'personNo',
    keyColumn: 'person_no',
    keyNoCase: false,
    bindings: [
      t('salutation', 'salutation'),
      t('firstName', 'first_name'),
      t('lastName', 'last_name'),
      t('company', 'company'),
      t('email', 'email'),
      t('objectNo', 'object_id', { kind: 'objectRef' }),
    ],
    phoneOrigin: 'person',
  },
  creditors: {
    kind: 'creditors',
    table: 'creditors',
    keyField: 'creditorNo',
    keyColumn: 'creditor_no',
    keyNoCase: false,
    bindings: [t('name', 'name'), t('trade', 'trade'), t('email', 'email')],
    phoneOrigin: 'creditor',
  },
  owners: {
    kind: 'owners',
    table: 'owners',
    keyField: 'ownerNo',
    keyColumn: 'owner_no',
    keyNoCase: false,
    bindings: [t('firstName', 'first_name'), t('lastName', 'last_name'), t('email', 'email')],
    phoneOrigin: 'owner',
  },
};

/** Fields recognised in files that the schema has no column for: the planner ignores them and says so. */
export const IGNORED_FIELDS: Readonly<Partial<Record<WritableKind, readonly string[]>>> = {
  persons: ['street', 'zip', 'city'],
  creditors: ['street', 'zip', 'city'],
  owners: ['street', 'zip', 'city'],
};

/** Phone fields of a party record and the `phone_numbers.kind` each writes. */
export const PHONE_FIELDS: readonly { readonly field: string; readonly kind: PhoneKind }[] = [
  { field: 'phonePrivate', kind: 'private' },
  { field: 'phoneBusiness', kind: 'business' },
  { field: 'phoneMobile', kind: 'mobile' },
  { field: 'fax', kind: 'fax' },
];

/** One stored phone number in a state (sorted by kind, then text, so that ids do not matter). */
export interface PhoneState {
  readonly kind: PhoneKind;
  readonly raw: string;
}

/**
 * The comparable state of one stored record: its bound columns (in binding order), its phone numbers (parties) and
 * its team ids (users, sorted). Equal JSON = equal state.
 */
export interface EntityState {
  readonly cols: Readonly<Record<string, SqlCell>>;
  readonly phones?: readonly PhoneState[];
  readonly teams?: readonly number[];
}

/** A stored record: id, key and state. */
export interface StoredEntity {
  readonly id: number;
  readonly key: string;
  readonly state: EntityState;
}

/** The comparison key of a natural key value (logins lower-case). */
export function keyText(spec: EntitySpec, value: unknown): string {
  const text = String(value);
  return spec.keyNoCase ? text.toLowerCase() : text;
}

/** Phones sorted canonically (kind, then text). */
export function sortPhones(phones: readonly PhoneState[]): PhoneState[] {
  return [...phones].sort((a, b) =>
    a.kind === b.kind ? (a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0) : a.kind < b.kind ? -1 : 1,
  );
}

/** The canonical JSON of a state (column order of the spec). */
export function stateJson(spec: EntitySpec, state: EntityState): string {
  const cols: Record<string, SqlCell> = {};
  for (const b of spec.bindings) cols[b.column] = state.cols[b.column] ?? null;
  return JSON.stringify({
    cols,
    ...(spec.phoneOrigin ? { phones: sortPhones(state.phones ?? []) } : {}),
    ...(spec.teamMembership ? { teams: [...(state.teams ?? [])].sort((a, b) => a - b) } : {}),
  });
}

/** Reads a state written by {@link stateJson}. */
export function parseState(text: string): EntityState {
  return JSON.parse(text) as EntityState;
}

function cellOf(value: SqlCell | undefined): SqlCell {
  return value === undefined ? null : value;
}

/**
 * Loads the stored records of a kind (all, or those with the given ids) with their states: one query for the rows,
 * one for the phone numbers, one for the team memberships.
 */
export async function loadEntities(
  q: AsyncQueryable,
  spec: EntitySpec,
  ids?: readonly number[],
): Promise<Map<string, StoredEntity>> {
  const where = ids ? ` WHERE id IN (${ids.length > 0 ? ids.map(() => '?').join(',') : 'NULL'})` : '';
  const cols = spec.bindings.map((b) => b.column).join(', ');
  const rows = await q.query(`SELECT id, ${spec.keyColumn} AS k, ${cols} FROM ${spec.table}${where}`, ids ?? []);
  const phones = new Map<number, PhoneState[]>();
  if (spec.phoneOrigin) {
    const column = `${spec.phoneOrigin}_id`;
    const phoneWhere = ids ? ` AND ${column} IN (${ids.length > 0 ? ids.map(() => '?').join(',') : 'NULL'})` : '';
    for (const p of await q.query<{ party: number; kind: PhoneKind; raw: string }>(
      `SELECT ${column} AS party, kind, raw FROM phone_numbers WHERE ${column} IS NOT NULL${phoneWhere} ORDER BY id`,
      ids ?? [],
    )) {
      const list = phones.get(Number(p.party)) ?? [];
      list.push({ kind: p.kind, raw: p.raw });
      phones.set(Number(p.party), list);
    }
  }
  const teams = new Map<number, number[]>();
  if (spec.teamMembership) {
    const memberWhere = ids ? ` WHERE user_id IN (${ids.length > 0 ? ids.map(() => '?').join(',') : 'NULL'})` : '';
    for (const m of await q.query<{ user_id: number; team_id: number }>(
      `SELECT user_id, team_id FROM team_members${memberWhere}`,
      ids ?? [],
    )) {
      const list = teams.get(Number(m.user_id)) ?? [];
      list.push(Number(m.team_id));
      teams.set(Number(m.user_id), list);
    }
  }
  const out = new Map<string, StoredEntity>();
  for (const row of rows) {
    const id = Number(row.id);
    const stateCols: Record<string, SqlCell> = {};
    for (const b of spec.bindings) stateCols[b.column] = cellOf(row[b.column]);
    const state: EntityState = {
      cols: stateCols,
      ...(spec.phoneOrigin ? { phones: sortPhones(phones.get(id) ?? []) } : {}),
      ...(spec.teamMembership ? { teams: (teams.get(id) ?? []).sort((a, b) => a - b) } : {}),
    };
    out.set(keyText(spec, row.k), { id, key: String(row.k), state });
  }
  return out;
}

/** Names and ids of the records other kinds refer to (teams by name, users by login, objects by number). */
export interface StoreRefs {
  readonly teamIdByName: Map<string, number>;
  readonly teamNameById: Map<number, string>;
  readonly userIdByLogin: Map<string, number>;
  readonly loginByUserId: Map<number, string>;
  readonly objectIdByNo: Map<number, number>;
  readonly objectNoById: Map<number, number>;
}

/** Loads {@link StoreRefs} (three small queries). */
export async function loadRefs(q: AsyncQueryable): Promise<StoreRefs> {
  const refs: StoreRefs = {
    teamIdByName: new Map(),
    teamNameById: new Map(),
    userIdByLogin: new Map(),
    loginByUserId: new Map(),
    objectIdByNo: new Map(),
    objectNoById: new Map(),
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
    case 'bool':
      return Number(value) === 1 ? 'ja' : 'nein';
    default:
      return value instanceof Uint8Array ? '<bytes>' : String(value);
  }
}
