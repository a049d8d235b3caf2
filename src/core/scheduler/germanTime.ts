/**
 * Times in the scheduler's alerts as the administrators read them (issue 21 trial): German wall-clock time in the
 * zone the iX-Scheduler runs in (Europe/Berlin, like its cron schedules), e.g. `03.12.2026 16:03 Uhr` — not UTC
 * ISO. Machine-readable places (the JSON POST's `incidentAt`, claim keys, the store) keep ISO-8601 UTC.
 */
import { DEFAULT_TIME_ZONE } from './scheduler';

const formats = new Map<string, { wall: Intl.DateTimeFormat; zone: Intl.DateTimeFormat }>();

function formatsFor(timeZone: string): { wall: Intl.DateTimeFormat; zone: Intl.DateTimeFormat } {
  let f = formats.get(timeZone);
  if (!f) {
    f = {
      wall: new Intl.DateTimeFormat('de-DE', {
        timeZone,
        hourCycle: 'h23',
        day: '2-digit',
        month: '2-digit',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
      }),
      zone: new Intl.DateTimeFormat('de-DE', { timeZone, timeZoneName: 'short' }),
    };
    formats.set(timeZone, f);
  }
  return f;
}

function wallClock(instant: Date, timeZone: string): string {
  const p = Object.fromEntries(
    formatsFor(timeZone)
      .wall.formatToParts(instant)
      .map((x) => [x.type, x.value]),
  );
  return `${p.day}.${p.month}.${p.year} ${p.hour}:${p.minute}`;
}

/**
 * An instant as German local time: `DD.MM.YYYY HH:MM Uhr` in `timeZone` (default Europe/Berlin; seconds dropped).
 * In the hour that occurs twice when summer time ends (last Sunday of October, 02:00–02:59 in Berlin) the zone is
 * added, e.g. `25.10.2026 02:30 Uhr (MESZ)` / `(MEZ)`, so that the two instants can be told apart.
 * @param at a Date or an ISO-8601 text
 * @param options `uhr: false` leaves out " Uhr" (CLI columns)
 * @throws RangeError for an invalid date or an unknown time zone
 */
export function germanTime(at: Date | string, options: { uhr?: boolean; timeZone?: string } = {}): string {
  const instant = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(instant.getTime())) throw new RangeError(`not a time: ${String(at)}`);
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const wall = wallClock(instant, timeZone);
  const text = options.uhr === false ? wall : `${wall} Uhr`;
  // the same wall-clock time one hour earlier or later: the fall-back hour, name the zone (MESZ/MEZ)
  const ambiguous =
    wallClock(new Date(instant.getTime() - 3_600_000), timeZone) === wall ||
    wallClock(new Date(instant.getTime() + 3_600_000), timeZone) === wall;
  if (!ambiguous) return text;
  const zone = formatsFor(timeZone)
    .zone.formatToParts(instant)
    .find((x) => x.type === 'timeZoneName')?.value;
  return zone ? `${text} (${zone})` : text;
}
