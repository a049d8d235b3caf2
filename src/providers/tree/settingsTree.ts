import * as vscode from 'vscode';
import { listSettingValues } from '../../core/settings/settingValues';
import type { StoredSettingValue } from '../../core/settings/settingValues';
import type { Store } from '../../core/store/database';
import { contextValue, node } from './treeNode';
import type { TreeNode } from './treeNode';

function group<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k) ?? [];
    list.push(item);
    map.set(k, list);
  }
  return map;
}

function valueNode(value: StoredSettingValue): TreeNode {
  return node(`setting/${value.area}/${value.section}/${value.name}/${value.userLogin ?? ''}`, () => {
    const item = new vscode.TreeItem(`${value.name} = ${value.value}`);
    item.description = value.userLogin ? vscode.l10n.t('user {0}', value.userLogin) : vscode.l10n.t('global');
    item.iconPath = new vscode.ThemeIcon('symbol-property');
    item.tooltip = new vscode.MarkdownString(`**${value.name}** = \`${value.value}\`\n\n${value.area} › ${value.section}\n\n${vscode.l10n.t('changed {0}', value.changedAt.slice(0, 16).replace('T', ' '))}`);
    item.contextValue = contextValue('setting', value.userLogin ? 'user' : 'global');
    return item;
  });
}

/**
 * Root nodes of the Systemeinstellungen view in its first form: Bereich › Abschnitt › `Name = Wert` for the values
 * stored in the store (the full catalogue with defaults comes with the settings issue).
 */
export function settingsRoots(store: Store | undefined): TreeNode[] {
  if (!store) return [];
  const byArea = group(listSettingValues(store), (v) => v.area);
  return [...byArea].map(([area, values]) =>
    node(
      `setting/${area}`,
      () => {
        const item = new vscode.TreeItem(area, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon('folder');
        item.contextValue = contextValue('area');
        return item;
      },
      () =>
        [...group(values, (v) => v.section)].map(([section, sectionValues]) =>
          node(
            `setting/${area}/${section}`,
            () => {
              const item = new vscode.TreeItem(section, vscode.TreeItemCollapsibleState.Expanded);
              item.iconPath = new vscode.ThemeIcon('list-tree');
              item.contextValue = contextValue('section');
              return item;
            },
            () => sectionValues.map(valueNode),
          ),
        ),
    ),
  );
}
