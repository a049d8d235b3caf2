/**
 * The health line of the monitor (issue 21 "a health line/--status (last cycle, next cycle, last error)"), kept in
 * the store's `meta` table under {@link MONITOR_STATUS_META_KEY} as JSON: every monitor of a store writes it after
 * its cycle, so `serve --status` (from any machine that reaches the store) answers "is this store being watched,
 * and did its last alerts go out" — the question an operator asks — rather than the state of one process.
 */
import type { AsyncQueryable, AsyncStore } from '../store/asyncStore';

export const MONITOR_STATUS_META_KEY = 'monitor_status';

/** The stored health. Times are ISO-8601 UTC. */
export interface MonitorStatus {
  /** the monitor that wrote it (e.g. `serve@host:4711`) */
  readonly by: string;
  readonly lastCycleAt: string;
  readonly lastCycleMs: number;
  /** when this monitor runs next; null after `--once` or when it stopped */
  readonly nextCycleAt: string | null;
  readonly incidents: number;
  readonly delivered: number;
  /** channels that failed in the last cycle (empty when all delivered) */
  readonly failedChannels: readonly string[];
  /** the last error of any cycle (kept until a later error replaces it) and when it happened */
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
}

/** The stored status, or undefined when no monitor has run on this store yet (or the value is unreadable). */
export async function readMonitorStatus(store: AsyncQueryable): Promise<MonitorStatus | undefined> {
  const row = await store.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [MONITOR_STATUS_META_KEY]);
  if (!row) return undefined;
  try {
    return JSON.parse(row.value) as MonitorStatus;
  } catch {
    return undefined;
  }
}

/** Stores the status (one upsert, its own transaction). */
export async function writeMonitorStatus(store: AsyncStore, status: MonitorStatus): Promise<void> {
  await store.run(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    [MONITOR_STATUS_META_KEY, JSON.stringify(status)],
  );
}

/** The health line, e.g. `last cycle 2026-11-02T03:00:00.000Z (serve@host:1, 120 ms), next 2026-…, last error: none`. */
export function formatMonitorStatus(status: MonitorStatus | undefined): string {
  if (!status) return 'no monitor has run on this store yet';
  const failed = status.failedChannels.length > 0 ? `, FAILED channels: ${status.failedChannels.join(', ')}` : '';
  return `last cycle ${status.lastCycleAt} (${status.by}, ${status.lastCycleMs} ms, ${status.incidents} incidents, ${status.delivered} delivered${failed}), next cycle ${status.nextCycleAt ?? 'none (not running)'}, last error: ${status.lastError === null ? 'none' : `${status.lastErrorAt ?? ''} ${status.lastError}`}`;
}
