import * as vscode from 'vscode';
import type { StoreConnectionState } from '../extension/storeHost';

/**
 * Status-bar item shown only while the connection to a PostgreSQL store is lost and being re-established
 * (issue 19 "Field behaviour"): "Reconnecting to host:port…" with the driver's reason in the tooltip; hidden again
 * as soon as change notifications flow (the views are then refreshed in full by the store host).
 */
export class StoreConnectionStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'ixhaus.storeConnection',
    vscode.StatusBarAlignment.Left,
    49,
  );
  private shownState: StoreConnectionState | undefined;

  constructor() {
    this.item.name = vscode.l10n.t('iX-Haus store connection');
  }

  update(state: StoreConnectionState): void {
    if (state.state === 'listening') {
      this.shownState = undefined;
      this.item.hide();
      return;
    }
    this.shownState = state;
    this.item.text = `$(sync~spin) ${vscode.l10n.t('Reconnecting to {0}…', state.server)}`;
    this.item.tooltip = vscode.l10n.t(
      'The connection to the PostgreSQL store at {0} was lost ({1}). Changes of other windows are shown again once it is back; an operation started now reports the error.',
      state.server,
      state.error ?? '',
    );
    this.item.accessibilityInformation = { label: this.item.tooltip, role: 'status' };
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    this.item.show();
  }

  /** The state shown now: undefined while connected (for in-host tests). */
  get shown(): StoreConnectionState | undefined {
    return this.shownState;
  }

  dispose(): void {
    this.item.dispose();
  }
}
