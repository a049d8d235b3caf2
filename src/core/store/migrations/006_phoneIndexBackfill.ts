/**
 * The phone number normaliser **as shipped with schema version 6**, frozen for the backfill of that migration
 * (issue 18 §6): a migration that has shipped must give the same result forever, so it must not follow later
 * changes of src/core/cti/phoneNumber.ts. Do not edit; when the normaliser changes in a way that needs the index
 * rebuilt, add a new migration with its own frozen copy. Only what the backfill needs is kept (invalid reasons are
 * dropped: the backfill skips invalid numbers). libphonenumber-js is the one part that is not frozen (its metadata
 * follows the dependency).
 */
import type { Database } from 'sql.js';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** The default region of all numbers without a country code (cti-protocols.md). */
const DEFAULT_REGION = 'DE';
/** Country calling code of {@link DEFAULT_REGION}. */
const OWN_COUNTRY_CODE = '49';
/** How many trailing digits the fallback match compares (cti-protocols.md: last 8 digits). */
const SUFFIX_DIGITS = 8;

/** Options of {@link normalizePhoneNumber}. */
interface NormalizeOptions {
  /**
   * Own area code (Ortsvorwahl) with or without the leading 0, e.g. `030` or `30`; prefixed to a local number
   * (no leading `0`/`+`, at most 8 digits, C22). Undefined/empty: such numbers cannot be normalised.
   */
  readonly areaCode?: string;
}

/** Outcome of {@link normalizePhoneNumber}. */
type NormalizedPhone =
  | {
      readonly kind: 'number';
      /** the number in E.164, e.g. `+4930123456` */
      readonly e164: string;
      /** the last {@link SUFFIX_DIGITS} digits of `e164` (fewer if the number is shorter) */
      readonly last8: string;
      /** an extension (Durchwahl) written apart from the number (`-12`, `ext. 12`, `App. 12`), digits only */
      readonly extension: string | undefined;
      /**
       * Other plausible E.164 readings the lookup also tries (C20: `4930…` may be `+49 30…` or area code 0493…);
       * empty when unambiguous.
       */
      readonly alternatives: readonly string[];
      /** how the number was read: international (`+`/`00`), national (leading 0), local (own area code added), bare-49 (C20) */
      readonly reading: 'international' | 'national' | 'local' | 'bare-country-code';
    }
  | { readonly kind: 'suppressed' }
  | { readonly kind: 'invalid' };

/** Caller-id values that mean "number withheld" (C22, C25). Compared case-insensitively after trimming. */
const SUPPRESSED = new Set([
  '',
  'anonymous',
  'unknown',
  '<unknown>',
  'restricted',
  'private',
  'unavailable',
  'withheld',
  'clir',
  'unbekannt',
  'unterdrückt',
]);

/** True when a caller id means "Rufnummer unterdrückt" (empty, `anonymous`, `<unknown>` …; C22, C25). */
function isSuppressedCallerId(value: string | undefined | null): boolean {
  return value === undefined || value === null || SUPPRESSED.has(value.trim().toLowerCase());
}

/**
 * Checks and canonicalises an own area code: returns it without the leading 0 (`030` → `30`); empty/undefined →
 * undefined. Throws {@link AreaCodeError} for anything but 2–5 digits (with optional leading 0).
 */
function canonicalAreaCode(value: string | undefined): string | undefined {
  const trimmed = (value ?? '').replace(/[\s/()-]/g, '');
  if (trimmed === '') return undefined;
  const match = /^0?([1-9]\d{1,4})$/.exec(trimmed);
  if (!match?.[1]) throw new Error(`invalid own area code ${value ?? ''}`);
  return match[1];
}

/** Splits off an extension written apart from the number. Returns [number part, extension digits | undefined]. */
function splitExtension(text: string): [string, string | undefined] {
  // explicit markers: "ext. 12", "x12", "Durchwahl 12", "DW 12", "App. 12", "Apparat 12", "Nebenstelle 12"
  const marked = /^(.*?)[\s,;]*(?:ext\.?|x|durchwahl|dw|app\.?|apparat|nebenstelle|nst\.?)\s*:?\s*(\d{1,6})\s*$/i.exec(
    text,
  );
  if (marked?.[1] && /\d/.test(marked[1])) return [marked[1], marked[2]];
  // "030 123456-12" / "+49 30 123456-12": a trailing -digits after a number whose area code is already set apart
  const hyphen = /^(.*\d)\s*-\s*(\d{1,5})$/.exec(text.trim());
  if (hyphen?.[1] && hyphen[2]) {
    const head = hyphen[1];
    const groupsSeparated = /\d[\s/]+\(?\d/.test(head) || /\)\s*\d/.test(head);
    if (groupsSeparated && !head.includes('-')) return [head, hyphen[2]];
  }
  return [text, undefined];
}

function lastDigits(e164: string): string {
  return e164.slice(-SUFFIX_DIGITS);
}

/**
 * Checks `+digits` with libphonenumber-js; returns the canonical E.164 or undefined. Strict = a valid number by
 * the full metadata; lenient = a possible one by length (a stored number the plan does not know yet, e.g. a
 * 0152 number one digit short, is still found when exactly that number calls).
 */
function canonicalE164(candidate: string, strict = false): string | undefined {
  const parsed = parsePhoneNumberFromString(candidate, DEFAULT_REGION);
  if (!parsed) return undefined;
  if (!(parsed.isValid() || (!strict && parsed.isPossible()))) return undefined;
  return parsed.number;
}

function invalid(): NormalizedPhone {
  return { kind: 'invalid' };
}

function numberResult(
  e164: string,
  extension: string | undefined,
  reading: 'international' | 'national' | 'local' | 'bare-country-code',
  alternatives: string[] = [],
): NormalizedPhone {
  return {
    kind: 'number',
    e164,
    last8: lastDigits(e164),
    extension,
    alternatives: alternatives.filter((a) => a !== e164),
    reading,
  };
}

/**
 * Normalises one phone number as written by a person or delivered by a PBX (cti-protocols.md "Number matching
 * rules"; C20, C22). Rules, in order:
 * 1. empty / `anonymous` / `<unknown>` … → `suppressed`; anything with letters besides an extension marker or a
 *    SIP URI (`500@host`) → `invalid` (never thrown: ERP data may hold anything, C22);
 * 2. an extension (`-12` after a separated area code, `ext. 12`, `App. 12`) is split off; a trailing `#` dropped;
 * 3. `(0)` after a country code dropped; spaces, `/`, `-`, `.`, brackets stripped; `00` → `+`;
 * 4. `+…` → international; leading `0` → national DE; a leading bare `49` on a number of ≥ 10 digits → `+49…`
 *    with the area-code-049x reading as an alternative (C20); other digit strings of ≤ 8 digits → local, the own
 *    area code prefixed (C22).
 * Never throws for bad input; {@link canonicalAreaCode} throws for a bad `options.areaCode`.
 */
function normalizePhoneNumber(input: string, options: NormalizeOptions = {}): NormalizedPhone {
  if (isSuppressedCallerId(input)) return { kind: 'suppressed' };
  const area = canonicalAreaCode(options.areaCode);
  let text = input.trim();
  if (/^(sips?|tel):/i.test(text)) text = text.replace(/^(sips?|tel):/i, '');
  if (text.includes('@')) {
    const user = text.slice(0, text.indexOf('@'));
    if (!/^(\+|0)[\d\s]+$/.test(user)) return invalid();
    text = user;
  }
  text = text.replace(/#+$/, '').trim();
  const [numberPart, extension] = splitExtension(text);
  let body = numberPart.trim();
  // "(0)" after a country code: "+49 (0)30 …", "0049(0)30…", "49(0)345…" (C20)
  body = body.replace(
    /^(\+|00)?(\s*\d{1,3}\s*)\(0\)/,
    (_whole, plus: string | undefined, cc: string) => `${plus ?? ''}${cc}`,
  );
  body = body.replace(/[\s/.\-()\u00a0]/g, '');
  if (body === '') return invalid();
  if (!/^\+?\d+$/.test(body)) return invalid();
  const bareCountryCode = /^\(?49/.test(numberPart.replace(/\s/g, '')) && numberPart.includes('(0)');
  if (body.startsWith('00')) body = `+${body.slice(2)}`;

  if (body.startsWith('+')) {
    const e164 = canonicalE164(body);
    return e164 ? numberResult(e164, extension, 'international') : invalid();
  }
  if (body.startsWith('0')) {
    const e164 = canonicalE164(`+${OWN_COUNTRY_CODE}${body.slice(1)}`);
    return e164 ? numberResult(e164, extension, 'national') : invalid();
  }
  // digits without 0 or +: either "49…" with the country code but no "+" (C20), or a local number (C22)
  if (body.startsWith(OWN_COUNTRY_CODE) && (body.length >= 10 || bareCountryCode)) {
    const asCountry = canonicalE164(`+${body}`, true);
    const asArea = canonicalE164(`+${OWN_COUNTRY_CODE}${body}`, true);
    if (asCountry) return numberResult(asCountry, extension, 'bare-country-code', asArea ? [asArea] : []);
    if (asArea) return numberResult(asArea, extension, 'national');
  }
  if (body.length <= 8) {
    if (!area) return invalid();
    const e164 = canonicalE164(`+${OWN_COUNTRY_CODE}${area}${body}`);
    return e164 ? numberResult(e164, extension, 'local') : invalid();
  }
  // a longer number missing its leading 0 ("30 1234567" written without the trunk prefix)
  const national = canonicalE164(`+${OWN_COUNTRY_CODE}${body}`);
  return national ? numberResult(national, extension, 'national') : invalid();
}

/** The index rows of one stored number, as src/core/cti/phoneIndex.ts wrote them at schema version 6. */
function indexRowsV6(
  raw: string,
  areaCode: string | undefined,
): Array<{ variant: string; e164: string; last8: string; extension: string | null }> {
  const n = normalizePhoneNumber(raw, { areaCode });
  if (n.kind !== 'number') return [];
  const rows = [{ variant: 'main', e164: n.e164, last8: n.last8, extension: n.extension ?? null }];
  if (n.extension) {
    const direct = `${n.e164}${n.extension}`;
    rows.push({ variant: 'direct', e164: direct, last8: direct.slice(-SUFFIX_DIGITS), extension: n.extension });
  }
  for (const alt of n.alternatives)
    rows.push({ variant: 'alt', e164: alt, last8: alt.slice(-SUFFIX_DIGITS), extension: n.extension ?? null });
  return rows;
}

/** Fills `phone_index` for every existing `phone_numbers` row (schema version 6; own area code from `meta`). */
export function backfillPhoneIndexV6(db: Database): void {
  const areaRows = db.exec("SELECT value FROM meta WHERE key = 'cti.areaCode'");
  const area = areaRows[0]?.values[0]?.[0];
  const areaCode = typeof area === 'string' && area !== '' ? area : undefined;
  const select = db.prepare('SELECT id, raw FROM phone_numbers');
  const insert = db.prepare(
    'INSERT OR IGNORE INTO phone_index (phone_id, variant, e164, last8, extension) VALUES (?, ?, ?, ?, ?)',
  );
  try {
    while (select.step()) {
      const [id, raw] = select.get() as [number, string];
      for (const r of indexRowsV6(raw, areaCode)) insert.run([id, r.variant, r.e164, r.last8, r.extension]);
    }
  } finally {
    select.free();
    insert.free();
  }
}
