/**
 * Scheduler jobs and the failure monitor (issue 7 §6, product.md §5, domain.md §6.3): jobs with a cron schedule
 * (5 fields, validated with cron-parser on save) and a maximum run time live in the store; the monitor detects
 * "not started when due" and "blocked" (running past its maximum) and sends **one alert per incident** to both
 * scheduler recipients (Scheduler E-Mailempfänger, Weitere Scheduler E-Mailempfänger). Every function takes the
 * clock as a `Date` so tests inject it; times are stored as ISO strings (UTC), schedules are evaluated in
 * `timeZone` (default Europe/Berlin, where the iX-Scheduler service runs).
 */
import { claimAlert, markAlertFailed, markAlertSent } from '../alerts/claims';
import { CronExpressionParser } from 'cron-parser';
import { IxError, msg } from '../errors';
import type { AsyncQueryable, AsyncStore } from '../store/asyncStore';
import { insertId } from '../store/asyncQueries';
import { requireAdmin } from '../access/rights';
import type { Actor } from '../access/rights';
import { parseAddress } from '../../shared/mail/fieldParsing';
import type { MailSettings } from '../../shared/mail/settings';
import type { SafeMessageInput } from '../mail/headerSafety';

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

/** How long a claimed alert mail holds before another monitor may send it (ms): longer than an SMTP send takes. */
const MAIL_CLAIM_TTL_MS = 10 * 60_000;

/** The claim key of a scheduler incident (the same for every monitor: serve, a VS Code window). */
export function schedulerIncidentKey(incident: Pick<Incident, 'jobId' | 'kind' | 'ref'>): string {
  return `scheduler:${incident.kind}:${incident.jobId}:${incident.ref}`;
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

/** An alert that was due but could not be sent, with the reason (English, for logs and the CLI). */
export interface FailedAlert {
  readonly incident: Incident;
  readonly reason: string;
}

/** Outcome of {@link monitorScheduler}. */
export interface MonitorOutcome {
  readonly incidents: readonly Incident[];
  /** incidents alerted in this run */
  readonly alerted: readonly Incident[];
  /** why no alert could be sent at all (no valid recipient, no sender), if so */
  readonly notAlertedReason?: string;
  /** alerts that were due and failed one by one (the others were still tried) */
  readonly failed: readonly FailedAlert[];
  /** stored scheduler recipients that are not valid e-mail addresses (they got no alert) */
  readonly invalidRecipients: readonly string[];
  /**
   * true when an alert that was due did not reach every configured recipient: nothing sendable, a failed send,
   * or an invalid recipient (issue 17 §11: `scheduler check` then exits non-zero so that cron notices)
   */
  readonly alertsMissed: boolean;
}

/** A job name as it may appear in a mail header: CR, LF and NUL shown as visible escapes (never as line breaks). */
export function headerSafeJobName(name: string): string {
  return /[\r\n\0]/.test(name) ? JSON.stringify(name).slice(1, -1) : name;
}

/** A failure at TCP/TLS/AUTH means the server cannot be used now: the other alerts would fail the same way. */
function connectionLevel(error: unknown): boolean {
  const e = error as { code?: string; args?: readonly unknown[] };
  return e.code === 'E_MAIL_DELIVERY' && ['TCP', 'TLS', 'AUTH'].includes(String(e.args?.[0]));
}

/**
 * Runs the monitor: records new incidents and sends one alert per incident not yet alerted to both scheduler
 * recipients (one mail with both as To). Each alert is sent on its own: a job whose stored name holds CR/LF/NUL
 * is alerted with the name escaped, and one failed alert never keeps the others from being tried (issue 17 §10).
 * A failed alert stays un-alerted for the next run. Invalid recipients are named, the valid one still gets the
 * alert (§11).
 * @param settings the stored SMTP settings as they are (not re-validated: one invalid field must not hide the rest)
 * @param send the mail sender (CLI/extension: SMTP with the configured settings; tests: a collector)
 */
export async function monitorScheduler(
  store: AsyncStore,
  settings: MailSettings | undefined,
  options: MonitorOptions,
  send: (message: SafeMessageInput) => Promise<unknown>,
): Promise<MonitorOutcome> {
  const incidents = await findIncidents(store, options);
  await store.transaction(async (tx) => {
    for (const i of incidents)
      await tx.run(
        'INSERT INTO scheduler_incidents (job_id, kind, ref, detected_at) VALUES (?, ?, ?, ?) ON CONFLICT (job_id, kind, ref) DO NOTHING',
        [i.jobId, i.kind, i.ref, options.now.toISOString()],
      );
  });
  const pending: Incident[] = [];
  for (const i of incidents) {
    const open = await store.get(
      'SELECT 1 AS x FROM scheduler_incidents WHERE job_id = ? AND kind = ? AND ref = ? AND alerted_at IS NULL',
      [i.jobId, i.kind, i.ref],
    );
    if (open) pending.push(i);
  }
  const configured = [settings?.schedulerRecipient ?? '', settings?.schedulerRecipient2 ?? '']
    .map((r) => r.trim())
    .filter((r) => r !== '');
  const invalidRecipients = configured.filter((r) => !parseAddress(r));
  const recipients = configured.filter((r) => parseAddress(r));
  const base = { incidents, invalidRecipients, failed: [] as FailedAlert[] };
  if (pending.length === 0) return { ...base, alerted: [], alertsMissed: false };
  if (!settings || recipients.length === 0 || settings.from === '') {
    const reason =
      invalidRecipients.length > 0 && recipients.length === 0
        ? `the scheduler recipient${invalidRecipients.length > 1 ? 's' : ''} ${invalidRecipients.map((r) => JSON.stringify(headerSafeJobName(r))).join(' and ')} ${invalidRecipients.length > 1 ? 'are not valid e-mail addresses' : 'is not a valid e-mail address'}: correct it in the SMTP settings (Scheduler E-Mailempfänger)`
        : 'no scheduler recipients or sender configured in the SMTP settings';
    return { ...base, alerted: [], notAlertedReason: reason, alertsMissed: true };
  }
  const alerted: Incident[] = [];
  const failed: FailedAlert[] = [];
  let serverDown: string | undefined;
  for (const incident of pending) {
    if (serverDown !== undefined) {
      failed.push({ incident, reason: `not tried: ${serverDown}` });
      continue;
    }
    const name = headerSafeJobName(incident.jobName);
    const escaped = name !== incident.jobName;
    const what =
      incident.kind === 'blocked'
        ? `läuft seit ${incident.at} länger als die maximale Laufzeit (blockiert)`
        : `wurde zum Termin ${incident.at} nicht gestartet`;
    const claim =
      options.owner === undefined
        ? undefined
        : { incidentKey: schedulerIncidentKey(incident), channel: 'mail', owner: options.owner, now: options.now };
    // another monitor sends (or sent) this one: not ours to send
    if (claim && !(await claimAlert(store, { ...claim, ttlMs: MAIL_CLAIM_TTL_MS }))) continue;
    try {
      await send({
        from: { name: 'iX-Haus plus Scheduler', address: settings.from },
        to: recipients.map((address) => ({ address })),
        subject: `iX-Scheduler: Aufgabe "${name}" ${incident.kind === 'blocked' ? 'blockiert' : 'nicht gestartet'}`,
        text: `Die Scheduler-Aufgabe "${name}" (Nr. ${incident.jobId}) ${what}.\r\nBitte prüfen Sie den iX-Scheduler-Dienst und das Protokoll der Aufgabe.\r\n${escaped ? 'Der gespeicherte Name der Aufgabe enthält Zeilenumbrüche oder NUL-Zeichen (hier als \\r, \\n, \\u0000 gezeigt); bitte korrigieren Sie ihn.\r\n' : ''}`,
        source: `scheduler job ${incident.jobId}`,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      failed.push({ incident, reason });
      if (claim) await markAlertFailed(store, claim, reason, []);
      if (connectionLevel(error)) serverDown = reason;
      continue;
    }
    if (claim) await markAlertSent(store, claim, []);
    await store.run('UPDATE scheduler_incidents SET alerted_at = ? WHERE job_id = ? AND kind = ? AND ref = ?', [
      options.now.toISOString(),
      incident.jobId,
      incident.kind,
      incident.ref,
    ]);
    alerted.push(incident);
  }
  return {
    incidents,
    alerted,
    failed,
    invalidRecipients,
    alertsMissed: failed.length > 0 || invalidRecipients.length > 0,
  };
}
