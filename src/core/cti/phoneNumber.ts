/**
 * Phone number normalisation for CTI (cti-protocols.md "Number matching rules", product.md §7, field cases C20,
 * C22). Every stored number and every caller number goes through {@link normalizePhoneNumber}, so both sides of a
 * lookup are compared in one form: E.164 (`+4930123456`) and its last 8 digits.
 *
 * Numbers are never handed to libphonenumber-js raw (C20): formatting, `(0)` after a country code, `00`,
 * extensions and a trailing `#` are handled here first; the library only validates and canonicalises.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { IxError, msg } from '../errors';

/** The default region of all numbers without a country code (cti-protocols.md). */
export const DEFAULT_REGION = 'DE';
/** Country calling code of {@link DEFAULT_REGION}. */
export const OWN_COUNTRY_CODE = '49';
/** How many trailing digits the fallback match compares (cti-protocols.md: last 8 digits). */
export const SUFFIX_DIGITS = 8;

/** Options of {@link normalizePhoneNumber}. */
export interface NormalizeOptions {
  /**
   * Own area code (Ortsvorwahl) with or without the leading 0, e.g. `030` or `30`; prefixed to a local number
   * (no leading `0`/`+`, at most 8 digits, C22). Undefined/empty: such numbers cannot be normalised.
   */
  readonly areaCode?: string;
}

/** Outcome of {@link normalizePhoneNumber}. */
export type NormalizedPhone =
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
      /** a service code dialled in front (`*31#` CLIR, `#31#` CLIP, `*111#` line choice; AVM/ETSI MMI), kept for dialling */
      readonly serviceCode?: string;
    }
  | { readonly kind: 'suppressed' }
  /** a Fritz!Box internal number (`**1`, `**9`, `**610`; AVM: `**` + 1–3 digits), never given an area code */
  | { readonly kind: 'internal'; readonly digits: string; readonly dial: string }
  /**
   * a special short number of the German numbering plan (Bundesnetzagentur): 110/112 emergency, 115 authorities,
   * 116xyz harmonised European services (EU decision 2007/116/EC), 118xy(z) directory enquiries; never given an
   * area code, dialled as it is
   */
  | { readonly kind: 'special'; readonly digits: string; readonly service: SpecialService }
  | {
      readonly kind: 'invalid';
      /** English reason template (msg) — what is wrong and what to do */
      readonly reason: string;
      readonly args: readonly string[];
    };

/** The service of a special short number. */
export type SpecialService = 'emergency' | 'authorities' | 'social' | 'directory';

/** The German special short numbers (Bundesnetzagentur numbering plan; EU decision 2007/116/EC for 116xyz). */
const SPECIAL_NUMBERS: ReadonlyArray<readonly [RegExp, SpecialService]> = [
  [/^11[02]$/, 'emergency'],
  [/^115$/, 'authorities'],
  [/^116\d{3}$/, 'social'],
  [/^118\d{2,3}$/, 'directory'],
];

/** The service of a special short number (`116117` → social), or undefined. Digits only. */
export function specialService(digits: string): SpecialService | undefined {
  return SPECIAL_NUMBERS.find(([pattern]) => pattern.test(digits))?.[1];
}

/**
 * Words and abbreviations that mark an extension in German office practice and DIN 5008 (`Durchwahl`, `Dw.`,
 * `Durchw.`, `App.`, `Apparat`, `Nebenstelle`, `Nebenst.`, `NSt.`) and the English ones (`ext.`, `extension`,
 * `x`); each may carry a dot and a colon.
 */
const EXTENSION_WORDS = [
  'durchwahl',
  'durchw',
  'dw',
  'apparat',
  'app',
  'nebenstelle',
  'nebenst',
  'nst',
  'extension',
  'ext',
  'x',
];
const EXTENSION_MARKER = new RegExp(
  `^(.*?)[\\s,;]*(?:[-–]\\s*)?\\(?\\s*(?:${EXTENSION_WORDS.join('|')})\\.?\\s*:?\\s*(\\d{1,6})\\s*\\)?\\s*$`,
  'i',
);
/** A label written before a number in a record (`Tel.:`, `Telefon`, `Fon`, `Mobil`, `Handy`, `Fax`, `Zentrale`). */
const LEADING_LABEL = /^(?:tel(?:efon)?|fon|phone|mobil|handy|fax|zentrale)\.?\s*:?\s*(?=[+\d(*#])/i;
/**
 * Service codes dialled before a number (ETSI/3GPP MMI style as AVM documents them for the Fritz!Box: `*31#`
 * suppress the own number for this call, `#31#` show it, `*111#`/`*121#` choose the line or Internet number):
 * `*` or `#` (one or two), 1–4 digits, `#`, before the number itself.
 */
const SERVICE_CODE = /^((?:[*#]{1,2}\d{1,4}#)+)\s*(?=[+\d(])/;
/** A Fritz!Box internal number: `**` and 1–3 digits (AVM: `**1`–`**4` analogue, `**9` all, `**610`… DECT). */
const FRITZ_INTERNAL = /^\*\*(\d{1,3})$/;

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
export function isSuppressedCallerId(value: string | undefined | null): boolean {
  return value === undefined || value === null || SUPPRESSED.has(value.trim().toLowerCase());
}

/** An invalid area code passed in the options or configuration. */
export class AreaCodeError extends IxError {
  constructor(value: string) {
    super(
      'E_CTI_AREA_CODE',
      msg(
        'The own area code "{0}" is not valid: give the German area code (Ortsvorwahl) as 2 to 5 digits, e.g. 030 or 0221.',
      ),
      [value],
    );
  }
}

/**
 * Checks and canonicalises an own area code: returns it without the leading 0 (`030` → `30`); empty/undefined →
 * undefined. Throws {@link AreaCodeError} for anything but 2–5 digits (with optional leading 0).
 */
export function canonicalAreaCode(value: string | undefined): string | undefined {
  const trimmed = (value ?? '').replace(/[\s/()-]/g, '');
  if (trimmed === '') return undefined;
  const match = /^0?([1-9]\d{1,4})$/.exec(trimmed);
  if (!match?.[1]) throw new AreaCodeError(value ?? '');
  return match[1];
}

/** Splits off an extension written apart from the number. Returns [number part, extension digits | undefined]. */
function splitExtension(text: string): [string, string | undefined] {
  // explicit markers: "ext. 12", "x12", "Durchwahl 12", "Dw. 12", "App. 12", "(Nebenstelle 12)", "-Dw. 12"
  const marked = EXTENSION_MARKER.exec(text);
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

function invalid(reason: string, ...args: string[]): NormalizedPhone {
  return { kind: 'invalid', reason, args };
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

/** Normalises and adds the service code dialled in front, if any. */
function withServiceCode(result: NormalizedPhone, serviceCode: string | undefined): NormalizedPhone {
  return serviceCode && result.kind === 'number' ? { ...result, serviceCode } : result;
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
export function normalizePhoneNumber(input: string, options: NormalizeOptions = {}): NormalizedPhone {
  // the same text is read twice in an import (the reader checks it, the index writer indexes it): remember results
  const key = `${canonicalAreaCode(options.areaCode) ?? ''}\u0000${input}`;
  const known = recent.get(key);
  if (known) return known;
  const result = normalizeOnce(input, options);
  if (recent.size >= RECENT_LIMIT) recent.clear();
  recent.set(key, result);
  return result;
}

/**
 * Results of {@link normalizePhoneNumber} by area code and text (immutable values: the type is readonly). Bounded:
 * cleared when full — about 250 bytes an entry, so at most ~50 MB while a 100,000-person import runs, and next to
 * nothing for CTI's lookups of a day.
 */
const recent = new Map<string, NormalizedPhone>();
const RECENT_LIMIT = 200_000;

/** Forgets the remembered results of {@link normalizePhoneNumber} (benches that measure a cold import use it). */
export function forgetNormalizedPhoneNumbers(): void {
  recent.clear();
}

function normalizeOnce(input: string, options: NormalizeOptions): NormalizedPhone {
  if (isSuppressedCallerId(input)) return { kind: 'suppressed' };
  const area = canonicalAreaCode(options.areaCode);
  let text = input.trim().replace(LEADING_LABEL, '');
  const internal = FRITZ_INTERNAL.exec(text.replace(/#$/, ''));
  if (internal?.[1]) return { kind: 'internal', digits: internal[1], dial: `**${internal[1]}` };
  const service = SERVICE_CODE.exec(text);
  if (service?.[1]) {
    const rest = normalizeOnce(text.slice(service[0].length), options);
    if (rest.kind === 'invalid') return invalid(rest.reason, input, ...rest.args.slice(1));
    return withServiceCode(rest, service[1]);
  }
  if (/^(sips?|tel):/i.test(text)) text = text.replace(/^(sips?|tel):/i, '');
  if (text.includes('@')) {
    const user = text.slice(0, text.indexOf('@'));
    if (!/^(\+|0)[\d\s]+$/.test(user)) return invalid(msg('"{0}" is an address, not a phone number.'), input);
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
  if (body === '') return invalid(msg('"{0}" contains no digits.'), input);
  if (!/^\+?\d+$/.test(body))
    return invalid(msg('"{0}" contains characters that are not part of a phone number.'), input);
  const bareCountryCode = /^\(?49/.test(numberPart.replace(/\s/g, '')) && numberPart.includes('(0)');
  const special = extension === undefined ? specialService(body) : undefined;
  if (special) return { kind: 'special', digits: body, service: special };
  if (body.startsWith('00')) body = `+${body.slice(2)}`;

  if (body.startsWith('+')) {
    const e164 = canonicalE164(body);
    return e164
      ? numberResult(e164, extension, 'international')
      : invalid(msg('"{0}" is not a valid international number.'), input);
  }
  if (body.startsWith('0')) {
    const e164 = canonicalE164(`+${OWN_COUNTRY_CODE}${body.slice(1)}`);
    return e164
      ? numberResult(e164, extension, 'national')
      : invalid(msg('"{0}" is not a valid German number.'), input);
  }
  // digits without 0 or +: either "49…" with the country code but no "+" (C20), or a local number (C22)
  if (body.startsWith(OWN_COUNTRY_CODE) && (body.length >= 10 || bareCountryCode)) {
    const asCountry = canonicalE164(`+${body}`, true);
    const asArea = canonicalE164(`+${OWN_COUNTRY_CODE}${body}`, true);
    if (asCountry) return numberResult(asCountry, extension, 'bare-country-code', asArea ? [asArea] : []);
    if (asArea) return numberResult(asArea, extension, 'national');
  }
  if (body.length <= 8) {
    if (!area)
      return invalid(
        msg(
          '"{0}" has no area code and no own area code is configured: set the own area code (Ortsvorwahl), e.g. 030.',
        ),
        input,
      );
    const e164 = canonicalE164(`+${OWN_COUNTRY_CODE}${area}${body}`);
    return e164
      ? numberResult(e164, extension, 'local')
      : invalid(msg('"{0}" is not a valid local number in area code 0{1}.'), input, area);
  }
  // a longer number missing its leading 0 ("30 1234567" written without the trunk prefix)
  const national = canonicalE164(`+${OWN_COUNTRY_CODE}${body}`);
  return national
    ? numberResult(national, extension, 'national')
    : invalid(msg('"{0}" is not a valid German number.'), input);
}

/**
 * True when a caller id is an internal extension: at most `maxDigits` digits after stripping formatting and the
 * Fritz!Box `**` prefix (setting `PlusGlobalCTIreactionNummernlaenge`, product.md §4).
 */
export function isInternalNumber(value: string, maxDigits: number): boolean {
  if (FRITZ_INTERNAL.test(value.trim())) return true; // `**610` is internal on a Fritz!Box whatever its length
  const stripped = value
    .trim()
    .replace(/^\*\*/, '')
    .replace(/[\s\-/]/g, '');
  return /^\d+$/.test(stripped) && stripped.length <= maxDigits;
}

/** The extension digits of an internal caller id (`**610` → `610`). */
export function internalDigits(value: string): string {
  return value
    .trim()
    .replace(/^\*\*/, '')
    .replace(/[\s\-/]/g, '');
}

/**
 * The string a German PBX expects when dialling `number` (cti-protocols.md "Dialing"): internal (≤ `maxInternal`
 * digits) as is; otherwise the outside-line prefix + national form (`0301234567`) for German numbers, or
 * prefix + `00` + country code for others. Throws {@link IxError} `E_CTI_DIAL_NUMBER` if it is no number.
 */
export function dialString(
  number: string,
  options: { maxInternal: number; outsidePrefix: string; areaCode?: string },
): string {
  const trimmed = number.trim();
  // a Fritz!Box internal number keeps its ** (without it the box would dial out)
  if (FRITZ_INTERNAL.test(trimmed)) return trimmed;
  // special short numbers go out as they are, before the internal-length rule: 110/112 are never extensions
  const digits = trimmed.replace(/[\s/.-]/g, '');
  if (specialService(digits)) return `${options.outsidePrefix}${digits}`;
  if (isInternalNumber(number, options.maxInternal)) return internalDigits(number);
  const normalized = normalizePhoneNumber(number, { areaCode: options.areaCode });
  if (normalized.kind === 'internal') return normalized.dial;
  if (normalized.kind === 'special') return `${options.outsidePrefix}${normalized.digits}`;
  if (normalized.kind !== 'number') {
    throw new IxError(
      'E_CTI_DIAL_NUMBER',
      msg('Cannot dial "{0}": it is not a valid phone number. Correct the number in the record.'),
      [number],
    );
  }
  const prefix = options.outsidePrefix;
  const e164 = normalized.e164;
  const full = normalized.extension ? `${e164}${normalized.extension}` : e164;
  // a service code (`*31#`) goes first, before the outside-line prefix, as on the phone's keypad
  const code = normalized.serviceCode ?? '';
  if (e164.startsWith(`+${OWN_COUNTRY_CODE}`)) return `${code}${prefix}0${full.slice(1 + OWN_COUNTRY_CODE.length)}`;
  return `${code}${prefix}00${full.slice(1)}`;
}

/** Masks a number for logs at info level: all but the last 3 digits (DESIGN.md §3 "Logging"). */
export function maskNumber(value: string): string {
  if (value.length <= 3) return value;
  return `${value.slice(0, value.startsWith('+') ? 1 : 0).padEnd(0)}${'•'.repeat(Math.max(0, value.length - 3 - (value.startsWith('+') ? 1 : 0)))}${value.slice(-3)}`;
}
