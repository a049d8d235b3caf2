import * as vscode from 'vscode';
import { listJournal } from '../../core/cti/callJournal';
import type { JournalEntry } from '../../core/cti/callJournal';
import type { AsyncStore } from '../../core/store/asyncStore';
import { contextValue, node, nodeOf } from '../tree/treeNode';
import type { TreeNode } from '../tree/treeNode';

/**
 * Roots of the "Anrufjournal" view (issue 9 §6): the user's calls, newest first, with time, number, matched party
 * and answered/missed; a missed call stays marked (`;open;`, red icon) until it is called back.
 */
export async function callJournalRoots(store: AsyncStore | undefined, userId: number | undefined): Promise<TreeNode[]> {
  if (!store || userId === undefined) return [];
  return (await listJournal(store, { userId, limit: 200 })).map((entry) =>
    node(`journal/${entry.id}`, 'journalEntry', entry, () => {
      const number = entry.remoteNumber ?? vscode.l10n.t('Number withheld');
      // the telephone system's wall-clock time as stored (ISO with offset): date and time as the office saw them
      const item = new vscode.TreeItem(
        `${entry.startedAt.slice(0, 16).replace('T', ' ')}  ${entry.matchName ?? number}`,
      );
      const state = outcomeLabel(entry);
      const duration =
        entry.durationSeconds !== null && entry.durationSeconds > 0
          ? ` · ${formatDuration(entry.durationSeconds)}`
          : '';
      item.description = `${entry.matchName ? `${number} · ` : ''}${state}${duration}${entry.state === 'missed' && !entry.open ? ` · ${vscode.l10n.t('called back')}` : ''}${entry.note ? ' · ✎' : ''}`;
      item.iconPath =
        entry.direction === 'out'
          ? new vscode.ThemeIcon('call-outgoing')
          : entry.open
            ? new vscode.ThemeIcon('call-incoming', new vscode.ThemeColor('errorForeground'))
            : entry.outcome === 'blocked'
              ? new vscode.ThemeIcon('circle-slash')
              : new vscode.ThemeIcon('call-incoming');
      item.contextValue = contextValue(
        'journal',
        entry.state,
        entry.outcome ?? undefined,
        entry.open && 'open',
        entry.remoteNumber !== null && 'callable',
      );
      const tip = new vscode.MarkdownString(undefined, false);
      tip.appendText(
        `${entry.direction === 'in' ? vscode.l10n.t('Incoming') : vscode.l10n.t('Outgoing')} · ${state}\n`,
      );
      tip.appendText(`${vscode.l10n.t('Started: {0}', entry.startedAt)}\n`);
      if (entry.answeredAt) tip.appendText(`${vscode.l10n.t('Answered: {0}', entry.answeredAt)}\n`);
      if (entry.endedAt) tip.appendText(`${vscode.l10n.t('Ended: {0}', entry.endedAt)}\n`);
      if (entry.durationSeconds !== null)
        tip.appendText(`${vscode.l10n.t('Duration: {0}', formatDuration(entry.durationSeconds))}\n`);
      if (entry.ownNumber) tip.appendText(`${vscode.l10n.t('Own number: {0}', entry.ownNumber)}\n`);
      if (entry.line) tip.appendText(`${vscode.l10n.t('Line: {0}', entry.line)}\n`);
      if (entry.extension) tip.appendText(`${vscode.l10n.t('Extension: {0}', entry.extension)}\n`);
      if (entry.note) tip.appendText(`${vscode.l10n.t('Note: {0}', entry.note)}\n`);
      item.tooltip = tip;
      return item;
    }),
  );
}

/** `67` → `1:07 min`, `5` → `5 s`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s} h` : `${m}:${s} min`;
}

function outcomeLabel(entry: JournalEntry): string {
  switch (entry.outcome) {
    case 'answered':
      return vscode.l10n.t('answered');
    case 'missed':
      return vscode.l10n.t('missed');
    case 'blocked':
      return vscode.l10n.t('blocked');
    case 'busy':
      return vscode.l10n.t('busy');
    case 'unanswered':
      return vscode.l10n.t('not answered');
    default:
      // running calls, and rows from before schema 8
      return entry.state === 'missed'
        ? vscode.l10n.t('missed')
        : entry.state === 'ended' || entry.state === 'connected'
          ? vscode.l10n.t('answered')
          : vscode.l10n.t('ringing');
  }
}

/** The journal entry of an "Anrufjournal" node. */
export function journalEntryOf(value: unknown): JournalEntry | undefined {
  return nodeOf(value, 'journalEntry')?.data;
}
