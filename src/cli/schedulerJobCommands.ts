/**
 * `ixhaus-admin scheduler job add|list|remove` (issue 21 "Headless set-up"): the scheduler jobs without VS Code —
 * name, group, 5-field cron (Europe/Berlin, validated with cron-parser) and maximum run time. Changing verbs sign in
 * as an administrator (`--user`, password from `--password-env`) and are audited by the core
 * (src/core/scheduler/jobAdmin.ts).
 */
import type { Command } from 'commander';
import { addJob, parseJobGroup, parseMaxRunMinutes, removeJob, updateJob } from '../core/scheduler/jobAdmin';
import { jobStates } from '../core/scheduler/incidents';
import { JOB_GROUPS, listJobs } from '../core/scheduler/scheduler';
import { headerSafeJobName } from '../core/scheduler/schedulerMonitor';
import { germanTime } from '../core/scheduler/germanTime';
import type { JobState, SchedulerJob } from '../core/scheduler/scheduler';
import { asUser, signInOptions } from './adminCommands';
import type { SignInOptions } from './adminCommands';
import { runVerb } from './output';
import type { VerbResult } from './output';
import { addStoreOptions, withCliStore } from './writableStore';
import type { StoreCliOptions } from './writableStore';

interface JobFlags extends SignInOptions {
  name: string;
  group?: string;
  cron: string;
  maxRunMinutes: string;
  disabled?: boolean;
}

interface EditFlags extends SignInOptions {
  name?: string;
  group?: string;
  cron?: string;
  maxRunMinutes?: string;
  enable?: boolean;
  disable?: boolean;
}

/** One job as a line of text (name escaped when it holds control characters). */
export function jobLine(job: SchedulerJob): string {
  return `${String(job.id).padStart(4)}  ${headerSafeJobName(job.name).padEnd(32)} ${job.group.padEnd(20)} ${job.cron.padEnd(16)} max ${job.maxRunMinutes} min${job.enabled ? '' : '  (disabled)'}`;
}

/** A time of the scheduler as the CLI prints it: Europe/Berlin wall clock, like the cron schedules. */
const local = (iso: string): string => germanTime(iso, { uhr: false });

/**
 * What the state of a job means, in words with its times (Europe/Berlin), e.g. `not started since 02.11.2026 02:00
 * (3 due times missed), next 03.11.2026 02:00` or `due since 03.12.2026 15:02, within the grace time until 15:07`.
 */
export function stateDetail(s: JobState): string {
  const next = s.nextDue ? `next ${local(s.nextDue)}` : '';
  const parts = ((): string[] => {
    switch (s.state) {
      case 'not-started':
        return [
          `not started since ${local(s.notStartedSince ?? s.lastDue ?? '')} (${s.missed ?? 1} due time${(s.missed ?? 1) === 1 ? '' : 's'} missed)`,
          next,
        ];
      case 'due':
        return [
          `due since ${local(s.notStartedSince ?? s.lastDue ?? '')}, waiting for the start (grace time until ${local(s.graceEndsAt ?? '')})`,
          next,
        ];
      case 'blocked':
        return [`blocked: running since ${local(s.lastStart ?? '')}, past its maximum run time`];
      case 'running':
        return [`running since ${local(s.lastStart ?? '')}`, next];
      case 'ok':
        return [`ran when due${s.lastStart ? ` (last start ${local(s.lastStart)})` : ''}`, next];
      case 'not-yet-due':
        return [`not yet due`, next];
      case 'disabled':
        return ['disabled'];
    }
  })();
  return parts.filter((p) => p !== '').join(', ');
}

/** Adds `scheduler job …` under the `scheduler` command. */
export function registerSchedulerJobCommands(scheduler: Command): void {
  const job = scheduler.command('job').description('add, change, list and remove scheduler jobs').exitOverride();
  const cronHelp = '5-field schedule "minute hour day month weekday" in Europe/Berlin time, e.g. "0 2 * * *"';

  signInOptions(
    job
      .command('add')
      .description('add a job (administrators; audited)')
      .requiredOption('--name <name>', 'job name (unique, one line)')
      .option('--group <group>', `job group: ${JOB_GROUPS.join(', ')}`, 'Weitere Aufgaben')
      .requiredOption('--cron <schedule>', cronHelp)
      .requiredOption('--max-run-minutes <n>', 'maximum run time in minutes (1–10080); longer counts as blocked')
      .option('--disabled', 'add the job switched off'),
  )
    .exitOverride()
    .action((options: JobFlags) =>
      runVerb(options.json === true, async () => {
        // parse before signing in: a typo is reported without touching the store
        const input = {
          name: options.name,
          group: parseJobGroup(options.group ?? 'Weitere Aufgaben'),
          cron: options.cron,
          maxRunMinutes: parseMaxRunMinutes(options.maxRunMinutes),
          enabled: options.disabled !== true,
        };
        return asUser(options, async (store, actor): Promise<VerbResult> => {
          const added = await addJob(store, actor, input);
          return { json: { job: added }, text: `job added:\n${jobLine(added)}\n` };
        });
      }),
    );

  signInOptions(
    job
      .command('edit')
      .description('change a job; options not given keep their value (administrators; audited)')
      .argument('<job>', 'the job: its id or name')
      .option('--name <name>', 'new name')
      .option('--group <group>', `job group: ${JOB_GROUPS.join(', ')}`)
      .option('--cron <schedule>', cronHelp)
      .option('--max-run-minutes <n>', 'maximum run time in minutes (1–10080)')
      .option('--enable', 'switch the job on')
      .option('--disable', 'switch the job off'),
  )
    .exitOverride()
    .action((key: string, options: EditFlags) =>
      runVerb(options.json === true, async () => {
        if (options.enable === true && options.disable === true)
          throw new Error('give --enable or --disable, not both');
        const change = {
          ...(options.name !== undefined ? { name: options.name } : {}),
          ...(options.group !== undefined ? { group: parseJobGroup(options.group) } : {}),
          ...(options.cron !== undefined ? { cron: options.cron } : {}),
          ...(options.maxRunMinutes !== undefined ? { maxRunMinutes: parseMaxRunMinutes(options.maxRunMinutes) } : {}),
          ...(options.enable === true ? { enabled: true } : options.disable === true ? { enabled: false } : {}),
        };
        return asUser(options, async (store, actor): Promise<VerbResult> => {
          const changed = await updateJob(store, actor, key, change);
          return { json: { job: changed }, text: `job changed:\n${jobLine(changed)}\n` };
        });
      }),
    );

  addStoreOptions(job.command('list').description('the jobs by group and name, each with its state'))
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((options: StoreCliOptions & { json?: boolean }) =>
      runVerb(options.json === true, () =>
        withCliStore(options, 'read', async (store): Promise<VerbResult> => {
          const jobs = await listJobs(store);
          const states = new Map((await jobStates(store, { now: new Date() })).map((s) => [s.job.id, s]));
          return {
            json: { jobs, states: [...states.values()] },
            text:
              jobs.length === 0
                ? 'no scheduler jobs yet: add one with `ixhaus-admin scheduler job add`\n'
                : `${jobs
                    .map((j) => {
                      const state = states.get(j.id);
                      return state && j.enabled ? `${jobLine(j)}  ${stateDetail(state)}` : jobLine(j);
                    })
                    .join('\n')}\n`,
          };
        }),
      ),
    );

  signInOptions(
    job
      .command('remove')
      .description('remove a job with its run history (administrators; audited)')
      .argument('<job>', 'the job: its id or name'),
  )
    .exitOverride()
    .action((key: string, options: SignInOptions) =>
      runVerb(options.json === true, () =>
        asUser(options, async (store, actor): Promise<VerbResult> => {
          const removed = await removeJob(store, actor, key);
          return { json: { removed }, text: `job removed: ${headerSafeJobName(removed.name)} (id ${removed.id})\n` };
        }),
      ),
    );
}
