/**
 * Planning the relation kinds of the import (issue 22 "the object ↔ owner/creditor/person relations … responsibility
 * assignments (object/record, user, role)"). Their natural key is the relation itself:
 *
 * - **object-links**: Objektnummer + Eigentümer-/Kreditoren-/Personennummer. Owners and creditors are linked through
 *   `object_owners`/`object_creditors` (schema v1; a link exists or not); a person belongs to one object
 *   (`persons.object_id`), so linking a person moves it. Links are only added, never removed (a file lists links,
 *   not the complete set of an object).
 * - **responsibilities**: module + Objektnummer + record (Meldungs-/Auftragsnummer, technical object's name, none for
 *   the object itself) + role (`responsible`/`deputy`, the roles of the responsibility transfer,
 *   src/core/responsibility/transferRequest.ts); the value is the user's login. The record must belong to the object.
 *
 * Each planned row carries the {@link RelationWrite}s that apply it (writeRelations.ts), with before/after images for
 * undo. Rows of one file are planned against the store as the earlier rows leave it, so a file that names one
 * relation twice plans it once. Reads only; dialect-neutral SQL (asyncStore.ts).
 */
import { msg } from '../errors';
import type { ImportMessage, RowIssue } from './importTypes';
import type { FieldChange, PlanRow, PlanStatus } from './plan';
import { importMessage as m, rowIssues, toColumn } from './referenceCells';
import type { StoreRefs } from './storeRefs';
import { assignmentKey } from './relationStore';
import type { StoredRelations } from './relationStore';

/** Where a relation write goes (`import_batch_items.entity`, schema v12). */
export type RelationEntity = 'object_owners' | 'object_creditors' | 'person_objects' | 'responsibilities';

/** A relation's state as kept in a batch item (JSON): ids and, for assignments, module and role. */
export type RelationState = Readonly<Record<string, string | number | null>>;

/** One relation row to insert or update. */
export interface RelationWrite {
  readonly entity: RelationEntity;
  readonly action: 'insert' | 'update';
  /** readable key for undo reports (`1001 ↔ ET 5`, `meldungen 1001/20004 responsible`) */
  readonly key: string;
  /** the row changed: person id (person_objects), responsibilities.id (update) */
  readonly id?: number;
  readonly before: RelationState | null;
  readonly after: RelationState;
}

/** Context of {@link planRelationRow}. */
export interface RelationPlanContext {
  readonly refs: StoreRefs;
  readonly columnOf: Map<string, { letter: string; header: string }>;
  readonly relations: StoredRelations;
}

/**
 * Plans one valid row of an object-links or responsibilities file: `new` (no part of it exists), `changed` (some
 * part is added or moved), `unchanged`, or `invalid` (a record it names does not exist, or a record does not belong
 * to the object).
 */
export function planRelationRow(
  ctx: RelationPlanContext,
  row: number,
  line: number | undefined,
  record: Record<string, unknown>,
  fileIssues: readonly RowIssue[],
): PlanRow {
  const { issues, add } = rowIssues(ctx.columnOf, row, line, fileIssues);
  const planned =
    ctx.relations.kind === 'object-links'
      ? planLinks(ctx, record, (f, msg2) => add(f, 'error', msg2))
      : planAssignment(ctx, record, add);
  const base = { row, ...(line !== undefined ? { line } : {}), key: planned.key, issues };
  if (issues.some((i) => i.severity === 'error')) return { ...base, status: 'invalid', changes: [] };
  const status: PlanStatus = planned.writes.length === 0 ? 'unchanged' : planned.isNew ? 'new' : 'changed';
  // the next rows of the file see this row's writes (a relation named twice is planned once)
  remember(ctx.relations, planned.writes);
  return { ...base, status, changes: status === 'changed' ? planned.changes : [], relations: planned.writes };
}

interface PlannedRelations {
  readonly key: string;
  readonly writes: RelationWrite[];
  readonly changes: FieldChange[];
  readonly isNew: boolean;
}

function objectIdOf(
  ctx: RelationPlanContext,
  objectNo: number,
  error: (f: string, m: ImportMessage) => void,
): number | undefined {
  const converted = toColumn(
    ctx.refs,
    { field: 'objectNo', column: 'object_id', kind: 'objectRef', defaultNew: null },
    objectNo,
  );
  if ('error' in converted) {
    error('objectNo', converted.error);
    return undefined;
  }
  return Number(converted.value);
}

function planLinks(
  ctx: RelationPlanContext,
  record: Record<string, unknown>,
  error: (field: string, message: ImportMessage) => void,
): PlannedRelations {
  const s = ctx.relations;
  const objectNo = Number(record.objectNo);
  const ownerNo = record.ownerNo as number | null | undefined;
  const creditorNo = record.creditorNo as number | null | undefined;
  const personNo = record.personNo as number | null | undefined;
  const parts = [`${objectNo}`];
  if (typeof ownerNo === 'number') parts.push(`ET ${ownerNo}`);
  if (typeof creditorNo === 'number') parts.push(`Kred ${creditorNo}`);
  if (typeof personNo === 'number') parts.push(`Pers ${personNo}`);
  const key = parts.join(' ↔ ');
  const writes: RelationWrite[] = [];
  const changes: FieldChange[] = [];
  let isNew = true;
  const objectId = objectIdOf(ctx, objectNo, error);
  const missing = (field: string, code: string, what: string, no: number): void =>
    error(field, m(code, msg('{0} {1} does not exist. Import it first or correct the number.'), [what, no]));
  // owners and creditors: a link exists or is added (never removed)
  const linkParts = [
    {
      no: ownerNo,
      field: 'ownerNo',
      code: 'owner-missing',
      what: 'Eigentümer',
      tag: 'ET',
      entity: 'object_owners',
      column: 'owner_id',
      idByNo: s.ownerIdByNo,
      links: s.ownerLinks,
    },
    {
      no: creditorNo,
      field: 'creditorNo',
      code: 'creditor-missing',
      what: 'Kreditor',
      tag: 'Kred',
      entity: 'object_creditors',
      column: 'creditor_id',
      idByNo: ctx.refs.creditorIdByNo,
      links: s.creditorLinks,
    },
  ] as const;
  for (const part of linkParts) {
    if (typeof part.no !== 'number') continue;
    const partyId = part.idByNo.get(part.no);
    if (partyId === undefined) missing(part.field, part.code, part.what, part.no);
    else if (objectId !== undefined) {
      if (part.links.has(`${objectId}:${partyId}`)) isNew = false;
      else {
        writes.push({
          entity: part.entity,
          action: 'insert',
          key: `${objectNo} ↔ ${part.tag} ${part.no}`,
          id: partyId,
          before: null,
          after: { object_id: objectId, [part.column]: partyId },
        });
        changes.push({ field: part.field, before: null, after: String(part.no) });
      }
    }
  }
  if (typeof personNo === 'number') {
    const person = s.personByNo.get(personNo);
    if (person === undefined) missing('personNo', 'person-missing', 'Person', personNo);
    else if (objectId !== undefined) {
      if (person.objectId === objectId) isNew = false;
      else {
        if (person.objectId !== null) isNew = false;
        const was = person.objectId === null ? undefined : ctx.refs.objectNoById.get(person.objectId);
        writes.push({
          entity: 'person_objects',
          action: 'update',
          key: `${objectNo} ↔ Pers ${personNo}`,
          id: person.id,
          before: { object_id: person.objectId },
          after: { object_id: objectId },
        });
        changes.push({
          field: 'personNo',
          before: was === undefined ? null : `${personNo} (Objekt ${was})`,
          after: String(personNo),
        });
      }
    }
  }
  return { key, writes, changes, isNew };
}

const MODULE_LABEL: Readonly<Record<string, string>> = {
  objects: 'Objekte',
  meldungen: 'Meldungen',
  auftraege: 'Aufträge',
  technical_objects: 'Technische Objekte',
};

function planAssignment(
  ctx: RelationPlanContext,
  record: Record<string, unknown>,
  add: (field: string, severity: 'error' | 'warning', message: ImportMessage) => void,
): PlannedRelations {
  const s = ctx.relations;
  const module = String(record.module);
  const objectNo = Number(record.objectNo);
  const recordText = record.record === null || record.record === undefined ? null : String(record.record);
  const role = String(record.role);
  const login = String(record.login);
  const key = `${MODULE_LABEL[module] ?? module} ${objectNo}${recordText === null ? '' : `/${recordText}`} ${role}`;
  const none: PlannedRelations = { key, writes: [], changes: [], isNew: false };
  const error = (field: string, message: ImportMessage): void => add(field, 'error', message);
  const objectId = objectIdOf(ctx, objectNo, error);
  const user = toColumn(ctx.refs, { field: 'login', column: 'user_id', kind: 'userRef', defaultNew: null }, login);
  if ('error' in user) error('login', user.error);
  if (objectId === undefined || 'error' in user) return none;
  const userId = Number(user.value);
  let recordId: number | null = null;
  if (recordText !== null) {
    if (module === 'technical_objects') {
      const id = s.technicalByName.get(`${objectId}|${recordText}`);
      if (id === undefined) {
        error(
          'record',
          m('technical-missing', msg('The object {0} has no technical object "{1}". Correct the name.'), [
            objectNo,
            recordText,
          ]),
        );
        return none;
      }
      recordId = id;
    } else {
      const no = /^\d+$/.test(recordText.trim()) ? Number(recordText.trim()) : NaN;
      const found = (module === 'meldungen' ? s.meldungByNo : s.auftragByNo).get(no);
      const what = module === 'meldungen' ? 'Meldung' : 'Auftrag';
      if (found === undefined) {
        error(
          'record',
          m('record-missing', msg('{0} "{1}" does not exist. Import it first or correct the number.'), [
            what,
            recordText,
          ]),
        );
        return none;
      }
      if (found.objectId !== objectId) {
        error(
          'record',
          m(
            'record-object',
            msg('The {0} {1} belongs to another object than {2}. Correct the Objektnummer or the record.'),
            [what, recordText, objectNo],
          ),
        );
        return none;
      }
      recordId = found.id;
    }
  }
  if (!s.activeUsers.has(userId))
    add(
      'login',
      'warning',
      m('user-inactive', msg('The user {0} is deactivated: the assignment is imported, but nobody works on it.'), [
        login,
      ]),
    );
  const after: RelationState = { module, object_id: objectId, record_id: recordId, role, user_id: userId };
  const stored = s.assignments.get(assignmentKey(module, objectId, recordId, role));
  if (stored === undefined)
    return {
      key,
      writes: [{ entity: 'responsibilities', action: 'insert', key, before: null, after }],
      changes: [],
      isNew: true,
    };
  if (stored.userId === userId) return none;
  // an assignment planned by an earlier row of this file has no id yet: that row writes it; this one updates it
  return {
    key,
    writes: [
      {
        entity: 'responsibilities',
        action: stored.id === undefined ? 'insert' : 'update',
        key,
        ...(stored.id !== undefined ? { id: stored.id } : {}),
        before: { ...after, user_id: stored.userId },
        after,
      },
    ],
    changes: [
      { field: 'login', before: ctx.refs.loginByUserId.get(stored.userId) ?? `#${stored.userId}`, after: login },
    ],
    isNew: false,
  };
}

/** Applies planned writes to the in-memory view, for the next rows of the same file. */
function remember(s: StoredRelations, writes: readonly RelationWrite[]): void {
  for (const w of writes) {
    const a = w.after;
    if (w.entity === 'object_owners') s.ownerLinks.add(`${String(a.object_id)}:${String(a.owner_id)}`);
    else if (w.entity === 'object_creditors') s.creditorLinks.add(`${String(a.object_id)}:${String(a.creditor_id)}`);
    else if (w.entity === 'person_objects') {
      const person = s.personById.get(Number(w.id));
      if (person) person.objectId = Number(a.object_id);
    } else {
      const k = assignmentKey(
        String(a.module),
        Number(a.object_id),
        a.record_id === null ? null : Number(a.record_id),
        String(a.role),
      );
      s.assignments.set(k, { id: w.id, userId: Number(a.user_id) });
    }
  }
}
