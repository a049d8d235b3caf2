/**
 * "Stammdaten importieren…", "Import rückgängig machen…" and "Stammdaten exportieren…" (issue 22 "VS Code"): the
 * same core as the CLI (src/core/import): read → kind confirmed by the user → plan → preview webview
 * (importPreviewPanel.ts) → write one batch; undo a batch; export a kind to .xlsx/.csv. Administrators only: the
 * core checks (`requireAdmin`), the command wrapper shows its error.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { requireAdmin } from '../../core/access/rights';
import { ownAreaCode } from '../../core/cti/phoneIndex';
import { exportCsv, exportXlsx } from '../../core/import/exportWriter';
import { undoImport } from '../../core/import/importBatch';
import type { UndoImportResult } from '../../core/import/importBatch';
import { ImportKindError } from '../../core/import/importErrors';
import { listImportBatches } from '../../core/import/importHistory';
import { readImportFile } from '../../core/import/importReader';
import type { ParsedImport, ReadImportOptions } from '../../core/import/importReader';
import { isImportKind } from '../../core/import/importTypes';
import type { ImportKind } from '../../core/import/importTypes';
import { planImport } from '../../core/import/plan';
import { WRITABLE_KINDS } from '../../core/import/planEntities';
import { writeFileAtomic } from '../../core/store/atomicFile';
import { storeRecords } from '../../core/import/storeRecords';
import { ImportPreviewPanel, logUndo } from '../panels/importPreviewPanel';
import { kindLabel, undoText } from '../panels/importPreviewView';
import { confirmOnProduction } from '../productionGuard';
import { acceptsScriptedArgs } from '../scriptedArgs';
import type { Services } from '../services';
import { requireSignedIn } from '../signedIn';

/** Arguments of "Stammdaten importieren…" for scripts and tests (`confirm` honoured only in the test mode). */
interface ImportArgs {
  readonly file?: unknown;
  readonly kind?: unknown;
  readonly confirm?: unknown;
}

function argsOf(arg: unknown): ImportArgs {
  return typeof arg === 'object' && arg !== null ? (arg as ImportArgs) : {};
}

function givenKind(value: unknown): ImportKind | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !isImportKind(value))
    throw new Error(vscode.l10n.t('Unknown kind of master data: {0}', String(value)));
  return value;
}

/** The folder dialogs open in: the first workspace folder, else the home folder. */
function startFolder(): vscode.Uri {
  return vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
}

/** Reads the file with the core reader under a progress notification (cancel drops the result). */
async function readWithProgress(file: string, options: ReadImportOptions): Promise<ParsedImport | undefined> {
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: vscode.l10n.t('Reading {0}…', path.basename(file)),
      cancellable: true,
    },
    async (_progress, token) => {
      const parsed = await readImportFile(file, options);
      // the reader only reads; a cancel while it ran simply discards what it read
      return token.isCancellationRequested ? undefined : parsed;
    },
  );
}

/** The quick pick of the kind, the guessed one first. Only kinds the core can write are offered. */
async function pickKind(guessed: ImportKind | undefined, title: string): Promise<ImportKind | undefined> {
  const kinds: ImportKind[] = [...WRITABLE_KINDS];
  if (guessed) kinds.sort((a, b) => Number(b === guessed) - Number(a === guessed));
  const picked = await vscode.window.showQuickPick(
    kinds.map((kind) => ({
      label: kindLabel(kind),
      description: kind === guessed ? vscode.l10n.t('guessed from the headers') : '',
      value: kind,
    })),
    {
      title,
      placeHolder:
        guessed && !(WRITABLE_KINDS as readonly string[]).includes(guessed)
          ? vscode.l10n.t(
              'The headers look like {0}, which cannot be imported yet. Choose another kind or cancel.',
              kindLabel(guessed),
            )
          : vscode.l10n.t('Which master data does the file hold?'),
    },
  );
  return picked?.value;
}

/**
 * "Stammdaten importieren…": file picker (.xlsx/.csv), read with progress, kind guessed from the headers and
 * confirmed in a quick pick, planned by core, then the preview webview (writing happens there on "Import").
 * Arguments (scripts, tests): `{ file?, kind?, confirm? }` — with `kind` the quick pick is skipped.
 * @returns the preview panel (for the in-host tests), or undefined when the user cancelled
 * @throws the core's errors (not an administrator, unusable file …), shown by the command wrapper
 */
export async function importMasterDataCommand(
  services: Services,
  arg?: unknown,
): Promise<ImportPreviewPanel | undefined> {
  const { store, actor } = requireSignedIn(services);
  // checked by core again when planning and writing; asked here too so that a non-admin is told before picking a file
  requireAdmin(actor, 'import master data');
  const args = argsOf(arg);
  let kind = givenKind(args.kind);
  let file = typeof args.file === 'string' ? args.file : undefined;
  if (!file) {
    const picked = await vscode.window.showOpenDialog({
      title: vscode.l10n.t('Import Master Data'),
      canSelectMany: false,
      defaultUri: startFolder(),
      openLabel: vscode.l10n.t('Preview'),
      filters: { [vscode.l10n.t('Excel workbooks and CSV files')]: ['xlsx', 'csv', 'txt'] },
    });
    file = picked?.[0]?.fsPath;
    if (!file) return undefined;
  }
  const areaCode = await ownAreaCode(store);
  const base: ReadImportOptions = areaCode !== undefined ? { areaCode } : {};
  let parsed: ParsedImport | undefined;
  if (kind) parsed = await readWithProgress(file, { ...base, kind });
  else {
    let unknownKind = false;
    try {
      parsed = await readWithProgress(file, base);
    } catch (error) {
      // headers that name no kind: the user names it, then the file is read again with that kind
      if (!(error instanceof ImportKindError)) throw error;
      unknownKind = true;
    }
    if (!parsed && !unknownKind) return undefined;
    kind = await pickKind(parsed?.kind, vscode.l10n.t('Kind of master data in {0}', path.basename(file)));
    if (!kind) return undefined;
    if (parsed?.kind !== kind) parsed = await readWithProgress(file, { ...base, kind });
  }
  if (!parsed) return undefined;
  const plan = await planImport(store, actor, parsed);
  return ImportPreviewPanel.show(services, { file, plan, scriptedConfirm: args.confirm === true });
}

/**
 * "Import rückgängig machen…": lists the import batches that can still be undone (newest first), asks, and undoes
 * the chosen one in core (records changed since are left alone and logged). Arguments: `{ batchId?, confirm? }`.
 * @returns the core's result (for the in-host tests), or undefined when cancelled
 */
export async function undoImportCommand(services: Services, arg?: unknown): Promise<UndoImportResult | undefined> {
  const { store, actor } = requireSignedIn(services);
  const args = typeof arg === 'object' && arg !== null ? (arg as { batchId?: unknown; confirm?: unknown }) : {};
  const scripted = args.confirm === true && acceptsScriptedArgs(services.context);
  let batchId = typeof args.batchId === 'string' ? args.batchId : undefined;
  const batches = await listImportBatches(store, actor, { includeUndone: false });
  if (!batchId) {
    if (batches.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('There is no import that can be undone.'));
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      batches.map((b) => ({
        label: `${kindLabel(b.kind)} · ${b.sourceName ?? '—'}`,
        description: b.batchId,
        detail: vscode.l10n.t(
          '{0} by {1}: {2} new, {3} changed',
          new Date(b.at).toLocaleString(vscode.env.language),
          b.by ?? '—',
          b.counts.new,
          b.counts.changed,
        ),
        batchId: b.batchId,
      })),
      {
        title: vscode.l10n.t('Undo Import'),
        placeHolder: vscode.l10n.t('Which import should be undone?'),
        matchOnDescription: true,
      },
    );
    if (!picked) return undefined;
    batchId = picked.batchId;
  }
  const total = batches.find((b) => b.batchId === batchId)?.total;
  const action = vscode.l10n.t('Undo the import batch {0}', batchId);
  if (services.systems.active?.kind === 'Produktion') {
    if (!(await confirmOnProduction(services, action, args.confirm === true))) return undefined;
  } else if (!scripted) {
    const go = vscode.l10n.t('Undo Import');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('Undo the import batch {0}?', batchId),
      {
        modal: true,
        detail:
          total === undefined
            ? vscode.l10n.t('Records changed since the import are left alone. A batch is undone only once.')
            : vscode.l10n.t(
                'The {0} records the import inserted or changed go back to their state before; records changed since the import are left alone. A batch is undone only once.',
                total,
              ),
      },
      go,
    );
    if (answer !== go) return undefined;
  }
  const id = batchId;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Undoing import batch {0}…', id) },
    () => undoImport(store, actor, id),
  );
  logUndo(services, actor.login, result);
  services.refreshViews();
  void vscode.window.showInformationMessage(undoText(result));
  return result;
}

/** Result of "Stammdaten exportieren…" (for scripts and tests). */
export interface ExportCommandResult {
  readonly kind: ImportKind;
  readonly file: string;
  /** records written */
  readonly records: number;
  /** file size in bytes */
  readonly bytes: number;
}

/**
 * "Stammdaten exportieren…": kind (only those the core exports), save dialog (.xlsx or .csv), the core's export
 * writer under a progress, then "Reveal in File Explorer". Administrators only (decided here: the files hold
 * every person's phone numbers; the core's export itself has no actor). Arguments: `{ kind?, file? }`.
 * @returns what was written, or undefined when cancelled
 */
export async function exportMasterDataCommand(
  services: Services,
  arg?: unknown,
): Promise<ExportCommandResult | undefined> {
  const { store, actor } = requireSignedIn(services);
  requireAdmin(actor, 'export master data');
  const args = argsOf(arg);
  let kind = givenKind(args.kind);
  if (!kind) {
    const picked = await vscode.window.showQuickPick(
      WRITABLE_KINDS.map((k) => ({ label: kindLabel(k), value: k as ImportKind })),
      { title: vscode.l10n.t('Export Master Data'), placeHolder: vscode.l10n.t('Which master data?') },
    );
    if (!picked) return undefined;
    kind = picked.value;
  }
  let file = typeof args.file === 'string' ? args.file : undefined;
  if (!file) {
    const target = await vscode.window.showSaveDialog({
      title: vscode.l10n.t('Export {0}', kindLabel(kind)),
      defaultUri: vscode.Uri.joinPath(startFolder(), exportFileName(kind, new Date())),
      saveLabel: vscode.l10n.t('Export'),
      filters: {
        [vscode.l10n.t('Excel workbook')]: ['xlsx'],
        [vscode.l10n.t('CSV (semicolon, as German Excel writes it)')]: ['csv'],
      },
    });
    file = target?.fsPath;
    if (!file) return undefined;
  }
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.csv' && ext !== '.xlsx')
    throw new Error(vscode.l10n.t('Export to a .xlsx or .csv file, not "{0}".', path.basename(file)));
  const target = file;
  const exportKind = kind;
  const written = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: vscode.l10n.t('Exporting {0}…', kindLabel(exportKind)),
    },
    async () => {
      const records = await storeRecords(store, exportKind);
      const bytes = ext === '.csv' ? exportCsv(exportKind, records) : await exportXlsx(exportKind, records);
      // atomically: a failed export never leaves half a file under the name (the save dialog asked about replacing)
      await writeFileAtomic(target, bytes, { keepBackup: false, mode: 0o644 });
      return { kind: exportKind, file: target, records: records.length, bytes: bytes.length };
    },
  );
  services.logger.info(`[import] exported ${written.records} ${exportKind} to ${target} by ${actor.login}`);
  const reveal = vscode.l10n.t('Reveal in File Explorer');
  void vscode.window
    .showInformationMessage(
      vscode.l10n.t(
        'Exported {0} records ({1}) to {2}.',
        written.records,
        kindLabel(exportKind),
        path.basename(target),
      ),
      reveal,
    )
    .then((picked) => {
      if (picked === reveal) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(target));
    });
  return written;
}

/** The proposed name of an export: the kind as the user reads it and the day, e.g. `Personen-2026-12-03.xlsx`. */
function exportFileName(kind: ImportKind, now: Date): string {
  const name = kindLabel(kind)
    .replace(/\s*\(.*\)$/, '')
    .replace(/[\\/:*?"<>|\s]+/g, '-');
  const day = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  return `${name}-${day}.xlsx`;
}
