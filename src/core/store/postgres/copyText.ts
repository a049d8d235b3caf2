/**
 * Rows as the text format of PostgreSQL's `COPY … FROM STDIN` (PostgreSQL 15 documentation, "COPY", section
 * "File Formats → Text Format"), for `store copy` into PostgreSQL (issue 19; src/core/store/copyStore.ts):
 * - one line per row, terminated by `\n`; cells separated by a tab (the default delimiter);
 * - NULL is `\N` — distinct from the empty string, which is an empty cell;
 * - in text, backslash, tab, newline and carriage return are written as `\\`, `\t`, `\n`, `\r` (a literal CR or LF
 *   would end the row; a literal backslash would start an escape), every other character as itself (the
 *   connection's client_encoding is UTF8, node-postgres' default). A cell that reads `\N` or `\.` is therefore sent
 *   as `\\N` / `\\.` and arrives as the text it was;
 * - numbers in JavaScript's shortest round-trip form (`String(n)`), which `bigint` and `double precision` parse
 *   back to the same value (`Infinity`, `-Infinity`, `NaN` included for `double precision`);
 * - bytes as bytea hex input `\x0a1b…`, whose backslash is itself escaped: `\\x0a1b…`.
 * A value the column cannot take (text in a bigint column, NUL in text) is refused by the server, as an INSERT
 * would be.
 */
import type { SqlCell } from '../asyncStore';

const ESCAPE_NEEDED = /[\\\t\n\r]/;
const ESCAPED = /[\\\t\n\r]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One cell in COPY text format (see the module comment). */
export function copyTextCell(value: SqlCell | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string')
    return ESCAPE_NEEDED.test(value) ? value.replace(ESCAPED, (c) => ESCAPES[c] as string) : value;
  if (typeof value === 'number') return String(value);
  return `\\\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}

/** `rows` as COPY text-format lines over `columns` (in this order), each line ending in `\n`. */
export function copyTextRows(rows: readonly Readonly<Record<string, SqlCell>>[], columns: readonly string[]): string {
  let out = '';
  for (const row of rows) {
    let line = copyTextCell(row[columns[0] as string]);
    for (let i = 1; i < columns.length; i++) line += `\t${copyTextCell(row[columns[i] as string])}`;
    out += `${line}\n`;
  }
  return out;
}
