/**
 * From a header row to fields (issue 22 "Columns", "Overrides"): which row is the header, which kind the headers
 * fit, which column gives which field, which columns are unknown, which required ones are missing, and the user's
 * `--map Spalte=field` / `--map C=field` overrides.
 */
import type { ImportKind, SheetRow } from './importTypes';
import { IMPORT_KINDS, columnIndex, columnLetter } from './importTypes';
import type { KindSpec } from './columnCatalog';
import { KIND_SPECS, fieldForHeader, headerIndex, headerKeys } from './columnCatalog';
import { cellText } from './cellValues';
import { ImportKindError, ImportMappingError, ImportMissingColumnsError } from './importErrors';
import { columnNeededInEveryFile } from './requiredFields';

/** Rows searched for the header row when it is not given. */
export const HEADER_SEARCH_ROWS = 30;

/** One column of the file and the field it gives. */
export interface ColumnBinding {
  readonly index: number;
  readonly letter: string;
  readonly header: string;
  readonly field: string;
  readonly how: 'header' | 'map';
}

/** The result of mapping a header row for a kind. */
export interface ColumnMapping {
  readonly kind: ImportKind;
  readonly columns: readonly ColumnBinding[];
  /** columns with a header that no field of the kind recognises (ignored; issue 22 "Unknown columns are listed") */
  readonly unknown: ReadonlyArray<{ readonly letter: string; readonly header: string }>;
  /** columns ignored on purpose (`--map X=ignore`) */
  readonly ignored: ReadonlyArray<{ readonly letter: string; readonly header: string }>;
}

function headersOf(row: SheetRow): string[] {
  return row.cells.map((c) => cellText(c));
}

/** How many cells of a row name a field of `spec`. */
function recognised(spec: KindSpec, headers: readonly string[]): Set<string> {
  const index = headerIndex(spec);
  const fields = new Set<string>();
  for (const h of headers) {
    const f = h === '' ? undefined : fieldForHeader(spec, h, index);
    if (f) fields.add(f);
  }
  return fields;
}

/**
 * The header row among the first {@link HEADER_SEARCH_ROWS} rows (issue 22: title rows above the header): the
 * first row where the most cells name fields (of `kind`, or of any kind); at least 2 must, else the first row with
 * values. Returns the index into `rows`, or -1 when no row has values.
 */
export function findHeaderRow(rows: readonly SheetRow[], kind?: ImportKind): number {
  const kinds = kind ? [kind] : [...IMPORT_KINDS];
  let best = -1;
  let bestCount = 1;
  let firstWithValues = -1;
  for (let i = 0; i < rows.length && i < HEADER_SEARCH_ROWS; i++) {
    const row = rows[i];
    if (!row) continue;
    const headers = headersOf(row);
    if (headers.every((h) => h === '')) continue;
    if (firstWithValues < 0) firstWithValues = i;
    const count = Math.max(...kinds.map((k) => recognised(KIND_SPECS[k], headers).size));
    if (count > bestCount) [best, bestCount] = [i, count];
  }
  return best >= 0 ? best : firstWithValues;
}

/**
 * The kind the headers fit best (issue 22 "kind guessed from the headers"): per kind the recognised fields, +2 when
 * its natural key is among them, +3 when all its required fields are. Throws {@link ImportKindError} when no kind
 * fits or two fit equally well.
 */
export function guessKind(headers: readonly string[]): ImportKind {
  const scores = kindScores(headers);
  const [first, second] = scores;
  if (!first || first.fields === 0) throw ImportKindError.unknown(headers.filter((h) => h !== ''));
  if (second && second.score === first.score) throw ImportKindError.ambiguous([first.kind, second.kind]);
  return first.kind;
}

/**
 * How well the headers fit each kind, best first: recognised columns, +2 for the natural key, +3 when every
 * required column is there.
 */
function kindScores(headers: readonly string[]): Array<{ kind: ImportKind; score: number; fields: number }> {
  return IMPORT_KINDS.map((kind) => {
    const spec = KIND_SPECS[kind];
    const fields = recognised(spec, headers);
    const required = spec.fields.filter((f) => f.required).every((f) => fields.has(f.id));
    const keyField = spec.key[0] ?? '';
    const score = fields.size + (fields.has(keyField) ? 2 : 0) + (required ? 3 : 0);
    return { kind, score, fields: fields.size };
  }).sort((a, b) => b.score - a.score);
}

/**
 * Guards a kind the user named against a file of another kind (a persons export imported as objects would rename
 * objects and clear their addresses): refused when another kind fits the headers clearly better (by 3 or more,
 * see {@link kindScores}) — unless the user mapped columns with `--map`, taking charge of the columns.
 * @throws ImportKindError naming both kinds and how many columns each recognises
 */
export function checkGivenKind(kind: ImportKind, headers: readonly string[], maps: readonly string[]): void {
  if (maps.length > 0) return;
  const scores = kindScores(headers);
  const best = scores[0];
  const given = scores.find((s) => s.kind === kind);
  if (best && given && best.kind !== kind && best.score >= given.score + 3)
    throw ImportKindError.mismatch(kind, given.fields, best.kind, best.fields);
}

/** A parsed `--map` entry. */
interface MapEntry {
  readonly entry: string;
  readonly column: string;
  readonly field: string;
}

function parseMapEntry(entry: string): MapEntry {
  const at = entry.lastIndexOf('=');
  if (at <= 0) throw ImportMappingError.syntax(entry);
  return { entry, column: entry.slice(0, at).trim(), field: entry.slice(at + 1).trim() };
}

/** The field id a `--map` target names (field id, or any recognised header of it), 'ignore', or throws. */
function mapTarget(spec: KindSpec, entry: MapEntry): string {
  const lower = entry.field.toLowerCase();
  if (lower === 'ignore' || lower === '-' || lower === '') return 'ignore';
  const byId = spec.fields.find((f) => f.id.toLowerCase() === lower);
  if (byId) return byId.id;
  const byHeader = fieldForHeader(spec, entry.field);
  if (byHeader) return byHeader;
  throw ImportMappingError.unknownField(
    entry.entry,
    entry.field,
    spec.fields.map((f) => f.id),
  );
}

/** The column indexes a `--map` source names: a header (as recognised) first, then a column letter. */
function mapSource(headers: readonly string[], entry: MapEntry): number {
  const [key] = headerKeys(entry.column);
  const byHeader = headers.flatMap((h, i) => (h !== '' && headerKeys(h)[0] === key ? [i] : []));
  if (byHeader.length === 1) return byHeader[0] ?? 0;
  if (byHeader.length > 1)
    throw ImportMappingError.ambiguousColumn(
      entry.entry,
      entry.column,
      byHeader.map((i) => columnLetter(i)),
    );
  const index = /^[A-Z]{1,3}$/.test(entry.column) ? columnIndex(entry.column) : undefined;
  if (index !== undefined) return index;
  throw ImportMappingError.unknownColumn(entry.entry, entry.column);
}

/**
 * Maps the header row to the fields of `kind`, applying `maps` (`Spalte=field`, `C=field`, `X=ignore`).
 * @throws ImportMappingError for a bad `--map` entry
 * @throws ImportKindError when two columns give the same field (map one by its letter)
 * @throws ImportMissingColumnsError when a column every file needs has no column (named with its German header;
 *         requiredFields.ts: what only new records need is left to the planner)
 */
export function mapColumns(kind: ImportKind, headers: readonly string[], maps: readonly string[] = []): ColumnMapping {
  const spec = KIND_SPECS[kind];
  const index = headerIndex(spec);
  const byColumn = new Map<number, { field: string; how: 'header' | 'map' }>();
  headers.forEach((h, i) => {
    const field = h === '' ? undefined : fieldForHeader(spec, h, index);
    if (field) byColumn.set(i, { field, how: 'header' });
  });
  const mapped = maps
    .map(parseMapEntry)
    .map((entry) => ({ index: mapSource(headers, entry), field: mapTarget(spec, entry) }));
  for (const m of mapped) {
    // an explicit map wins over a column the headers gave the same field to
    if (m.field !== 'ignore')
      for (const [i, b] of byColumn) if (b.field === m.field && b.how === 'header') byColumn.delete(i);
  }
  const ignored: Array<{ letter: string; header: string }> = [];
  for (const m of mapped) {
    if (m.field === 'ignore') {
      byColumn.delete(m.index);
      ignored.push({ letter: columnLetter(m.index), header: headers[m.index] ?? '' });
    } else byColumn.set(m.index, { field: m.field, how: 'map' });
  }
  const columns: ColumnBinding[] = [...byColumn.entries()]
    .sort(([a], [b]) => a - b)
    .map(([i, b]) => ({ index: i, letter: columnLetter(i), header: headers[i] ?? '', field: b.field, how: b.how }));
  const seen = new Map<string, string[]>();
  for (const c of columns) seen.set(c.field, [...(seen.get(c.field) ?? []), c.letter]);
  for (const [field, letters] of seen) if (letters.length > 1) throw ImportKindError.duplicateField(field, letters);
  // only the columns every file needs: what only new records need is checked per row by the planner
  const missing = spec.fields
    .filter((f) => columnNeededInEveryFile(kind, f) && !seen.has(f.id))
    .map((f) => `${f.label} (${f.id})`);
  if (missing.length > 0) throw new ImportMissingColumnsError(spec.label, missing);
  const unknown = headers.flatMap((h, i) =>
    h !== '' && !byColumn.has(i) && !ignored.some((x) => x.letter === columnLetter(i))
      ? [{ letter: columnLetter(i), header: h }]
      : [],
  );
  return { kind, columns, unknown, ignored };
}
