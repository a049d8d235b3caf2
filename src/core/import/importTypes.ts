/**
 * Shared shapes of the master data import (issue 22, DESIGN.md §4a "Imports run as a pipeline"): what the readers
 * deliver (sheet cells as the file stored them), what was detected about the file, and the issues reported per row.
 * The typed records per kind are in importRecords.ts; the column catalogue in columnCatalog.ts.
 */

/** The kinds of master data that can be imported and exported (issue 22 "Kinds"). CLI names are the same. */
export const IMPORT_KINDS = [
  'users',
  'teams',
  'objects',
  'persons',
  'creditors',
  'owners',
  'object-links',
  'meldungen',
  'auftraege',
  'responsibilities',
] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** True when `value` is one of {@link IMPORT_KINDS}. */
export function isImportKind(value: string): value is ImportKind {
  return (IMPORT_KINDS as readonly string[]).includes(value);
}

/**
 * One cell as the file stored it. CSV cells are always `text`; an XLSX cell keeps its stored type, so that a
 * number Excel stored for a PLZ or a phone number can be recognised and reconstructed (issue 22 "Cells as the user
 * saw them").
 */
export type SheetCell =
  | { readonly type: 'text'; readonly text: string }
  /** `raw` is the number exactly as stored in the sheet XML (all digits, e.g. `301234567`), `value` its JS number */
  | { readonly type: 'number'; readonly raw: string; readonly value: number }
  /** a cell with a date format; the instant is the wall-clock date/time read as UTC (Excel has no time zones) */
  | { readonly type: 'date'; readonly value: Date }
  | { readonly type: 'boolean'; readonly value: boolean };

/** One row of a sheet or CSV file. */
export interface SheetRow {
  /** 1-based row number as Excel shows it (CSV: the record number; a quoted line break stays in its row) */
  readonly row: number;
  /** CSV only: 1-based physical line where the record starts (for text editors) */
  readonly line?: number;
  /** cells by column (index 0 = column A); null = empty */
  readonly cells: readonly (SheetCell | null)[];
  /** CSV only: the record could not be read (cells empty); the reason and the 0-based column where it was found */
  readonly broken?: { readonly message: ImportMessage; readonly columnIndex: number };
}

/** A localisable message: English template (l10n key, written with `msg`), its arguments, and a stable code. */
export interface ImportMessage {
  readonly code: string;
  readonly template: string;
  readonly args: readonly (string | number)[];
  /** the reason behind it, rendered after it in the same language (e.g. why a phone number cannot be read) */
  readonly detail?: ImportMessage;
}

/** How a CSV file was decoded. `utf-8-bom` = UTF-8 with byte order mark (Excel "CSV UTF-8"). */
export type TextEncodingName = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252' | string;

/** What the reader found out about a file, and how: shown to the user before anything is planned (issue 22). */
export interface SourceInfo {
  readonly format: 'csv' | 'xlsx';
  /** file size in bytes */
  readonly bytes: number;
  /** CSV: the encoding used, and whether it was detected or given (`--encoding`) */
  readonly encoding?: { readonly name: TextEncodingName; readonly how: 'bom' | 'detected' | 'given' };
  /** CSV: the delimiter used (`;`, `,`, tab), and whether it was detected, taken from a `sep=` line or given */
  readonly delimiter?: { readonly char: string; readonly how: 'detected' | 'sep-line' | 'given' | 'single-column' };
  /** XLSX: the sheet read and all sheet names of the workbook (in order) */
  readonly sheet?: { readonly name: string; readonly how: 'first' | 'given'; readonly all: readonly string[] };
  /** 1-based row number of the header row, and whether it was detected or given (`--header-row`) */
  readonly headerRow?: { readonly row: number; readonly how: 'detected' | 'given' };
  /** notes about the file itself (e.g. "named .xlsx but is a CSV text file") */
  readonly notes: readonly ImportMessage[];
}

/** Severity of a row issue: an `error` makes the row invalid; a `warning` keeps it (e.g. unreadable phone number). */
export type IssueSeverity = 'error' | 'warning';

/** One problem of one row (issue 22 "for each invalid row the row number, column and reason"). */
export interface RowIssue {
  readonly row: number;
  readonly line?: number;
  /** column letter (`C`) and header text, when the issue belongs to one cell */
  readonly column?: { readonly letter: string; readonly header: string };
  /** the field concerned (catalogue field id), when known */
  readonly field?: string;
  readonly severity: IssueSeverity;
  readonly message: ImportMessage;
}

/**
 * A cell whose value had to be reconstructed (issue 22 "say where a value had to be reconstructed"): the value as
 * stored in the file and the value used.
 */
export interface ReconstructedValue {
  readonly row: number;
  readonly column: { readonly letter: string; readonly header: string };
  readonly field: string;
  /** as stored in the file (`1067`, `301234567`, `1.001`) */
  readonly stored: string;
  /** as used (`01067`, `0301234567`, `1001`) */
  readonly used: string;
  readonly message: ImportMessage;
}

/** Column letter of a 0-based column index: 0 → A, 25 → Z, 26 → AA (as Excel names columns). */
export function columnLetter(index: number): string {
  let n = index + 1;
  let letters = '';
  while (n > 0) {
    const rest = (n - 1) % 26;
    letters = String.fromCharCode(65 + rest) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

/** 0-based column index of a column letter (`A` → 0, `aa` → 26), or undefined for anything but 1–3 letters. */
export function columnIndex(letters: string): number | undefined {
  if (!/^[A-Za-z]{1,3}$/.test(letters)) return undefined;
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/** The text of a cell as the user saw it in a simple view (numbers as stored, dates as `YYYY-MM-DD`). */
export function cellDisplayText(cell: SheetCell | null | undefined): string {
  if (!cell) return '';
  switch (cell.type) {
    case 'text':
      return cell.text;
    case 'number':
      return cell.raw;
    case 'date':
      return cell.value.toISOString().slice(0, 10);
    case 'boolean':
      return cell.value ? 'TRUE' : 'FALSE';
  }
}
