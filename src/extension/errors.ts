import * as vscode from 'vscode';
import { IxError } from '../core/errors';
import type { Logger } from '../core/log';
import { SftpCancelledError, SftpError, SftpHostKeyChangedError } from '../core/sftp/sftpErrors';
import { SftpNotConfiguredError, SftpSettingsError } from '../core/sftp/sftpSettings';
import { StoreError } from '../core/store/errors';

/** The localized text of an error: a core {@link IxError} through the l10n bundle, anything else as is. */
export function localizedMessage(error: unknown): string {
  if (error instanceof IxError) return vscode.l10n.t(error.template, ...error.args);
  return error instanceof Error ? error.message : String(error);
}

/** Actions an error message may offer; the caller decides what each does. */
export interface ErrorActions {
  readonly logger: Logger;
  readonly showLog: () => void;
  readonly restoreBackup?: (file: string) => Promise<void>;
}

/**
 * Shows an error to the user (localized, with the actions its kind calls for: "Restore backup" for a damaged
 * store with a valid `.bak`, "Show log" always) and logs it.
 */
export async function showError(error: unknown, actions: ErrorActions): Promise<void> {
  const { logger } = actions;
  const text = localizedMessage(error);
  // expected failures (wrong password, damaged file …) are told to the user and logged without a stack;
  // anything else is a defect and logged with its stack for the report
  if (error instanceof IxError) logger.warn(`${error.code}: ${error.message}`);
  else logger.error(error instanceof Error && error.stack ? `${error.message}\n${error.stack}` : text);
  // a cancel is the user's own decision: logged, not shown as an error
  if (error instanceof SftpCancelledError) return;
  const restore = vscode.l10n.t('Restore backup');
  const showLog = vscode.l10n.t('Show log');
  const sftpSettings = vscode.l10n.t('Open SFTP Settings');
  const retrust = vscode.l10n.t('Re-trust Host Key…');
  const items: string[] = [];
  const backup = error instanceof StoreError ? error.backupFile : undefined;
  if (backup && error instanceof StoreError && error.file && actions.restoreBackup) items.push(restore);
  if (error instanceof SftpHostKeyChangedError) items.push(retrust);
  else if (error instanceof SftpError || error instanceof SftpNotConfiguredError || error instanceof SftpSettingsError || (error instanceof IxError && error.code === 'E_SFTP_NO_SECRET')) items.push(sftpSettings);
  items.push(showLog);
  const picked = await vscode.window.showErrorMessage(text, ...items);
  if (picked === restore && error instanceof StoreError && error.file && actions.restoreBackup) await actions.restoreBackup(error.file);
  if (picked === sftpSettings) await vscode.commands.executeCommand('ixhaus.sftp.configure');
  if (picked === retrust) await vscode.commands.executeCommand('ixhaus.sftp.retrustHostKey');
  if (picked === showLog) actions.showLog();
}
