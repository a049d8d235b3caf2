import * as vscode from 'vscode';
import { buildSearchIndex, searchSettings } from '../../core/settings/catalog';
import type { SettingDefinition } from '../../core/settings/catalog';
import { displayValue, effectiveTabCounters, settingState } from '../../core/settings/settingsService';
import type { SettingState } from '../../core/settings/settingsService';
import type { AsyncStore } from '../../core/store/asyncStore';
import { contextValue, groupNode, node } from './treeNode';
import type { TreeNode } from './treeNode';

/** The UI language for catalogue texts: German when VS Code runs in German, else English. */
export function catalogLanguage(): 'de' | 'en' {
  return vscode.env.language.toLowerCase().startsWith('de') ? 'de' : 'en';
}

const searchIndexes = { de: buildSearchIndex('de'), en: buildSearchIndex('en') };

/** The state of the Systemeinstellungen view, owned by it: the active search, if any, and the hit last revealed. */
export interface SettingsFilter {
  query: string | undefined;
  /** index of the search hit last revealed by "next hit" (-1: none yet) */
  hitIndex: number;
}

/** The settings matching the filter (all without one). */
export function filteredSettings(filter: SettingsFilter): SettingDefinition[] {
  return searchSettings(searchIndexes[catalogLanguage()], filter.query ?? '');
}

function group<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) map.set(key(item), [...(map.get(key(item)) ?? []), item]);
  return map;
}

/** The tree id of a setting node (stable across refreshes; used by "next hit"). */
function settingNodeId(def: SettingDefinition): string {
  return `setting/${def.systemId}`;
}

function settingNode(state: SettingState, language: 'de' | 'en', effectiveNote: string | undefined): TreeNode {
  const d = state.definition;
  const settingNode: TreeNode<'setting'> = node(settingNodeId(d), 'setting', state, () => {
    const item = new vscode.TreeItem(`${d.name} = ${displayValue(d, state.value, language)}`);
    item.description = effectiveNote ? `${d.systemId} · ${effectiveNote}` : d.systemId;
    item.iconPath = d.vendorOnly
      ? new vscode.ThemeIcon('lock')
      : state.changed
        ? new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor('gitDecoration.modifiedResourceForeground'))
        : new vscode.ThemeIcon(d.scope === 'user' ? 'account' : 'symbol-property');
    const lines = [
      `**${d.name}** — ${d.short[language]}`,
      d.long[language],
      `${vscode.l10n.t('Value')}: \`${displayValue(d, state.value, language)}\` · ${vscode.l10n.t('Default')}: \`${displayValue(d, d.default, language)}\``,
      `${d.area} › ${d.section} · System-ID ${d.systemId}${d.scope === 'user' ? ` · ${vscode.l10n.t('your own setting')}` : ''}`,
      state.changed && state.changedAt
        ? vscode.l10n.t(
            'Changed from the default on {0} by {1}.',
            state.changedAt.slice(0, 16).replace('T', ' '),
            state.changedBy ?? '?',
          )
        : '',
      d.restartRequired ? vscode.l10n.t('A change takes effect after restarting iX-Haus plus.') : '',
      d.vendorOnly ? vscode.l10n.t('Protected: only CREM SOLUTIONS changes this setting.') : '',
    ];
    item.tooltip = new vscode.MarkdownString(lines.filter(Boolean).join('\n\n'));
    item.contextValue = contextValue(
      'setting',
      state.changed && 'changed',
      d.vendorOnly ? 'vendorOnly' : 'editable',
      d.scope,
    );
    item.command = d.vendorOnly
      ? undefined
      : { command: 'ixhaus.settings.edit', title: vscode.l10n.t('Edit Setting…'), arguments: [settingNode] };
    return item;
  });
  return settingNode;
}

/**
 * Root nodes of the Systemeinstellungen view: Bereich › Abschnitt › `Name = Wert` for the whole catalogue (or the
 * search hits), with the signed-in user's own values for user settings.
 */
export async function settingsRoots(
  store: AsyncStore | undefined,
  userId: number | undefined,
  filter: SettingsFilter,
): Promise<TreeNode[]> {
  if (!store) return [];
  const language = catalogLanguage();
  const expanded = filter.query ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
  const states: SettingState[] = [];
  for (const d of filteredSettings(filter)) states.push(await settingState(store, d, userId));
  // the user's tab counters work only while the global switch is on too (product.md §4): say what is in effect
  const tabs = userId === undefined ? undefined : await effectiveTabCounters(store, userId);
  const effectiveNote = (d: SettingDefinition): string | undefined =>
    d.name === 'TabreiterZaehlerAktiv' && tabs
      ? vscode.l10n.t('in effect: {0}', tabs.effective ? vscode.l10n.t('on') : vscode.l10n.t('off'))
      : undefined;
  // VS Code keeps the collapse state per node id: while filtering, areas and sections get ids of their own so
  // that they open to show the hits (leaf ids stay stable for "next hit")
  const scope = filter.query ? `?${filter.query}` : '';
  return [...group(states, (s) => s.definition.area)].map(([area, inArea]) =>
    groupNode(
      `setting-area/${area}${scope}`,
      area,
      () => {
        const item = new vscode.TreeItem(area, expanded);
        item.iconPath = new vscode.ThemeIcon('folder');
        item.description = String(inArea.length);
        item.contextValue = contextValue('area');
        return item;
      },
      () =>
        [...group(inArea, (s) => s.definition.section)].map(([section, inSection]) =>
          groupNode(
            `setting-section/${area}/${section}${scope}`,
            section,
            () => {
              const item = new vscode.TreeItem(section, expanded);
              item.iconPath = new vscode.ThemeIcon('list-tree');
              const changed = inSection.filter((s) => s.changed).length;
              item.description = changed > 0 ? vscode.l10n.t('{0} changed', changed) : undefined;
              item.contextValue = contextValue('section');
              return item;
            },
            () => inSection.map((s) => settingNode(s, language, effectiveNote(s.definition))),
          ),
        ),
    ),
  );
}
