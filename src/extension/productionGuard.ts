/**
 * "Production is visible" (issue 20): a bulk change on a Produktion system asks first, naming the system and the
 * customer, in a modal dialog. The question is skipped only by scripted arguments in the test extension mode
 * (DESIGN.md §4b: confirmations are never skipped by command arguments outside it).
 */
import * as vscode from 'vscode';
import type { CustomerSystem } from '../core/systems/systems';
import { acceptsScriptedArgs } from './scriptedArgs';

/** What the guard needs: the window's active system and the extension mode. */
export interface ProductionGuardDeps {
  readonly context: Pick<vscode.ExtensionContext, 'extensionMode'>;
  readonly systems: { readonly active: CustomerSystem | undefined };
}

/**
 * Asks before `action` (a localized sentence such as "Transfer 12 assignments from anna to ben") when this window's
 * active system is a Produktion system.
 * @param scriptedConfirm the command's arguments carried `confirm: true` (honoured only in the test extension mode)
 * @returns true when the change may go ahead (not Produktion, confirmed, or scripted in test mode)
 */
export async function confirmOnProduction(
  deps: ProductionGuardDeps,
  action: string,
  scriptedConfirm: boolean,
): Promise<boolean> {
  const system = deps.systems.active;
  if (system?.kind !== 'Produktion') return true;
  if (scriptedConfirm && acceptsScriptedArgs(deps.context)) return true;
  const go = vscode.l10n.t('Apply to Produktion');
  const answer = await vscode.window.showWarningMessage(
    vscode.l10n.t('{0} on the Produktion system {1} of {2}?', action, system.name, system.customer || '—'),
    {
      modal: true,
      detail: vscode.l10n.t(
        'This window works on a production system: the change reaches the live data of the customer at once. Store: {0}',
        system.store,
      ),
    },
    go,
  );
  return answer === go;
}
