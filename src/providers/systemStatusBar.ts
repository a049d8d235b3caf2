import * as vscode from 'vscode';
import type { CustomerSystem } from '../core/systems/systems';

/**
 * Status-bar item naming this window's system and its kind (issue 20 "Production is visible"). VS Code allows only
 * the theme's error and warning backgrounds on status-bar items: error for Produktion, warning for Schulung; a
 * system's own colour is used as text colour only. Click: the quick pick to switch.
 */
export class SystemStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('ixhaus.system', vscode.StatusBarAlignment.Left, 51);
  private shown = false;

  constructor() {
    this.item.name = vscode.l10n.t('iX-Haus system');
    this.item.command = 'ixhaus.systems.pick';
  }

  /** Shows `system` (or "no system" when there are systems but none is active; hidden when there are none). */
  update(system: CustomerSystem | undefined, hasSystems: boolean): void {
    if (!system) {
      if (!hasSystems) {
        this.item.hide();
        this.shown = false;
        return;
      }
      this.item.text = `$(server-environment) ${vscode.l10n.t('No system')}`;
      this.item.tooltip = vscode.l10n.t('This window works on no system of the list. Click to switch.');
      this.item.backgroundColor = undefined;
      this.item.color = undefined;
    } else {
      this.item.text = `$(server-environment) ${system.name} · ${system.kind}`;
      this.item.tooltip = vscode.l10n.t(
        'iX-Haus system {0} ({1}) of {2}\nStore: {3}\nClick to switch.',
        system.name,
        system.kind,
        system.customer || '—',
        system.store,
      );
      this.item.backgroundColor =
        system.kind === 'Produktion'
          ? new vscode.ThemeColor('statusBarItem.errorBackground')
          : system.kind === 'Schulung'
            ? new vscode.ThemeColor('statusBarItem.warningBackground')
            : undefined;
      // a background overrides the text colour's contrast: the own colour only where there is none
      this.item.color =
        this.item.backgroundColor === undefined && system.color !== undefined
          ? system.color.startsWith('#')
            ? system.color
            : new vscode.ThemeColor(system.color)
          : undefined;
    }
    this.item.accessibilityInformation = { label: String(this.item.tooltip), role: 'button' };
    this.item.show();
    this.shown = true;
  }

  /** The text and background colour id shown now (for in-host tests). */
  get state(): { text: string; background: string | undefined; visible: boolean } {
    return { text: this.item.text, background: this.item.backgroundColor?.id, visible: this.shown };
  }

  dispose(): void {
    this.item.dispose();
  }
}
