/**
 * The text of the import and export verbs (issue 22 "CLI"): the preview (what was detected, columns, counts, invalid
 * rows, warnings, reconstructed values, changes by column label), its JSON form, the lines of `import list`, and
 * counts with their nouns. English: the CLI's output language; core messages are formatted from their templates.
 */
import { formatTemplate } from '../core/errors';
import { KIND_SPECS } from '../core/import/columnCatalog';
import type { ImportBatchSummary } from '../core/import/importHistory';
import type { ParsedImport } from '../core/import/importReader';
import type { ImportKind, ImportMessage, RowIssue } from '../core/import/importTypes';
import type { ImportPlan } from '../core/import/plan';
import { localTimeText } from './output';
/** English names of the kinds for counts: singular and plural. */
export const KIND_NOUNS: Readonly<Record<ImportKind, readonly [string, string]>> = {
  users: ['user', 'users'],
  teams: ['team', 'teams'],
  objects: ['object', 'objects'],
  persons: ['person', 'persons'],
  creditors: ['creditor', 'creditors'],
  owners: ['owner', 'owners'],
  'object-links': ['object link', 'object links'],
  meldungen: ['Meldung', 'Meldungen'],
  auftraege: ['Auftrag', 'Aufträge'],
  responsibilities: ['responsibility', 'responsibilities'],
};

/** `1 row`, `2 rows`: a count with its noun in the singular or plural. */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** True when records of `kind` carry phone numbers (and the import reports them). */
export function hasPhones(kind: ImportKind): boolean {
  return KIND_SPECS[kind].fields.some((f) => f.type === 'phone');
}

/** The column label of a field (`Telefon privat` for `phonePrivate`), as the docs and VS Code show it. */
export function fieldLabel(kind: ImportKind, field: string): string {
  return KIND_SPECS[kind].fields.find((f) => f.id === field)?.label ?? field;
}

export function text(message: ImportMessage): string {
  const own = formatTemplate(message.template, message.args);
  return message.detail ? `${own} ${text(message.detail)}` : own;
}

export function issueLine(issue: RowIssue): string {
  const column = issue.column ? `, column ${issue.column.letter} (${issue.column.header})` : '';
  const line = issue.line !== undefined && issue.line !== issue.row ? ` [CSV line ${issue.line}]` : '';
  return `  row ${issue.row}${column}${line}: ${text(issue.message)}`;
}

/** The preview as text: detected, columns, counts, invalid rows, warnings, reconstructed values, changes. */
export function previewText(parsed: ParsedImport, plan: ImportPlan): string {
  const kind = parsed.kind;
  const s = parsed.source;
  const out: string[] = [];
  const detected = [
    `${s.format.toUpperCase()}, ${s.bytes} bytes`,
    s.encoding ? `encoding ${s.encoding.name} (${s.encoding.how})` : '',
    s.delimiter ? `delimiter ${s.delimiter.char === '\t' ? 'tab' : `"${s.delimiter.char}"`} (${s.delimiter.how})` : '',
    s.sheet ? `sheet "${s.sheet.name}" (${s.sheet.how}; sheets: ${s.sheet.all.join(', ')})` : '',
    s.headerRow ? `header row ${s.headerRow.row} (${s.headerRow.how})` : '',
  ].filter((x) => x !== '');
  out.push(`File: ${detected.join(', ')}`);
  for (const note of s.notes) out.push(`  note: ${text(note)}`);
  out.push(`Kind: ${parsed.kind} (${parsed.kindHow})`);
  out.push(
    `Columns: ${parsed.mapping.columns.map((c) => `${c.letter} ${c.header} → ${c.field}${c.how === 'map' ? ' (--map)' : ''}`).join('; ')}`,
  );
  if (parsed.mapping.unknown.length > 0)
    out.push(`Unknown columns (ignored): ${parsed.mapping.unknown.map((c) => `${c.letter} ${c.header}`).join('; ')}`);
  if (plan.ignoredFields.length > 0)
    out.push(`Not stored (the store has no column for them): ${plan.ignoredFields.join(', ')}`);
  const c = plan.counts;
  out.push(
    `Rows: ${c.new} new, ${c.changed} changed, ${c.unchanged} unchanged, ${c.invalid} invalid${parsed.blankRows > 0 ? ` (${counted(parsed.blankRows, 'blank row')} skipped)` : ''}`,
  );
  const errors = plan.rows.flatMap((r) => r.issues.filter((i) => i.severity === 'error'));
  if (errors.length > 0) out.push('Invalid rows:', ...errors.map(issueLine));
  const warnings = plan.rows.flatMap((r) => r.issues.filter((i) => i.severity === 'warning'));
  if (warnings.length > 0) out.push('Warnings:', ...warnings.map(issueLine));
  if (parsed.reconstructed.length > 0)
    out.push(
      'Reconstructed values:',
      ...parsed.reconstructed.map(
        (r) =>
          `  row ${r.row}, column ${r.column.letter} (${r.column.header}): ${r.stored} → ${r.used} (${text(r.message)})`,
      ),
    );
  const changed = plan.rows.filter((r) => r.status === 'changed');
  if (changed.length > 0)
    out.push(
      'Changes:',
      ...changed.map(
        (r) =>
          `  row ${r.row} ${r.key}: ${r.changes.map((ch) => `${fieldLabel(kind, ch.field)} ${ch.before ?? '(empty)'} → ${ch.after ?? '(empty)'}`).join('; ')}`,
      ),
    );
  return `${out.join('\n')}\n`;
}

export function previewJson(parsed: ParsedImport, plan: ImportPlan): object {
  const issue = (i: RowIssue): object => ({ ...i, text: text(i.message) });
  return {
    kind: parsed.kind,
    kindHow: parsed.kindHow,
    source: parsed.source,
    mapping: parsed.mapping,
    counts: plan.counts,
    blankRows: parsed.blankRows,
    ignoredFields: plan.ignoredFields,
    rows: plan.rows.map((r) => ({
      row: r.row,
      ...(r.line !== undefined ? { line: r.line } : {}),
      key: r.key,
      status: r.status,
      changes: r.changes,
      issues: r.issues.map(issue),
    })),
    reconstructed: parsed.reconstructed.map((r) => ({ ...r, text: text(r.message) })),
  };
}

/** The last line of a dry run that found invalid rows (exit 1). */
export function invalidRowsLine(invalid: number): string {
  return invalid === 1
    ? '1 invalid row: correct it, or import only the valid rows with --skip-invalid.'
    : `${invalid} invalid rows: correct them, or import only the valid rows with --skip-invalid.`;
}

/** One line of `import list`. */
export function batchLine(b: ImportBatchSummary): string {
  const c = b.counts;
  const undone =
    b.undoneAt === null
      ? 'can be undone'
      : `undone ${localTimeText(b.undoneAt)}${b.undoneBy ? ` by ${b.undoneBy}` : ''} (${b.undoRestored ?? 0} restored, ${b.undoSkipped ?? 0} left alone)`;
  return `${b.batchId}  ${localTimeText(b.at)}  ${b.kind}  ${b.sourceName ?? '(no file name)'}  by ${b.by ?? '?'}  ${c.new} new, ${c.changed} changed, ${c.unchanged} unchanged, ${c.invalid} invalid  ${undone}`;
}
