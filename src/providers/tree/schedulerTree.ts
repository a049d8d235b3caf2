import * as vscode from 'vscode';
import { jobStates } from '../../core/scheduler/scheduler';
import type { JobStateKind } from '../../core/scheduler/scheduler';
import type { AsyncStore } from '../../core/store/asyncStore';
import { contextValue, groupNode, node } from './treeNode';
import type { TreeNode } from './treeNode';

const ICONS: Record<JobStateKind, string> = {
  disabled: 'circle-slash',
  ok: 'pass',
  running: 'sync',
  blocked: 'error',
  'not-started': 'warning',
  'never-due': 'clock',
};

function stateText(state: JobStateKind): string {
  switch (state) {
    case 'disabled':
      return vscode.l10n.t('disabled');
    case 'ok':
      return vscode.l10n.t('ran when due');
    case 'running':
      return vscode.l10n.t('running');
    case 'blocked':
      return vscode.l10n.t('blocked: running past its maximum run time');
    case 'not-started':
      return vscode.l10n.t('not started when due');
    case 'never-due':
      return vscode.l10n.t('not yet due');
  }
}

/** Root nodes of the "Scheduler" view: the jobs by group with their state (issue 7 §6); disabled jobs struck through in the tooltip. */
export async function schedulerRoots(store: AsyncStore | undefined, now: Date = new Date()): Promise<TreeNode[]> {
  if (!store) return [];
  const states = await jobStates(store, { now });
  const groups = [...new Set(states.map((s) => s.job.group))];
  return groups.map((group) =>
    groupNode(
      `scheduler/${group}`,
      group,
      () => {
        const item = new vscode.TreeItem(group, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon('folder');
        return item;
      },
      () =>
        states
          .filter((s) => s.job.group === group)
          .map((s) =>
            node(`scheduler/${group}/${s.job.id}`, 'job', s, () => {
              const item = new vscode.TreeItem(
                s.job.enabled ? s.job.name : `${s.job.name} (${vscode.l10n.t('disabled')})`,
              );
              item.description = `${stateText(s.state)} · ${s.job.cron}`;
              item.iconPath = new vscode.ThemeIcon(ICONS[s.state]);
              item.tooltip = new vscode.MarkdownString(
                [
                  `**${s.job.enabled ? s.job.name : `~~${s.job.name}~~`}**`,
                  stateText(s.state),
                  vscode.l10n.t('Schedule {0}, maximum run time {1} min', s.job.cron, s.job.maxRunMinutes),
                  s.nextDue ? vscode.l10n.t('Next due {0}', new Date(s.nextDue).toLocaleString()) : '',
                  s.lastStart ? vscode.l10n.t('Last start {0}', new Date(s.lastStart).toLocaleString()) : '',
                ]
                  .filter(Boolean)
                  .join('\n\n'),
              );
              item.contextValue = contextValue('job', s.state);
              return item;
            }),
          ),
    ),
  );
}
