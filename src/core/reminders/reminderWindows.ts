/**
 * Reminder windows (issue 17 §12): how many days before an end date the expiry reminders go out — for licenses and
 * modules (product.md §2) and for the OAuth client secret (product.md §5, domain.md §6.1: "30, 7, 1 day(s)").
 * One store-wide setting for every admin and the monitoring service, kept in the store's `meta` table beside the
 * other store-wide values; changing it needs an administrator and is audited. Default 30/7/1.
 */
import { IxError, msg } from '../errors';
import type { AsyncQueryable, AsyncStore } from '../store/asyncStore';
import { scalar } from '../store/asyncQueries';
import { requireAdmin } from '../access/rights';
import type { Actor } from '../access/rights';

/** `meta` key of the reminder windows (comma-separated days, descending). */
export const REMINDER_DAYS_META_KEY = 'reminder_days';
/** The default windows in days before the end date (domain.md §6.1, product.md §2). */
export const DEFAULT_REMINDER_DAYS: readonly number[] = [30, 7, 1];
/** Bounds of one window, in days. */
export const MIN_REMINDER_DAYS = 1;
export const MAX_REMINDER_DAYS = 365;
/** At most this many windows. */
export const MAX_REMINDER_WINDOWS = 6;

/** An invalid reminder-window list; the message names the value and the rule. */
export class ReminderWindowsError extends IxError {}

/**
 * Parses "30, 7, 1" (commas, semicolons or spaces) into distinct whole days, largest first.
 * @throws ReminderWindowsError naming the offending value (not a whole number, out of 1–365, repeated, empty,
 *   more than 6)
 */
export function parseReminderDays(input: string | readonly number[]): number[] {
  const parts = typeof input === 'string' ? input.split(/[\s,;]+/).filter((p) => p !== '') : input.map(String);
  if (parts.length === 0)
    throw new ReminderWindowsError(
      'E_REMINDER_DAYS_EMPTY',
      msg('Enter at least one reminder window in days before the end date, e.g. 30, 7, 1.'),
    );
  if (parts.length > MAX_REMINDER_WINDOWS)
    throw new ReminderWindowsError(
      'E_REMINDER_DAYS_MANY',
      msg('At most {0} reminder windows are possible; {1} were given.'),
      [MAX_REMINDER_WINDOWS, parts.length],
    );
  const days: number[] = [];
  for (const part of parts) {
    const value = /^\d+$/.test(part) ? Number(part) : NaN;
    if (!Number.isInteger(value) || value < MIN_REMINDER_DAYS || value > MAX_REMINDER_DAYS)
      throw new ReminderWindowsError(
        'E_REMINDER_DAYS_VALUE',
        msg('"{0}" is not a reminder window: enter whole days from {1} to {2}, e.g. 30, 7, 1.'),
        [part, MIN_REMINDER_DAYS, MAX_REMINDER_DAYS],
      );
    if (days.includes(value))
      throw new ReminderWindowsError('E_REMINDER_DAYS_REPEATED', msg('The reminder window {0} days is given twice.'), [
        value,
      ]);
    days.push(value);
  }
  return days.sort((a, b) => b - a);
}

/** The reminder windows of the store (largest first); the default when none are set or the stored value is broken. */
export async function reminderDays(store: AsyncQueryable): Promise<number[]> {
  const raw = await scalar(store, 'SELECT value FROM meta WHERE key = ?', [REMINDER_DAYS_META_KEY]);
  if (typeof raw !== 'string') return [...DEFAULT_REMINDER_DAYS];
  try {
    return parseReminderDays(raw);
  } catch {
    return [...DEFAULT_REMINDER_DAYS];
  }
}

/**
 * The window a reminder is due for: the smallest window that `daysLeft` has reached, or undefined (none reached).
 * `daysLeft` may be fractional (secret expiry) or whole (license dates).
 */
export function reachedWindow(daysLeft: number, windows: readonly number[]): number | undefined {
  const reached = windows.filter((d) => daysLeft <= d);
  return reached.length === 0 ? undefined : Math.min(...reached);
}

/**
 * Sets the reminder windows for the whole store (administrators; audited in the same transaction). The caller
 * saves the store.
 * @returns the normalised windows (largest first)
 * @throws PermissionError unless admin; ReminderWindowsError for an invalid list
 */
export async function setReminderDays(
  store: AsyncStore,
  actor: Actor,
  input: string | readonly number[],
  now: Date = new Date(),
): Promise<number[]> {
  requireAdmin(actor, 'change the reminder windows');
  const days = parseReminderDays(input);
  const before = await reminderDays(store);
  const value = days.join(',');
  await store.transaction(async (tx) => {
    await tx.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
      REMINDER_DAYS_META_KEY,
      value,
    ]);
    await tx.run(
      'INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [now.toISOString(), actor.id, 'reminders.days', 'meta', REMINDER_DAYS_META_KEY, before.join(','), value],
    );
  });
  return days;
}
