import * as vscode from 'vscode';
import { signIn, validateLogin } from '../../core/users/auth';
import type { Actor } from '../../core/access/rights';
import type { Services } from '../services';

const LAST_LOGIN_KEY = 'ixhaus.lastLogin';

/** Optional arguments of `ixhaus.session.signIn` for scripted use (tests, other extensions): skips the prompts. */
export interface SignInArgs {
  readonly login: string;
  readonly password: string;
}

function isSignInArgs(value: unknown): value is SignInArgs {
  const v = value as Partial<SignInArgs> | undefined;
  return typeof v === 'object' && v !== null && typeof v.login === 'string' && typeof v.password === 'string';
}

/** "Anmelden": asks for login and password and signs in against the open store (product.md §1). */
export async function signInCommand(services: Services, args?: unknown): Promise<void> {
  const store = services.storeHost.db;
  if (!store) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('No store is open. Create the demo store or open a store first.'),
    );
    return;
  }
  if (isSignInArgs(args)) {
    await completeSignIn(services, await signIn(store, args.login, args.password));
    return;
  }
  const login = await vscode.window.showInputBox({
    title: vscode.l10n.t('iX-Haus: Sign in'),
    prompt: vscode.l10n.t('iX-Haus login (at most 8 characters)'),
    value: services.context.globalState.get<string>(LAST_LOGIN_KEY, ''),
    ignoreFocusOut: true,
    validateInput: (value) => {
      try {
        validateLogin(value);
        return undefined;
      } catch {
        return vscode.l10n.t('An iX-Haus login has 1 to 8 characters and no spaces.');
      }
    },
  });
  if (login === undefined) return;
  const password = await vscode.window.showInputBox({
    title: vscode.l10n.t('iX-Haus: Sign in'),
    prompt: vscode.l10n.t('Password of {0}', login),
    password: true,
    ignoreFocusOut: true,
  });
  if (password === undefined) return;
  await completeSignIn(services, await signIn(store, login, password));
}

async function completeSignIn(services: Services, actor: Actor): Promise<void> {
  await services.context.globalState.update(LAST_LOGIN_KEY, actor.login);
  await services.session.set(actor, services.systems.active?.id);
  services.logger.info(`[session] ${actor.login} signed in`);
  void vscode.window.showInformationMessage(
    vscode.l10n.t('Signed in as {0} ({1}).', actor.displayName || actor.login, actor.role),
  );
}

/** "Abmelden". */
export async function signOutCommand(services: Services): Promise<void> {
  const actor = services.session.actor;
  if (!actor) return;
  await services.session.set(undefined);
  services.logger.info(`[session] ${actor.login} signed out`);
  void vscode.window.showInformationMessage(vscode.l10n.t('Signed out.'));
}
