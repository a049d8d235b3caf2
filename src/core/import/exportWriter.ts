/**
 * Export of master data records to `.csv` and `.xlsx` (issue 22 "Export"): pure functions from records to file
 * bytes; the columns are the kind's catalogue (columnCatalog.ts) with its German headers, so that an exported file
 * reads back into the same records (round trip).
 *
 * CSV as German Excel opens it by double-click: UTF-8 with BOM, `;`, CRLF, quotes only where needed (RFC 4180).
 * Formula injection (OWASP "CSV Injection"): a text cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading
 * `'` in both formats, so no spreadsheet evaluates it; the import reader takes the `'` off again.
 */
import { stringify } from 'csv-stringify/sync';
import { zoneOffsetMinutes } from '../cti/callTime';
import type { FieldSpec } from './columnCatalog';
import { KIND_SPECS, enumDisplay } from './columnCatalog';
import type { ImportKind } from './importTypes';
import type { ImportRecordMap } from './importRecords';
import type { ExportCell } from './xlsxAdapter';
import { writeXlsxSheet } from './xlsxAdapter';
import { FORMULA_START } from './cellValues';

/** The byte order mark written before a UTF-8 CSV (Excel needs it to read UTF-8). */
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Escapes a text that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR first): `'` in front. */
export function escapeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

const two = (n: number): string => String(n).padStart(2, '0');

/** An ISO-8601 instant as German local wall-clock time (Europe/Berlin), as a Date whose UTC fields hold it. */
function berlinWall(iso: string): Date {
  const instant = new Date(iso);
  return new Date(instant.getTime() + zoneOffsetMinutes(instant) * 60_000);
}

/** `31.12.2026 14:30:15` (and `,123` when there are milliseconds), German local time. */
function germanDateTime(iso: string): string {
  const w = berlinWall(iso);
  const base = `${two(w.getUTCDate())}.${two(w.getUTCMonth() + 1)}.${w.getUTCFullYear()} ${two(w.getUTCHours())}:${two(w.getUTCMinutes())}:${two(w.getUTCSeconds())}`;
  return w.getUTCMilliseconds() === 0 ? base : `${base},${String(w.getUTCMilliseconds()).padStart(3, '0')}`;
}

/** The value of a record field as an export cell. */
function exportCell(field: FieldSpec, value: unknown, format: 'csv' | 'xlsx'): ExportCell {
  if (value === null || value === undefined) return null;
  const text = (t: string): ExportCell => ({ type: 'text', text: escapeFormula(t) });
  switch (field.type) {
    case 'number':
      return format === 'xlsx' ? { type: 'number', value: Number(value) } : { type: 'text', text: String(value) };
    case 'phone':
      return text(String((value as { raw: string }).raw));
    case 'boolean':
      return text(value ? 'ja' : 'nein');
    case 'enum': {
      // values stored under an English name (modules, roles) are written in their German spelling
      return text(enumDisplay(field, String(value)));
    }
    case 'date': {
      const iso = String(value);
      if (format === 'xlsx') return { type: 'date', value: new Date(`${iso}T00:00:00Z`), format: 'dd.mm.yyyy' };
      return text(`${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`);
    }
    case 'datetime':
      if (format === 'xlsx') return { type: 'date', value: berlinWall(String(value)), format: 'dd.mm.yyyy hh:mm:ss' };
      return text(germanDateTime(String(value)));
    default:
      return text(String(value));
  }
}

/** The header row and one row per record (cells in catalogue order). */
export function exportTable<K extends ImportKind>(
  kind: K,
  records: readonly ImportRecordMap[K][],
  format: 'csv' | 'xlsx',
): ExportCell[][] {
  const spec = KIND_SPECS[kind];
  const header: ExportCell[] = spec.fields.map((f) => ({ type: 'text', text: f.label }));
  const rows = records.map((record) => {
    const values = record as unknown as Record<string, unknown>;
    return spec.fields.map((f) => exportCell(f, values[f.id], format));
  });
  return [header, ...rows];
}

/** CSV bytes of records: UTF-8 with BOM, `;`, CRLF, quoted where needed. */
export function exportCsv<K extends ImportKind>(kind: K, records: readonly ImportRecordMap[K][]): Buffer {
  const table = exportTable(kind, records, 'csv').map((row) =>
    row.map((cell) => (cell === null ? '' : cell.type === 'text' ? cell.text : String(cell.value))),
  );
  const text = stringify(table, { delimiter: ';', record_delimiter: '\r\n', quoted_match: /[\r\n]|^\s|\s$/ });
  return Buffer.concat([UTF8_BOM, Buffer.from(text, 'utf8')]);
}

/** XLSX bytes of records: one sheet named after the kind (German), header frozen. */
export async function exportXlsx<K extends ImportKind>(
  kind: K,
  records: readonly ImportRecordMap[K][],
): Promise<Buffer> {
  return writeXlsxSheet(KIND_SPECS[kind].label, exportTable(kind, records, 'xlsx'));
}
