/**
 * Scheduler jobs and the failure monitor (issue 7 §6, product.md §5, domain.md §6.3): jobs with a cron schedule
 * (5 fields, validated with cron-parser on save) and a maximum run time live in the store; the monitor detects
 * "not started when due" and "blocked" (running past its maximum) and sends **one alert per incident** to both
 * scheduler recipients (Scheduler E-Mailempfänger, Weitere Scheduler E-Mailempfänger). Every function takes the
 * clock as a `Date` so tests inject it; times are stored as ISO strings (UTC), schedules are evaluated in
 * `timeZone` (default Europe/Berlin, where the iX-Scheduler service runs). The alert mails are sent by
 * {@link monitorScheduler} in schedulerMonitor.ts; incidents and job states are found in incidents.ts.
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

/**
 * State of a job for the "Scheduler" view, `scheduler check` and `scheduler job list` (README "Scheduler"):
 * - `disabled` — switched off, never alerted;
 * - `not-yet-due` — no due time since the job was created (and it never ran);
 * - `due` — a due time has passed and the job has not started, but the grace time ({@link DEFAULT_GRACE_MINUTES}
 *   minutes after that due time) has not: no alert yet;
 * - `not-started` — not started when due: past the grace time, alerted (once per incident);
 * - `running` — a run without an end, within its maximum run time;
 * - `blocked` — a run without an end past its maximum run time, alerted;
 * - `ok` — started at its last due time (or ran and is not due again yet).
 */
export type JobStateKind = 'disabled' | 'ok' | 'running' | 'blocked' | 'not-started' | 'due' | 'not-yet-due';

export interface JobState {
  readonly job: SchedulerJob;
  readonly state: JobStateKind;
  /** next due time (ISO, UTC), for enabled jobs */
  readonly nextDue?: string;
  /** the latest due time at or before now and not before the job was created (ISO, UTC), for enabled jobs */
  readonly lastDue?: string;
  /** last run start (ISO, UTC) */
  readonly lastStart?: string;
  /**
   * `due` and `not-started`: the first due time the job has not started for since its last run (or since it was
   * created) — the start of the incident (ISO, UTC)
   */
  readonly notStartedSince?: string;
  /** `due`: when the grace time ends and the job counts as not started when due (ISO, UTC) */
  readonly graceEndsAt?: string;
  /** `not-started`: due times missed so far (see {@link Incident.missed}) */
  readonly missed?: number;
}

/**
 * An incident found by the monitor. `ref` identifies it across cycles and processes (it is part of the claim key
 * {@link schedulerIncidentKey}):
 * - `not-started`: the first due time missed since the job's last run start (since its creation when it never
 *   ran) — **one incident while the job stays not started**, however many due times pass; only when it has run
 *   again and then misses a due time is there a new one. (A store alerted by an earlier version holds one
 *   incident per missed due time; the earliest of those within the current incident is taken over as its `ref`,
 *   so an upgrade alerts nothing twice.)
 * - `blocked`: `run <run id>`.
 */
export interface Incident {
  readonly jobId: number;
  readonly jobName: string;
  readonly kind: 'not-started' | 'blocked';
  readonly ref: string;
  /** not-started: the first missed due time; blocked: the run start (ISO, UTC) */
  readonly at: string;
  /**
   * not-started: how many due times were missed so far, from `at` to `lastMissed` (due times still within the grace
   * time not counted); counted up to {@link MAX_COUNTED_MISSES} (more are reported as that number)
   */
  readonly missed?: number;
  /** not-started: the latest missed due time (ISO, UTC) */
  readonly lastMissed?: string;
  /** blocked: the job's maximum run time in minutes */
  readonly maxRunMinutes?: number;
}

/** Missed due times are counted up to this number (a job due every minute and dead for days stays cheap). */
export const MAX_COUNTED_MISSES = 500;

/** The claim key of a scheduler incident (the same for every monitor: serve, `scheduler check`, a VS Code window). */
export function schedulerIncidentKey(incident: Pick<Incident, 'jobId' | 'kind' | 'ref'>): string {
  return `scheduler:${incident.kind}:${incident.jobId}:${incident.ref}`;
}

export class SchedulerError extends IxError {}

/** A row of `scheduler_jobs`. */
export interface JobRow {
  [key: string]: string | number | null;
  id: number;
  name: string;
  job_group: string;
  cron: string;
  max_run_minutes: number;
  enabled: number;
  created_at: string;
}

export function toJob(row: JobRow): SchedulerJob {
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
