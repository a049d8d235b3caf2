import * as vscode from 'vscode';
import { groupByCustomer } from '../../core/systems/systems';
import type { CustomerSystem } from '../../core/systems/systems';
import { contextValue, groupNode, node } from './treeNode';
import type { TreeNode } from './treeNode';

/** What the Systeme view needs of the systems host. */
export interface SystemsSource {
  list(): CustomerSystem[];
  readonly active: CustomerSystem | undefined;
  readonly failures: ReadonlyMap<string, string>;
}

/** The icon of a system: its colour when it has one, else the kind's theme colour (Produktion red, Schulung yellow). */
function icon(system: CustomerSystem, active: boolean, failure: string | undefined): vscode.ThemeIcon {
  if (failure !== undefined)
    return new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  const color =
    system.color !== undefined && !system.color.startsWith('#')
      ? system.color
      : system.kind === 'Produktion'
        ? 'charts.red'
        : system.kind === 'Schulung'
          ? 'charts.yellow'
          : 'charts.green';
  return new vscode.ThemeIcon(active ? 'pass-filled' : 'database', new vscode.ThemeColor(color));
}

/** Root nodes of the Systeme view (issue 20): customers, each with its systems; the active one marked. */
export function systemsRoots(source: SystemsSource): TreeNode[] {
  const active = source.active?.id;
  return groupByCustomer(source.list()).map(({ customer, systems }) => {
    const label = customer === '' ? vscode.l10n.t('(no customer)') : customer;
    return groupNode(
      `systems/${customer}`,
      label,
      () => {
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon('organization');
        return item;
      },
      () =>
        systems.map((system) => {
          const failure = source.failures.get(system.id);
          const isActive = system.id === active;
          return node(`systems/${customer}/${system.id}`, 'system', { system, active: isActive, failure }, () => {
            const item = new vscode.TreeItem(system.name);
            const parts: string[] = [system.kind];
            if (isActive) parts.push(vscode.l10n.t('active'));
            if (failure !== undefined) parts.push(vscode.l10n.t('cannot be opened'));
            item.description = parts.join(' · ');
            item.iconPath = icon(system, isActive, failure);
            item.tooltip = new vscode.MarkdownString(
              [
                `**${system.name}** (${system.kind})`,
                vscode.l10n.t('Customer: {0}', customer === '' ? '—' : customer),
                vscode.l10n.t('Store: {0}', system.store),
                ...(failure !== undefined ? [`$(warning) ${failure}`, vscode.l10n.t('Click to retry.')] : []),
              ].join('\n\n'),
              true,
            );
            item.contextValue = contextValue('system', isActive && 'active', failure !== undefined && 'failed');
            // a click switches to it; on a system that could not be opened it is the Retry
            if (!isActive || failure !== undefined)
              item.command = {
                command: 'ixhaus.systems.switch',
                title: failure !== undefined ? vscode.l10n.t('Retry') : vscode.l10n.t('Switch to System'),
                arguments: [{ id: system.id }],
              };
            return item;
          });
        }),
    );
  });
}
