import * as vscode from 'vscode';
import type { AsyncStore } from '../core/store/asyncStore';
import type { Actor } from '../core/access/rights';

/** Status-bar item showing who is signed in (click: sign out) or offering "Sign in"; marks a read-only store. */
export class SessionStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('ixhaus.session', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = vscode.l10n.t('iX-Haus sign-in');
  }

  update(store: AsyncStore | undefined, actor: Actor | undefined): void {
    if (!store) {
      this.item.hide();
      return;
    }
    const lock = store.readOnly ? '$(lock) ' : '';
    if (actor) {
      this.item.text = `${lock}$(account) ${actor.login}`;
      this.item.tooltip = vscode.l10n.t(
        'iX-Haus: signed in as {0} ({1}, class {2}). Click to sign out.',
        actor.displayName || actor.login,
        actor.role,
        actor.rightsClass,
      );
      this.item.command = 'ixhaus.session.signOut';
    } else {
      this.item.text = `${lock}$(sign-in) ${vscode.l10n.t('iX-Haus: Sign in')}`;
      this.item.tooltip = vscode.l10n.t('Sign in to the iX-Haus store {0}', store.location);
      this.item.command = 'ixhaus.session.signIn';
    }
    if (store.readOnly) this.item.tooltip += `\n${vscode.l10n.t('The store is open read-only.')}`;
    // screen readers get the whole sentence, not the codicon text ("$(account) admin")
    this.item.accessibilityInformation = { label: this.item.tooltip, role: 'button' };
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
