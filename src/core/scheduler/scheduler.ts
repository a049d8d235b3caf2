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

/** What the monitor sees of one enabled job at a time. */
interface JobEvaluation {
  readonly lastRun?: { readonly id: number; readonly started_at: string; readonly ended_at: string | null };
  /** the first due time not started for since the last run start (or creation), when it is at or before now */
  readonly firstMissed?: Date;
  /** true when `firstMissed` is past the grace time: "not started when due" */
  readonly overdue: boolean;
  /** overdue: the latest due time past the grace time */
  readonly lastMissed?: Date;
  /** overdue: due times from `firstMissed` to `lastMissed`, at most {@link MAX_COUNTED_MISSES} */
  readonly missed?: number;
  /** the latest due time before now, not before the job was created */
  readonly lastDue?: Date;
}

/**
 * A run counts for a due time when it started at most a minute before it (the iX-Scheduler may start a job a few
 * seconds early) or any time after it. So after a run start S, the first due time it does not cover is the first one
 * later than S + 60 s; a job that never ran is due first at its first due time at or after its creation.
 */
const EARLY_START_MS = 60_000;

async function evaluateJob(
  store: AsyncQueryable,
  row: JobRow,
  now: Date,
  graceMs: number,
  timeZone: string,
): Promise<JobEvaluation> {
  const lastRun = await store.get<{ id: number; started_at: string; ended_at: string | null }>(
    'SELECT id, started_at, ended_at FROM scheduler_runs WHERE job_id = ? ORDER BY started_at DESC LIMIT 1',
    [row.id],
  );
  const created = new Date(row.created_at).getTime();
  const previous = lastDue(row.cron, now, timeZone);
  const base = {
    ...(lastRun ? { lastRun } : {}),
    ...(previous && previous.getTime() >= created ? { lastDue: previous } : {}),
  };
  // cron-parser's next() is strictly after its start: created − 1 ms gives a due time at the creation instant too
  const anchor = Math.max(created - 1, lastRun ? new Date(lastRun.started_at).getTime() + EARLY_START_MS : -Infinity);
  const first = nextDue(row.cron, new Date(anchor), timeZone);
  if (!first || first.getTime() > now.getTime()) return { ...base, overdue: false };
  const graceLimit = new Date(now.getTime() - graceMs);
  if (first.getTime() >= graceLimit.getTime()) return { ...base, firstMissed: first, overdue: false };
  const lastMissed = lastDue(row.cron, graceLimit, timeZone) ?? first;
  return {
    ...base,
    firstMissed: first,
    overdue: true,
    lastMissed,
    missed: countDue(row.cron, first, lastMissed, timeZone),
  };
}

/** Due times from `first` (a due time) to `last`, both included, counted up to {@link MAX_COUNTED_MISSES}. */
function countDue(cron: string, first: Date, last: Date, timeZone: string): number {
  let count = 1;
  try {
    const times = CronExpressionParser.parse(cron, { tz: timeZone, currentDate: first });
    while (count < MAX_COUNTED_MISSES && times.next().toDate().getTime() <= last.getTime()) count++;
  } catch {
    // the schedule ends (a year field): the count so far is all there is
  }
  return count;
}

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * The `ref` of a not-started incident that starts at `first`: `first` itself, unless the store holds the incident
 * under a due time between `first` and `lastMissed` — stores alerted by earlier versions made one incident per
 * missed due time (`scheduler_incidents`, and `alert_claims` key `scheduler:not-started:<job>:<due>`). Then the
 * earliest of those is taken over, so the incident that was alerted then is not alerted again after the upgrade.
 * Stable: once this version records the incident it records it under the ref chosen here, and the earliest record
 * stays the earliest.
 * ISO-8601 UTC texts of one format compare in time order under every collation; the key range is filtered by its
 * exact prefix again because PostgreSQL's collation may ignore punctuation in a text range.
 */
async function incidentRef(store: AsyncQueryable, jobId: number, first: Date, lastMissed: Date): Promise<string> {
  const from = first.toISOString();
  const to = lastMissed.toISOString();
  const recorded: string[] = [];
  const own = await store.get<{ ref: string | null }>(
    "SELECT min(ref) AS ref FROM scheduler_incidents WHERE job_id = ? AND kind = 'not-started' AND ref >= ? AND ref <= ?",
    [jobId, from, to],
  );
  if (own?.ref) recorded.push(own.ref);
  const prefix = schedulerIncidentKey({ jobId, kind: 'not-started', ref: '' });
  for (const { incident_key: key } of await store.query<{ incident_key: string }>(
    'SELECT DISTINCT incident_key FROM alert_claims WHERE incident_key >= ? AND incident_key <= ?',
    [prefix + from, prefix + to],
  )) {
    const ref = key.startsWith(prefix) ? key.slice(prefix.length) : '';
    if (ISO_UTC.test(ref) && ref >= from && ref <= to) recorded.push(ref);
  }
  return recorded.length === 0 ? from : recorded.sort()[0]!;
}

/** Runs without an end past their job's maximum run time at `now`, by run id. */
async function blockedRuns(
  store: AsyncQueryable,
  now: Date,
): Promise<Array<{ id: number; job_id: number; started_at: string; name: string; max_run_minutes: number }>> {
  const open = await store.query<{
    id: number;
    job_id: number;
    started_at: string;
    name: string;
    max_run_minutes: number;
  }>(
    'SELECT r.id, r.job_id, r.started_at, j.name, j.max_run_minutes FROM scheduler_runs r JOIN scheduler_jobs j ON j.id = r.job_id WHERE r.ended_at IS NULL ORDER BY r.id',
  );
  return open.filter((run) => new Date(run.started_at).getTime() + run.max_run_minutes * 60_000 < now.getTime());
}

/**
 * Finds the current incidents (read-only): enabled jobs not started since a due time older than the grace time
 * (one incident per job while it stays not started, see {@link Incident}), and runs without an end past their
 * maximum run time.
 */
export async function findIncidents(store: AsyncQueryable, options: MonitorOptions): Promise<Incident[]> {
  const grace = (options.graceMinutes ?? DEFAULT_GRACE_MINUTES) * 60_000;
  const tz = options.timeZone ?? DEFAULT_TIME_ZONE;
  const incidents: Incident[] = [];
  for (const row of await store.query<JobRow>('SELECT * FROM scheduler_jobs WHERE enabled = 1 ORDER BY id')) {
    const seen = await evaluateJob(store, row, options.now, grace, tz);
    if (seen.overdue && seen.firstMissed && seen.lastMissed)
      incidents.push({
        jobId: row.id,
        jobName: row.name,
        kind: 'not-started',
        ref: await incidentRef(store, row.id, seen.firstMissed, seen.lastMissed),
        at: seen.firstMissed.toISOString(),
        missed: seen.missed ?? 1,
        lastMissed: seen.lastMissed.toISOString(),
      });
  }
  for (const run of await blockedRuns(store, options.now))
    incidents.push({
      jobId: run.job_id,
      jobName: run.name,
      kind: 'blocked',
      ref: `run ${run.id}`,
      at: run.started_at,
      maxRunMinutes: run.max_run_minutes,
    });
  return incidents;
}

/** The state of every job at `now` (the "Scheduler" view, `scheduler check`, `scheduler job list`). */
export async function jobStates(store: AsyncQueryable, options: MonitorOptions): Promise<JobState[]> {
  const grace = (options.graceMinutes ?? DEFAULT_GRACE_MINUTES) * 60_000;
  const tz = options.timeZone ?? DEFAULT_TIME_ZONE;
  const blocked = new Set((await blockedRuns(store, options.now)).map((r) => r.job_id));
  const states: JobState[] = [];
  for (const row of await store.query<JobRow>('SELECT * FROM scheduler_jobs ORDER BY job_group, name')) {
    const job = toJob(row);
    if (!job.enabled) {
      const last = await store.get<{ started_at: string }>(
        'SELECT started_at FROM scheduler_runs WHERE job_id = ? ORDER BY started_at DESC LIMIT 1',
        [job.id],
      );
      states.push({ job, state: 'disabled', ...(last ? { lastStart: last.started_at } : {}) });
      continue;
    }
    const seen = await evaluateJob(store, row, options.now, grace, tz);
    const next = nextDue(job.cron, options.now, tz);
    const last = seen.lastRun;
    const state: JobStateKind = blocked.has(job.id)
      ? 'blocked'
      : seen.overdue
        ? 'not-started'
        : last && last.ended_at === null
          ? 'running'
          : seen.firstMissed
            ? 'due'
            : last
              ? 'ok'
              : 'not-yet-due';
    states.push({
      job,
      state,
      ...(next ? { nextDue: next.toISOString() } : {}),
      ...(seen.lastDue ? { lastDue: seen.lastDue.toISOString() } : {}),
      ...(last ? { lastStart: last.started_at } : {}),
      ...(seen.firstMissed && (state === 'due' || state === 'not-started')
        ? { notStartedSince: seen.firstMissed.toISOString() }
        : {}),
      ...(state === 'due' && seen.firstMissed
        ? { graceEndsAt: new Date(seen.firstMissed.getTime() + grace).toISOString() }
        : {}),
      ...(state === 'not-started' ? { missed: seen.missed ?? 1 } : {}),
    });
  }
  return states;
}
