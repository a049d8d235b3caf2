/**
 * Reads an import file into typed records (issue 22; DESIGN.md §4a: read → map columns → validate rows; the planner
 * takes it from there). Steps: check size and content type (fileSniff.ts) → rows from the CSV (streamed) or XLSX
 * reader → header row (detected or `--header-row`) → kind (given or guessed) → columns (with `--map`) → each data
 * row validated into a record of its kind; duplicate natural keys inside the file are errors of the later row.
 *
 * Nothing is written anywhere: the result is the input of the import planner (see docs/import.md "For the planner").
 */
import * as fs from 'node:fs';
import { msg } from '../errors';
import type { ImportKind, ImportMessage, ReconstructedValue, RowIssue, SheetRow, SourceInfo } from './importTypes';
import type { ImportRecordMap } from './importRecords';
import type { ColumnMapping } from './columnMapping';
import { HEADER_SEARCH_ROWS, checkGivenKind, findHeaderRow, guessKind, mapColumns } from './columnMapping';
import { KIND_SPECS } from './columnCatalog';
import { cellText } from './cellValues';
import { isBlankRow, validateRow } from './recordValidation';
import type { CsvOptions } from './csvReader';
import { SAMPLE_BYTES, openCsv } from './csvReader';
import { NotUtf8AfterAll } from './textDecoding';
import { readXlsxSheet } from './xlsxAdapter';
import { MAX_CSV_BYTES, MAX_DATA_ROWS, MAX_XLSX_BYTES, formatByName, sniffFormat } from './fileSniff';
import {
  ImportFileEmptyError,
  ImportFileNotFoundError,
  ImportFileTooLargeError,
  ImportHeaderError,
  ImportMissingColumnsError,
  ImportTooManyRowsError,
} from './importErrors';

/** Options of {@link readImportFile} (the CLI flags of `import KIND FILE`). */
export interface ReadImportOptions extends CsvOptions {
  /** the kind; undefined = guessed from the headers */
  readonly kind?: ImportKind;
  /** XLSX: the sheet name (`--sheet`); default the first sheet */
  readonly sheet?: string;
  /** 1-based row number of the header row as Excel shows it (`--header-row`); default detected */
  readonly headerRow?: number;
  /** `--map` entries: `Spalte=field`, `C=field`, `Spalte=ignore` */
  readonly maps?: readonly string[];
  /** the store's own area code (Ortsvorwahl) for phone numbers without one */
  readonly areaCode?: string;
  /** limits (defaults {@link MAX_CSV_BYTES}, {@link MAX_XLSX_BYTES}, {@link MAX_DATA_ROWS}); tests set small ones */
  readonly maxCsvBytes?: number;
  readonly maxXlsxBytes?: number;
  readonly maxRows?: number;
}

/** One valid data row: its row number (and CSV line) and the typed record. */
export interface ImportRow<K extends ImportKind = ImportKind> {
  readonly row: number;
  readonly line?: number;
  readonly record: ImportRecordMap[K];
}

/** Everything read from a file: the input of the import planner and of the preview. */
export interface ParsedImport<K extends ImportKind = ImportKind> {
  readonly kind: K;
  readonly kindHow: 'given' | 'guessed';
  readonly source: SourceInfo;
  readonly mapping: ColumnMapping;
  /** valid rows in file order */
  readonly rows: readonly ImportRow<K>[];
  /** all issues, errors and warnings, in row order */
  readonly issues: readonly RowIssue[];
  /** row numbers with at least one error (these rows have no record) */
  readonly invalidRows: readonly number[];
  readonly reconstructed: readonly ReconstructedValue[];
  /** data rows without any value (skipped) */
  readonly blankRows: number;
}

/** True when `parsed` is of kind `kind` (narrows the record type). */
export function isParsedKind<K extends ImportKind>(parsed: ParsedImport, kind: K): parsed is ParsedImport<K> {
  return parsed.kind === kind;
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(bytes, SAMPLE_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function fileNote(code: string, template: string, ...args: (string | number)[]): ImportMessage {
  return { code, template, args };
}

/**
 * Reads, maps and validates an import file. Throws an `ImportFileError` (importErrors.ts) when the file as a whole
 * cannot be used (empty, binary, too large, unknown sheet, no header, missing required columns, bad `--map`); row
 * problems are returned in `issues`.
 */
export async function readImportFile(file: string, options: ReadImportOptions = {}): Promise<ParsedImport> {
  try {
    return await readOnce(file, options, false);
  } catch (error) {
    // text detected as UTF-8 from its first 64 KB that turns out not to be: start over as Windows-1252
    if (error instanceof NotUtf8AfterAll) return readOnce(file, options, true, error.line);
    throw error;
  }
}

/** `fs.stat` of the file; a missing file is an {@link ImportFileNotFoundError} naming the folder it was looked in. */
async function statImportFile(file: string): Promise<fs.Stats> {
  try {
    return await fs.promises.stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ImportFileNotFoundError(file, process.cwd());
    throw error;
  }
}

async function readOnce(
  file: string,
  options: ReadImportOptions,
  forceCp1252: boolean,
  notUtf8Line?: number,
): Promise<ParsedImport> {
  const bytes = (await statImportFile(file)).size;
  if (bytes === 0) throw new ImportFileEmptyError(file);
  const head = await readHead(file, bytes);
  const format = sniffFormat(file, head);
  const notes: ImportMessage[] = [];
  const named = formatByName(file);
  if (named && named !== format)
    notes.push(
      format === 'csv'
        ? fileNote('named-xlsx-is-csv', msg('The file is named .xlsx but is a CSV text file; it was read as CSV.'))
        : fileNote(
            'named-csv-is-xlsx',
            msg('The file is named .csv but is an Excel workbook (.xlsx); it was read as a workbook.'),
          ),
    );
  const limit = format === 'csv' ? (options.maxCsvBytes ?? MAX_CSV_BYTES) : (options.maxXlsxBytes ?? MAX_XLSX_BYTES);
  if (bytes > limit) throw new ImportFileTooLargeError(file, bytes, limit, format);

  let rows: AsyncIterable<SheetRow> | Iterable<SheetRow>;
  let source: Omit<SourceInfo, 'headerRow' | 'notes'>;
  if (format === 'xlsx') {
    const read = await readXlsxSheet(file, await fs.promises.readFile(file), options.sheet);
    rows = read.rows;
    source = { format, bytes, sheet: { name: read.sheet.name, how: read.sheet.how, all: read.sheetNames } };
  } else {
    const csv = openCsv(
      file,
      head,
      bytes,
      options,
      forceCp1252 ? { name: 'windows-1252', how: 'detected', bomBytes: 0 } : undefined,
    );
    if (forceCp1252)
      notes.push(
        fileNote(
          'switched-to-cp1252',
          msg('The file looked like UTF-8 at its start but is not (line {0}); it was read as Windows-1252.'),
          notUtf8Line ?? 0,
        ),
      );
    rows = csv.rows;
    source = { format, bytes, encoding: csv.encoding, delimiter: csv.delimiter };
  }

  const iterator = Symbol.asyncIterator in rows ? rows[Symbol.asyncIterator]() : toAsync(rows);
  // the rows up to the header: at most HEADER_SEARCH_ROWS, or up to the given header row
  const wantedHead = Math.max(HEADER_SEARCH_ROWS, options.headerRow ?? 0);
  const headRows: SheetRow[] = [];
  let done = false;
  while (headRows.length < wantedHead) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    headRows.push(next.value);
  }
  let headerIndex: number;
  let headerHow: 'detected' | 'given';
  if (options.headerRow !== undefined) {
    headerIndex = headRows.findIndex((r) => r.row === options.headerRow);
    if (headerIndex < 0) throw ImportHeaderError.pastEnd(options.headerRow, headRows.at(-1)?.row ?? 0);
    headerHow = 'given';
  } else {
    headerIndex = findHeaderRow(headRows, options.kind);
    headerHow = 'detected';
  }
  const headerRow = headRows[headerIndex];
  if (!headerRow) throw ImportHeaderError.noRows(file);
  const headers = headerRow.cells.map((c) => cellText(c));
  if (options.kind) checkGivenKind(options.kind, headers, options.maps ?? []);
  const kind = options.kind ?? guessKind(headers);
  let mapping: ReturnType<typeof mapColumns>;
  try {
    mapping = mapColumns(kind, headers, options.maps ?? []);
  } catch (error) {
    // a header row given by number that holds no headers (a title row): say what it holds
    if (error instanceof ImportMissingColumnsError && headerHow === 'given')
      throw new ImportMissingColumnsError(error.kindLabel, error.missing, { row: headerRow.row, cells: headers });
    throw error;
  }
  const spec = KIND_SPECS[kind];

  const validRows: ImportRow[] = [];
  const issues: RowIssue[] = [];
  const invalidRows: number[] = [];
  const reconstructed: ReconstructedValue[] = [];
  const firstRowOfKey = new Map<string, number>();
  const maxRows = options.maxRows ?? MAX_DATA_ROWS;
  let dataRows = 0;
  let blankRows = 0;
  const handle = (row: SheetRow): void => {
    if (isBlankRow(row)) {
      blankRows++;
      return;
    }
    if (++dataRows > maxRows) throw new ImportTooManyRowsError(file, maxRows);
    const outcome = validateRow(kind, mapping, row, { areaCode: options.areaCode });
    issues.push(...outcome.issues);
    reconstructed.push(...outcome.reconstructed);
    let record = outcome.record;
    if (record) {
      const values = record as unknown as Record<string, unknown>;
      const keyParts = spec.key.map((k) => String(values[k] ?? ''));
      const key = JSON.stringify(keyParts).toLowerCase();
      const first = firstRowOfKey.get(key);
      if (first !== undefined) {
        issues.push({
          row: row.row,
          ...(row.line !== undefined ? { line: row.line } : {}),
          severity: 'error',
          message: {
            code: 'duplicate-key',
            template: msg('The row repeats {0} {1} of row {2}. Keep one of the rows.'),
            args: [
              spec.key.map((k) => spec.fields.find((f) => f.id === k)?.label ?? k).join('/'),
              keyParts.filter((p) => p !== '').join(' '),
              first,
            ],
          },
        });
        record = undefined;
      } else firstRowOfKey.set(key, row.row);
    }
    if (record) validRows.push({ row: row.row, ...(row.line !== undefined ? { line: row.line } : {}), record });
    else invalidRows.push(row.row);
  };
  for (const row of headRows.slice(headerIndex + 1)) handle(row);
  while (!done) {
    const next = await iterator.next();
    if (next.done) break;
    handle(next.value);
  }
  return {
    kind,
    kindHow: options.kind ? 'given' : 'guessed',
    source: { ...source, headerRow: { row: headerRow.row, how: headerHow }, notes },
    mapping,
    rows: validRows,
    issues,
    invalidRows,
    reconstructed,
    blankRows,
  };
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
