/** Calendar dates of licenses are inclusive last valid days in Europe/Berlin (product.md §2). */

/** The calendar date (`YYYY-MM-DD`) in Europe/Berlin at the instant `now`. */
export function berlinDate(now: Date): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Berlin',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

/**
 * Whole days from today (Europe/Berlin, at `now`) to the inclusive last valid day `validUntil`
 * (`YYYY-MM-DD`): 0 = last valid day is today, negative = expired.
 */
export function daysLeft(validUntil: string, now: Date = new Date()): number {
  return Math.round((Date.parse(`${validUntil}T00:00:00Z`) - Date.parse(`${berlinDate(now)}T00:00:00Z`)) / 86_400_000);
}

/** `YYYY-MM-DD` → `DD.MM.YYYY` (German display). */
export function germanDate(isoDate: string): string {
  const [y, m, d] = isoDate.split('-');
  return `${d}.${m}.${y}`;
}
