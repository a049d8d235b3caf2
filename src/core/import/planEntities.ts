/**
 * How the import planner sees the store (issue 22 "upsert by the natural key"): for each kind that can be written,
 * its table, natural key column and the fields bound to columns (schema v1, 001_initial.ts), plus the stored
 * state of a record as a comparable, JSON-able {@link EntityState} — the same shape the import batch keeps as
 * before- and after-image (schema v11, 011_import_batches.ts). Written against {@link AsyncQueryable} only
 * (dialect-neutral SQL, header of asyncStore.ts).
 *
 * Fields of the file that the schema has no column for would be listed in {@link IGNORED_FIELDS} and left alone;
 * since schema v13 (013_party_addresses.ts) persons, creditors and owners store their address, so none are.
 */
import type { AsyncQueryable, SqlCell } from '../store/asyncStore';
import type { PartyOrigin } from '../cti/phoneIndex';
import type { PhoneKind } from './columnCatalog';
import type { ImportKind } from './importTypes';

/** The kinds written as records of one table, upserted by their natural key column. */
export const ENTITY_KINDS = [
  'users',
  'teams',
  'objects',
  'persons',
  'creditors',
  'owners',
  'meldungen',
  'auftraege',
] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

/** The kinds written as relations between records (planRelations.ts). */
export const RELATION_KINDS = ['object-links', 'responsibilities'] as const;
export type RelationKind = (typeof RELATION_KINDS)[number];

/** The kinds the planner can write, apply, undo and export. */
export const WRITABLE_KINDS = [...ENTITY_KINDS, ...RELATION_KINDS] as const;
export type WritableKind = (typeof WRITABLE_KINDS)[number];

/** True for the kinds written as relations. */
export function isRelationKind(kind: ImportKind): kind is RelationKind {
  return (RELATION_KINDS as readonly string[]).includes(kind);
}

/** True when `kind` can be planned, applied and exported. */
export function isWritableKind(kind: ImportKind): kind is WritableKind {
  return (WRITABLE_KINDS as readonly string[]).includes(kind);
}

/**
 * How a record value becomes a column value:
 * `text` null → NULL; `textOrEmpty` null → '' (NOT NULL DEFAULT '' columns); `int`; `bool` → 1/0, empty = 0
 * ("x/leer"); `teamRef` team name → teams.id; `userRef` login → users.id; `objectRef` Objektnummer → objects.id;
 * `creditorRef` Kreditorennummer → creditors.id; `meldungRef` Meldungsnummer → meldungen.id.
 */
export type BindingKind =
  'text' | 'textOrEmpty' | 'int' | 'bool' | 'teamRef' | 'userRef' | 'objectRef' | 'creditorRef' | 'meldungRef';

/** One record field bound to one column. */
export interface Binding {
  readonly field: string;
  readonly column: string;
  readonly kind: BindingKind;
  /** the value a new row gets when the file has no column for the field */
  readonly defaultNew: SqlCell;
  /** a new row needs a value (the column is NOT NULL without a default) */
  readonly requiredNew?: boolean;
  /** the column is NOT NULL (with a default for new rows): an empty cell is an error */
  readonly notNull?: boolean;
  /** not read from the file: derived from other columns ({@link EntitySpec.closedStatus}); not exported */
  readonly derived?: boolean;
}

/** Meldungen/Aufträge: their Verantwortlicher/Vertreter live in `responsibilities` (module, record_id = id). */
export interface ResponsibilityBinding {
  readonly module: 'meldungen' | 'auftraege';
  readonly fields: readonly { readonly field: string; readonly role: 'responsible' | 'deputy' }[];
}

/** The store side of one writable kind. */
export interface EntitySpec {
  readonly kind: EntityKind;
  readonly table: EntityKind;
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
  /** Meldungen/Aufträge: the responsible users (state `resp`: user id per role) */
  readonly responsibilities?: ResponsibilityBinding;
  /** Meldungen/Aufträge: `closed` = 1 exactly when `status` is this value (as the demo data and iX-Haus keep it) */
  readonly closedStatus?: string;
}

const t = (field: string, column: string, extra: Partial<Binding> = {}): Binding => ({
  field,
  column,
  kind: 'text',
  defaultNew: null,
  ...extra,
});

/**
 * Straße, PLZ, Ort of persons, creditors and owners (schema v13, 013_party_addresses.ts). Appended after the v1
 * columns so that the state JSON of older import batches (which lacks them) reads as "no address"
 * ({@link stateJson} fills missing columns with null).
 */
function addressBindings(): Binding[] {
  return [t('street', 'street'), t('zip', 'zip'), t('city', 'city')];
}

/** The kinds' store specs (schema v1; the party addresses v13). */
export const ENTITY_SPECS: Readonly<Record<EntityKind, EntitySpec>> = {
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
      ...addressBindings(),
    ],
    phoneOrigin: 'person',
  },
  creditors: {
    kind: 'creditors',
    table: 'creditors',
    keyField: 'creditorNo',
    keyColumn: 'creditor_no',
    keyNoCase: false,
    bindings: [t('name', 'name'), t('trade', 'trade'), t('email', 'email'), ...addressBindings()],
    phoneOrigin: 'creditor',
  },
  owners: {
    kind: 'owners',
    table: 'owners',
    keyField: 'ownerNo',
    keyColumn: 'owner_no',
    keyNoCase: false,
    bindings: [t('firstName', 'first_name'), t('lastName', 'last_name'), t('email', 'email'), ...addressBindings()],
    phoneOrigin: 'owner',
  },
  meldungen: {
    kind: 'meldungen',
    table: 'meldungen',
    keyField: 'meldungNo',
    keyColumn: 'meldung_no',
    keyNoCase: false,
    bindings: [
      t('objectNo', 'object_id', { kind: 'objectRef', requiredNew: true }),
      t('subject', 'subject', { requiredNew: true }),
      t('meldungKind', 'kind', { requiredNew: true }),
      t('priority', 'priority', { defaultNew: 'normal', notNull: true }),
      t('status', 'status', { defaultNew: 'offen', notNull: true }),
      t('reportedAt', 'reported_at', { requiredNew: true }),
      t('closed', 'closed', { kind: 'bool', defaultNew: 0, derived: true }),
    ],
    responsibilities: {
      module: 'meldungen',
      fields: [
        { field: 'responsible', role: 'responsible' },
        { field: 'deputy', role: 'deputy' },
      ],
    },
    closedStatus: 'erledigt',
  },
  auftraege: {
    kind: 'auftraege',
    table: 'auftraege',
    keyField: 'auftragNo',
    keyColumn: 'auftrag_no',
    keyNoCase: false,
    bindings: [
      t('objectNo', 'object_id', { kind: 'objectRef', requiredNew: true }),
      t('creditorNo', 'creditor_id', { kind: 'creditorRef', requiredNew: true }),
      t('meldungNo', 'meldung_id', { kind: 'meldungRef' }),
      t('subject', 'subject', { requiredNew: true }),
      t('status', 'status', { defaultNew: 'Neu', notNull: true }),
      t('createdAt', 'created_at', { requiredNew: true }),
      t('closed', 'closed', { kind: 'bool', defaultNew: 0, derived: true }),
    ],
    responsibilities: { module: 'auftraege', fields: [{ field: 'responsible', role: 'responsible' }] },
    closedStatus: 'Erledigt',
  },
};

/**
 * Fields recognised in files that the schema has no column for: the planner ignores them and says so. Empty since
 * schema v13 stores the addresses of persons, creditors and owners; kept for fields a later catalogue adds first.
 */
export const IGNORED_FIELDS: Readonly<Partial<Record<EntityKind, readonly string[]>>> = {};

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
  /** Meldungen/Aufträge: user id per responsibility role (null = nobody) */
  readonly resp?: Readonly<Record<string, number | null>>;
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
    ...(spec.responsibilities ? { resp: respOf(spec, state) } : {}),
  });
}

/** The responsibility part of a state in the spec's role order (missing roles: null). */
export function respOf(spec: EntitySpec, state: EntityState): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const f of spec.responsibilities?.fields ?? []) out[f.role] = state.resp?.[f.role] ?? null;
  return out;
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
  const resp = new Map<number, Record<string, number>>();
  if (spec.responsibilities) {
    const respWhere = ids ? ` AND record_id IN (${ids.length > 0 ? ids.map(() => '?').join(',') : 'NULL'})` : '';
    for (const r of await q.query<{ record_id: number; role: string; user_id: number }>(
      `SELECT record_id, role, user_id FROM responsibilities WHERE module = ?${respWhere} ORDER BY id`,
      [spec.responsibilities.module, ...(ids ?? [])],
    )) {
      const entry = resp.get(Number(r.record_id)) ?? {};
      entry[r.role] ??= Number(r.user_id);
      resp.set(Number(r.record_id), entry);
    }
  }
  const out = new Map<string, StoredEntity>();
  for (const row of rows) {
    const id = Number(row.id);
    const stateCols: Record<string, SqlCell> = {};
    for (const b of spec.bindings) stateCols[b.column] = cellOf(row[b.column]);
    let state: EntityState = {
      cols: stateCols,
      ...(spec.phoneOrigin ? { phones: sortPhones(phones.get(id) ?? []) } : {}),
      ...(spec.teamMembership ? { teams: (teams.get(id) ?? []).sort((a, b) => a - b) } : {}),
    };
    if (spec.responsibilities) state = { ...state, resp: respOf(spec, { cols: stateCols, resp: resp.get(id) ?? {} }) };
    out.set(keyText(spec, row.k), { id, key: String(row.k), state });
  }
  return out;
}
