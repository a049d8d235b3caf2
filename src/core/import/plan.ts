/**
 * The import planner (issue 22 "Preview before writing"; DESIGN.md §4a read → map → validate → **plan** → apply):
 * from the records a file gave ({@link ParsedImport}) and the store, each row is `new`, `changed` (with the fields
 * that change), `unchanged` or `invalid` — by the kind's natural key (login, team name, Objektnummer, Personen-,
 * Kreditoren-, Eigentümernummer; planEntities.ts). Store-dependent checks happen here: referenced teams, logins and
 * Objektnummern exist; a new record has every value the store needs; a user the file deactivates while holding
 * assignments is warned about (Verantwortlichen ändern).
 *
 * Rules (docs/import.md "For the planner"): a field the file has no column for is left alone (new records get the
 * column's default); an empty cell clears the value. Phone numbers: the file's number of a kind replaces the
 * party's numbers of that kind; an empty cell removes them. Users: `team` adds the membership in that team (other
 * memberships are kept); an empty cell changes nothing. Nothing is written here.
 */
import { IxError, msg } from '../errors';
import type { Actor } from '../access/rights';
import { requireAdmin } from '../access/rights';
import type { AsyncQueryable, SqlCell } from '../store/asyncStore';
import { KIND_SPECS } from './columnCatalog';
import type { ImportMessage, RowIssue } from './importTypes';
import type { ParsedImport } from './importReader';
import type { PhoneCell } from './cellValues';
import {
  ENTITY_SPECS,
  IGNORED_FIELDS,
  PHONE_FIELDS,
  WRITABLE_KINDS,
  isRelationKind,
  isWritableKind,
  keyText,
  loadEntities,
  respOf,
  sortPhones,
  stateJson,
} from './planEntities';
import type { EntitySpec, EntityState, PhoneState, StoredEntity, WritableKind } from './planEntities';
import { displayCell, loadRefs, teamIdOf } from './storeRefs';
import { importMessage as m, missingTeam, rowIssues, toColumn } from './referenceCells';
import type { StoreRefs } from './storeRefs';
import { planRelationRow } from './planRelations';
import { neededByNewRecords } from './requiredFields';
import { loadRelations } from './relationStore';
import type { RelationWrite } from './planRelations';

/** Status of a planned row. */
export type PlanStatus = 'new' | 'changed' | 'unchanged' | 'invalid';

/** One field a row changes, in readable form (team names, logins, Objektnummern; phones as written). */
export interface FieldChange {
  readonly field: string;
  readonly before: string | null;
  readonly after: string | null;
}

/** One row of the plan. */
export interface PlanRow {
  /** row number as Excel shows it (and the CSV line) */
  readonly row: number;
  readonly line?: number;
  /** the natural key as written ('' for rows the file could not read) */
  readonly key: string;
  readonly status: PlanStatus;
  readonly changes: readonly FieldChange[];
  /** the file's and the store's issues of this row (errors make it invalid; warnings keep it) */
  readonly issues: readonly RowIssue[];
  /** the stored record (changed/unchanged rows) */
  readonly entityId?: number;
  /** the state before (changed) and the state to write (new, changed) */
  readonly before?: EntityState;
  readonly after?: EntityState;
  /** object-links, responsibilities: the relation rows to insert or update (planRelations.ts) */
  readonly relations?: readonly RelationWrite[];
}

/** Counts per status. */
export interface PlanCounts {
  readonly new: number;
  readonly changed: number;
  readonly unchanged: number;
  readonly invalid: number;
}

/** The preview of an import: what applying it would do to the store. */
export interface ImportPlan {
  readonly kind: WritableKind;
  readonly rows: readonly PlanRow[];
  readonly counts: PlanCounts;
  /** fields of the file the schema has no column for (ignored) */
  readonly ignoredFields: readonly string[];
  /** the parsed file the plan was made from (apply plans again from it inside its transaction) */
  readonly parsed: ParsedImport;
}

/** The kind is read and checked, but not yet written by the importer. */
export class ImportKindNotWritableError extends IxError {
  constructor(kind: string) {
    super('E_IMPORT_KIND_NOT_WRITABLE', msg('Importing and exporting {0} is not available yet. Available are: {1}.'), [
      kind,
      WRITABLE_KINDS.join(', '),
    ]);
  }
}

/** Context of one planning run. */
interface PlanContext {
  readonly spec: EntitySpec;
  readonly refs: StoreRefs;
  readonly stored: Map<string, StoredEntity>;
  /** users: assignments held per user id (for the deactivation warning) */
  readonly assignments: Map<number, number>;
  readonly columnOf: Map<string, { letter: string; header: string }>;
}

/**
 * Plans an import of `parsed` against the store (reads only; run it inside a transaction for a consistent view).
 * Administrators only: the preview shows stored values of every record.
 * Object links and responsibility assignments are planned by planRelations.ts (key: the relation itself).
 * @throws PermissionError (not an administrator), ImportKindNotWritableError for a kind the importer does not write
 */
export async function planImport(
  store: AsyncQueryable,
  actor: Actor | undefined,
  parsed: ParsedImport,
): Promise<ImportPlan> {
  requireAdmin(actor, 'import master data');
  const kind = parsed.kind;
  if (!isWritableKind(kind)) throw new ImportKindNotWritableError(kind);
  const refs = await loadRefs(store);
  const columnOf = new Map(parsed.mapping.columns.map((c) => [c.field, { letter: c.letter, header: c.header }]));
  const relations = isRelationKind(kind) ? await loadRelations(store, kind) : undefined;
  const spec = ENTITY_SPECS[isRelationKind(kind) ? 'objects' : kind];
  const stored = relations ? new Map<string, StoredEntity>() : await loadEntities(store, spec);
  const assignments = new Map<number, number>();
  if (kind === 'users')
    for (const r of await store.query<{ user_id: number; n: number }>(
      'SELECT user_id, count(*) AS n FROM responsibilities GROUP BY user_id',
    ))
      assignments.set(Number(r.user_id), Number(r.n));
  const ctx: PlanContext = { spec, refs, stored, assignments, columnOf };

  const issuesByRow = new Map<number, RowIssue[]>();
  for (const issue of parsed.issues) {
    const list = issuesByRow.get(issue.row) ?? [];
    list.push(issue);
    issuesByRow.set(issue.row, list);
  }
  const rows: PlanRow[] = parsed.invalidRows.map((row) => ({
    row,
    key: '',
    status: 'invalid',
    changes: [],
    issues: issuesByRow.get(row) ?? [],
  }));
  for (const r of parsed.rows) {
    const record = r.record as unknown as Record<string, unknown>;
    const fileIssues = issuesByRow.get(r.row) ?? [];
    rows.push(
      relations
        ? planRelationRow({ refs, columnOf, relations }, r.row, r.line, record, fileIssues)
        : planRow(ctx, r.row, r.line, record, fileIssues),
    );
  }
  rows.sort((a, b) => a.row - b.row);
  const counts = { new: 0, changed: 0, unchanged: 0, invalid: 0 };
  for (const r of rows) counts[r.status]++;
  const present = new Set(parsed.mapping.columns.map((c) => c.field));
  const ignoredFields = (isRelationKind(kind) ? [] : (IGNORED_FIELDS[kind] ?? [])).filter((f) => present.has(f));
  return { kind, rows, counts, ignoredFields, parsed };
}

function planRow(
  ctx: PlanContext,
  row: number,
  line: number | undefined,
  record: Record<string, unknown>,
  fileIssues: readonly RowIssue[],
): PlanRow {
  const { spec, refs } = ctx;
  const keyValue = record[spec.keyField];
  const key = String(keyValue);
  const stored = ctx.stored.get(keyText(spec, keyValue));
  const { issues, add } = rowIssues(ctx.columnOf, row, line, fileIssues);
  const error = (field: string, message: ImportMessage): void => add(field, 'error', message);
  const label = (field: string): string => KIND_SPECS[spec.kind].fields.find((f) => f.id === field)?.label ?? field;

  const cols: Record<string, SqlCell> = {};
  for (const b of spec.bindings) cols[b.column] = stored ? (stored.state.cols[b.column] ?? null) : b.defaultNew;
  for (const b of spec.bindings) {
    if (b.derived === true) continue;
    const value = record[b.field];
    if (value === undefined) {
      if (!stored && neededByNewRecords(spec.kind, b.field))
        error(b.field, m('new-needs', msg('A new record needs {0}: add the column to the file.'), [label(b.field)]));
      continue;
    }
    const converted = toColumn(refs, b, value);
    if ('error' in converted) {
      error(b.field, converted.error);
      continue;
    }
    if (converted.value === null && (b.requiredNew === true || b.notNull === true)) {
      error(b.field, m('needs-value', msg('{0} is empty, but the store needs a value for it.'), [label(b.field)]));
      continue;
    }
    cols[b.column] = converted.value;
  }

  if (spec.closedStatus !== undefined) cols.closed = cols.status === spec.closedStatus ? 1 : 0;

  let resp: Record<string, number | null> | undefined;
  if (spec.responsibilities) {
    resp = stored ? respOf(spec, stored.state) : respOf(spec, { cols });
    for (const f of spec.responsibilities.fields) {
      const login = record[f.field] as string | null | undefined;
      if (login === undefined) continue;
      if (login === null) resp[f.role] = null;
      else {
        const converted = toColumn(refs, { field: f.field, column: f.role, kind: 'userRef', defaultNew: null }, login);
        if ('error' in converted) error(f.field, converted.error);
        else resp[f.role] = Number(converted.value);
      }
    }
  }

  let phones: PhoneState[] | undefined;
  if (spec.phoneOrigin) {
    phones = [...(stored?.state.phones ?? [])];
    for (const p of PHONE_FIELDS) {
      const cell = record[p.field] as PhoneCell | null | undefined;
      if (cell === undefined) continue;
      phones = phones.filter((x) => x.kind !== p.kind);
      if (cell !== null) phones.push({ kind: p.kind, raw: cell.raw });
    }
    phones = sortPhones(phones);
  }

  let teams: number[] | undefined;
  if (spec.teamMembership) {
    teams = [...(stored?.state.teams ?? [])];
    const team = record.team as string | null | undefined;
    if (typeof team === 'string') {
      const id = teamIdOf(refs, team);
      if (id === undefined) error('team', missingTeam(team));
      else if (!teams.includes(id)) teams.push(id);
    }
    teams.sort((a, b) => a - b);
  }

  if (spec.kind === 'users' && stored && stored.state.cols.active === 1 && cols.active === 0) {
    const held = ctx.assignments.get(stored.id) ?? 0;
    if (held > 0) {
      const column = ctx.columnOf.get('active');
      issues.push({
        row,
        ...(line !== undefined ? { line } : {}),
        ...(column ? { column } : {}),
        field: 'active',
        severity: 'warning',
        message: m(
          'deactivates-holder',
          msg(
            'The file deactivates {0}, who still holds {1} assignments: hand them over with Verantwortlichen ändern (responsible transfer).',
          ),
          [key, held],
        ),
      });
    }
  }

  const after: EntityState = {
    cols,
    ...(phones ? { phones } : {}),
    ...(teams ? { teams } : {}),
    ...(resp ? { resp } : {}),
  };
  if (issues.some((i) => i.severity === 'error'))
    return { row, ...(line !== undefined ? { line } : {}), key, status: 'invalid', changes: [], issues };
  if (!stored) return { row, ...(line !== undefined ? { line } : {}), key, status: 'new', changes: [], issues, after };
  const changes = diff(spec, refs, stored.state, after);
  const base = { row, ...(line !== undefined ? { line } : {}), key, issues, entityId: stored.id };
  if (changes.length === 0) return { ...base, status: 'unchanged', changes };
  return { ...base, status: 'changed', changes, before: stored.state, after };
}

/** The fields that differ between two states, readable. */
function diff(spec: EntitySpec, refs: StoreRefs, before: EntityState, after: EntityState): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const b of spec.bindings) {
    const x = before.cols[b.column] ?? null;
    const y = after.cols[b.column] ?? null;
    if (x !== y) changes.push({ field: b.field, before: displayCell(refs, b, x), after: displayCell(refs, b, y) });
  }
  if (spec.phoneOrigin) {
    for (const p of PHONE_FIELDS) {
      const x = (before.phones ?? [])
        .filter((n) => n.kind === p.kind)
        .map((n) => n.raw)
        .join(', ');
      const y = (after.phones ?? [])
        .filter((n) => n.kind === p.kind)
        .map((n) => n.raw)
        .join(', ');
      if (x !== y) changes.push({ field: p.field, before: x === '' ? null : x, after: y === '' ? null : y });
    }
  }
  if (spec.teamMembership) {
    const names = (s: EntityState): string =>
      (s.teams ?? []).map((id) => refs.teamNameById.get(id) ?? `#${id}`).join(', ');
    if (names(before) !== names(after))
      changes.push({ field: 'team', before: names(before) || null, after: names(after) || null });
  }
  if (spec.responsibilities)
    for (const f of spec.responsibilities.fields) {
      const login = (s: EntityState): string | null => {
        const id = s.resp?.[f.role] ?? null;
        return id === null ? null : (refs.loginByUserId.get(id) ?? `#${id}`);
      };
      if (login(before) !== login(after)) changes.push({ field: f.field, before: login(before), after: login(after) });
    }
  // the canonical JSON decides; the field list above is for people
  if (changes.length === 0 && stateJson(spec, before) !== stateJson(spec, after))
    changes.push({ field: '*', before: null, after: null });
  return changes;
}
