/**
 * One row → one typed record of its kind, with the issues of the row (issue 22 "for each invalid row the row
 * number, column and reason"; "phone numbers that cannot be read are imported as text, flagged").
 */
import { msg } from '../errors';
import type { FieldSpec } from './columnCatalog';
import { KIND_SPECS, enumDisplay, enumValue } from './columnCatalog';
import type { CellResult } from './cellValues';
import {
  cellText,
  readBoolean,
  readDate,
  readDateTime,
  readEmail,
  readKeyNumber,
  readLogin,
  readPhone,
  readRightsClass,
  readText,
  readZip,
} from './cellValues';
import type { ColumnMapping } from './columnMapping';
import type { ImportMessage, ReconstructedValue, RowIssue, SheetCell, SheetRow } from './importTypes';
import type { ImportRecordMap } from './importRecords';

/** Options of {@link validateRow}. */
export interface ValidateOptions {
  /** the store's own area code (Ortsvorwahl, `meta cti.areaCode`) for phone numbers written without one */
  readonly areaCode?: string;
}

/** The outcome for one row: the record (when the row has no error), its issues and reconstructed cells. */
export interface RowOutcome<K extends keyof ImportRecordMap> {
  readonly record: ImportRecordMap[K] | undefined;
  readonly issues: readonly RowIssue[];
  readonly reconstructed: readonly ReconstructedValue[];
}

function readField(
  field: FieldSpec,
  cell: SheetCell | null | undefined,
  options: ValidateOptions,
): CellResult<unknown> {
  switch (field.type) {
    case 'number':
      return readKeyNumber(cell);
    case 'text':
      return readText(cell, field.maxLength);
    case 'login':
      return readLogin(cell);
    case 'zip':
      return readZip(cell);
    case 'phone':
      return readPhone(cell, options.areaCode);
    case 'email':
      return readEmail(cell);
    case 'date':
      return readDate(cell);
    case 'datetime':
      return readDateTime(cell);
    case 'boolean':
      return readBoolean(cell);
    case 'rightsClass':
      return readRightsClass(cell);
    case 'enum': {
      const text = cellText(cell);
      if (text === '') return { ok: true, value: null };
      const value = enumValue(field, text);
      if (value !== undefined) {
        // another spelling (`dringend` for `hoch`) is listed with the reconstructed values, so that the user sees
        // what it was read as; the value's own spellings (any case; the German one of English-stored values) are not
        const shown = enumDisplay(field, value);
        if (enumValue({ ...field, values: [{ value, aliases: [shown] }] }, text) !== undefined)
          return { ok: true, value };
        return {
          ok: true,
          value,
          reconstructed: {
            stored: text,
            message: {
              code: 'enum-alias',
              template: msg('"{0}" is another spelling of "{1}" and was read as it.'),
              args: [text, shown],
            },
          },
        };
      }
      // German spelling first (module values are stored in English: show their German alias)
      const allowed = (field.values ?? []).map((v) => enumDisplay(field, v.value));
      return {
        ok: false,
        message: {
          code: 'enum',
          template: msg('"{0}" is not one of the allowed values: {1}.'),
          args: [text, allowed.join(', ')],
        },
      };
    }
  }
}

/** True when a row has no value in any cell (skipped, not an error). */
export function isBlankRow(row: SheetRow): boolean {
  return !row.broken && row.cells.every((c) => cellText(c) === '');
}

/**
 * Validates one data row against the mapping of its kind. Returns the typed record (undefined when the row has an
 * error), every issue (errors and warnings) and the cells that had to be reconstructed.
 */
export function validateRow<K extends keyof ImportRecordMap>(
  kind: K,
  mapping: ColumnMapping,
  row: SheetRow,
  options: ValidateOptions = {},
): RowOutcome<K> {
  const spec = KIND_SPECS[kind];
  const issues: RowIssue[] = [];
  const reconstructed: ReconstructedValue[] = [];
  const at = { row: row.row, ...(row.line !== undefined ? { line: row.line } : {}) };
  if (row.broken) {
    const letter = mapping.columns.find((c) => c.index === row.broken?.columnIndex);
    issues.push({
      ...at,
      ...(letter ? { column: { letter: letter.letter, header: letter.header } } : {}),
      severity: 'error',
      message: row.broken.message,
    });
    return { record: undefined, issues, reconstructed };
  }
  const values: Record<string, unknown> = {};
  const error = (
    column: { letter: string; header: string } | undefined,
    field: string,
    message: ImportMessage,
  ): void => {
    issues.push({ ...at, ...(column ? { column } : {}), field, severity: 'error', message });
  };
  for (const binding of mapping.columns) {
    const field = spec.fields.find((f) => f.id === binding.field);
    if (!field) continue;
    const column = { letter: binding.letter, header: binding.header };
    const result = readField(field, row.cells[binding.index], options);
    if (!result.ok) {
      error(column, field.id, result.message);
      continue;
    }
    values[field.id] = result.value;
    if (result.reconstructed)
      reconstructed.push({
        row: row.row,
        column,
        field: field.id,
        stored: result.reconstructed.stored,
        used: usedText(result.value),
        message: result.reconstructed.message,
      });
    if (result.warning) issues.push({ ...at, column, field: field.id, severity: 'warning', message: result.warning });
    if (field.required && result.value === null)
      error(column, field.id, {
        code: 'required',
        template: msg('{0} is empty; every row needs it.'),
        args: [field.label],
      });
  }
  kindChecks(kind, values, (message) => issues.push({ ...at, severity: 'error', message }));
  const valid = !issues.some((i) => i.severity === 'error');
  return { record: valid ? (values as unknown as ImportRecordMap[K]) : undefined, issues, reconstructed };
}

function usedText(value: unknown): string {
  if (value && typeof value === 'object' && 'raw' in value) return String((value as { raw: unknown }).raw);
  return String(value);
}

/** Rules across fields of one row. */
function kindChecks(
  kind: keyof ImportRecordMap,
  values: Record<string, unknown>,
  error: (m: ImportMessage) => void,
): void {
  if (kind === 'object-links') {
    if (values.ownerNo == null && values.creditorNo == null && values.personNo == null)
      error({
        code: 'link-empty',
        template: msg(
          'The row links the object to nobody: give an Eigentümernummer, Kreditorennummer or Personennummer.',
        ),
        args: [],
      });
  }
  if (kind === 'responsibilities') {
    const record = values.record ?? null;
    let module = values.module ?? null;
    if (module === null) module = record === null ? 'objects' : null;
    if (module === null)
      error({
        code: 'module-missing',
        template: msg(
          'The row names a record but no module: give the module (Meldungen, Aufträge, Technische Objekte).',
        ),
        args: [],
      });
    else if ((module === 'objects') !== (record === null))
      error({
        code: 'module-record',
        template: msg(
          'The module {0} needs a record (Meldungs-/Auftragsnummer or technical object) unless it is Objekte, which has none.',
        ),
        args: [String(module)],
      });
    values.module = module;
    values.record = record;
    values.role = values.role ?? 'responsible';
  }
}
