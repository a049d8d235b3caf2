/**
 * The one place that knows the XLSX libraries (issue 22 "keep the XLSX reader behind one small adapter"):
 * read-excel-file (reading) and write-excel-file (writing), both by the same maintainer, MIT, depending only on
 * fflate/saxen. Chosen over the npm `xlsx` package (stuck at 0.18.5 with published advisories) and exceljs (no
 * stable release since 4.4.0, old archiver/unzipper dependencies). Everything else sees {@link SheetRow}s.
 *
 * Numbers are read with their stored digits (read-excel-file's `parseNumber` hook gets the text of `<v>`), so a PLZ
 * or phone number that Excel stored as a number keeps all its digits (`301234567`, never `3.01E+08`); the leading
 * zero Excel dropped is reconstructed later (cellValues.ts).
 */
import readXlsxFile, { InvalidInputError } from 'read-excel-file/node';
import writeXlsxFile from 'write-excel-file/node';
import type { SheetCell, SheetRow } from './importTypes';
import { ImportSheetNotFoundError, ImportWorkbookError } from './importErrors';

/** Milliseconds per day, and the Excel serial of 1970-01-01 (1900 date system). */
const DAY_MS = 86_400_000;
const UNIX_EPOCH_SERIAL = 25_569;

/** Marks a number cell inside read-excel-file's result. */
class StoredNumber {
  constructor(readonly raw: string) {}
}

/** A workbook sheet read into rows. */
export interface XlsxSheetRead {
  /** all sheet names of the workbook, in order */
  readonly sheetNames: readonly string[];
  readonly sheet: { readonly name: string; readonly how: 'first' | 'given' };
  /** the rows of the sheet; `row` = the Excel row number */
  readonly rows: readonly SheetRow[];
}

/**
 * Reads one sheet of an XLSX workbook (`sheet` by name; default the first sheet).
 * @throws ImportSheetNotFoundError when `sheet` is not in the workbook
 * @throws ImportWorkbookError when the file is no readable workbook (damaged, not a spreadsheet package)
 */
export async function readXlsxSheet(file: string, bytes: Buffer, sheet?: string): Promise<XlsxSheetRead> {
  let sheets: Array<{ sheet: string; data: ReadonlyArray<ReadonlyArray<unknown>> }>;
  try {
    sheets = await readXlsxFile<StoredNumber>(bytes, { parseNumber: (text: string) => new StoredNumber(text) });
  } catch (error) {
    const reason =
      error instanceof InvalidInputError
        ? error.code === 'INVALID_ZIP'
          ? 'damaged ZIP package'
          : error.code === 'NO_DATA'
            ? 'no sheet data'
            : 'not an Excel workbook inside'
        : error instanceof Error
          ? error.message
          : String(error);
    throw new ImportWorkbookError(file, reason);
  }
  const sheetNames = sheets.map((s) => s.sheet);
  const wanted = sheet !== undefined && sheet !== '' ? sheets.find((s) => s.sheet === sheet) : sheets[0];
  if (!wanted) {
    if (sheet !== undefined && sheet !== '') {
      // Excel treats sheet names case-insensitively: accept the name in another case
      const byCase = sheets.find((s) => s.sheet.toLowerCase() === sheet.toLowerCase());
      if (byCase) return toSheetRead(sheetNames, byCase, 'given');
      throw new ImportSheetNotFoundError(sheet, sheetNames);
    }
    throw new ImportWorkbookError(file, 'no sheet');
  }
  return toSheetRead(sheetNames, wanted, sheet !== undefined && sheet !== '' ? 'given' : 'first');
}

function toSheetRead(
  sheetNames: readonly string[],
  sheet: { sheet: string; data: ReadonlyArray<ReadonlyArray<unknown>> },
  how: 'first' | 'given',
): XlsxSheetRead {
  const rows: SheetRow[] = sheet.data.map((values, index) => ({ row: index + 1, cells: values.map(toCell) }));
  return { sheetNames, sheet: { name: sheet.sheet, how }, rows };
}

function toCell(value: unknown): SheetCell | null {
  if (value === null || value === undefined) return null;
  if (value instanceof StoredNumber) return { type: 'number', raw: value.raw, value: Number(value.raw) };
  if (value instanceof Date) return { type: 'date', value };
  if (typeof value === 'boolean') return { type: 'boolean', value };
  if (typeof value === 'number') return { type: 'number', raw: String(value), value };
  const text = String(value);
  return text === '' ? null : { type: 'text', text };
}

/** One cell to write: text (always a text cell, never a formula), a number, or a date with its format. */
export type ExportCell =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'number'; readonly value: number }
  /** `value` holds the wall-clock date/time as UTC; `format` an Excel number format such as `dd.mm.yyyy` */
  | { readonly type: 'date'; readonly value: Date; readonly format: string }
  | null;

/**
 * Writes one sheet as an XLSX workbook (bytes). The first row is frozen (the header); column widths follow the
 * longest value (capped at 60 characters). Text cells are written as text, so Excel never evaluates them.
 */
export async function writeXlsxSheet(sheetName: string, rows: readonly (readonly ExportCell[])[]): Promise<Buffer> {
  const widths: number[] = [];
  const data = rows.map((row) =>
    row.map((cell, index) => {
      const length =
        cell === null ? 0 : cell.type === 'text' ? Math.max(...cell.text.split('\n').map((l) => l.length)) : 12;
      widths[index] = Math.max(widths[index] ?? 8, Math.min(60, length + 2));
      if (cell === null) return null;
      if (cell.type === 'text') return { type: String, value: cell.text, wrap: cell.text.includes('\n') };
      if (cell.type === 'number') return { type: Number, value: cell.value };
      // a date cell is a serial number (days since 1899-12-30) with a date format. read-excel-file turns the serial
      // into milliseconds with Math.floor, so a serial parsed a hair below the exact millisecond came back 1 ms early
      // (2026-08-25T17:16:50.937Z → .936Z): the serial is written half a millisecond late, which the floor drops.
      return {
        type: Number,
        value: (cell.value.getTime() + 0.5) / DAY_MS + UNIX_EPOCH_SERIAL,
        format: cell.format,
      };
    }),
  );
  const result = writeXlsxFile(data, {
    sheet: sheetName.slice(0, 31),
    columns: widths.map((width) => ({ width })),
    stickyRowsCount: 1,
  });
  return result.toBuffer();
}
