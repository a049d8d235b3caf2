/**
 * What an import file really is, told from its first bytes, not from its name (issue 22 "Bad input": a 0-byte file,
 * a binary file, an `.xlsx` that is really a CSV and vice versa), and the size limits.
 *
 * Signatures: ZIP local file header `PK\x03\x04` (ECMA-376 Part 2: an XLSX is a ZIP package); OLE2 compound file
 * `D0 CF 11 E0 A1 B1 1A E1` (legacy `.xls`, or an encrypted `.xlsx`); `%PDF`; byte order marks (Unicode §23.8).
 */
import { ImportFileBinaryError } from './importErrors';

/** Largest CSV file accepted, in bytes (streamed; the records of 1 million rows fit in memory well below this). */
export const MAX_CSV_BYTES = 200 * 1_048_576;
/** Largest XLSX file accepted, in bytes (an XLSX is unzipped in memory; 50 MB packed ≈ 1 million short rows). */
export const MAX_XLSX_BYTES = 50 * 1_048_576;
/** Most data rows accepted from one file (Excel's own sheet limit is 1,048,576 rows). */
export const MAX_DATA_ROWS = 1_000_000;

/** The format told from the content. */
export type SniffedFormat = 'csv' | 'xlsx';

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06];
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

function startsWith(head: Uint8Array, signature: readonly number[]): boolean {
  return signature.every((byte, i) => head[i] === byte);
}

/**
 * The format of a file from its first bytes (at least 4 KB when the file is that long): `xlsx` for a ZIP package,
 * `csv` for text. Throws {@link ImportFileBinaryError} for a legacy `.xls`/encrypted workbook, a PDF, or any other
 * binary content (NUL bytes outside UTF-16 text, or more than 1 % control characters).
 */
export function sniffFormat(file: string, head: Uint8Array): SniffedFormat {
  if (startsWith(head, ZIP) || startsWith(head, ZIP_EMPTY)) return 'xlsx';
  if (startsWith(head, OLE2))
    throw new ImportFileBinaryError(file, 'an old Excel 97–2003 workbook (.xls) or a password-protected workbook');
  if (head[0] === 0x25 && head[1] === 0x50 && head[2] === 0x44 && head[3] === 0x46)
    throw new ImportFileBinaryError(file, 'a PDF document');
  const utf16 = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
  if (utf16) return 'csv';
  let control = 0;
  for (const byte of head) {
    if (byte === 0) throw new ImportFileBinaryError(file, 'binary data (it contains NUL bytes)');
    // tab, LF, CR and form feed occur in text; other C0 controls do not
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) control++;
  }
  if (head.length > 0 && control / head.length > 0.01)
    throw new ImportFileBinaryError(file, 'binary data (it contains control characters)');
  return 'csv';
}

/** The format a file name promises (`.xlsx`/`.xlsm` → xlsx, `.csv`/`.txt`/`.tsv` → csv), or undefined. */
export function formatByName(file: string): SniffedFormat | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith('.xlsx') || lower.endsWith('.xlsm')) return 'xlsx';
  if (lower.endsWith('.csv') || lower.endsWith('.txt') || lower.endsWith('.tsv')) return 'csv';
  return undefined;
}
