import * as path from 'node:path';
import * as vscode from 'vscode';
import type { StoreLocation } from '../core/store/location';
import type { Actor } from '../core/access/rights';

/** The open store as the status bar shows it. */
export interface OpenStoreView {
  readonly location: StoreLocation;
  readonly readOnly: boolean;
}

/** How the status bar names a store: the file name, or `database@host` of a PostgreSQL store. */
export function shortStoreName(location: StoreLocation): string {
  return location.kind === 'file' ? path.basename(location.path) : `${location.database}@${location.host}`;
}

/**
 * Status-bar item showing who is signed in (click: sign out) or offering "Sign in"; marks a read-only store and
 * names the open store (tooltip; for a PostgreSQL store, shared by many, also in the text).
 */
export class SessionStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('ixhaus.session', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = vscode.l10n.t('iX-Haus sign-in');
  }

  update(store: OpenStoreView | undefined, actor: Actor | undefined): void {
    if (!store) {
      this.item.hide();
      return;
    }
    const lock = store.readOnly ? '$(lock) ' : '';
    // a server store is shared by many windows and users: say which one this window works on
    const server = store.location.kind === 'postgres' ? ` $(database) ${shortStoreName(store.location)}` : '';
    if (actor) {
      this.item.text = `${lock}$(account) ${actor.login}${server}`;
      this.item.tooltip = vscode.l10n.t(
        'iX-Haus: signed in as {0} ({1}, class {2}). Click to sign out.',
        actor.displayName || actor.login,
        actor.role,
        actor.rightsClass,
      );
      this.item.tooltip += `\n${vscode.l10n.t('Store: {0}', store.location.redacted)}`;
      this.item.command = 'ixhaus.session.signOut';
    } else {
      this.item.text = `${lock}$(sign-in) ${vscode.l10n.t('iX-Haus: Sign in')}${server}`;
      this.item.tooltip = vscode.l10n.t('Sign in to the iX-Haus store {0}', store.location.redacted);
      this.item.command = 'ixhaus.session.signIn';
    }
    if (store.readOnly) this.item.tooltip += `\n${vscode.l10n.t('The store is open read-only.')}`;
    // screen readers get the whole sentence, not the codicon text ("$(account) admin")
    this.item.accessibilityInformation = { label: this.item.tooltip, role: 'button' };
    this.item.show();
  }

  /** The text shown now (for in-host tests). */
  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    this.item.dispose();
  }
}
