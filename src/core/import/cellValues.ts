/**
 * Reading one cell as the user saw it (issue 22 "Cells as the user saw them"): PLZ, numbers and phone numbers that
 * Excel stored as numbers keep their leading zeros and all digits, reconstructed where that is certain enough and
 * reported; a number Excel wrote to a CSV in scientific notation (`3,01E+09`) has lost digits and is refused.
 * German dates (`31.12.2026`, DIN 5008) and numbers (`1.234,56`) are parsed; times are German local time
 * (Europe/Berlin) and become ISO-8601 UTC (store convention, asyncStore.ts).
 *
 * Every reader returns a {@link CellResult}; none throws.
 */
import { msg } from '../errors';
import { normalizePhoneNumber } from '../cti/phoneNumber';
import { zonedInstant } from '../cti/callTime';
import type { ImportMessage, SheetCell } from './importTypes';

/** Outcome of reading one cell. `value` null = the cell is empty. */
export type CellResult<T> =
  | {
      readonly ok: true;
      readonly value: T | null;
      /** set when the value had to be reconstructed: what was stored, and why the value used is right */
      readonly reconstructed?: { readonly stored: string; readonly message: ImportMessage };
      /** set when the value is kept but flagged (e.g. a phone number that cannot be read) */
      readonly warning?: ImportMessage;
    }
  | { readonly ok: false; readonly message: ImportMessage };

function fail(code: string, template: string, ...args: (string | number)[]): { ok: false; message: ImportMessage } {
  return { ok: false, message: { code, template, args } };
}

function note(code: string, template: string, ...args: (string | number)[]): ImportMessage {
  return { code, template, args };
}

const EMPTY = { ok: true, value: null } as const;

/** Characters that start a formula in Excel/LibreOffice (OWASP "CSV injection"): our export escapes them with `'`. */
export const FORMULA_START = /^[=+\-@\t\r]/;

/** Undoes the export's formula escape: `'=…`, `'+…`, `'-…`, `'@…` (and tab/CR) lose the apostrophe. */
export function unescapeFormula(text: string): string {
  return text.length > 1 && text.startsWith("'") && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text;
}

/** A number written with an exponent, as Excel writes large numbers into a CSV (`3,01E+09`, `4.9151E+12`). */
const SCIENTIFIC = /^[+-]?\d+(?:[.,]\d+)?e[+-]?\d+$/i;

/** The text of a cell (trimmed; the export's formula escape undone), or '' for an empty cell. */
export function cellText(cell: SheetCell | null | undefined): string {
  if (!cell) return '';
  switch (cell.type) {
    case 'text':
      return unescapeFormula(cell.text.trim());
    case 'number':
      return cell.raw;
    case 'date':
      return cell.value.toISOString().slice(0, 10);
    case 'boolean':
      return cell.value ? 'ja' : 'nein';
  }
}

/** A text field: trimmed, at most `maxLength` characters. */
export function readText(cell: SheetCell | null | undefined, maxLength?: number): CellResult<string> {
  const text = cellText(cell);
  if (text === '') return EMPTY;
  if (maxLength !== undefined && text.length > maxLength)
    return fail(
      'too-long',
      msg('"{0}" has {1} characters; at most {2} are allowed. Shorten it.'),
      text,
      text.length,
      maxLength,
    );
  return { ok: true, value: text };
}

/**
 * A German number (`1.234,56`, `-3,5`, `1234.5` when unambiguous) → number, or undefined. Thousands separators
 * must be in groups of three; a single `.` with other than three digits after it is read as a decimal point.
 */
export function parseGermanNumber(text: string): number | undefined {
  const t = text.trim().replace(/\s|\u00a0/g, '');
  if (/^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$/.test(t)) return Number(t.replace(/\./g, '').replace(',', '.'));
  if (/^[+-]?\d+,\d+$/.test(t)) return Number(t.replace(',', '.'));
  if (/^[+-]?\d+(?:\.\d+)?$/.test(t)) return Number(t);
  return undefined;
}

/** A natural key or reference number (Objektnummer, Personennummer …): a whole number > 0. */
export function readKeyNumber(cell: SheetCell | null | undefined): CellResult<number> {
  if (!cell) return EMPTY;
  if (cell.type === 'number') {
    if (SCIENTIFIC.test(cell.raw)) return lostDigits(cell.raw);
    if (!Number.isSafeInteger(cell.value) || cell.value <= 0) return notWholeNumber(cell.raw);
    return { ok: true, value: cell.value };
  }
  const text = cellText(cell).replace(/\s|\u00a0/g, '');
  if (text === '') return EMPTY;
  if (SCIENTIFIC.test(text)) return lostDigits(text);
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value <= 0) return notWholeNumber(text);
    return { ok: true, value };
  }
  // "1.001" (thousands separator) or "1001,00": Excel formatted the column as a number
  const german = parseGermanNumber(text);
  if (german !== undefined && Number.isSafeInteger(german) && german > 0)
    return {
      ok: true,
      value: german,
      reconstructed: {
        stored: text,
        message: note(
          'number-format',
          msg('"{0}" was written with a number format (thousands separator or decimals) and was read as {1}.'),
          text,
          german,
        ),
      },
    };
  return notWholeNumber(text);
}

function notWholeNumber(text: string): { ok: false; message: ImportMessage } {
  return fail(
    'not-a-number',
    msg('"{0}" is not a whole number greater than 0. Give the number without letters.'),
    text,
  );
}

function lostDigits(text: string): { ok: false; message: ImportMessage } {
  return fail(
    'scientific-notation',
    msg(
      '"{0}" was saved by Excel in scientific notation; its digits are lost. Format the column as Text in Excel (or import the .xlsx file) and export again.',
    ),
    text,
  );
}

/**
 * A German postal code (PLZ): kept as text. A 4-digit value (Excel stored `01067` as the number 1067, or wrote it
 * so into a CSV) gets its leading 0 back and is reported; other values (foreign codes) are kept as written.
 */
export function readZip(cell: SheetCell | null | undefined): CellResult<string> {
  if (!cell) return EMPTY;
  const text = cell.type === 'number' ? cell.raw : cellText(cell);
  if (text === '') return EMPTY;
  if (SCIENTIFIC.test(text)) return lostDigits(text);
  if (/^\d{4}$/.test(text))
    return {
      ok: true,
      value: `0${text}`,
      reconstructed: {
        stored: text,
        message: note(
          'zip-leading-zero',
          msg('The PLZ {0} has 4 digits: Excel dropped the leading zero; read as {1}.'),
          text,
          `0${text}`,
        ),
      },
    };
  if (text.length > 10)
    return fail(
      'too-long',
      msg('"{0}" has {1} characters; at most {2} are allowed. Shorten it.'),
      text,
      text.length,
      10,
    );
  return { ok: true, value: text };
}

/** A phone number as read from a cell: the text kept (`raw`) and whether the CTI index can use it. */
export interface PhoneCell {
  /** the number as written (or as reconstructed), 1–40 characters: stored in `phone_numbers.raw` */
  readonly raw: string;
  /** E.164 when the number can be read (it is then indexed for the caller lookup); undefined otherwise */
  readonly e164: string | undefined;
}

/** Digits Excel stored as a number → the number as written: the leading `0` (or `00` before 49…) back. */
function phoneFromDigits(digits: string, areaCode: string | undefined): string | undefined {
  const candidate = digits.startsWith('49') && digits.length >= 11 ? `00${digits}` : `0${digits}`;
  const read = normalizePhoneNumber(candidate, { areaCode });
  return read.kind === 'number' ? candidate : undefined;
}

/**
 * A phone number (issue 22: phone numbers that cannot be read are imported as text, flagged and not indexed).
 * Numbers Excel stored as numbers get their leading zero back when the result is a valid German number
 * (`301234567` → `0301234567`; `4930123456` → `004930123456`); digit strings of 9 or more digits without a leading
 * 0 in a CSV are treated the same (Excel wrote the number cell so). Normalisation: src/core/cti/phoneNumber.ts.
 * @param areaCode the store's own area code (Ortsvorwahl), for numbers written without one
 */
export function readPhone(cell: SheetCell | null | undefined, areaCode?: string): CellResult<PhoneCell> {
  if (!cell) return EMPTY;
  let text = cell.type === 'number' ? cell.raw : cellText(cell);
  if (text === '') return EMPTY;
  if (SCIENTIFIC.test(text.replace(/\s/g, ''))) return lostDigits(text);
  let reconstructed: { stored: string; message: ImportMessage } | undefined;
  const fromNumber = cell.type === 'number';
  if ((fromNumber && /^\d+$/.test(text)) || (!fromNumber && /^[1-9]\d{8,}$/.test(text))) {
    const rebuilt = phoneFromDigits(text, areaCode);
    if (rebuilt) {
      reconstructed = {
        stored: text,
        message: note(
          'phone-leading-zero',
          msg('The phone number {0} was stored as a number, which dropped its leading zero; read as {1}.'),
          text,
          rebuilt,
        ),
      };
      text = rebuilt;
    }
  }
  if (text.length > 40)
    return fail(
      'phone-too-long',
      msg('The phone number "{0}" has {1} characters; at most 40 are allowed. Put notes into another column.'),
      text,
      text.length,
    );
  const read = normalizePhoneNumber(text, { areaCode });
  if (read.kind === 'number') return { ok: true, value: { raw: text, e164: read.e164 }, reconstructed };
  const reason =
    read.kind === 'invalid'
      ? note(read.reason, read.reason, ...read.args)
      : note('phone-not-number', msg('"{0}" is not a phone number that can be called.'), text);
  return {
    ok: true,
    value: { raw: text, e164: undefined },
    reconstructed,
    warning: {
      ...note(
        'phone-unreadable',
        msg('The phone number "{0}" is imported as text and not found by the caller lookup. Why:'),
        text,
      ),
      detail: reason,
    },
  };
}

/** An e-mail address: one `@`, no spaces (the mail server decides the rest). */
export function readEmail(cell: SheetCell | null | undefined): CellResult<string> {
  const text = cellText(cell);
  if (text === '') return EMPTY;
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text))
    return fail('email', msg('"{0}" is not an e-mail address (name@domain.de).'), text);
  if (text.length > 254)
    return fail(
      'too-long',
      msg('"{0}" has {1} characters; at most {2} are allowed. Shorten it.'),
      text,
      text.length,
      254,
    );
  return { ok: true, value: text };
}

/** An iX-Haus login: 1–8 characters, no spaces (domain.md §2.1). */
export function readLogin(cell: SheetCell | null | undefined): CellResult<string> {
  const text = cellText(cell);
  if (text === '') return EMPTY;
  if (/\s/.test(text) || text.length > 8)
    return fail('login', msg('"{0}" is not an iX-Haus login: a login has 1 to 8 characters and no spaces.'), text);
  return { ok: true, value: text };
}

/** A rights class (Benutzerklasse): one letter A–Z, stored in upper case (domain.md §2.4). */
export function readRightsClass(cell: SheetCell | null | undefined): CellResult<string> {
  const text = cellText(cell);
  if (text === '') return EMPTY;
  if (!/^[A-Za-z]$/.test(text))
    return fail(
      'rights-class',
      msg('"{0}" is not a rights class: give one letter A to Z (S = Fachadministration).'),
      text,
    );
  return { ok: true, value: text.toUpperCase() };
}

const TRUE_WORDS = new Set(['ja', 'j', 'yes', 'y', 'x', '1', 'wahr', 'true', 'aktiv', 'active']);
const FALSE_WORDS = new Set([
  'nein',
  'n',
  'no',
  '0',
  'falsch',
  'false',
  'inaktiv',
  'inactive',
  'deaktiviert',
  'gesperrt',
  '-',
]);

/** A yes/no value: ja/nein, x, 1/0, wahr/falsch, aktiv/inaktiv/deaktiviert/gesperrt, true/false. */
export function readBoolean(cell: SheetCell | null | undefined): CellResult<boolean> {
  if (!cell) return EMPTY;
  if (cell.type === 'boolean') return { ok: true, value: cell.value };
  const text = cellText(cell).toLowerCase();
  if (text === '') return EMPTY;
  if (TRUE_WORDS.has(text)) return { ok: true, value: true };
  if (FALSE_WORDS.has(text)) return { ok: true, value: false };
  return fail('boolean', msg('"{0}" is not a yes/no value: write ja or nein (also x, 1/0, aktiv/inaktiv).'), text);
}

/** Days between Excel's day 0 of the 1900 date system (30.12.1899, counting the phantom 29.02.1900) and 1970-01-01. */
const EXCEL_EPOCH_DAYS = 25569;

interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly ms: number;
}

/** The wall-clock fields of a cell's Date (its UTC fields hold the time as the sheet shows it). */
function wallOf(d: Date, withTime: boolean, withMs: boolean): WallTime {
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: withTime ? d.getUTCHours() : 0,
    minute: withTime ? d.getUTCMinutes() : 0,
    second: withTime ? d.getUTCSeconds() : 0,
    ms: withMs ? d.getUTCMilliseconds() : 0,
  };
}

function validWall(w: WallTime): boolean {
  const check = new Date(Date.UTC(w.year, w.month - 1, w.day));
  return (
    check.getUTCFullYear() === w.year &&
    check.getUTCMonth() === w.month - 1 &&
    check.getUTCDate() === w.day &&
    w.hour < 24 &&
    w.minute < 60 &&
    w.second < 60
  );
}

/** Two-digit years as Excel reads them: 00–29 → 2000–2029, 30–99 → 1930–1999. */
function fullYear(text: string): number {
  const y = Number(text);
  if (text.length === 4) return y;
  return y < 30 ? 2000 + y : 1900 + y;
}

/** Reads a wall-clock date/time from a cell, or a failure/empty. `withTime` allows a time part. */
function readWall(cell: SheetCell | null | undefined, withTime: boolean): CellResult<WallTime> {
  if (!cell) return EMPTY;
  if (cell.type === 'date') {
    const d = cell.value;
    return { ok: true, value: wallOf(d, withTime, withTime) };
  }
  if (cell.type === 'number' && cell.value >= 1 && cell.value < 2958466) {
    // a date serial in a cell without a date format
    const d = new Date(Math.round((cell.value - EXCEL_EPOCH_DAYS) * 86_400_000));
    return {
      ok: true,
      value: wallOf(d, withTime, false),
      reconstructed: {
        stored: cell.raw,
        message: note(
          'date-serial',
          msg('{0} is an Excel date serial number in a cell without a date format; read as {1}.'),
          cell.raw,
          d
            .toISOString()
            .slice(0, withTime ? 19 : 10)
            .replace('T', ' '),
        ),
      },
    };
  }
  const text = cellText(cell);
  if (text === '') return EMPTY;
  const german = /^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?:[ ,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[,.](\d{1,3}))?)?)?$/.exec(
    text,
  );
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/.exec(text);
  let wall: WallTime | undefined;
  if (german)
    wall = {
      year: fullYear(german[3] ?? ''),
      month: Number(german[2]),
      day: Number(german[1]),
      hour: Number(german[4] ?? 0),
      minute: Number(german[5] ?? 0),
      second: Number(german[6] ?? 0),
      ms: Number((german[7] ?? '0').padEnd(3, '0')),
    };
  else if (iso)
    wall = {
      year: Number(iso[1]),
      month: Number(iso[2]),
      day: Number(iso[3]),
      hour: Number(iso[4] ?? 0),
      minute: Number(iso[5] ?? 0),
      second: Number(iso[6] ?? 0),
      ms: Number((iso[7] ?? '0').padEnd(3, '0')),
    };
  const hasTime = (german?.[4] ?? iso?.[4]) !== undefined;
  if (!wall || !validWall(wall) || (hasTime && !withTime))
    return withTime
      ? fail('datetime', msg('"{0}" is not a date: write it as 31.12.2026 or 31.12.2026 14:30.'), text)
      : fail('date', msg('"{0}" is not a date: write it as 31.12.2026.'), text);
  return { ok: true, value: wall };
}

/** A calendar date → `YYYY-MM-DD`. Accepts `31.12.2026`, `31.12.26`, `2026-12-31`, Excel date cells and serials. */
export function readDate(cell: SheetCell | null | undefined): CellResult<string> {
  const wall = readWall(cell, false);
  if (!wall.ok || wall.value === null) return wall.ok ? EMPTY : wall;
  const w = wall.value;
  const text = `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
  return { ok: true, value: text, reconstructed: wall.reconstructed };
}

/**
 * A date with optional time in German local time (Europe/Berlin) → ISO-8601 UTC with milliseconds
 * (`31.12.2026 14:30` → `2026-12-31T13:30:00.000Z`). A value with an explicit zone (`…Z`, `+01:00`) is taken as is.
 */
export function readDateTime(cell: SheetCell | null | undefined): CellResult<string> {
  if (cell && (cell.type === 'text' || cell.type === 'number')) {
    const text = cellText(cell);
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
      const instant = new Date(text);
      if (!Number.isNaN(instant.getTime())) return { ok: true, value: instant.toISOString() };
    }
  }
  const wall = readWall(cell, true);
  if (!wall.ok || wall.value === null) return wall.ok ? EMPTY : wall;
  const w = wall.value;
  const instant = zonedInstant(w.year, w.month, w.day, w.hour, w.minute, w.second);
  return { ok: true, value: new Date(instant.getTime() + w.ms).toISOString(), reconstructed: wall.reconstructed };
}
