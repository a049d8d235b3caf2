/**
 * Host side of the webview "Stammdaten importieren" preview (issue 22 "VS Code"): shows what the core read from one
 * file and what applying it would do (counts, invalid rows, warnings, reconstructed cells, changes), and writes it
 * on "Import" through the core (`applyImport`, administrators only — checked there). One preview per window: a new
 * import replaces the open one. The plan is kept here, never in the page; the page only gets the localized view.
 * No serializer: after a window reload the plan is gone, so the panel is not restored (the user imports again).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { applyImport, undoImport } from '../../core/import/importBatch';
import type { ApplyImportResult, UndoImportResult } from '../../core/import/importBatch';
import type { ImportPlan } from '../../core/import/plan';
import type { MessageEndpoint } from '../../shared/protocol/endpoint';
import {
  importApplyRequest,
  importCancelRequest,
  importInitRequest,
  importTransferRequest,
  importUndoRequest,
} from '../../shared/protocol/importPreview';
import type { ImportPreviewView, ImportResultView } from '../../shared/protocol/importPreview';
import { confirmOnProduction } from '../productionGuard';
import { importStrings, kindLabel, previewView, resultText, undoText } from './importPreviewView';
import type { Services } from '../services';
import { requireSignedIn } from '../signedIn';
import { connectWebview } from '../webview/webviewHost';

/** The one record of the open import preview of a window. */
export class ImportPanels {
  open: ImportPreviewPanel | undefined;
}

/** The panel's view type. */
export const IMPORT_VIEW_TYPE = 'ixhaus.importPreview';

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
