/**
 * The stored master data of a kind as import records (issue 22 "Export of every kind … round trip: export →
 * import reports 0 changes"): the inverse of the planner's column bindings (planEntities.ts), ordered by the
 * natural key. Phone numbers: the first stored number of each kind (a party with several numbers of one kind keeps
 * only the first in a file; the planner would then replace the others — see docs/import.md).
 */
import type { AsyncQueryable, SqlCell } from '../store/asyncStore';
import type { ImportRecordMap } from './importRecords';
import { ImportKindNotWritableError } from './plan';
import { ENTITY_SPECS, PHONE_FIELDS, isWritableKind, loadEntities } from './planEntities';
import type { Binding } from './planEntities';
import { displayCell, loadRefs } from './storeRefs';
import type { StoreRefs } from './storeRefs';
import { objectLinkRecords, responsibilityRecords } from './relationStore';
import type { ImportKind } from './importTypes';
import { normalizePhoneNumber } from '../cti/phoneNumber';
import { ownAreaCode } from '../cti/phoneIndex';

function fromColumn(refs: StoreRefs, b: Binding, value: SqlCell): unknown {
  if (value === null) return null;
  switch (b.kind) {
    case 'bool':
      return Number(value) === 1;
    case 'int':
      return Number(value);
    case 'objectRef':
      return refs.objectNoById.get(Number(value)) ?? null;
    case 'creditorRef':
      return refs.creditorNoById.get(Number(value)) ?? null;
    case 'meldungRef':
      return refs.meldungNoById.get(Number(value)) ?? null;
    case 'teamRef':
    case 'userRef':
      return displayCell(refs, b, value);
    case 'textOrEmpty':
      return value === '' ? null : String(value);
    default:
      return String(value);
  }
}

/**
 * All records of a kind as the export writes them (exportWriter.ts), ordered by natural key.
 * @throws ImportKindNotWritableError for kinds not exported yet
 */
export async function storeRecords<K extends ImportKind>(
  store: AsyncQueryable,
  kind: K,
): Promise<ImportRecordMap[K][]> {
  if (!isWritableKind(kind)) throw new ImportKindNotWritableError(kind);
  const refs = await loadRefs(store);
  if (kind === 'object-links') return (await objectLinkRecords(store)) as ImportRecordMap[K][];
  if (kind === 'responsibilities') return (await responsibilityRecords(store, refs)) as ImportRecordMap[K][];
  const spec = ENTITY_SPECS[kind as Exclude<ImportKind, 'object-links' | 'responsibilities'>];
  const areaCode = await ownAreaCode(store);
  const entities = [...(await loadEntities(store, spec)).values()];
  const numeric = spec.keyColumn !== 'login' && spec.keyColumn !== 'name';
  entities.sort((a, b) => (numeric ? Number(a.key) - Number(b.key) : a.key.localeCompare(b.key)));
  return entities.map((e) => {
    const record: Record<string, unknown> = { [spec.keyField]: numeric ? Number(e.key) : e.key };
    for (const b of spec.bindings)
      if (b.derived !== true) record[b.field] = fromColumn(refs, b, e.state.cols[b.column] ?? null);
    for (const f of spec.responsibilities?.fields ?? []) {
      const userId = e.state.resp?.[f.role] ?? null;
      record[f.field] = userId === null ? null : (refs.loginByUserId.get(userId) ?? null);
    }
    if (spec.phoneOrigin)
      for (const p of PHONE_FIELDS) {
        const raw = (e.state.phones ?? []).find((x) => x.kind === p.kind)?.raw;
        if (raw === undefined) record[p.field] = null;
        else {
          const n = normalizePhoneNumber(raw, { areaCode });
          record[p.field] = { raw, e164: n.kind === 'number' ? n.e164 : undefined };
        }
      }
    if (spec.teamMembership) {
      const names = (e.state.teams ?? []).map((id) => refs.teamNameById.get(id) ?? '').filter((n) => n !== '');
      record.team = names.sort((a, b) => a.localeCompare(b))[0] ?? null;
    }
    return record as unknown as ImportRecordMap[K];
  });
}
