/**
 * Typed errors of reading an import file (issue 22 "Bad input"; DESIGN.md §3 "Errors"): each names the cause and
 * the fix. They are thrown before any record is produced: a file that cannot be read as a whole yields nothing.
 * Problems of single rows are not thrown but reported as {@link RowIssue}s (importTypes.ts).
 */
import { IxError, msg } from '../errors';

/** Base class of the import file errors (code `E_IMPORT_*`). */
export class ImportFileError extends IxError {}

/** The file does not exist (or a folder on its path does not). `folder` is the folder a relative path starts from. */
export class ImportFileNotFoundError extends ImportFileError {
  readonly file: string;
  constructor(file: string, folder: string) {
    super(
      'E_IMPORT_FILE_NOT_FOUND',
      msg(
        'The file {0} does not exist. Check the name and the path; a relative path starts in the current folder {1}.',
      ),
      [file, folder],
    );
    this.file = file;
  }
}

/** The file has 0 bytes. */
export class ImportFileEmptyError extends ImportFileError {
  constructor(file: string) {
    super(
      'E_IMPORT_EMPTY',
      msg('The file {0} is empty (0 bytes). Export the list again from iX-Haus or Excel and choose the new file.'),
      [file],
    );
  }
}

/** The file is neither a text (CSV) file nor an XLSX workbook. `what` names what it looks like. */
export class ImportFileBinaryError extends ImportFileError {
  constructor(file: string, what: string) {
    super(
      'E_IMPORT_BINARY',
      msg(
        'The file {0} is not a CSV text file or an Excel workbook (.xlsx): it looks like {1}. In Excel, use "Save as" with the type "Excel workbook (*.xlsx)" or "CSV (semicolon separated)".',
      ),
      [file, what],
    );
  }
}

/** The file is larger than the limit for its format (issue 22 "a file over the size limit (say which)"). */
export class ImportFileTooLargeError extends ImportFileError {
  constructor(file: string, bytes: number, limitBytes: number, format: 'csv' | 'xlsx') {
    const mb = (n: number): string => (n / 1_048_576).toFixed(1);
    super(
      'E_IMPORT_TOO_LARGE',
      msg(
        'The file {0} has {1} MB; the limit for {2} files is {3} MB. Split it into several files below the limit (e.g. by object number ranges), each with the header row, and import them one after another.',
      ),
      [file, mb(bytes), format === 'csv' ? 'CSV' : 'XLSX', mb(limitBytes)],
    );
  }
}

/** The file has more data rows than the limit. */
export class ImportTooManyRowsError extends ImportFileError {
  constructor(file: string, limitRows: number) {
    super(
      'E_IMPORT_TOO_MANY_ROWS',
      msg(
        'The file {0} has more than {1} data rows. Split it into several files of at most {1} rows, each with the header row, and import them one after another.',
      ),
      [file, limitRows],
    );
  }
}

/** An `--encoding` the reader does not know, or a file that is not valid in the encoding given. */
export class ImportEncodingError extends ImportFileError {
  constructor(template: string, args: readonly (string | number)[]) {
    super('E_IMPORT_ENCODING', template, args);
  }

  static unknown(name: string): ImportEncodingError {
    return new ImportEncodingError(
      msg('The encoding "{0}" is not known. Use utf-8, cp1252 (Windows-1252, German Excel "CSV"), latin1 or utf-16le.'),
      [name],
    );
  }

  static invalidUtf8(file: string, line: number): ImportEncodingError {
    return new ImportEncodingError(
      msg(
        'The file {0} is not valid UTF-8 (line {1}). If it was saved by Excel as "CSV (semicolon separated)", give --encoding cp1252.',
      ),
      [file, line],
    );
  }
}

/** A bad `--delimiter`. */
export class ImportDelimiterError extends ImportFileError {
  constructor(value: string) {
    super(
      'E_IMPORT_DELIMITER',
      msg('The delimiter "{0}" cannot be used. Give one character: ";" (German Excel), "," or "tab".'),
      [value],
    );
  }
}

/** The sheet named by `--sheet` is not in the workbook. */
export class ImportSheetNotFoundError extends ImportFileError {
  constructor(sheet: string, available: readonly string[]) {
    super(
      'E_IMPORT_SHEET',
      msg('The workbook has no sheet "{0}". Its sheets are: {1}. Give one of them with --sheet.'),
      [sheet, available.join(', ')],
    );
  }
}

/** The XLSX workbook cannot be read (damaged zip, encrypted, not a workbook inside). */
export class ImportWorkbookError extends ImportFileError {
  constructor(file: string, reason: string) {
    super(
      'E_IMPORT_WORKBOOK',
      msg(
        'The Excel workbook {0} cannot be read ({1}). Open it in Excel, remove any password protection, save it again as "Excel workbook (*.xlsx)" and retry.',
      ),
      [file, reason],
    );
  }
}

/** No header row: the file holds no data, or `--header-row` points past its end. */
export class ImportHeaderError extends ImportFileError {
  constructor(template: string, args: readonly (string | number)[]) {
    super('E_IMPORT_HEADER', template, args);
  }

  static noRows(file: string): ImportHeaderError {
    return new ImportHeaderError(
      msg('The file {0} holds no rows with values. Export the list again with its column headers.'),
      [file],
    );
  }

  static pastEnd(row: number, rows: number): ImportHeaderError {
    return new ImportHeaderError(
      msg(
        'The header row {0} given with --header-row is past the end of the file ({1} rows). Give the row number of the column headers as Excel shows it.',
      ),
      [row, rows],
    );
  }
}

/** A bad `--map` entry. */
export class ImportMappingError extends ImportFileError {
  constructor(template: string, args: readonly (string | number)[]) {
    super('E_IMPORT_MAP', template, args);
  }

  static syntax(entry: string): ImportMappingError {
    return new ImportMappingError(
      msg(
        'The mapping "{0}" is not of the form Column=field. Example: --map "Tel. 2=phoneMobile" or --map C=phoneMobile.',
      ),
      [entry],
    );
  }

  static unknownField(entry: string, field: string, fields: readonly string[]): ImportMappingError {
    return new ImportMappingError(
      msg('The mapping "{0}" names the field "{1}", which this kind does not have. Fields: {2} (or "ignore").'),
      [entry, field, fields.join(', ')],
    );
  }

  static unknownColumn(entry: string, column: string): ImportMappingError {
    return new ImportMappingError(
      msg(
        'The mapping "{0}" names the column "{1}", which is not in the header row. Give the header text or the column letter (A, B, …).',
      ),
      [entry, column],
    );
  }

  static ambiguousColumn(entry: string, column: string, letters: readonly string[]): ImportMappingError {
    return new ImportMappingError(
      msg(
        'The mapping "{0}" names the header "{1}", which several columns have ({2}). Map them by column letter, e.g. --map {3}=field.',
      ),
      [entry, column, letters.join(', '), letters[0] ?? 'A'],
    );
  }
}

/** Columns a kind needs are missing (issue 22 "required columns are named when missing"). */
export class ImportMissingColumnsError extends ImportFileError {
  constructor(
    readonly kindLabel: string,
    readonly missing: readonly string[],
    /** the header row as given with `--header-row`: shown, since a wrong row is the likely cause */
    headerRow?: { readonly row: number; readonly cells: readonly string[] },
  ) {
    super(
      'E_IMPORT_MISSING_COLUMNS',
      headerRow
        ? msg(
            'The file lacks columns that {0} need: {1}. Row {2}, taken as the header row, holds: {3}. Name the row with the column headers with --header-row, add the columns, or map existing columns with --map Column=field.',
          )
        : msg('The file lacks columns that {0} need: {1}. Add them, or map existing columns with --map Column=field.'),
      headerRow
        ? [
            kindLabel,
            missing.join('; '),
            headerRow.row,
            headerRow.cells
              .filter((c) => c !== '')
              .slice(0, 8)
              .join(' | ') || '—',
          ]
        : [kindLabel, missing.join('; ')],
    );
  }
}

/** The kind cannot be guessed from the headers, or the same field is given by two columns. */
export class ImportKindError extends ImportFileError {
  constructor(template: string, args: readonly (string | number)[]) {
    super('E_IMPORT_KIND', template, args);
  }

  static unknown(headers: readonly string[]): ImportKindError {
    return new ImportKindError(
      msg(
        'The kind of data cannot be told from the column headers ({0}). Name the kind (users, teams, objects, persons, creditors, owners, object-links, meldungen, auftraege, responsibilities).',
      ),
      [headers.slice(0, 8).join(', ')],
    );
  }

  static mismatch(given: string, givenColumns: number, likely: string, likelyColumns: number): ImportKindError {
    return new ImportKindError(
      msg(
        'The file looks like {2} ({3} columns recognised), not like {0} ({1} columns recognised); nothing was read. Name the kind {2}, or — if the file really holds {0} — map its columns with --map.',
      ),
      [given, givenColumns, likely, likelyColumns],
    );
  }

  static ambiguous(kinds: readonly string[]): ImportKindError {
    return new ImportKindError(msg('The column headers fit several kinds of data equally well ({0}). Name the kind.'), [
      kinds.join(', '),
    ]);
  }

  static duplicateField(field: string, letters: readonly string[]): ImportKindError {
    return new ImportKindError(
      msg(
        'The field {0} is given by several columns ({1}). Remove one, or map one to another field or to "ignore" with --map {2}=ignore.',
      ),
      [field, letters.join(', '), letters[1] ?? letters[0] ?? 'A'],
    );
  }
}
