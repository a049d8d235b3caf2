/**
 * "Add Job…", "Edit Job…", "Remove Job…" of the Scheduler view (issue 21 "Headless set-up … the Scheduler view gets
 * the same add/edit/remove for administrators"): input boxes validated live with the core's own rules (one-line
 * unique name, 5-field cron explained on error, maximum run time 1–10080 minutes); the change itself, its rights
 * check and its audit row are in core (src/core/scheduler/jobAdmin.ts). Scripted arguments (`{ name, group, cron,
 * maxRunMinutes }`, `{ job, … }`, `{ job, confirm: true }`) are honoured only in the test extension mode.
 */
import * as vscode from 'vscode';
import { requireAdmin } from '../../core/access/rights';
import type { Actor } from '../../core/access/rights';
import { IxError } from '../../core/errors';
import {
  addJob,
  findJob,
  parseJobGroup,
  parseMaxRunMinutes,
  removeJob,
  updateJob,
} from '../../core/scheduler/jobAdmin';
import type { JobInput } from '../../core/scheduler/jobAdmin';
import { JOB_GROUPS, listJobs, validateCron } from '../../core/scheduler/scheduler';
import type { JobGroup, SchedulerJob } from '../../core/scheduler/scheduler';
import type { AsyncStore } from '../../core/store/asyncStore';
import { nodeOf } from '../../providers/tree/treeNode';
import { acceptsScriptedArgs, scriptedArgs } from '../scriptedArgs';
import type { Services } from '../services';
import { requireSignedIn } from '../signedIn';

interface ScriptedJob {
  job?: string | number;
  name?: string;
  group?: string;
  cron?: string;
  maxRunMinutes?: number | string;
  enabled?: boolean;
  confirm?: boolean;
}

function adminContext(services: Services, action: string): { store: AsyncStore; actor: Actor } {
  const c = requireSignedIn(services);
  requireAdmin(c.actor, action);
  return c;
}

/** A core error in the user's language (its English template through the German bundle). */
function localized(error: unknown): string {
  return error instanceof IxError ? vscode.l10n.t(error.template, ...error.args) : String(error);
}

/** What a cron schedule is, shown under the input box and after a wrong entry. */
function cronExplanation(): string {
  return vscode.l10n.t(
    'Five fields: minute (0–59), hour (0–23), day of month (1–31, L = last), month (1–12), weekday (0–7, 0 and 7 = Sunday), in Europe/Berlin time; * = every, 1-5 = range, */15 = every 15. Example: "0 2 * * *" = daily at 02:00.',
  );
}

async function askName(jobs: readonly SchedulerJob[], value: string, own?: number): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: vscode.l10n.t('Job name'),
    prompt: vscode.l10n.t('The name of the scheduler job (unique, one line).'),
    value,
    ignoreFocusOut: true,
    validateInput: (text) => {
      const name = text.trim();
      if (name === '' || /[\r\n\0]/.test(name)) return vscode.l10n.t('Enter a job name (one line).');
      if (jobs.some((j) => j.name === name && j.id !== own))
        return vscode.l10n.t('A job named "{0}" already exists.', name);
      return undefined;
    },
  });
}

async function askGroup(current: JobGroup): Promise<JobGroup | undefined> {
  const picked = await vscode.window.showQuickPick(
    JOB_GROUPS.map((g) => ({ label: g, picked: g === current, description: g === current ? '✓' : undefined })),
    { title: vscode.l10n.t('Job group'), ignoreFocusOut: true },
  );
  return picked?.label;
}

async function askCron(value: string): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: vscode.l10n.t('Schedule (cron)'),
    prompt: cronExplanation(),
    value,
    ignoreFocusOut: true,
    validateInput: (text) => {
      try {
        validateCron(text);
        return undefined;
      } catch (error) {
        return `${localized(error)} ${cronExplanation()}`;
      }
    },
  });
}

async function askMaxRun(value: number): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title: vscode.l10n.t('Maximum run time (minutes)'),
    prompt: vscode.l10n.t('A run longer than this counts as blocked and is alerted (1–10080 minutes).'),
    value: String(value),
    ignoreFocusOut: true,
    validateInput: (t) => {
      try {
        parseMaxRunMinutes(t);
        return undefined;
      } catch (error) {
        return localized(error);
      }
    },
  });
  return text === undefined ? undefined : parseMaxRunMinutes(text);
}

/** Asks for every field, prefilled with `current`; undefined when the user cancels any step. */
async function askJob(store: AsyncStore, current: JobInput, own?: number): Promise<JobInput | undefined> {
  const jobs = await listJobs(store);
  const name = await askName(jobs, current.name, own);
  if (name === undefined) return undefined;
  const group = await askGroup(current.group ?? 'Weitere Aufgaben');
  if (group === undefined) return undefined;
  const cron = await askCron(current.cron);
  if (cron === undefined) return undefined;
  const maxRunMinutes = await askMaxRun(current.maxRunMinutes);
  if (maxRunMinutes === undefined) return undefined;
  return { name: name.trim(), group, cron: cron.trim(), maxRunMinutes };
}

function scriptedInput(given: ScriptedJob): Partial<JobInput> {
  return {
    ...(given.name !== undefined ? { name: given.name } : {}),
    ...(given.group !== undefined ? { group: parseJobGroup(given.group) } : {}),
    ...(given.cron !== undefined ? { cron: given.cron } : {}),
    ...(given.maxRunMinutes !== undefined ? { maxRunMinutes: parseMaxRunMinutes(String(given.maxRunMinutes)) } : {}),
    ...(given.enabled !== undefined ? { enabled: given.enabled } : {}),
  };
}

/** The job a command was run on: the tree node's, a scripted `{ job }`, or one the user picks. */
async function targetJob(
  store: AsyncStore,
  arg: unknown,
  given: ScriptedJob | undefined,
): Promise<SchedulerJob | undefined> {
  const fromNode = nodeOf(arg, 'job');
  if (fromNode) return (await findJob(store, fromNode.data.job.id)) ?? fromNode.data.job;
  if (given?.job !== undefined) return findJob(store, given.job);
  const jobs = await listJobs(store);
  if (jobs.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('There are no scheduler jobs yet.'));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    jobs.map((j) => ({ label: j.name, description: `${j.group} · ${j.cron}`, job: j })),
    { title: vscode.l10n.t('Scheduler job'), ignoreFocusOut: true },
  );
  return picked?.job;
}

/** "Add Job…" (administrators): asks name, group, schedule and maximum run time; saves audited. */
export async function addSchedulerJobCommand(services: Services, arg?: unknown): Promise<SchedulerJob | undefined> {
  const c = adminContext(services, 'create scheduler jobs');
  const given = scriptedArgs(services.context, arg) as ScriptedJob | undefined;
  const input =
    given?.name !== undefined
      ? ({ maxRunMinutes: 60, cron: '', ...scriptedInput(given) } as JobInput)
      : await askJob(c.store, { name: '', group: 'Weitere Aufgaben', cron: '0 2 * * *', maxRunMinutes: 60 });
  if (!input) return undefined;
  const job = await addJob(c.store, c.actor, input);
  services.refreshViews();
  if (!given) void vscode.window.showInformationMessage(vscode.l10n.t('Scheduler job "{0}" added.', job.name));
  return job;
}

/** "Edit Job…" (administrators): the same questions, prefilled; saves audited (old → new). */
export async function editSchedulerJobCommand(services: Services, arg?: unknown): Promise<SchedulerJob | undefined> {
  const c = adminContext(services, 'change scheduler jobs');
  const given = scriptedArgs(services.context, arg) as ScriptedJob | undefined;
  const job = await targetJob(c.store, arg, given);
  if (!job) return undefined;
  const change = given?.job !== undefined ? scriptedInput(given) : await askJob(c.store, job, job.id);
  if (!change) return undefined;
  const changed = await updateJob(c.store, c.actor, job.id, change);
  services.refreshViews();
  if (!given) void vscode.window.showInformationMessage(vscode.l10n.t('Scheduler job "{0}" saved.', changed.name));
  return changed;
}

/** "Remove Job…" (administrators): asks for confirmation (modal), then removes the job and its run history. */
export async function removeSchedulerJobCommand(services: Services, arg?: unknown): Promise<SchedulerJob | undefined> {
  const c = adminContext(services, 'remove scheduler jobs');
  const given = scriptedArgs(services.context, arg) as ScriptedJob | undefined;
  const job = await targetJob(c.store, arg, given);
  if (!job) return undefined;
  if (!(given?.confirm === true && acceptsScriptedArgs(services.context))) {
    const remove = vscode.l10n.t('Remove');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('Remove the scheduler job "{0}"?', job.name),
      {
        modal: true,
        detail: vscode.l10n.t(
          'Its schedule, run history and incidents are removed; the monitor no longer watches it. The removal is recorded in the audit log.',
        ),
      },
      remove,
    );
    if (answer !== remove) return undefined;
  }
  const removed = await removeJob(c.store, c.actor, job.id);
  services.refreshViews();
  if (!given) void vscode.window.showInformationMessage(vscode.l10n.t('Scheduler job "{0}" removed.', removed.name));
  return removed;
}
