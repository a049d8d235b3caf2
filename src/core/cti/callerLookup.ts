/**
 * Caller lookup (product.md §7, cti-protocols.md "Number matching rules", domain.md §5 "Incoming"): internal
 * (≤ N digits, N = `PlusGlobalCTIreactionNummernlaenge`) → users by extension; else normalise (own area code for a
 * local number) → exact E.164 in the index → else the last 8 digits → else unknown. An empty/`anonymous` caller is
 * "Rufnummer unterdrückt" and not looked up. All matches come back with origin and field; the user's pick among
 * several is remembered per number ({@link rememberPick}).
 */
import type { AsyncQueryable } from '../store/asyncStore';
import { IxError, msg, formatTemplate } from '../errors';
import { requireSetting, settingState } from '../settings/settingsService';
import type { PartyOrigin, PhoneField } from './phoneIndex';
import { ownAreaCode } from './phoneIndex';
import type { NormalizedPhone } from './phoneNumber';
import {
  internalDigits,
  isInternalNumber,
  isSuppressedCallerId,
  normalizePhoneNumber,
  SUFFIX_DIGITS,
} from './phoneNumber';

/** The CTI settings of a store (product.md §4), read from the settings catalogue/values. */
export interface CtiSettings {
  /** `PlusGlobalCTIKopplungAktiv` */
  readonly enabled: boolean;
  /** `PlusGlobalCTIReactionAbhebebHoerer`: alert on connect instead of ringing */
  readonly alertOnAnswer: boolean;
  /** `PlusGlobalCTIreactionNummernlaenge`: numbers with at most this many digits are internal */
  readonly internalMaxDigits: number;
  /** `PlusGlobalCTIVorwahlExternAnrufe`: outside-line prefix (digits, may be empty) */
  readonly outsidePrefix: string;
  /** own area code (canonical, without 0), from the store's CTI configuration */
  readonly areaCode: string | undefined;
}

/** Reads the five CTI settings that matter here plus the own area code. */
export async function readCtiSettings(store: AsyncQueryable): Promise<CtiSettings> {
  const names = [
    'PlusGlobalCTIKopplungAktiv',
    'PlusGlobalCTIReactionAbhebebHoerer',
    'PlusGlobalCTIreactionNummernlaenge',
    'PlusGlobalCTIVorwahlExternAnrufe',
  ];
  const values = new Map<string, string>();
  for (const name of names) values.set(name, (await settingState(store, requireSetting(name))).value);
  const value = (name: string): string => values.get(name) ?? '';
  return {
    enabled:
      value('PlusGlobalCTIKopplungAktiv') === '1' || value('PlusGlobalCTIKopplungAktiv').toLowerCase() === 'true',
    alertOnAnswer:
      value('PlusGlobalCTIReactionAbhebebHoerer') === '1' ||
      value('PlusGlobalCTIReactionAbhebebHoerer').toLowerCase() === 'true',
    internalMaxDigits: Number(value('PlusGlobalCTIreactionNummernlaenge')),
    outsidePrefix: value('PlusGlobalCTIVorwahlExternAnrufe'),
    areaCode: await ownAreaCode(store),
  };
}

/** One party found for a number. */
export interface PartyMatch {
  readonly origin: PartyOrigin;
  readonly partyId: number;
  /** Partner-, Kreditor- or Eigentümer-Nr. */
  readonly partyNo: number;
  /** display name: "Last, First" or the company / creditor name */
  readonly name: string;
  /** the phone field the number was found in */
  readonly field: PhoneField;
  /** the number as stored */
  readonly raw: string;
  /**
   * exact E.164, number + extension dialled through, an alternative reading (C20), last 8 digits, or `base`: the
   * caller is the stored number plus an unknown direct-dial extension (DIN 5008 `030 12345-67`; "matched by base
   * number" — the company, not the person behind the extension)
   */
  readonly via: 'exact' | 'direct' | 'alt' | 'last8' | 'base';
}

/** A user found by internal extension. */
export interface UserMatch {
  readonly userId: number;
  readonly login: string;
  readonly name: string;
  readonly extension: string;
}

/** Result of {@link lookupCaller}. */
export type LookupResult =
  | { readonly outcome: 'suppressed'; readonly input: string }
  | {
      readonly outcome: 'internal';
      readonly input: string;
      readonly extension: string;
      readonly users: readonly UserMatch[];
    }
  | {
      readonly outcome: 'matched';
      readonly input: string;
      readonly e164: string;
      readonly matches: readonly PartyMatch[];
      /** the match this user picked for this number before, if it is still among the matches */
      readonly picked: PartyMatch | undefined;
    }
  | {
      readonly outcome: 'unknown';
      readonly input: string;
      readonly e164: string | undefined;
      readonly reason: string | undefined;
    };

/** Options of {@link lookupCaller}; omitted values are read from the store ({@link readCtiSettings}). */
export interface LookupOptions {
  readonly internalMaxDigits?: number;
  readonly areaCode?: string;
  /** whose remembered pick to apply */
  readonly userId?: number;
}

interface IndexHit extends Record<string, string | number | null> {
  phone_id: number;
  e164: string;
  extension: string | null;
  variant: string;
  person_id: number | null;
  creditor_id: number | null;
  owner_id: number | null;
  kind: string;
  raw: string;
  party_no: number | null;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
}

// one statement per lookup step: index hit, the number's row and the party's name (persons/creditors/owners)
const HIT_COLUMNS = `SELECT i.phone_id, i.e164, i.extension, i.variant, p.person_id, p.creditor_id, p.owner_id, p.kind, p.raw,
  coalesce(pe.person_no, c.creditor_no, o.owner_no) AS party_no, coalesce(pe.first_name, o.first_name) AS first_name,
  coalesce(pe.last_name, c.name, o.last_name) AS last_name, pe.company AS company
  FROM phone_index i JOIN phone_numbers p ON p.id = i.phone_id
  LEFT JOIN persons pe ON pe.id = p.person_id LEFT JOIN creditors c ON c.id = p.creditor_id LEFT JOIN owners o ON o.id = p.owner_id`;
/** exact: the number, its alternative reading (C20) and number+extension; unused slots repeat the number */
const EXACT_SQL = `${HIT_COLUMNS} WHERE i.e164 IN (?, ?, ?)`;
const LAST8_SQL = `${HIT_COLUMNS} WHERE i.last8 = ?`;
/** base number: the caller minus 1–4 trailing digits (a direct-dial extension), longest first; only main rows */
const BASE_SQL = `${HIT_COLUMNS} WHERE i.variant = 'main' AND i.e164 IN (?, ?, ?, ?) ORDER BY length(i.e164) DESC`;
/** A base number has at least this many digits after the `+` (country code + area code + a short subscriber number). */
const MIN_BASE_DIGITS = 8;

function displayName(hit: IndexHit, origin: PartyOrigin): string {
  const last = hit.last_name ?? '?';
  if (origin === 'creditor') return last;
  const personal = hit.first_name ? `${last}, ${hit.first_name}` : last;
  return hit.company ? `${personal} (${hit.company})` : personal;
}

function toMatches(hits: readonly IndexHit[], via: (hit: IndexHit) => PartyMatch['via']): PartyMatch[] {
  const seen = new Set<number>();
  const matches: PartyMatch[] = [];
  for (const hit of hits) {
    if (seen.has(hit.phone_id)) continue;
    seen.add(hit.phone_id);
    const origin: PartyOrigin = hit.person_id !== null ? 'person' : hit.creditor_id !== null ? 'creditor' : 'owner';
    const partyId = hit.person_id ?? hit.creditor_id ?? hit.owner_id ?? 0;
    matches.push({
      origin,
      partyId,
      partyNo: hit.party_no ?? 0,
      name: displayName(hit, origin),
      field: hit.kind as PhoneField,
      raw: hit.raw,
      via: via(hit),
    });
  }
  if (matches.length < 2) return matches;
  const order: Record<PartyOrigin, number> = { person: 0, creditor: 1, owner: 2 };
  return matches.sort(
    (a, b) => order[a.origin] - order[b.origin] || a.name.localeCompare(b.name) || a.partyId - b.partyId,
  );
}

/**
 * Looks up a caller id (as delivered by the PBX or typed) — see the module comment for the order.
 * Never throws for odd input: an invalid number ends as `unknown` with the reason, and when it cannot be
 * normalised the digits' last 8 are still compared (C22 fallback).
 */
export async function lookupCaller(
  store: AsyncQueryable,
  callerId: string,
  options: LookupOptions = {},
): Promise<LookupResult> {
  const input = callerId;
  if (isSuppressedCallerId(callerId)) return { outcome: 'suppressed', input };
  const maxDigits = options.internalMaxDigits ?? (await readCtiSettings(store)).internalMaxDigits;
  if (isInternalNumber(callerId, maxDigits)) {
    const extension = internalDigits(callerId);
    const users = (
      await store.query<{ id: number; login: string; first_name: string; last_name: string; extension: string }>(
        'SELECT id, login, first_name, last_name, extension FROM users WHERE extension = ? ORDER BY active DESC, login',
        [extension],
      )
    ).map((u) => ({
      userId: u.id,
      login: u.login,
      name: u.first_name ? `${u.last_name}, ${u.first_name}` : u.last_name,
      extension: u.extension,
    }));
    return { outcome: 'internal', input, extension, users };
  }
  const areaCode = options.areaCode ?? (await ownAreaCode(store));
  const normalized: NormalizedPhone = normalizePhoneNumber(callerId, { areaCode });
  if (normalized.kind === 'suppressed') return { outcome: 'suppressed', input };
  if (normalized.kind === 'internal')
    return lookupCaller(store, normalized.digits, {
      ...options,
      internalMaxDigits: Math.max(maxDigits, normalized.digits.length),
    });
  // 110, 112, 115, 116xyz, 118xy: no party has them; not an error either (CLI `cti lookup` exits 0)
  if (normalized.kind === 'special') return { outcome: 'unknown', input, e164: undefined, reason: undefined };
  if (normalized.kind === 'invalid') {
    const digits = callerId.replace(/\D/g, '');
    if (digits.length >= 7) {
      const hits = await store.query<IndexHit>(LAST8_SQL, [digits.slice(-SUFFIX_DIGITS)]);
      if (hits.length > 0)
        return matched(
          store,
          input,
          `+${digits}`,
          toMatches(hits, () => 'last8'),
          options.userId,
        );
    }
    return { outcome: 'unknown', input, e164: undefined, reason: formatTemplate(normalized.reason, normalized.args) };
  }
  const e164 = normalized.e164;
  const exact = await store.query<IndexHit>(EXACT_SQL, [
    e164,
    normalized.alternatives[0] ?? e164,
    normalized.extension ? `${e164}${normalized.extension}` : e164,
  ]);
  if (exact.length > 0) {
    // main rows first, so a number found both as itself and as another's reading reports "exact"
    exact.sort((a, b) => (a.variant === 'main' ? 0 : 1) - (b.variant === 'main' ? 0 : 1));
    return matched(
      store,
      input,
      e164,
      toMatches(exact, (h) => (h.variant === 'main' ? 'exact' : h.variant === 'direct' ? 'direct' : 'alt')),
      options.userId,
    );
  }
  const suffix = await store.query<IndexHit>(LAST8_SQL, [normalized.last8]);
  if (suffix.length > 0)
    return matched(
      store,
      input,
      e164,
      toMatches(suffix, () => 'last8'),
      options.userId,
    );
  const digits = e164.slice(1);
  const bases = [1, 2, 3, 4].map((k) => `+${digits.slice(0, -k)}`).filter((b) => b.length - 1 >= MIN_BASE_DIGITS);
  if (bases.length > 0) {
    const base = await store.query<IndexHit>(BASE_SQL, [
      bases[0],
      bases[1] ?? bases[0],
      bases[2] ?? bases[0],
      bases[3] ?? bases[0],
    ] as string[]);
    // the longest base wins: 030 12345 6-7 is the 0301234 56 company only if 030 123456 is unknown
    const longestLength = base[0]?.e164.length;
    const longest = base.filter((h) => h.e164.length === longestLength);
    // the switchboard (no extension, or -0) stands for the company; a colleague's own direct dial only if nothing else
    const board = longest.filter((h) => h.extension === null || /^0+$/.test(h.extension));
    if (board.length > 0)
      return matched(
        store,
        input,
        e164,
        toMatches(board, () => 'base'),
        options.userId,
      );
    if (longest.length > 0)
      return matched(
        store,
        input,
        e164,
        toMatches(longest, () => 'base'),
        options.userId,
      );
  }
  return { outcome: 'unknown', input, e164, reason: undefined };
}

async function matched(
  store: AsyncQueryable,
  input: string,
  e164: string,
  matches: PartyMatch[],
  userId: number | undefined,
): Promise<LookupResult> {
  let picked: PartyMatch | undefined;
  if (userId !== undefined && matches.length > 1) {
    const pick = await store.get<{ origin: string; party_id: number }>(
      'SELECT origin, party_id FROM cti_picks WHERE user_id = ? AND e164 = ?',
      [userId, e164],
    );
    if (pick) picked = matches.find((m) => m.origin === pick.origin && m.partyId === pick.party_id);
  }
  return { outcome: 'matched', input, e164, matches, picked };
}

/**
 * Remembers which of several matches a user picked for a number (product.md §7); the next lookup of the number
 * by this user returns it as `picked`. @throws IxError `E_CTI_PICK` when the party is not among the number's matches.
 */
export async function rememberPick(
  store: AsyncQueryable,
  userId: number,
  e164: string,
  pick: { origin: PartyOrigin; partyId: number },
  now: Date = new Date(),
): Promise<void> {
  const current = await lookupCaller(store, e164);
  if (
    current.outcome !== 'matched' ||
    !current.matches.some((m) => m.origin === pick.origin && m.partyId === pick.partyId)
  ) {
    throw new IxError(
      'E_CTI_PICK',
      msg(
        '{0} {1} has no phone number matching {2}, so it cannot be remembered for it. Pick one of the matches shown.',
      ),
      [pick.origin, pick.partyId, e164],
    );
  }
  await store.run(
    `INSERT INTO cti_picks (user_id, e164, origin, party_id, picked_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (user_id, e164) DO UPDATE SET origin = excluded.origin, party_id = excluded.party_id, picked_at = excluded.picked_at`,
    [userId, current.e164, pick.origin, pick.partyId, now.toISOString()],
  );
}

/** The phone numbers of one party (for "Anrufen" from a record: a list, exactly one pick; domain.md §5). */
export async function partyPhoneNumbers(
  store: AsyncQueryable,
  origin: PartyOrigin,
  partyId: number,
): Promise<{ id: number; field: PhoneField; raw: string; e164: string | undefined }[]> {
  const column = origin === 'person' ? 'person_id' : origin === 'creditor' ? 'creditor_id' : 'owner_id';
  return (
    await store.query<{ id: number; kind: string; raw: string; e164: string | null }>(
      `SELECT p.id, p.kind, p.raw, (SELECT e164 FROM phone_index i WHERE i.phone_id = p.id AND i.variant = 'main') AS e164 FROM phone_numbers p WHERE p.${column} = ? ORDER BY p.id`,
      [partyId],
    )
  ).map((r) => ({ id: r.id, field: r.kind as PhoneField, raw: r.raw, e164: r.e164 ?? undefined }));
}
