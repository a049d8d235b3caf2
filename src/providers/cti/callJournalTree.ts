import * as vscode from 'vscode';
import { listJournal } from '../../core/cti/ctiSession';
import type { JournalEntry } from '../../core/cti/ctiSession';
import type { Store } from '../../core/store/database';
import { contextValue, node, nodeOf } from '../tree/treeNode';
import type { TreeNode } from '../tree/treeNode';

/**
 * Roots of the "Anrufjournal" view (issue 9 §6): the user's calls, newest first, with time, number, matched party
 * and answered/missed; a missed call stays marked (`;open;`, red icon) until it is called back.
 */
export function callJournalRoots(store: Store | undefined, userId: number | undefined): TreeNode[] {
  if (!store || userId === undefined) return [];
  return listJournal(store, { userId, limit: 200 }).map((entry) =>
    node(`journal/${entry.id}`, 'journalEntry', entry, () => {
      const number = entry.remoteNumber ?? vscode.l10n.t('Number withheld');
      const item = new vscode.TreeItem(`${entry.startedAt.slice(0, 16).replace('T', ' ')}  ${entry.matchName ?? number}`);
      const state = entry.state === 'missed' ? vscode.l10n.t('missed') : entry.state === 'ended' || entry.state === 'connected' ? vscode.l10n.t('answered') : vscode.l10n.t('ringing');
      item.description = `${entry.matchName ? `${number} · ` : ''}${state}${entry.state === 'missed' && !entry.open ? ` · ${vscode.l10n.t('called back')}` : ''}`;
      item.iconPath = entry.direction === 'out' ? new vscode.ThemeIcon('call-outgoing') : entry.open ? new vscode.ThemeIcon('call-incoming', new vscode.ThemeColor('errorForeground')) : new vscode.ThemeIcon('call-incoming');
      item.contextValue = contextValue('journal', entry.state, entry.open && 'open', entry.remoteNumber !== null && 'callable');
      item.tooltip = `${entry.startedAt}${entry.line ? ` · ${entry.line}` : ''}`;
      return item;
    }),
  );
}

/** The journal entry of an "Anrufjournal" node. */
export function journalEntryOf(value: unknown): JournalEntry | undefined {
  return nodeOf(value, 'journalEntry')?.data;
}
