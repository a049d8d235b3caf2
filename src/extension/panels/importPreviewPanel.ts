/**
 * Host side of the webview "Stammdaten importieren" preview (issue 22 "VS Code"): shows what the core read from one
 * file and what applying it would do (counts, invalid rows, warnings, reconstructed cells, changes), and writes it
 * on "Import" through the core (`applyImport`, administrators only — checked there). One preview per window: a new
 * import replaces the open one. The plan is kept here, never in the page; the page only gets the localized view.
 * No serializer: after a window reload the plan is gone, so the panel is not restored (the user imports again).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { KIND_SPECS } from '../../core/import/columnCatalog';
import { applyImport, undoImport } from '../../core/import/importBatch';
import type { ApplyImportResult, UndoImportResult } from '../../core/import/importBatch';
import type { ParsedImport } from '../../core/import/importReader';
import type { ImportKind, ImportMessage, RowIssue } from '../../core/import/importTypes';
import type { ImportPlan } from '../../core/import/plan';
import type { MessageEndpoint } from '../../shared/protocol/endpoint';
import {
  IMPORT_PREVIEW_LIST_LIMIT,
  importApplyRequest,
  importCancelRequest,
  importInitRequest,
  importTransferRequest,
  importUndoRequest,
} from '../../shared/protocol/importPreview';
import type {
  Capped,
  DetectedFact,
  ImportPreviewView,
  ImportResultView,
  ImportStrings,
  IssueView,
} from '../../shared/protocol/importPreview';
import { confirmOnProduction } from '../productionGuard';
import type { Services } from '../services';
import { requireSignedIn } from '../signedIn';
import { connectWebview } from '../webview/webviewHost';

/** The one record of the open import preview of a window. */
export class ImportPanels {
  open: ImportPreviewPanel | undefined;
}

/** The panel's view type. */
export const IMPORT_VIEW_TYPE = 'ixhaus.importPreview';

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

/** Writes an undo's skipped records to the log (the message names only their number). */
export function logUndo(services: Services, login: string, result: UndoImportResult): void {
  services.logger.info(
    `[import] batch ${result.batchId} undone by ${login}: ${result.restored} restored, ${result.skipped.length} left alone`,
  );
  for (const s of result.skipped) services.logger.info(`[import]   left alone: ${s.entity} ${s.key} (${s.reason})`);
}

/** What {@link ImportPreviewPanel.show} needs. */
export interface ImportPreviewInput {
  readonly file: string;
  readonly plan: ImportPlan;
  /** the command's arguments carried `confirm: true` (the Produktion question; honoured only in test mode) */
  readonly scriptedConfirm: boolean;
}

/** The one import preview panel of a window. */
export class ImportPreviewPanel implements vscode.Disposable {
  private result: ImportResultView | null = null;
  private readonly endpoint: MessageEndpoint;
  private readonly disposables: vscode.Disposable[] = [];
  /** set while "Import" runs: a second click is refused instead of writing twice */
  private applying = false;

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly services: Services,
    readonly input: ImportPreviewInput,
  ) {
    const title = vscode.l10n.t('Import master data: {0}', path.basename(input.file));
    this.endpoint = connectWebview(panel, {
      extensionUri: services.context.extensionUri,
      name: 'importPreview',
      title,
      strings: importStrings(),
      logger: services.logger,
    });
    this.endpoint.onRequest(importInitRequest, () => this.view());
    this.endpoint.onRequest(importApplyRequest, ({ skipInvalid }) => this.apply(skipInvalid));
    this.endpoint.onRequest(importUndoRequest, ({ batchId }) => this.undo(batchId));
    this.endpoint.onRequest(importCancelRequest, () => {
      // answered first, then closed: the reply must reach the page before it goes away
      setTimeout(() => this.panel.dispose(), 0);
      return null;
    });
    this.endpoint.onRequest(importTransferRequest, async ({ login }) => {
      await vscode.commands.executeCommand('ixhaus.responsible.transfer', { fromLogin: login });
      return null;
    });
    panel.onDidDispose(() => this.dispose());
  }

  /** Opens the preview of a read and planned file (closing the previous preview of this window). */
  static show(services: Services, input: ImportPreviewInput): ImportPreviewPanel {
    services.importPanels.open?.panel.dispose();
    const panel = vscode.window.createWebviewPanel(
      IMPORT_VIEW_TYPE,
      vscode.l10n.t('Import master data: {0}', path.basename(input.file)),
      vscode.ViewColumn.Active,
      { enableScripts: true },
    );
    const created = new ImportPreviewPanel(panel, services, input);
    services.importPanels.open = created;
    return created;
  }

  /**
   * Runs one request as the page would send it (same validation, same handlers) and returns the reply's result.
   * For the in-host tests. @throws Error with the localized error text of a failed request
   */
  invoke(method: string, params: unknown): Promise<unknown> {
    return this.endpoint.invokeAsPeer(method, params);
  }

  private view(): ImportPreviewView {
    return { ...previewView(path.basename(this.input.file), this.input.plan), result: this.result };
  }

  /**
   * Writes the import: the Produktion question first, then `applyImport` under a cancellable progress. Returns null
   * when the user declined or cancelled before the write began.
   */
  private async apply(skipInvalid: boolean): Promise<ImportResultView | null> {
    const { store, actor } = requireSignedIn(this.services);
    if (this.result) return this.result;
    if (this.applying) throw new Error(vscode.l10n.t('The import is already running.'));
    const plan = this.input.plan;
    if (plan.counts.invalid > 0 && !skipInvalid)
      throw new Error(
        vscode.l10n.t(
          'The file has {0} invalid rows; nothing was written. Correct them and import again, or check "Skip invalid rows".',
          plan.counts.invalid,
        ),
      );
    const kind = plan.parsed.kind;
    const action =
      plan.counts.invalid > 0
        ? vscode.l10n.t(
            'Import {0} new and {1} changed {2} from {3}, skipping {4} invalid rows',
            plan.counts.new,
            plan.counts.changed,
            kindLabel(kind),
            path.basename(this.input.file),
            plan.counts.invalid,
          )
        : vscode.l10n.t(
            'Import {0} new and {1} changed {2} from {3}',
            plan.counts.new,
            plan.counts.changed,
            kindLabel(kind),
            path.basename(this.input.file),
          );
    if (!(await confirmOnProduction(this.services, action, this.input.scriptedConfirm))) return null;
    this.applying = true;
    try {
      const written = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: vscode.l10n.t('Importing {0}…', kindLabel(kind)),
          cancellable: true,
        },
        async (_progress, token) => {
          // Cancel works until the write begins. The write is ONE transaction (all rows, phone index, batch and
          // audit row) and by design cannot be cancelled halfway: nothing is ever half-written.
          if (token.isCancellationRequested) return undefined;
          return applyImport(store, actor, plan, { skipInvalid, sourceName: path.basename(this.input.file) });
        },
      );
      if (!written) return null;
      this.services.refreshViews();
      this.services.logger.info(
        `[import] ${kind} from ${path.basename(this.input.file)} by ${actor.login}: batch ${written.batchId ?? '—'}, ${written.counts.new} new, ${written.counts.changed} changed, ${written.counts.invalid} invalid skipped`,
      );
      this.result = { batchId: written.batchId ?? null, text: resultText(written, kind) };
      this.announce(written);
      return this.result;
    } finally {
      this.applying = false;
    }
  }

  /** The result as a notification with the next action "Undo Import". */
  private announce(written: ApplyImportResult): void {
    const text = resultText(written, this.input.plan.parsed.kind);
    if (written.batchId === undefined) {
      void vscode.window.showInformationMessage(text);
      return;
    }
    const undo = vscode.l10n.t('Undo Import');
    const batchId = written.batchId;
    void vscode.window.showInformationMessage(text, undo).then((picked) => {
      if (picked === undo) void vscode.commands.executeCommand('ixhaus.import.undo', { batchId });
    });
  }

  private async undo(batchId: string): Promise<string | null> {
    if (this.result?.batchId !== batchId)
      throw new Error(vscode.l10n.t('This preview did not write the import batch {0}.', batchId));
    const { store, actor } = requireSignedIn(this.services);
    const action = vscode.l10n.t('Undo the import batch {0}', batchId);
    if (!(await confirmOnProduction(this.services, action, this.input.scriptedConfirm))) return null;
    const result = await undoImport(store, actor, batchId);
    logUndo(this.services, actor.login, result);
    this.services.refreshViews();
    return undoText(result);
  }

  dispose(): void {
    if (this.services.importPanels.open === this) this.services.importPanels.open = undefined;
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
  }
}
