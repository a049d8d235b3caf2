import * as vscode from 'vscode';
import { TRANSFER_VIEW_TYPE, TransferResponsiblePanel, prefillFromArg } from '../panels/transferResponsiblePanel';
import type { Services } from '../services';

/**
 * Opens "Verantwortlichen ändern" (issue 8 §2). Argument: a user node of Modules & Users (prefills the previous
 * responsible user), `{ fromLogin?, toLogin?, objectNos? }`, or nothing. The rights are checked by core when the
 * page loads and on every action.
 * @returns the panel (for the in-host tests)
 */
export function transferResponsibleCommand(services: Services, arg?: unknown): TransferResponsiblePanel {
  return TransferResponsiblePanel.show(services, prefillFromArg(arg));
}

/** Restores the panel after a window reload (its page restores its own draft from `getState`). */
export function registerTransferSerializer(services: Services): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(TRANSFER_VIEW_TYPE, {
    deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
      TransferResponsiblePanel.adopt(services, panel, undefined);
    },
  });
}
