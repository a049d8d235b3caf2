import * as vscode from 'vscode';
import { listObjects, objectParties } from '../../core/objects/objectQueries';
import type { ObjectParty } from '../../core/objects/objectQueries';
import type { AsyncStore } from '../../core/store/asyncStore';
import { contextValue, groupNode, node, nodeOf } from './treeNode';
import type { TreeNode } from './treeNode';

/**
 * Roots of the "Objekte" view: every object (Objektnummer — name, city · team), with its Eigentümer, Kreditoren and
 * Personen. Objects can be selected (several) for "Verantwortlichen ändern…"; a party with phone numbers offers
 * "Anrufen" (one pick among its numbers) and opens its read-only record on click.
 */
export async function objectsRoots(store: AsyncStore | undefined): Promise<TreeNode[]> {
  if (!store) return [];
  return (await listObjects(store)).map((o) =>
    node(
      `object/${o.objectNo}`,
      'object',
      o,
      () => {
        const item = new vscode.TreeItem(`${o.objectNo} — ${o.name}`, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = [o.city, o.team].filter(Boolean).join(' · ');
        item.iconPath = new vscode.ThemeIcon('home');
        item.contextValue = contextValue('object');
        return item;
      },
      async () => {
        const parties = await objectParties(store, o.id);
        const group = (key: string, label: string, list: ObjectParty[]): TreeNode =>
          groupNode(
            `object/${o.objectNo}/${key}`,
            label,
            () => {
              const item = new vscode.TreeItem(
                label,
                list.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
              );
              item.description = String(list.length);
              item.contextValue = contextValue('partyGroup');
              return item;
            },
            () => list.map((p) => partyNode(`object/${o.objectNo}/${key}`, p)),
          );
        return [
          group('owners', vscode.l10n.t('Owners (Eigentümer)'), parties.owners),
          group('creditors', vscode.l10n.t('Creditors (Kreditoren)'), parties.creditors),
          group('persons', vscode.l10n.t('Persons (Personen)'), parties.persons),
        ];
      },
    ),
  );
}

function partyNode(parent: string, p: ObjectParty): TreeNode {
  return node(`${parent}/${p.origin}/${p.id}`, 'party', p, () => {
    const item = new vscode.TreeItem(p.name);
    item.description = `${p.no}${p.phones > 0 ? ` · ${vscode.l10n.t('{0} phone number(s)', p.phones)}` : ''}`;
    item.iconPath = new vscode.ThemeIcon(p.origin === 'creditor' ? 'tools' : p.origin === 'owner' ? 'key' : 'person');
    item.contextValue = contextValue('party', p.origin, p.phones > 0 && 'callable');
    item.command = {
      command: 'vscode.open',
      title: vscode.l10n.t('Open record'),
      arguments: [vscode.Uri.from({ scheme: 'ixhaus-party', path: `/${p.origin}/${p.id}.md` })],
    };
    return item;
  });
}

/** The party of an "Objekte" party node, for "Anrufen". */
export function partyOfNode(value: unknown): { origin: ObjectParty['origin']; partyId: number } | undefined {
  const party = nodeOf(value, 'party')?.data;
  return party ? { origin: party.origin, partyId: party.id } : undefined;
}

/** The Objektnummern of selected "Objekte" nodes (the clicked one and the multi-selection), for "Verantwortlichen ändern". */
export function objectNosOfSelection(clicked: unknown, selection: unknown): number[] | undefined {
  const nodes = [...(Array.isArray(selection) ? selection : []), clicked];
  const nos = nodes.map((n) => nodeOf(n, 'object')?.data.objectNo).filter((x): x is number => x !== undefined);
  return nos.length > 0 ? [...new Set(nos)].sort((a, b) => a - b) : undefined;
}
