import * as vscode from 'vscode';
import { confirmOnProduction } from '../productionGuard';
import { lockModule } from '../../core/license/licenseService';
import { effectiveTabCounters, requireSetting, setSetting } from '../../core/settings/settingsService';
import type { AsyncStore } from '../../core/store/asyncStore';
import { USER_ROLES } from '../../core/access/rights';
import type { Actor } from '../../core/access/rights';
import { listUsers } from '../../core/users/userQueries';
import type { UserSummary } from '../../core/users/userQueries';
import {
  changeRole,
  myData,
  requireUser,
  setActive,
  setOwnCtiLine,
  unlockModuleFor,
} from '../../core/users/userService';
import { acceptsScriptedArgs } from '../scriptedArgs';
import { nodeOf } from '../../providers/tree/treeNode';
import type { Services } from '../services';
import { requireSignedIn } from '../signedIn';

/** Scripted arguments `{ login, module, role }` (a command from a menu gets a tree node instead). */
interface UserArgs {
  readonly login?: string;
  readonly module?: string;
  readonly role?: string;
}

/** What a command got: a module node, a user node (under a module or in the user list), or {@link UserArgs}. */
function parse(arg: unknown): { login?: string; module?: string; role?: string } {
  const userNode = nodeOf(arg, 'user');
  if (userNode) return { login: userNode.data.user.login, module: userNode.data.module };
  const moduleNode = nodeOf(arg, 'module');
  if (moduleNode) return { module: moduleNode.data.code };
  const a = (arg ?? {}) as UserArgs;
  return { login: a.login, module: a.module, role: a.role };
}

function context(services: Services): { store: AsyncStore; actor: Actor } {
  return requireSignedIn(services);
}

async function pickUser(
  store: AsyncStore,
  title: string,
  filter: (u: UserSummary) => boolean,
): Promise<string | undefined> {
  const picked = await vscode.window.showQuickPick(
    (await listUsers(store)).filter(filter).map((u) => ({
      label: u.login,
      description: `${u.firstName} ${u.lastName}`,
      detail: `${u.role} · ${vscode.l10n.t('class {0}', u.rightsClass)}`,
    })),
    { title, matchOnDescription: true },
  );
  return picked?.label;
}

async function saved(store: AsyncStore, text: string): Promise<void> {
  void vscode.window.showInformationMessage(text);
}

/** Unlocks a module for a user (admins; within the licensed seats; only active users). */
export async function unlockModuleCommand(services: Services, arg?: unknown): Promise<void> {
  const c = context(services);
  if (!c) return;
  const { module } = parse(arg);
  if (!module) return;
  const login =
    parse(arg).login ??
    (await pickUser(c.store, vscode.l10n.t('Unlock {0} for…', module), (u) => u.active && !u.modules.includes(module)));
  if (!login) return;
  const scripted = (arg as { confirm?: unknown } | undefined)?.confirm === true;
  if (!(await confirmOnProduction(services, vscode.l10n.t('Unlock {0} for {1}', module, login), scripted))) return;
  const { coupled } = await unlockModuleFor(c.store, c.actor, login, module);
  await saved(
    c.store,
    coupled
      ? vscode.l10n.t('{0} unlocked for {1}; the user is now coupled with iX-Haus plus.', module, login)
      : vscode.l10n.t('{0} unlocked for {1}.', module, login),
  );
}

/** Locks a module for a user (frees a seat). */
export async function lockModuleCommand(services: Services, arg?: unknown): Promise<void> {
  const c = context(services);
  if (!c) return;
  const { module, login } = parse(arg);
  if (!module || !login) return;
  await lockModule(c.store, c.actor, (await requireUser(c.store, login)).id, module);
  await saved(c.store, vscode.l10n.t('{0} locked for {1}.', module, login));
}

/** Changes a user's Benutzerrolle. */
export async function changeRoleCommand(services: Services, arg?: unknown): Promise<void> {
  const c = context(services);
  if (!c) return;
  const { login } = parse(arg);
  const target = login ?? (await pickUser(c.store, vscode.l10n.t('Change the role of…'), () => true));
  if (!target) return;
  const role =
    parse(arg).role ??
    (await vscode.window.showQuickPick([...USER_ROLES], { title: vscode.l10n.t('New role of {0}', target) }));
  if (!role) return;
  // the role shown when picking is what the change is based on (another admin's change meanwhile is refused)
  const shownRole = (await listUsers(c.store)).find((u) => u.login === target)?.role;
  await changeRole(c.store, c.actor, target, role, new Date(), login ? undefined : shownRole);
  await saved(c.store, vscode.l10n.t('{0} now has the role {1}.', target, role));
}

/** Deactivates a user (never deletes: history stays; the seats are freed). */
export async function deactivateUserCommand(services: Services, arg?: unknown): Promise<void> {
  const c = context(services);
  if (!c) return;
  const { login } = parse(arg);
  if (!login) return;
  // a scripted `{ login }` skips the question only in the test extension mode
  if (!(arg as UserArgs | undefined)?.login || !acceptsScriptedArgs(services.context)) {
    const confirm = vscode.l10n.t('Deactivate');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('Deactivate {0}?', login),
      {
        modal: true,
        detail: vscode.l10n.t(
          'The user can no longer sign in and occupies no license seat. Nothing is deleted; the user can be reactivated.',
        ),
      },
      confirm,
    );
    if (answer !== confirm) return;
  }
  await setActive(c.store, c.actor, login, false);
  await saved(c.store, vscode.l10n.t('{0} deactivated.', login));
}

/** Reactivates a user. */
export async function reactivateUserCommand(services: Services, arg?: unknown): Promise<void> {
  const c = context(services);
  if (!c) return;
  const { login } = parse(arg);
  if (!login) return;
  await setActive(c.store, c.actor, login, true);
  await saved(c.store, vscode.l10n.t('{0} reactivated.', login));
}

/**
 * Which lines and extensions the telephone system named in calls since CTI started (issue 16: a user's line may be a
 * line like `SIP0` or an extension like `10`), newest first; the simulator's only when no real system reported any.
 */
export function recentLinesText(services: Services): string {
  const all = services.cti.recentLines();
  const real = all.filter((l) => !l.simulated);
  const shown = (real.length > 0 ? real : all).slice(0, 8).map((l) => `${l.name} (${l.at.toLocaleTimeString()})`);
  return shown.length === 0
    ? vscode.l10n.t('The telephone system has reported no lines yet.')
    : vscode.l10n.t('Lines reported recently by the telephone system: {0}', shown.join(', '));
}

/**
 * "Meine Daten" (domain.md §2.3): the signed-in user's own CTI line (greyed out with the reason while CTI is off)
 * and their tab-counter preference (shown with the global switch it depends on).
 */
export async function myDataCommand(services: Services): Promise<void> {
  const c = context(services);
  if (!c) return;
  const data = await myData(c.store, c.actor.id);
  const tabs = await effectiveTabCounters(c.store, c.actor.id);
  const reported = recentLinesText(services);
  const ctiItem = {
    label: vscode.l10n.t('CTI line: {0}', data.ctiLine ?? vscode.l10n.t('(none)')),
    description: reported,
    detail: data.ctiEnabled
      ? vscode.l10n.t('Choose the telephone line iX-Haus plus uses for your calls.')
      : vscode.l10n.t('Disabled: CTI is switched off (PlusGlobalCTIKopplungAktiv).'),
    action: 'cti' as const,
  };
  const tabItem = {
    label: vscode.l10n.t('Tab counters: {0}', tabs.own ? vscode.l10n.t('on') : vscode.l10n.t('off')),
    detail: tabs.global
      ? vscode.l10n.t('Effective: {0}', tabs.effective ? vscode.l10n.t('on') : vscode.l10n.t('off'))
      : vscode.l10n.t('Without effect: an administrator has switched tab counters off for all users.'),
    action: 'tabs' as const,
  };
  const picked = await vscode.window.showQuickPick([ctiItem, tabItem], {
    title: vscode.l10n.t('Meine Daten — {0}', c.actor.login),
  });
  if (!picked) return;
  if (picked.action === 'cti') {
    if (!data.ctiEnabled) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t(
          'CTI is switched off, so no line can be chosen. An administrator turns on PlusGlobalCTIKopplungAktiv first.',
        ),
      );
      return;
    }
    const line = await vscode.window.showInputBox({
      title: vscode.l10n.t('Your CTI line'),
      prompt: `${vscode.l10n.t('Line or extension as the telephone system names it (empty: none)')} — ${reported}`,
      value: data.ctiLine ?? '',
    });
    if (line === undefined) return;
    await setOwnCtiLine(c.store, c.actor, c.actor.login, line);
    await saved(c.store, vscode.l10n.t('Your CTI line is saved.'));
    return;
  }
  await setSetting(c.store, c.actor, requireSetting('TabreiterZaehlerAktiv').systemId, tabs.own ? '0' : '1');
  await saved(
    c.store,
    vscode.l10n.t('Tab counters switched {0} for you.', tabs.own ? vscode.l10n.t('off') : vscode.l10n.t('on')),
  );
}
