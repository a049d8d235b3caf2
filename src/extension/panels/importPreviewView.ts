/**
 * What the "Stammdaten importieren" preview shows (issue 22 "VS Code"), built on the host from the core's plan: the
 * localized strings of the page, the detected facts, the counts and issue lists (capped), and the texts of a written
 * or undone import. The page only renders these; the plan itself never leaves the host.
 */
import * as vscode from 'vscode';
import { KIND_SPECS } from '../../core/import/columnCatalog';
import type { ApplyImportResult, UndoImportResult } from '../../core/import/importBatch';
import type { ParsedImport } from '../../core/import/importReader';
import type { ImportKind, ImportMessage, RowIssue } from '../../core/import/importTypes';
import type { ImportPlan } from '../../core/import/plan';
import { IMPORT_PREVIEW_LIST_LIMIT } from '../../shared/protocol/importPreview';
import type {
  Capped,
  DetectedFact,
  ImportPreviewView,
  ImportStrings,
  IssueView,
} from '../../shared/protocol/importPreview';

/** Localized name of a kind (German: iX-Haus terms). */
export function kindLabel(kind: ImportKind | string): string {
  switch (kind) {
    case 'users':
      return vscode.l10n.t('Users');
    case 'teams':
      return vscode.l10n.t('Teams');
    case 'objects':
      return vscode.l10n.t('Objects');
    case 'persons':
      return vscode.l10n.t('Persons');
    case 'creditors':
      return vscode.l10n.t('Creditors');
    case 'owners':
      return vscode.l10n.t('Owners');
    case 'object-links':
      return vscode.l10n.t('Object links (owners, creditors, persons)');
    case 'meldungen':
      return vscode.l10n.t('Meldungen (reports)');
    case 'auftraege':
      return vscode.l10n.t('Aufträge (work orders)');
    case 'responsibilities':
      return vscode.l10n.t('Responsibility assignments');
    default:
      return kind;
  }
}

/** The page's strings, localized here (the page has no access to `vscode.l10n`). */
export function importStrings(): ImportStrings {
  return {
    title: vscode.l10n.t('Import master data: {0}'),
    detected: vscode.l10n.t('Detected'),
    columns: vscode.l10n.t('Columns'),
    unknownColumns: vscode.l10n.t('Unknown columns (ignored)'),
    ignoredFields: vscode.l10n.t('Not stored (the store has no column for them)'),
    counts: vscode.l10n.t('Rows'),
    countNew: vscode.l10n.t('new'),
    countChanged: vscode.l10n.t('changed'),
    countUnchanged: vscode.l10n.t('unchanged'),
    countInvalid: vscode.l10n.t('invalid'),
    blankRows: vscode.l10n.t('{0} blank rows skipped'),
    nothingToWrite: vscode.l10n.t('Nothing to write: the store already holds every valid row of this file as it is.'),
    invalidRows: vscode.l10n.t('Invalid rows'),
    warnings: vscode.l10n.t('Warnings'),
    reconstructed: vscode.l10n.t('Reconstructed values'),
    changes: vscode.l10n.t('Changes'),
    row: vscode.l10n.t('Row'),
    line: vscode.l10n.t('CSV line {0}'),
    column: vscode.l10n.t('Column'),
    reason: vscode.l10n.t('Reason'),
    stored: vscode.l10n.t('In the file'),
    used: vscode.l10n.t('Used'),
    key: vscode.l10n.t('Key'),
    change: vscode.l10n.t('Change'),
    more: vscode.l10n.t('… and {0} more (the first {1} are shown)'),
    none: vscode.l10n.t('None'),
    skipInvalid: vscode.l10n.t('Skip invalid rows (import only the valid ones)'),
    import: vscode.l10n.t('Import'),
    cancel: vscode.l10n.t('Cancel'),
    blocked: vscode.l10n.t('Correct the invalid rows in the file and import it again, or skip them.'),
    working: vscode.l10n.t('Working…'),
    transfer: vscode.l10n.t('Change responsible person'),
    undo: vscode.l10n.t('Undo Import'),
    error: vscode.l10n.t('Error'),
  };
}

/** A core message (English template written with `msg`) in the display language. */
export function messageText(message: ImportMessage): string {
  const own = vscode.l10n.t(message.template, ...message.args);
  return message.detail ? `${own} ${messageText(message.detail)}` : own;
}

function capped<T>(all: readonly T[]): Capped<T> {
  return { items: all.slice(0, IMPORT_PREVIEW_LIST_LIMIT), total: all.length };
}

function issueView(issue: RowIssue): IssueView {
  return {
    row: issue.row,
    line: issue.line !== undefined && issue.line !== issue.row ? issue.line : null,
    column: issue.column ? `${issue.column.letter} (${issue.column.header})` : null,
    text: messageText(issue.message),
    holderLogin: issue.message.code === 'deactivates-holder' ? String(issue.message.args[0] ?? '') || null : null,
  };
}

function encodingName(name: string): string {
  switch (name) {
    case 'utf-8-bom':
      return vscode.l10n.t('UTF-8 with byte order mark');
    case 'windows-1252':
      return 'Windows-1252';
    default:
      return name.toUpperCase();
  }
}

function how(value: string): string {
  switch (value) {
    case 'detected':
    case 'bom':
      return vscode.l10n.t('detected');
    case 'given':
      return vscode.l10n.t('given');
    case 'sep-line':
      return vscode.l10n.t('from the sep= line');
    case 'single-column':
      return vscode.l10n.t('single column');
    case 'first':
      return vscode.l10n.t('first sheet');
    case 'guessed':
      return vscode.l10n.t('guessed from the headers');
    default:
      return value;
  }
}

/** What the reader found out about the file, as labelled lines. */
export function detectedFacts(parsed: ParsedImport): DetectedFact[] {
  const s = parsed.source;
  const facts: DetectedFact[] = [
    { label: vscode.l10n.t('Format'), value: vscode.l10n.t('{0}, {1} bytes', s.format.toUpperCase(), s.bytes) },
  ];
  if (s.encoding)
    facts.push({
      label: vscode.l10n.t('Encoding'),
      value: `${encodingName(s.encoding.name)} (${how(s.encoding.how)})`,
    });
  if (s.delimiter)
    facts.push({
      label: vscode.l10n.t('Delimiter'),
      value: `${s.delimiter.char === '\t' ? vscode.l10n.t('tab') : `"${s.delimiter.char}"`} (${how(s.delimiter.how)})`,
    });
  if (s.sheet)
    facts.push({
      label: vscode.l10n.t('Sheet'),
      value: vscode.l10n.t('{0} ({1}; sheets: {2})', s.sheet.name, how(s.sheet.how), s.sheet.all.join(', ')),
    });
  if (s.headerRow)
    facts.push({ label: vscode.l10n.t('Header row'), value: `${s.headerRow.row} (${how(s.headerRow.how)})` });
  facts.push({ label: vscode.l10n.t('Kind'), value: `${kindLabel(parsed.kind)} (${how(parsed.kindHow)})` });
  return facts;
}

/** The whole preview view of a plan (exported for the in-host tests, which compare it with the core's plan). */
export function previewView(fileName: string, plan: ImportPlan): ImportPreviewView {
  const parsed = plan.parsed;
  const fields = KIND_SPECS[parsed.kind].fields;
  const label = (field: string): string => fields.find((f) => f.id === field)?.label ?? field;
  const empty = vscode.l10n.t('(empty)');
  const issues = plan.rows.flatMap((r) => r.issues);
  return {
    blocked: null,
    fileName,
    kindLabel: kindLabel(parsed.kind),
    detected: detectedFacts(parsed),
    notes: parsed.source.notes.map(messageText),
    columns: parsed.mapping.columns.map((c) => `${c.letter} ${c.header} → ${label(c.field)}`),
    unknownColumns: parsed.mapping.unknown.map((c) => `${c.letter} ${c.header}`),
    ignoredFields: plan.ignoredFields.map(label),
    counts: plan.counts,
    blankRows: parsed.blankRows,
    invalid: capped(issues.filter((i) => i.severity === 'error').map(issueView)),
    warnings: capped(issues.filter((i) => i.severity === 'warning').map(issueView)),
    reconstructed: capped(
      parsed.reconstructed.map((r) => ({
        row: r.row,
        column: `${r.column.letter} (${r.column.header})`,
        stored: r.stored,
        used: r.used,
        text: messageText(r.message),
      })),
    ),
    changes: capped(
      plan.rows
        .filter((r) => r.status === 'changed')
        .map((r) => ({
          row: r.row,
          key: r.key,
          changes: r.changes.map((c) => `${label(c.field)}: ${c.before ?? empty} → ${c.after ?? empty}`),
        })),
    ),
    result: null,
  };
}

/** The localized one-line summary of a written import. */
export function resultText(result: ApplyImportResult, kind: ImportKind): string {
  if (result.batchId === undefined) return vscode.l10n.t('Nothing to write: the store already holds these values.');
  return vscode.l10n.t(
    'Import batch {0} written ({1}): {2} new, {3} changed, {4} invalid rows skipped; {5} phone numbers ({6} not readable: stored as text, not indexed).',
    result.batchId,
    kindLabel(kind),
    result.counts.new,
    result.counts.changed,
    result.counts.invalid,
    result.phonesWritten,
    result.phonesNotIndexed,
  );
}

/** The localized one-line summary of an undone import (records left alone are logged by the caller). */
export function undoText(result: UndoImportResult): string {
  return vscode.l10n.t(
    'Import batch {0} undone: {1} records restored, {2} left alone (changed or deleted since the import, or in use).',
    result.batchId,
    result.restored,
    result.skipped.length,
  );
}
