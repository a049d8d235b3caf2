import * as vscode from 'vscode';
import { IxError } from '../core/errors';
import type { Logger } from '../core/log';
import type { SuggestedAction } from '../core/errors';
import { SftpCancelledError } from '../core/sftp/sftpErrors';
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

/** The button text and what it does, per action an error can suggest (one table for every error). */
function actionButton(
  action: SuggestedAction,
  error: unknown,
  actions: ErrorActions,
): { label: string; run: () => Thenable<unknown> | Promise<unknown> | undefined } | undefined {
  switch (action) {
    case 'signIn':
      return { label: vscode.l10n.t('Sign in'), run: () => vscode.commands.executeCommand('ixhaus.session.signIn') };
    case 'createDemoStore':
      return {
        label: vscode.l10n.t('Create Demo Store'),
        run: () => vscode.commands.executeCommand('ixhaus.store.createDemo'),
      };
    case 'openStore':
      return { label: vscode.l10n.t('Open Store…'), run: () => vscode.commands.executeCommand('ixhaus.store.open') };
    case 'restoreBackup': {
      const file = error instanceof StoreError ? error.file : undefined;
      const restore = actions.restoreBackup;
      return file && restore ? { label: vscode.l10n.t('Restore backup'), run: () => restore(file) } : undefined;
    }
    case 'sftpSettings':
      return {
        label: vscode.l10n.t('Open SFTP Settings'),
        run: () => vscode.commands.executeCommand('ixhaus.sftp.configure'),
      };
    case 'retrustHostKey':
      return {
        label: vscode.l10n.t('Re-trust Host Key…'),
        run: () => vscode.commands.executeCommand('ixhaus.sftp.retrustHostKey'),
      };
  }
}

/**
 * Shows an error to the user, localized, with the actions the error itself suggests ({@link IxError.suggestedActions}:
 * "Sign in", "Restore backup", "Open SFTP Settings" …) and "Show log" always, and logs it.
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
  const suggested = error instanceof IxError ? error.suggestedActions : [];
  const buttons = suggested.map((a) => actionButton(a, error, actions)).filter((b) => b !== undefined);
  const showLog = vscode.l10n.t('Show log');
  const picked = await vscode.window.showErrorMessage(text, ...buttons.map((b) => b.label), showLog);
  if (picked === showLog) actions.showLog();
  else await buttons.find((b) => b.label === picked)?.run();
}
