import { formatTemplate, msg } from '../errors';
import rawCatalog from './catalog.json';

/** Value type of a setting (domain.md §1.1: values are booleans, integers, text and enumerations). */
export type SettingType =
  | { readonly kind: 'bool' }
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  | { readonly kind: 'string'; readonly pattern: string; readonly maxLength: number }
  | { readonly kind: 'enum'; readonly values: readonly string[] };

/** Text in German and English. */
export interface Bilingual {
  readonly de: string;
  readonly en: string;
}

/**
 * One entry of the settings catalogue ("Systemeinstellungen Datenbank", domain.md §1, product.md §4). Values are
 * kept as text: bool as "1"/"0" (aktiv / nicht aktiv), int as decimal digits.
 */
export interface SettingDefinition {
  /** unique, mirrors the categorisation: 1.<area>.<section>.<n> */
  readonly systemId: string;
  /** Bereich */
  readonly area: string;
  /** Abschnitt */
  readonly section: string;
  /** the key, unique within its section (exact iX-Haus spelling) */
  readonly name: string;
  readonly type: SettingType;
  /** built-in default ("Standardwert"), as text */
  readonly default: string;
  /** Kurzbeschreibung */
  readonly short: Bilingual;
  /** Beschreibung */
  readonly long: Bilingual;
  /** the program must be restarted for a change to take effect */
  readonly restartRequired: boolean;
  /** password-protected: only CREM changes it; read-only here */
  readonly vendorOnly: boolean;
  /** global = one value for all; user = each user's own value (Benutzereinstellungen) */
  readonly scope: 'global' | 'user';
}

/** Why a value was refused: an English template (l10n key) with its arguments, and the filled-in text. */
export interface ValueProblem {
  readonly template: string;
  readonly args: readonly (string | number)[];
  readonly reason: string;
}

function problem(template: string, ...args: (string | number)[]): { ok: false } & ValueProblem {
  return { ok: false, template, args, reason: formatTemplate(template, args) };
}

/**
 * Checks a value against a setting's type (the one validator of the CLI, the core and the input boxes).
 * @returns the normalised value (trimmed; bool as "1"/"0"; int without leading zeros), or the problem
 */
export function checkValue(
  type: SettingType,
  raw: string,
): { ok: true; value: string } | ({ ok: false } & ValueProblem) {
  const text = raw.trim();
  switch (type.kind) {
    case 'bool': {
      const lower = text.toLowerCase();
      if (['1', 'true', 'ja', 'yes', 'aktiv', 'on', 'an'].includes(lower)) return { ok: true, value: '1' };
      if (['0', 'false', 'nein', 'no', 'nicht aktiv', 'inaktiv', 'off', 'aus'].includes(lower))
        return { ok: true, value: '0' };
      return problem(msg('expected 1 (on) or 0 (off)'));
    }
    case 'int': {
      if (!/^-?\d+$/.test(text)) return problem(msg('expected a whole number from {0} to {1}'), type.min, type.max);
      const n = Number(text);
      if (n < type.min || n > type.max) return problem(msg('{0} is outside {1}–{2}'), n, type.min, type.max);
      return { ok: true, value: String(n) };
    }
    case 'enum': {
      const match = type.values.find((v) => v.toLowerCase() === text.toLowerCase());
      return match === undefined
        ? problem(msg('expected one of: {0}'), type.values.join(', '))
        : { ok: true, value: match };
    }
    case 'string': {
      if (text.length > type.maxLength)
        return problem(msg('at most {0} characters ({1} given)'), type.maxLength, text.length);
      if (!new RegExp(type.pattern, 'u').test(text))
        return problem(msg('does not have the required form ({0})'), type.pattern);
      return { ok: true, value: text };
    }
  }
}

/**
 * Validates the shipped catalogue (run once at load and by the unit tests): unique System-IDs and names per
 * section, defaults valid for their types, both languages present.
 * @throws Error listing every problem
 */
export function validateCatalog(entries: readonly SettingDefinition[]): void {
  const problems: string[] = [];
  const ids = new Set<string>();
  const keys = new Set<string>();
  for (const e of entries) {
    if (!/^1(\.\d+){3}$/.test(e.systemId))
      problems.push(`${e.name}: System-ID ${e.systemId} is not 1.<area>.<section>.<n>`);
    if (ids.has(e.systemId)) problems.push(`duplicate System-ID ${e.systemId}`);
    ids.add(e.systemId);
    const key = `${e.area}\u0000${e.section}\u0000${e.name}`.toLowerCase();
    if (keys.has(key)) problems.push(`duplicate name ${e.area} › ${e.section} › ${e.name}`);
    keys.add(key);
    const check = checkValue(e.type, e.default);
    if (!check.ok || check.value !== e.default)
      problems.push(`${e.name}: default "${e.default}" is not a normalised valid value`);
    for (const text of [e.short.de, e.short.en, e.long.de, e.long.en])
      if (!text || text.trim() === '') problems.push(`${e.name}: a description is empty`);
  }
  if (problems.length > 0) throw new Error(`settings catalogue invalid:\n${problems.join('\n')}`);
}

/** The shipped catalogue, validated once. */
export const CATALOG: readonly SettingDefinition[] = (() => {
  const entries = rawCatalog as unknown as SettingDefinition[];
  validateCatalog(entries);
  return entries;
})();

/** Finds a setting by System-ID, by name (case-insensitive, unique across the catalogue) or by "Bereich/Abschnitt/Name". */
export function findSetting(
  key: string,
  catalog: readonly SettingDefinition[] = CATALOG,
): SettingDefinition | undefined {
  const k = key.trim().toLowerCase();
  return (
    catalog.find((e) => e.systemId === key.trim()) ??
    catalog.find((e) => `${e.area}/${e.section}/${e.name}`.toLowerCase() === k) ??
    (() => {
      const byName = catalog.filter((e) => e.name.toLowerCase() === k);
      return byName.length === 1 ? byName[0] : undefined;
    })()
  );
}

/**
 * Folds text for search: lower case, umlauts spelled out (ä → ae, ö → oe, ü → ue, ß → ss) and other accents
 * removed, so that "Zaehler", "zähler" and "ZÄHLER" are the same.
 */
export function foldForSearch(text: string): string {
  return text
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
}

/**
 * A precomputed search index: per entry one folded haystack and the offsets in it where a word starts
 * (see {@link foldWithWordStarts}).
 */
export interface SearchIndex {
  readonly entries: readonly SettingDefinition[];
  readonly haystacks: readonly string[];
  readonly wordStarts: readonly ReadonlySet<number>[];
}

const isUpper = (c: string): boolean => c !== c.toLowerCase() && c === c.toUpperCase();
const isLower = (c: string): boolean => c !== c.toUpperCase() && c === c.toLowerCase();
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isWordChar = (c: string): boolean => isUpper(c) || isLower(c) || isDigit(c);

/**
 * Folds `text` like {@link foldForSearch} and records where words start in the folded text: after a
 * non-letter/digit, at a CamelCase step (`tabreiter|Zaehler`), at the last capital of an acronym before a
 * lower-case letter (`CTI|Kopplung`), and where letters and digits meet (`Caption|1`). Word starts are taken
 * on the original spelling (case is gone after folding) and mapped onto the folded offsets (ä → ae shifts them).
 */
export function foldWithWordStarts(text: string): { folded: string; wordStarts: Set<number> } {
  const chars = Array.from(text);
  let folded = '';
  const wordStarts = new Set<number>();
  chars.forEach((c, i) => {
    const prev = chars[i - 1] ?? '';
    const next = chars[i + 1] ?? '';
    const start =
      isWordChar(c) &&
      (!isWordChar(prev) ||
        (isLower(prev) && isUpper(c)) ||
        (isUpper(prev) && isUpper(c) && isLower(next)) ||
        isDigit(prev) !== isDigit(c));
    if (start) wordStarts.add(folded.length);
    folded += foldForSearch(c);
  });
  return { folded, wordStarts };
}

/**
 * Builds the search index over Bereich, Abschnitt, System-ID, Name and the Kurzbeschreibung in the language the
 * user reads (a hit must show the words searched for).
 */
export function buildSearchIndex(language: 'de' | 'en', catalog: readonly SettingDefinition[] = CATALOG): SearchIndex {
  const folded = catalog.map((e) =>
    foldWithWordStarts([e.area, e.section, e.systemId, e.name, e.short[language]].join('\u0001')),
  );
  return { entries: catalog, haystacks: folded.map((f) => f.folded), wordStarts: folded.map((f) => f.wordStarts) };
}

/** True when `term` occurs in `hay` at one of `starts` (a term may run on across word boundaries). */
function occursAtWordStart(hay: string, starts: ReadonlySet<number>, term: string): boolean {
  for (let at = hay.indexOf(term); at >= 0; at = hay.indexOf(term, at + 1)) {
    if (starts.has(at)) return true;
  }
  return false;
}

/**
 * Full-text search (domain.md §1.1): every whitespace-separated term of `query` must occur (AND), case- and
 * umlaut-insensitive, and each must begin where a word begins — at a word start or a CamelCase step, never
 * inside a word ("CTI" finds PlusGlobal**CTI**KopplungAktiv but not Datenbank-Produ*cti*vsystem; "Kopplung"
 * finds PlusGlobalCTI**Kopplung**Aktiv). An empty query returns everything. Order = catalogue order.
 */
export function searchSettings(index: SearchIndex, query: string): SettingDefinition[] {
  const terms = foldForSearch(query).split(/\s+/).filter(Boolean);
  if (terms.length === 0) return [...index.entries];
  const hits: SettingDefinition[] = [];
  index.haystacks.forEach((hay, i) => {
    const starts = index.wordStarts[i] as ReadonlySet<number>;
    if (terms.every((t) => occursAtWordStart(hay, starts, t))) hits.push(index.entries[i] as SettingDefinition);
  });
  return hits;
}
