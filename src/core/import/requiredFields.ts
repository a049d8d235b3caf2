/**
 * Which columns an import file must have, and which values a NEW record needs (issue 22 "required columns are named
 * when missing"; docs/import.md "Required columns: new records and updates"). One place for the rule, shared by the
 * reader (columnMapping.ts: the columns every file needs) and the planner (plan.ts: what a row that is new needs), so
 * that an update file may leave out what only new records need — e.g. users `Login;Aktiv` to deactivate users, or
 * teams `Team;Teamleiter` for the second pass that sets team leaders.
 */
import type { FieldSpec } from './columnCatalog';
import { KIND_SPECS } from './columnCatalog';
import type { ImportKind } from './importTypes';
import { ENTITY_SPECS, isRelationKind } from './planEntities';

/**
 * True when every file of `kind` must have a column for `field`: the natural key of a record kind, and every required
 * field of a relation kind (object-links, responsibilities: their required fields identify the row). Other required
 * fields are needed only by new records; the planner reports a new row without them ({@link neededByNewRecords}).
 */
export function columnNeededInEveryFile(kind: ImportKind, field: FieldSpec): boolean {
  if (field.required !== true) return false;
  return isRelationKind(kind) || KIND_SPECS[kind].key.includes(field.id);
}

/**
 * True when a NEW record of `kind` needs a value for `field` (the file must have the column when a row is new, and
 * its cell must not be empty): a required field of the catalogue, or a store column that is NOT NULL without a
 * default (planEntities.ts `requiredNew`). Relation kinds: every required field ({@link columnNeededInEveryFile}).
 */
export function neededByNewRecords(kind: ImportKind, fieldId: string): boolean {
  if (KIND_SPECS[kind].fields.some((f) => f.id === fieldId && f.required === true)) return true;
  if (isRelationKind(kind)) return false;
  return ENTITY_SPECS[kind].bindings.some((b) => b.field === fieldId && b.requiredNew === true);
}

/** The required fields of `kind` by when they are needed (field ids, catalogue order); for docs and tests. */
export function requiredFieldsOf(kind: ImportKind): { everyFile: string[]; newRecords: string[] } {
  const fields = KIND_SPECS[kind].fields;
  const everyFile = fields.filter((f) => columnNeededInEveryFile(kind, f)).map((f) => f.id);
  const newRecords = fields.filter((f) => !everyFile.includes(f.id) && neededByNewRecords(kind, f.id)).map((f) => f.id);
  return { everyFile, newRecords };
}
