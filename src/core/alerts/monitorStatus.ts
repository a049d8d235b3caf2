/**
 * The health of the monitors of a store (issue 21 "a health line/--status (last cycle, next cycle, last error)"),
 * kept in the store's `meta` table as JSON, **one row per monitor** under `monitor_status:<name>`: every monitor
 * writes its own row after each cycle and when it stops cleanly, so `serve --status` (from any machine that reaches
 * the store) answers "is this store being watched, and did its alerts go out" for all of them — a `--once` run from
 * cron never overwrites the row of the long-running service.
 *
 * A monitor's name (`serve --name`, default `serve@<hostname>`, `serve-once@<hostname>` with `--once`) is stable
 * across restarts, unlike the process (`serve@host:pid`): a restarted service replaces its own row instead of
 * leaving a dead one behind. Rows not written for {@link MONITOR_STATUS_KEEP_DAYS} days are not listed and are
 * removed by the next write of any monitor.
 */
import type { AsyncQueryable, AsyncStore } from '../store/asyncStore';
import type { AlertClaim } from './claims';

/** The `meta` key prefix of the monitors' rows (the monitor's name follows). */
export const MONITOR_STATUS_KEY_PREFIX = 'monitor_status:';
/** After how many days without a write a monitor's row is dropped. */
export const MONITOR_STATUS_KEEP_DAYS = 7;
/** How late (ms) a service's next cycle may be before it counts as overdue (a slow cycle, a clock step). */
export const OVERDUE_GRACE_MS = 120_000;

const DAY_MS = 86_400_000;

/** The stored health of one monitor. Times are ISO-8601 UTC. */
export interface MonitorStatus {
  /** the monitor's name (`--name`), the key of its row */
  readonly name: string;
  /** `service`: runs until stopped; `once`: one cycle per start (cron, Windows Task Scheduler) */
  readonly mode: 'service' | 'once';
  /** the process that wrote it last (e.g. `serve@host:4711`, the claims' owner) */
  readonly by: string;
  /** where the store is, as the monitor opened it (file path, or URL without password) */
  readonly store: string;
  /** the channels the monitor sends on (`teams`, `json`, `mail` or a variable name) */
  readonly channels: readonly string[];
  /** minutes between cycles (`--every`; with `--once` the schedule it is expected to run at) */
  readonly everyMinutes: number;
  /** null when it stopped before its first cycle */
  readonly lastCycleAt: string | null;
  readonly lastCycleMs: number;
  /** when this monitor runs next; null with `--once` and after a stop */
  readonly nextCycleAt: string | null;
  readonly incidents: number;
  readonly delivered: number;
  /** channels that failed in the last cycle (empty when all delivered) */
  readonly failedChannels: readonly string[];
  /** the last error of any cycle (kept until a later error replaces it) and when it happened */
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
  /** when it stopped cleanly (SIGTERM/SIGINT after its cycle), else null */
  readonly stoppedAt: string | null;
  /** the signal that stopped it (`SIGTERM`, `SIGINT`) */
  readonly stopSignal: string | null;
}

/** The last time a monitor wrote its row (its last cycle or its stop). */
export function lastSeenAt(status: MonitorStatus): number {
  return Math.max(
    status.lastCycleAt !== null ? Date.parse(status.lastCycleAt) : 0,
    status.stoppedAt !== null ? Date.parse(status.stoppedAt) : 0,
  );
}

function parseStatus(value: string): MonitorStatus | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<MonitorStatus>;
    if (typeof parsed.name !== 'string' || (parsed.mode !== 'service' && parsed.mode !== 'once')) return undefined;
    return {
      channels: [],
      everyMinutes: 5,
      stoppedAt: null,
      stopSignal: null,
      failedChannels: [],
      ...parsed,
    } as MonitorStatus;
  } catch {
    return undefined;
  }
}

/**
 * Every monitor's row seen within {@link MONITOR_STATUS_KEEP_DAYS} days of `now`, sorted by name (unreadable rows are
 * skipped).
 */
export async function readMonitorStatuses(store: AsyncQueryable, now: Date): Promise<MonitorStatus[]> {
  const rows = await store.query<{ key: string; value: string }>(
    'SELECT key, value FROM meta WHERE substr(key, 1, ?) = ? ORDER BY key',
    [MONITOR_STATUS_KEY_PREFIX.length, MONITOR_STATUS_KEY_PREFIX],
  );
  const since = now.getTime() - MONITOR_STATUS_KEEP_DAYS * DAY_MS;
  return rows
    .map((r) => parseStatus(r.value))
    .filter((s): s is MonitorStatus => s !== undefined && lastSeenAt(s) >= since);
}

/** One monitor's row (also an old one), or undefined. */
export async function readMonitorStatus(store: AsyncQueryable, name: string): Promise<MonitorStatus | undefined> {
  const row = await store.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [
    `${MONITOR_STATUS_KEY_PREFIX}${name}`,
  ]);
  return row ? parseStatus(row.value) : undefined;
}

/**
 * Stores a monitor's row and removes the rows of monitors not seen for {@link MONITOR_STATUS_KEEP_DAYS} days (one
 * transaction).
 */
export async function writeMonitorStatus(store: AsyncStore, status: MonitorStatus, now: Date): Promise<void> {
  const since = now.getTime() - MONITOR_STATUS_KEEP_DAYS * DAY_MS;
  await store.transaction(async (tx) => {
    await tx.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
      `${MONITOR_STATUS_KEY_PREFIX}${status.name}`,
      JSON.stringify(status),
    ]);
    const rows = await tx.query<{ key: string; value: string }>(
      'SELECT key, value FROM meta WHERE substr(key, 1, ?) = ?',
      [MONITOR_STATUS_KEY_PREFIX.length, MONITOR_STATUS_KEY_PREFIX],
    );
    // the single row of earlier 0.4.0 builds (`monitor_status`), replaced by the rows per monitor
    await tx.run('DELETE FROM meta WHERE key = ?', [MONITOR_STATUS_KEY_PREFIX.slice(0, -1)]);
    for (const row of rows) {
      const parsed = parseStatus(row.value);
      if (parsed === undefined || lastSeenAt(parsed) < since) await tx.run('DELETE FROM meta WHERE key = ?', [row.key]);
    }
  });
}

/**
 * What a monitor is doing at `now`:
 * - `running`: a service whose next cycle is not more than {@link OVERDUE_GRACE_MS} late;
 * - `overdue`: a service whose next cycle is later than that (killed, crashed, the machine is down);
 * - `stopped`: a service that was stopped cleanly (SIGTERM/SIGINT);
 * - `scheduled`: a `--once` monitor whose last cycle is within two of its intervals (plus the grace): cron runs it;
 * - `idle`: a `--once` monitor that has not run since (an ad-hoc run, or its schedule was removed).
 */
export type MonitorState = 'running' | 'overdue' | 'stopped' | 'scheduled' | 'idle';

/** The state of one monitor at `now`. */
export function monitorState(status: MonitorStatus, now: Date): MonitorState {
  if (status.mode === 'once') {
    const last = status.lastCycleAt !== null ? Date.parse(status.lastCycleAt) : 0;
    return now.getTime() - last <= 2 * status.everyMinutes * 60_000 + OVERDUE_GRACE_MS ? 'scheduled' : 'idle';
  }
  if (status.stoppedAt !== null) return 'stopped';
  if (status.nextCycleAt !== null && now.getTime() - Date.parse(status.nextCycleAt) > OVERDUE_GRACE_MS)
    return 'overdue';
  return 'running';
}

/** The health of a store's monitoring (what `serve --status` prints and exits with). */
export interface MonitoringHealth {
  /** true when nothing needs an operator (exit 0) */
  readonly ok: boolean;
  /** one short line per problem (empty when ok) */
  readonly problems: readonly string[];
  readonly monitors: ReadonlyArray<MonitorStatus & { readonly state: MonitorState }>;
  /** lines for the alerts not yet delivered after a failed attempt */
  readonly pending: readonly string[];
}

function hoursAgo(at: string, now: Date): string {
  const hours = Math.floor((now.getTime() - Date.parse(at)) / 3_600_000);
  return hours < 1 ? 'less than an hour ago' : `${hours} hour${hours === 1 ? '' : 's'} ago`;
}

/**
 * Judges the monitoring of a store. Not ok (each named in `problems`) when no monitor has run in the last
 * {@link MONITOR_STATUS_KEEP_DAYS} days, when none is watching (no `running` service, no `scheduled` `--once`), when
 * a service is overdue, when a watching monitor's last cycle failed a channel, or when an alert is not yet delivered
 * after its last attempt failed — such an alert on a channel no watching monitor has any more says so.
 * @param failed the claims not sent whose last attempt failed (`failedAlertClaims`); ones older than the kept days
 *        are left out
 */
export function assessMonitoring(
  statuses: readonly MonitorStatus[],
  failed: readonly AlertClaim[],
  now: Date,
): MonitoringHealth {
  const monitors = statuses.map((s) => ({ ...s, state: monitorState(s, now) }));
  const watching = monitors.filter((m) => m.state === 'running' || m.state === 'scheduled');
  const problems: string[] = [];
  if (monitors.length === 0)
    problems.push(`no monitor has run on this store in the last ${MONITOR_STATUS_KEEP_DAYS} days`);
  else if (watching.length === 0) problems.push('no monitor is watching this store');
  for (const m of monitors)
    if (m.state === 'overdue') problems.push(`${m.name} is overdue (next cycle was due at ${m.nextCycleAt ?? ''})`);
  for (const m of watching)
    if (m.failedChannels.length > 0)
      problems.push(`${m.name}: channel ${m.failedChannels.join(', ')} failed in the last cycle`);
  const since = now.getTime() - MONITOR_STATUS_KEEP_DAYS * DAY_MS;
  const pending: string[] = [];
  for (const c of failed) {
    // a failed claim is released at once: its expiry is the time of the last failed attempt
    if (Date.parse(c.expiresAt) < since) continue;
    const orphan = !watching.some((m) => m.channels.includes(c.channel))
      ? ` — no monitor watching this store sends on channel ${c.channel} any more (last attempt ${hoursAgo(c.expiresAt, now)}): configure the channel again, or the alert stays undelivered`
      : '';
    pending.push(
      `not yet delivered: ${c.incidentKey} on ${c.channel} (${c.attempts} attempts, last failed ${c.expiresAt}): ${c.lastError ?? ''}${orphan}`,
    );
  }
  if (pending.length > 0)
    problems.push(`${pending.length} alert${pending.length === 1 ? '' : 's'} not yet delivered after a failed attempt`);
  return { ok: problems.length === 0, problems, monitors, pending };
}

/** One monitor's line, e.g. `serve@ix1 (service): running — last cycle … (serve@ix1:4711, 120 ms, …), next cycle …`. */
export function formatMonitorLine(monitor: MonitorStatus & { readonly state: MonitorState }): string {
  const state =
    monitor.state === 'stopped'
      ? `stopped at ${monitor.stoppedAt ?? ''} (${monitor.stopSignal ?? 'signal'})`
      : monitor.state === 'overdue'
        ? `OVERDUE since ${monitor.nextCycleAt ?? ''} (killed or crashed? is the service running?)`
        : monitor.state === 'idle'
          ? `idle (no --once run for more than two intervals of ${monitor.everyMinutes} minutes)`
          : monitor.state;
  const failed = monitor.failedChannels.length > 0 ? `, FAILED channels: ${monitor.failedChannels.join(', ')}` : '';
  const cycle =
    monitor.lastCycleAt === null
      ? 'no cycle yet'
      : `last cycle ${monitor.lastCycleAt} (${monitor.by}, ${monitor.lastCycleMs} ms, ${monitor.incidents} incidents, ${monitor.delivered} delivered${failed})`;
  const next =
    monitor.state === 'running' || monitor.state === 'overdue' ? `, next cycle ${monitor.nextCycleAt ?? ''}` : '';
  const error = monitor.lastError === null ? 'none' : `${monitor.lastErrorAt ?? ''} ${monitor.lastError}`;
  return `${monitor.name} (${monitor.mode === 'once' ? '--once' : 'service'}, channels ${monitor.channels.join(', ') || 'none'}): ${state} — ${cycle}${next}, last error: ${error}`;
}

/**
 * The text of `serve --status`: a first line for a check plugin (`OK: …` or `PROBLEM: …`, Nagios/Icinga show it),
 * then one line per monitor and one per alert not yet delivered.
 */
export function formatMonitoringHealth(health: MonitoringHealth): string {
  const watching = health.monitors.filter((m) => m.state === 'running' || m.state === 'scheduled');
  const first = health.ok
    ? `OK: watched by ${watching.map((m) => m.name).join(', ')}`
    : `PROBLEM: ${health.problems.join('; ')}`;
  return [first, ...health.monitors.map(formatMonitorLine), ...health.pending].join('\n');
}
