import * as vscode from 'vscode';
import { jobStates } from '../../core/scheduler/incidents';
import type { JobState, JobStateKind } from '../../core/scheduler/scheduler';
import type { AsyncStore } from '../../core/store/asyncStore';
import { contextValue, groupNode, node } from './treeNode';
import type { TreeNode } from './treeNode';

const ICONS: Record<JobStateKind, string> = {
  disabled: 'circle-slash',
  ok: 'pass',
  running: 'sync',
  blocked: 'error',
  'not-started': 'warning',
  due: 'watch',
  'not-yet-due': 'clock',
};

const when = (iso: string | undefined): string => (iso ? new Date(iso).toLocaleString() : '');

/** The state as the view says it (README "Scheduler": the same states as `ixhaus-admin scheduler check`). */
function stateText(s: JobState): string {
  switch (s.state) {
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
    case 'due':
      return vscode.l10n.t('due, waiting for the start (grace time until {0})', when(s.graceEndsAt));
    case 'not-yet-due':
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
              item.description = `${stateText(s)} · ${s.job.cron}`;
              item.iconPath = new vscode.ThemeIcon(ICONS[s.state]);
              item.tooltip = new vscode.MarkdownString(
                [
                  `**${s.job.enabled ? s.job.name : `~~${s.job.name}~~`}**`,
                  stateText(s),
                  s.state === 'not-started' && s.notStartedSince
                    ? vscode.l10n.t(
                        'Not started since {0}; due times missed: {1}',
                        when(s.notStartedSince),
                        s.missed ?? 1,
                      )
                    : '',
                  vscode.l10n.t('Schedule {0}, maximum run time {1} min', s.job.cron, s.job.maxRunMinutes),
                  s.lastDue ? vscode.l10n.t('Last due {0}', when(s.lastDue)) : '',
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
