import * as vscode from 'vscode';
import type { CallAlert } from '../../core/cti/ctiSession';
import type { ProviderStatus } from '../../core/cti/provider';

/** The one-line text of an alert's caller: the (picked or only) match's name, else the number, else "suppressed". */
export function callerLabel(alert: CallAlert): string {
  const lookup = alert.lookup;
  switch (lookup.outcome) {
    case 'suppressed':
      return vscode.l10n.t('Number withheld');
    case 'internal':
      return lookup.users[0] ? `${lookup.users[0].name} (${lookup.extension})` : lookup.extension;
    case 'matched': {
      const shown = lookup.picked ?? lookup.matches[0];
      const more = lookup.matches.length > 1 && !lookup.picked ? ` +${lookup.matches.length - 1}` : '';
      return `${shown?.name ?? lookup.e164}${more}`;
    }
    case 'unknown':
      return alert.event.remote;
  }
}

/**
 * CTI status-bar item (issue 9 §3): the connection state of the telephone system, and during an incoming call the
 * caller's name or number (click: open the record / choose among several matches).
 */
export class CallStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('ixhaus.cti', vscode.StatusBarAlignment.Left, 49);
  private connection: ProviderStatus = 'disconnected';
  private call: CallAlert | undefined;

  constructor() {
    this.item.name = vscode.l10n.t('iX-Haus telephone');
  }

  /** The item's current text (in-host tests). */
  get text(): string {
    return this.item.text;
  }

  /** Whether the item is shown. */
  visible = false;

  setConnection(status: ProviderStatus, providerName: string): void {
    this.connection = status;
    if (!this.call) this.render(providerName);
  }

  showCall(alert: CallAlert): void {
    this.call = alert;
    this.item.text = `$(call-incoming) ${callerLabel(alert)}`;
    this.item.tooltip = vscode.l10n.t(
      'Incoming call from {0} at {1}. Click to open the record.',
      alert.event.remote || vscode.l10n.t('Number withheld'),
      alert.event.at.toLocaleTimeString(),
    );
    this.item.command = {
      command: 'ixhaus.cti.openRecord',
      title: vscode.l10n.t('Open Caller Record'),
      arguments: [{ callId: alert.event.callId }],
    };
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    this.item.accessibilityInformation = { label: String(this.item.tooltip), role: 'button' };
    this.item.show();
    this.visible = true;
  }

  endCall(callId: string, providerName: string): void {
    if (this.call?.event.callId !== callId) return;
    this.call = undefined;
    this.render(providerName);
  }

  private render(providerName: string): void {
    this.item.backgroundColor = undefined;
    this.item.command = 'ixhaus.cti.test';
    if (this.connection === 'connected') {
      this.item.text = `$(call-outgoing) ${providerName}`;
      this.item.tooltip = vscode.l10n.t('Telephone system connected ({0}). Click for the CTI-Test.', providerName);
    } else if (this.connection === 'reconnecting' || this.connection === 'connecting') {
      this.item.text = `$(sync~spin) ${vscode.l10n.t('Call monitor disconnected — reconnecting…')}`;
      this.item.tooltip = vscode.l10n.t(
        'The connection to the telephone system ({0}) is being re-established.',
        providerName,
      );
    } else {
      this.item.text = `$(debug-disconnect) ${providerName}`;
      this.item.tooltip = vscode.l10n.t('Telephone system not connected ({0}).', providerName);
    }
    this.item.accessibilityInformation = { label: String(this.item.tooltip), role: 'button' };
    this.item.show();
    this.visible = true;
  }

  hide(): void {
    this.call = undefined;
    this.item.hide();
    this.visible = false;
  }

  dispose(): void {
    this.item.dispose();
  }
}
