/**
 * The stored relations of the relation kinds (issue 22: object links, responsibility assignments): what the relation
 * planner (planRelations.ts) compares a file with, and the export's records of these kinds (round trip: export →
 * import plans 0 changes). Dialect-neutral reads (asyncStore.ts).
 */
import type { AsyncQueryable } from '../store/asyncStore';
import type { ObjectLinkRecord, ResponsibilityRecord } from './importRecords';
import type { RelationKind } from './planEntities';
import type { StoreRefs } from './storeRefs';

/** The stored relations one planning run compares with (updated as rows are planned). */
export interface StoredRelations {
  readonly kind: RelationKind;
  readonly ownerIdByNo: Map<number, number>;
  readonly personByNo: Map<number, { id: number; objectId: number | null }>;
  readonly personById: Map<number, { id: number; objectId: number | null }>;
  /** `objectId:ownerId` / `objectId:creditorId` */
  readonly ownerLinks: Set<string>;
  readonly creditorLinks: Set<string>;
  /** `module|objectId|recordId|role` → assignment */
  readonly assignments: Map<string, { id: number | undefined; userId: number }>;
  readonly meldungByNo: Map<number, { id: number; objectId: number }>;
  readonly auftragByNo: Map<number, { id: number; objectId: number }>;
  /** `objectId|name` → technical object id */
  readonly technicalByName: Map<string, number>;
  readonly activeUsers: Set<number>;
}

/** Loads what {@link planRelationRow} compares with (a few queries, all rows of the tables concerned). */
export async function loadRelations(q: AsyncQueryable, kind: RelationKind): Promise<StoredRelations> {
  const s: StoredRelations = {
    kind,
    ownerIdByNo: new Map(),
    personByNo: new Map(),
    personById: new Map(),
    ownerLinks: new Set(),
    creditorLinks: new Set(),
    assignments: new Map(),
    meldungByNo: new Map(),
    auftragByNo: new Map(),
    technicalByName: new Map(),
    activeUsers: new Set(),
  };
  if (kind === 'object-links') {
    for (const r of await q.query<{ id: number; owner_no: number }>('SELECT id, owner_no FROM owners'))
      s.ownerIdByNo.set(Number(r.owner_no), Number(r.id));
    for (const r of await q.query<{ id: number; person_no: number; object_id: number | null }>(
      'SELECT id, person_no, object_id FROM persons',
    )) {
      const person = { id: Number(r.id), objectId: r.object_id === null ? null : Number(r.object_id) };
      s.personByNo.set(Number(r.person_no), person);
      s.personById.set(person.id, person);
    }
    for (const r of await q.query<{ o: number; p: number }>('SELECT object_id AS o, owner_id AS p FROM object_owners'))
      s.ownerLinks.add(`${Number(r.o)}:${Number(r.p)}`);
    for (const r of await q.query<{ o: number; p: number }>(
      'SELECT object_id AS o, creditor_id AS p FROM object_creditors',
    ))
      s.creditorLinks.add(`${Number(r.o)}:${Number(r.p)}`);
    return s;
  }
  for (const r of await q.query<{
    id: number;
    module: string;
    object_id: number;
    record_id: number | null;
    role: string;
    user_id: number;
  }>('SELECT id, module, object_id, record_id, role, user_id FROM responsibilities'))
    s.assignments.set(
      assignmentKey(r.module, Number(r.object_id), r.record_id === null ? null : Number(r.record_id), r.role),
      {
        id: Number(r.id),
        userId: Number(r.user_id),
      },
    );
  for (const r of await q.query<{ id: number; no: number; object_id: number }>(
    'SELECT id, meldung_no AS no, object_id FROM meldungen',
  ))
    s.meldungByNo.set(Number(r.no), { id: Number(r.id), objectId: Number(r.object_id) });
  for (const r of await q.query<{ id: number; no: number; object_id: number }>(
    'SELECT id, auftrag_no AS no, object_id FROM auftraege',
  ))
    s.auftragByNo.set(Number(r.no), { id: Number(r.id), objectId: Number(r.object_id) });
  for (const r of await q.query<{ id: number; object_id: number; name: string }>(
    'SELECT id, object_id, name FROM technical_objects',
  ))
    s.technicalByName.set(`${Number(r.object_id)}|${r.name}`, Number(r.id));
  for (const r of await q.query<{ id: number }>('SELECT id FROM users WHERE active = 1'))
    s.activeUsers.add(Number(r.id));
  return s;
}

/** The map key of an assignment (`responsibilities_unique`). */
export function assignmentKey(module: string, objectId: number, recordId: number | null, role: string): string {
  return `${module}|${objectId}|${recordId ?? 0}|${role}`;
}

/**
 * All object links as export records, one row per link (owner, creditor, person), ordered by Objektnummer, then
 * Eigentümer-, Kreditoren-, Personennummer.
 */
export async function objectLinkRecords(q: AsyncQueryable): Promise<ObjectLinkRecord[]> {
  const out: ObjectLinkRecord[] = [];
  for (const r of await q.query<{ o: number; n: number; k: string }>(
    `SELECT o.object_no AS o, w.owner_no AS n, 'owner' AS k FROM object_owners l JOIN objects o ON o.id = l.object_id JOIN owners w ON w.id = l.owner_id
     UNION ALL SELECT o.object_no, c.creditor_no, 'creditor' FROM object_creditors l JOIN objects o ON o.id = l.object_id JOIN creditors c ON c.id = l.creditor_id
     UNION ALL SELECT o.object_no, p.person_no, 'person' FROM persons p JOIN objects o ON o.id = p.object_id`,
  )) {
    const no = Number(r.n);
    out.push({
      objectNo: Number(r.o),
      ownerNo: r.k === 'owner' ? no : null,
      creditorNo: r.k === 'creditor' ? no : null,
      personNo: r.k === 'person' ? no : null,
    });
  }
  const rank = (x: ObjectLinkRecord): number[] => [x.objectNo, x.ownerNo ?? -1, x.creditorNo ?? -1, x.personNo ?? -1];
  return out.sort((a, b) => {
    const x = rank(a);
    const y = rank(b);
    for (let i = 0; i < x.length; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
  });
}

const MODULE_ORDER = ['objects', 'meldungen', 'auftraege', 'technical_objects'];

/**
 * All responsibility assignments as export records (record = Meldungs-/Auftragsnummer as text, the technical
 * object's name, null for the object itself), ordered by module, Objektnummer, record, role.
 */
export async function responsibilityRecords(q: AsyncQueryable, refs: StoreRefs): Promise<ResponsibilityRecord[]> {
  const rows = await q.query<{
    module: ResponsibilityRecord['module'];
    o: number;
    rec: string | number | null;
    role: ResponsibilityRecord['role'];
    user_id: number;
  }>(
    `SELECT r.module, o.object_no AS o, r.role, r.user_id,
       CASE r.module WHEN 'meldungen' THEN (SELECT cast(m.meldung_no AS TEXT) FROM meldungen m WHERE m.id = r.record_id)
                     WHEN 'auftraege' THEN (SELECT cast(a.auftrag_no AS TEXT) FROM auftraege a WHERE a.id = r.record_id)
                     WHEN 'technical_objects' THEN (SELECT t.name FROM technical_objects t WHERE t.id = r.record_id)
                     ELSE NULL END AS rec
     FROM responsibilities r JOIN objects o ON o.id = r.object_id`,
  );
  const out: ResponsibilityRecord[] = rows.map((r) => ({
    module: r.module,
    objectNo: Number(r.o),
    record: r.rec === null ? null : String(r.rec),
    login: refs.loginByUserId.get(Number(r.user_id)) ?? `#${Number(r.user_id)}`,
    role: r.role,
  }));
  return out.sort(
    (a, b) =>
      MODULE_ORDER.indexOf(a.module) - MODULE_ORDER.indexOf(b.module) ||
      a.objectNo - b.objectNo ||
      (a.record ?? '').localeCompare(b.record ?? '', 'de', { numeric: true }) ||
      (a.role === b.role ? 0 : a.role === 'responsible' ? -1 : 1),
  );
}
