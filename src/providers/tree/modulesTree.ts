import * as vscode from 'vscode';
import { listInstalledLicenses } from '../../core/license/installedLicenses';
import type { AsyncStore } from '../../core/store/asyncStore';
import { listUsers, userCtiLines } from '../../core/users/userQueries';
import { BUILT_IN_LOGINS } from '../../core/users/userService';
import type { UserSummary } from '../../core/users/userQueries';
import { contextValue, groupNode, node } from './treeNode';
import type { TreeNode } from './treeNode';

function userNode(parent: string, user: UserSummary, ctiLine: string | null, module: string | undefined): TreeNode {
  return node(`${parent}/user/${user.login}`, 'user', { user, module }, () => {
    const item = new vscode.TreeItem(`${user.login} — ${user.firstName} ${user.lastName}`.trim());
    // the built-in admin and ncrem are never shown as uncoupled (domain.md §2.2)
    const uncoupled = !user.coupled && !(BUILT_IN_LOGINS as readonly string[]).includes(user.login.toLowerCase());
    const flags = [
      user.role,
      vscode.l10n.t('class {0}', user.rightsClass),
      !user.active && vscode.l10n.t('inactive'),
      uncoupled && vscode.l10n.t('not coupled'),
    ].filter(Boolean);
    item.description = flags.join(' · ');
    item.iconPath = new vscode.ThemeIcon(
      user.active ? (user.role === 'Administrator' ? 'shield' : 'person') : 'circle-slash',
    );
    const notes = [
      !user.active && vscode.l10n.t('Inactive: the user left or is locked; inactive users occupy no license seat.'),
      uncoupled &&
        vscode.l10n.t(
          'Not coupled: the iX-Haus user has no iX-Haus plus account yet; it is coupled on the first call of a plus module.',
        ),
      vscode.l10n.t(
        'CTI line: {0} — read-only here: every user picks their own line under Meine Daten.',
        ctiLine ?? vscode.l10n.t('(none)'),
      ),
    ].filter(Boolean);
    item.tooltip = new vscode.MarkdownString(
      [
        `**${user.firstName} ${user.lastName}** (${user.login}, ${vscode.l10n.t('short code {0}', user.shortCode)})`,
        flags.join(' · '),
        vscode.l10n.t('Unlocked modules: {0}', user.modules.join(', ') || '–'),
        ...notes,
      ].join('\n\n'),
    );
    item.contextValue = contextValue(
      'user',
      module !== undefined && 'unlocked',
      user.active ? 'active' : 'inactive',
      user.coupled ? 'coupled' : 'uncoupled',
    );
    return item;
  });
}

/** Root nodes of the "Module & Benutzer" view in its first form: Module (with the users who have each unlocked) and Benutzer. */
export async function modulesRoots(store: AsyncStore | undefined): Promise<TreeNode[]> {
  if (!store) return [];
  const users = await listUsers(store);
  const lines = await userCtiLines(store);
  // one entry per module code: seats add up over all installed licenses (licenseService.licensedSeats)
  const byCode = new Map<string, { code: string; name: string; seats: number; seatsUsed: number }>();
  for (const m of (await listInstalledLicenses(store)).flatMap((l) => l.modules)) {
    const known = byCode.get(m.code);
    byCode.set(
      m.code,
      known
        ? { ...known, seats: known.seats + m.seats }
        : { code: m.code, name: m.name, seats: m.seats, seatsUsed: m.seatsUsed },
    );
  }
  const modules = [...byCode.values()].sort((a, b) => a.name.localeCompare(b.name, 'de'));
  return [
    groupNode(
      'modules',
      vscode.l10n.t('Modules'),
      () => {
        const item = new vscode.TreeItem(vscode.l10n.t('Modules'), vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon('extensions');
        item.description = String(modules.length);
        return item;
      },
      () =>
        modules.map((m) =>
          node(
            `modules/${m.code}`,
            'module',
            m,
            () => {
              const item = new vscode.TreeItem(m.name, vscode.TreeItemCollapsibleState.Collapsed);
              item.description = vscode.l10n.t('{0}/{1} seats', m.seatsUsed, m.seats);
              item.iconPath = new vscode.ThemeIcon(m.seatsUsed > m.seats ? 'error' : 'package');
              item.contextValue = contextValue('moduleUnlocks', m.seatsUsed > m.seats && 'overSeats');
              return item;
            },
            () =>
              users
                .filter((u) => u.modules.includes(m.code))
                .map((u) => userNode(`modules/${m.code}`, u, lines.get(u.id) ?? null, m.code)),
          ),
        ),
    ),
    groupNode(
      'users',
      vscode.l10n.t('Users'),
      () => {
        const item = new vscode.TreeItem(vscode.l10n.t('Users'), vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon('organization');
        item.description = String(users.length);
        return item;
      },
      () => users.map((u) => userNode('users', u, lines.get(u.id) ?? null, undefined)),
    ),
  ];
}
