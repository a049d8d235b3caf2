/**
 * Administration of scheduler jobs (issue 21 "Headless set-up": `ixhaus-admin scheduler job add|list|remove` and
 * the Scheduler view's Add/Edit/Remove Job…): every change needs an administrator, is checked by the same rules
 * as {@link createJob} (name one line and unique, 5-field cron validated with cron-parser, maximum run time
 * 1–10080 minutes) and writes an `audit_log` row in the same transaction — nothing half-written. Dialect-neutral
 * SQL, so it runs on the sql.js file and on PostgreSQL.
 */
import { msg } from '../errors';
import { requireAdmin } from '../access/rights';
import type { Actor } from '../access/rights';
import type { AsyncQueryable, AsyncStore } from '../store/asyncStore';
import { JOB_GROUPS, SchedulerError, createJob, listJobs, validateCron } from './scheduler';
import type { JobGroup, SchedulerJob } from './scheduler';

/** What an administrator enters for a job (all fields of {@link SchedulerJob} but the id). */
export interface JobInput {
  readonly name: string;
  readonly group?: JobGroup;
  /** 5 fields: minute hour day-of-month month day-of-week (Europe/Berlin) */
  readonly cron: string;
  /** 1–10080 minutes */
  readonly maxRunMinutes: number;
  readonly enabled?: boolean;
}

/**
 * The job group for a text (exact, or case-insensitive), e.g. from `--group`.
 * @throws SchedulerError `E_JOB_GROUP` listing the groups
 */
export function parseJobGroup(text: string): JobGroup {
  const found = JOB_GROUPS.find((g) => g.toLowerCase() === text.trim().toLowerCase());
  if (!found)
    throw new SchedulerError('E_JOB_GROUP', msg('"{0}" is not a job group; use one of: {1}.'), [
      text,
      JOB_GROUPS.join(', '),
    ]);
  return found;
}

/**
 * Parses a maximum run time in whole minutes (1–10080), e.g. from a form field or `--max-run-minutes`.
 * @throws SchedulerError `E_JOB_MAX`
 */
export function parseMaxRunMinutes(text: string): number {
  const value = /^\s*\d{1,5}\s*$/.test(text) ? Number(text) : NaN;
  if (!(value >= 1 && value <= 10080))
    throw new SchedulerError('E_JOB_MAX', msg('The maximum run time must be 1 to 10080 minutes.'));
  return value;
}

/** The job with this id, or this exact name (ids are matched first when `key` is all digits). */
export async function findJob(store: AsyncQueryable, key: string | number): Promise<SchedulerJob | undefined> {
  const jobs = await listJobs(store);
  if (typeof key === 'number' || /^\d+$/.test(key.trim())) {
    const byId = jobs.find((j) => j.id === Number(key));
    if (byId) return byId;
  }
  return jobs.find((j) => j.name === String(key).trim());
}

async function requireJob(store: AsyncQueryable, key: string | number): Promise<SchedulerJob> {
  const job = await findJob(store, key);
  if (!job)
    throw new SchedulerError(
      'E_JOB_UNKNOWN',
      msg('There is no scheduler job "{0}": it may have been removed meanwhile; refresh the list of jobs.'),
      [String(key)],
    );
  return job;
}

async function audit(
  tx: AsyncQueryable,
  actor: Actor,
  action: string,
  key: number,
  before: SchedulerJob | null,
  after: SchedulerJob | null,
  now: Date,
): Promise<void> {
  await tx.run(
    "INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value) VALUES (?, ?, ?, 'scheduler_jobs', ?, ?, ?)",
    [
      now.toISOString(),
      actor.id,
      action,
      String(key),
      before ? JSON.stringify(before) : null,
      after ? JSON.stringify(after) : null,
    ],
  );
}

/**
 * Adds a job (admins; audited as `scheduler.job.add`).
 * @throws PermissionError; SchedulerError for a bad name, cron, run time or a duplicate name
 */
export async function addJob(
  store: AsyncStore,
  actor: Actor,
  input: JobInput,
  now = new Date(),
): Promise<SchedulerJob> {
  requireAdmin(actor, 'create scheduler jobs');
  return store.transaction(async (tx) => {
    await tx.lock('scheduler_jobs');
    const job = await createJob(tx, actor, input, now);
    await audit(tx, actor, 'scheduler.job.add', job.id, null, job, now);
    return job;
  });
}

/**
 * Changes a job (admins; audited as `scheduler.job.update` with old → new). Fields not given keep their value.
 * @param key the job's id or name
 * @throws PermissionError; SchedulerError `E_JOB_UNKNOWN`, or for a bad name, cron, run time or a duplicate name
 */
export async function updateJob(
  store: AsyncStore,
  actor: Actor,
  key: string | number,
  change: Partial<JobInput>,
  now = new Date(),
): Promise<SchedulerJob> {
  requireAdmin(actor, 'change scheduler jobs');
  return store.transaction(async (tx) => {
    await tx.lock('scheduler_jobs');
    const before = await requireJob(tx, key);
    const name = (change.name ?? before.name).trim();
    if (name === '' || /[\r\n\0]/.test(name))
      throw new SchedulerError('E_JOB_NAME', msg('Enter a job name (one line).'));
    const cron = (change.cron ?? before.cron).trim();
    validateCron(cron);
    const maxRunMinutes = change.maxRunMinutes ?? before.maxRunMinutes;
    if (!Number.isInteger(maxRunMinutes) || maxRunMinutes < 1 || maxRunMinutes > 10080)
      throw new SchedulerError('E_JOB_MAX', msg('The maximum run time must be 1 to 10080 minutes.'));
    const group = change.group ?? before.group;
    if (!JOB_GROUPS.includes(group)) parseJobGroup(group);
    if (name !== before.name && (await tx.get('SELECT 1 AS x FROM scheduler_jobs WHERE name = ?', [name])))
      throw new SchedulerError('E_JOB_EXISTS', msg('A job named "{0}" already exists.'), [name]);
    const enabled = change.enabled ?? before.enabled;
    await tx.run(
      'UPDATE scheduler_jobs SET name = ?, job_group = ?, cron = ?, max_run_minutes = ?, enabled = ? WHERE id = ?',
      [name, group, cron, maxRunMinutes, enabled ? 1 : 0, before.id],
    );
    const after: SchedulerJob = { id: before.id, name, group, cron, maxRunMinutes, enabled };
    await audit(tx, actor, 'scheduler.job.update', before.id, before, after, now);
    return after;
  });
}

/**
 * Removes a job with its run history and incidents (admins; audited as `scheduler.job.remove` with the job as it
 * was).
 * @param key the job's id or name
 * @returns the removed job
 * @throws PermissionError; SchedulerError `E_JOB_UNKNOWN`
 */
export async function removeJob(
  store: AsyncStore,
  actor: Actor,
  key: string | number,
  now = new Date(),
): Promise<SchedulerJob> {
  requireAdmin(actor, 'remove scheduler jobs');
  return store.transaction(async (tx) => {
    await tx.lock('scheduler_jobs');
    const job = await requireJob(tx, key);
    // explicit, not only ON DELETE CASCADE: SQLite enforces foreign keys only when the connection enables them
    await tx.run('DELETE FROM scheduler_incidents WHERE job_id = ?', [job.id]);
    await tx.run('DELETE FROM scheduler_runs WHERE job_id = ?', [job.id]);
    await tx.run('DELETE FROM scheduler_jobs WHERE id = ?', [job.id]);
    await audit(tx, actor, 'scheduler.job.remove', job.id, job, null, now);
    return job;
  });
}
