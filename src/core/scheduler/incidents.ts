/**
 * What the scheduler's failure monitor sees (issue 7 §6, issue 21; product.md §5): the incidents — a job "not started
 * when due" (one per job while it stays not started, counted from the first missed due time after its last run) and
 * a run "blocked" past its maximum run time — and every job's state for the Scheduler view and the CLI. Schedules
 * are evaluated in `timeZone` (default Europe/Berlin) with cron-parser; the clock comes from the caller.
 */
import { CronExpressionParser } from 'cron-parser';
import type { AsyncQueryable } from '../store/asyncStore';
import { DEFAULT_GRACE_MINUTES, DEFAULT_TIME_ZONE, MAX_COUNTED_MISSES, schedulerIncidentKey, toJob } from './scheduler';
import type { Incident, JobRow, JobState, JobStateKind } from './scheduler';

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
