/**
 * Scheduler jobs and the failure monitor (issue 7 §6, product.md §5, domain.md §6.3): jobs with a cron schedule
 * (5 fields, validated with cron-parser on save) and a maximum run time live in the store; the monitor detects
 * "not started when due" and "blocked" (running past its maximum) and sends **one alert per incident** to both
 * scheduler recipients (Scheduler E-Mailempfänger, Weitere Scheduler E-Mailempfänger). Every function takes the
 * clock as a `Date` so tests inject it; times are stored as ISO strings (UTC), schedules are evaluated in
 * `timeZone` (default Europe/Berlin, where the iX-Scheduler service runs). The alert mails are sent by
 * {@link monitorScheduler} in schedulerMonitor.ts.
 */
import { CronExpressionParser } from 'cron-parser';
import { IxError, msg } from '../errors';
import type { AsyncQueryable } from '../store/asyncStore';
import { insertId } from '../store/asyncQueries';
import { requireAdmin } from '../access/rights';
import type { Actor } from '../access/rights';

/** Job groups of the iX-Scheduler (domain.md §6.3). */
export const JOB_GROUPS = ['Buchhaltung', 'Importe und Exporte', 'Weitere Aufgaben'] as const;
export type JobGroup = (typeof JOB_GROUPS)[number];

export const DEFAULT_TIME_ZONE = 'Europe/Berlin';
/** Minutes a job may start late before it counts as "not started when due". */
export const DEFAULT_GRACE_MINUTES = 5;

/** A job as stored. */
export interface SchedulerJob {
  readonly id: number;
  readonly name: string;
  readonly group: JobGroup;
  /** 5-field cron: minute hour day-of-month month day-of-week (`L` = last day allowed) */
  readonly cron: string;
  /** maximum run time in minutes (1–10080) */
  readonly maxRunMinutes: number;
  readonly enabled: boolean;
}

/** State of a job for the "Scheduler" view and `scheduler check`. */
export type JobStateKind = 'disabled' | 'ok' | 'running' | 'blocked' | 'not-started' | 'never-due';

export interface JobState {
  readonly job: SchedulerJob;
  readonly state: JobStateKind;
  /** next due time (ISO), for enabled jobs */
  readonly nextDue?: string;
  /** last run start (ISO) */
  readonly lastStart?: string;
}

/** An incident found by the monitor. `ref` identifies it (the due time, or the run id). */
export interface Incident {
  readonly jobId: number;
  readonly jobName: string;
  readonly kind: 'not-started' | 'blocked';
  readonly ref: string;
  /** due time (not-started) or run start (blocked), ISO */
  readonly at: string;
}

export class SchedulerError extends IxError {}

interface JobRow {
  [key: string]: string | number | null;
  id: number;
  name: string;
  job_group: string;
  cron: string;
  max_run_minutes: number;
  enabled: number;
  created_at: string;
}

function toJob(row: JobRow): SchedulerJob {
  return {
    id: row.id,
    name: row.name,
    group: row.job_group as JobGroup,
    cron: row.cron,
    maxRunMinutes: row.max_run_minutes,
    enabled: row.enabled === 1,
  };
}

/**
 * Validates a 5-field cron expression (domain.md §6.3: validated on save).
 * @throws SchedulerError `E_CRON` naming the problem
 */
export function validateCron(cron: string, timeZone = DEFAULT_TIME_ZONE): void {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5)
    throw new SchedulerError(
      'E_CRON',
      msg('"{0}" is not a schedule with 5 fields (minute hour day month weekday), e.g. "30 2 * * 1-5".'),
      [cron],
    );
  try {
    CronExpressionParser.parse(cron.trim(), { tz: timeZone, strict: false }).next();
  } catch (error) {
    throw new SchedulerError('E_CRON', msg('"{0}" is not a valid schedule: {1}'), [
      cron,
      error instanceof Error ? error.message : String(error),
    ]);
  }
}

/**
 * Creates a job (admin only).
 * @param input name (unique), group, cron (5 fields), maxRunMinutes (1–10080), enabled (default true)
 * @throws PermissionError; SchedulerError for a bad cron, run time or duplicate name
 */
export async function createJob(
  store: AsyncQueryable,
  actor: Actor,
  input: { name: string; group?: JobGroup; cron: string; maxRunMinutes: number; enabled?: boolean },
  now: Date = new Date(),
): Promise<SchedulerJob> {
  requireAdmin(actor, 'create scheduler jobs');
  const name = input.name.trim();
  if (name === '' || /[\r\n\0]/.test(name)) throw new SchedulerError('E_JOB_NAME', msg('Enter a job name (one line).'));
  validateCron(input.cron);
  if (!Number.isInteger(input.maxRunMinutes) || input.maxRunMinutes < 1 || input.maxRunMinutes > 10080)
    throw new SchedulerError('E_JOB_MAX', msg('The maximum run time must be 1 to 10080 minutes.'));
  if (await store.get('SELECT 1 AS x FROM scheduler_jobs WHERE name = ?', [name]))
    throw new SchedulerError('E_JOB_EXISTS', msg('A job named "{0}" already exists.'), [name]);
  const id = await insertId(
    store,
    'INSERT INTO scheduler_jobs (name, job_group, cron, max_run_minutes, enabled, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
    [
      name,
      input.group ?? 'Weitere Aufgaben',
      input.cron.trim(),
      input.maxRunMinutes,
      input.enabled === false ? 0 : 1,
      now.toISOString(),
    ],
  );
  return (await listJobs(store)).find((j) => j.id === id)!;
}

/** All jobs by group and name. */
export async function listJobs(store: AsyncQueryable): Promise<SchedulerJob[]> {
  return (await store.query<JobRow>('SELECT * FROM scheduler_jobs ORDER BY job_group, name')).map(toJob);
}

/** Records that a job started (the scheduler service reports it). @returns the run id */
export async function recordRunStart(store: AsyncQueryable, jobId: number, at: Date): Promise<number> {
  return await insertId(store, 'INSERT INTO scheduler_runs (job_id, started_at) VALUES (?, ?) RETURNING id', [
    jobId,
    at.toISOString(),
  ]);
}

/** Records that a run ended. */
export async function recordRunEnd(
  store: AsyncQueryable,
  runId: number,
  at: Date,
  result: 'ok' | 'error',
): Promise<void> {
  await store.run('UPDATE scheduler_runs SET ended_at = ?, result = ? WHERE id = ?', [at.toISOString(), result, runId]);
}

function lastDue(cron: string, before: Date, timeZone: string): Date | undefined {
  try {
    return CronExpressionParser.parse(cron, { tz: timeZone, currentDate: before }).prev().toDate();
  } catch {
    return undefined;
  }
}

function nextDue(cron: string, after: Date, timeZone: string): Date | undefined {
  try {
    return CronExpressionParser.parse(cron, { tz: timeZone, currentDate: after }).next().toDate();
  } catch {
    return undefined;
  }
}

/** Options of the monitor. */
export interface MonitorOptions {
  readonly now: Date;
  readonly graceMinutes?: number;
  readonly timeZone?: string;
  /**
   * who sends (e.g. `vscode@host:4711`): when given, each alert mail is claimed in the store first (issue 21
   * "exactly once", src/core/alerts/claims.ts, channel `mail`), so several monitors — VS Code windows of several
   * admins and `ixhaus-admin serve --mail` — send each incident once
   */
  readonly owner?: string;
}

/**
 * Finds the current incidents (read-only): enabled jobs whose latest due time (older than the grace period and
 * not before the job was created) has no run started since, and runs without an end past their maximum.
 */
export async function findIncidents(store: AsyncQueryable, options: MonitorOptions): Promise<Incident[]> {
  const grace = (options.graceMinutes ?? DEFAULT_GRACE_MINUTES) * 60_000;
  const tz = options.timeZone ?? DEFAULT_TIME_ZONE;
  const incidents: Incident[] = [];
  for (const row of await store.query<JobRow>('SELECT * FROM scheduler_jobs WHERE enabled = 1 ORDER BY id')) {
    const due = lastDue(row.cron, new Date(options.now.getTime() - grace), tz);
    if (due && due.getTime() >= new Date(row.created_at).getTime()) {
      const started = await store.get('SELECT 1 AS x FROM scheduler_runs WHERE job_id = ? AND started_at >= ?', [
        row.id,
        new Date(due.getTime() - 60_000).toISOString(),
      ]);
      if (!started)
        incidents.push({
          jobId: row.id,
          jobName: row.name,
          kind: 'not-started',
          ref: due.toISOString(),
          at: due.toISOString(),
        });
    }
  }
  for (const run of await store.query<{
    id: number;
    job_id: number;
    started_at: string;
    name: string;
    max_run_minutes: number;
  }>(
    'SELECT r.id, r.job_id, r.started_at, j.name, j.max_run_minutes FROM scheduler_runs r JOIN scheduler_jobs j ON j.id = r.job_id WHERE r.ended_at IS NULL ORDER BY r.id',
  )) {
    if (new Date(run.started_at).getTime() + run.max_run_minutes * 60_000 < options.now.getTime()) {
      incidents.push({
        jobId: run.job_id,
        jobName: run.name,
        kind: 'blocked',
        ref: `run ${run.id}`,
        at: run.started_at,
      });
    }
  }
  return incidents;
}

/** The state of every job at `now` (for the "Scheduler" view). */
export async function jobStates(store: AsyncQueryable, options: MonitorOptions): Promise<JobState[]> {
  const incidents = await findIncidents(store, options);
  const tz = options.timeZone ?? DEFAULT_TIME_ZONE;
  const states: JobState[] = [];
  for (const job of await listJobs(store)) {
    const last = await store.get<{ started_at: string; ended_at: string | null }>(
      'SELECT started_at, ended_at FROM scheduler_runs WHERE job_id = ? ORDER BY started_at DESC LIMIT 1',
      [job.id],
    );
    const next = job.enabled ? nextDue(job.cron, options.now, tz) : undefined;
    let state: JobStateKind;
    if (!job.enabled) state = 'disabled';
    else if (incidents.some((i) => i.jobId === job.id && i.kind === 'blocked')) state = 'blocked';
    else if (incidents.some((i) => i.jobId === job.id && i.kind === 'not-started')) state = 'not-started';
    else if (last && last.ended_at === null) state = 'running';
    else if (!last) state = 'never-due';
    else state = 'ok';
    states.push({
      job,
      state,
      ...(next ? { nextDue: next.toISOString() } : {}),
      ...(last ? { lastStart: last.started_at } : {}),
    });
  }
  return states;
}
