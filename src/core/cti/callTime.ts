/**
 * Times of the telephone system (issue 16 "A journal that is true"): the Fritz!Box call monitor states each event's
 * local time `DD.MM.YY HH:MM:SS` in the box's zone (Europe/Berlin, cti-protocols.md), the TR-064 call list
 * `DD.MM.YY HH:MM`; the journal stores ISO 8601 with the zone's offset (`2023-09-25T09:54:59+02:00`), so a reader
 * sees the wall-clock time the office saw and the instant is still exact.
 */

/** The zone of a German telephone system's clock. */
export const PBX_TIME_ZONE = 'Europe/Berlin';

const partsFormat = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormat.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormat.set(timeZone, f);
  }
  return f;
}

/** Offset of `timeZone` from UTC at `instant`, in minutes (Berlin: +60 in winter, +120 in summer). */
export function zoneOffsetMinutes(instant: Date, timeZone: string = PBX_TIME_ZONE): number {
  const p = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(instant)
      .map((x) => [x.type, x.value]),
  );
  const asUtc = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/**
 * The instant of a wall-clock time in `timeZone`. In the autumn hour that occurs twice the earlier (summer-time)
 * instant is taken; a time in the skipped spring hour is read with the offset before the change.
 */
export function zonedInstant(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  timeZone: string = PBX_TIME_ZONE,
): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const before = zoneOffsetMinutes(new Date(wall - 12 * 3600_000), timeZone);
  const after = zoneOffsetMinutes(new Date(wall + 12 * 3600_000), timeZone);
  // candidates whose own offset agrees; the earliest wins (the repeated autumn hour), none = the skipped spring hour
  const valid = [before, after]
    .map((o) => wall - o * 60_000)
    .filter((t) => wall - zoneOffsetMinutes(new Date(t), timeZone) * 60_000 === t)
    .sort((a, b) => a - b);
  return new Date(valid[0] ?? wall - before * 60_000);
}

/**
 * Parses a Fritz!Box date `DD.MM.YY HH:MM:SS` (call monitor) or `DD.MM.YY HH:MM` (call list) in Europe/Berlin;
 * years 00–99 are 2000–2099. Returns undefined for anything else (also 31.02.).
 */
export function parsePbxDate(text: string, timeZone: string = PBX_TIME_ZONE): Date | undefined {
  const m = /^(\d{2})\.(\d{2})\.(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const [day, month, year, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const check = new Date(Date.UTC(2000 + year, month - 1, day));
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1 || hour > 23 || minute > 59 || second > 59)
    return undefined;
  return zonedInstant(2000 + year, month, day, hour, minute, second, timeZone);
}

/** ISO 8601 with the zone's offset and without milliseconds unless present: `2023-09-25T09:54:59+02:00`. */
export function isoWithOffset(instant: Date, timeZone: string = PBX_TIME_ZONE): string {
  const offset = zoneOffsetMinutes(instant, timeZone);
  const local = new Date(instant.getTime() + offset * 60_000).toISOString();
  const body = instant.getUTCMilliseconds() === 0 ? local.slice(0, 19) : local.slice(0, 23);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${body}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
