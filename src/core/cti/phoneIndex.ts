/**
 * The caller-lookup index (cti-protocols.md "Number matching rules": normalise every stored number once, at write
 * time). Every write of a phone number of a person, creditor or owner goes through {@link writePhoneNumber} or
 * {@link updatePhoneNumber}, which keep `phone_index` (schema v6, `006_cti.ts`) in the same transaction; rows of
 * deleted numbers go with them (ON DELETE CASCADE). Numbers that cannot be normalised (SIP URIs, text; C22) are
 * stored but not indexed.
 */
import type { Store } from '../store/database';
import { IxError, msg } from '../errors';
import type { Actor } from '../access/rights';
import { requireAdmin } from '../access/rights';
import { canonicalAreaCode, normalizePhoneNumber, SUFFIX_DIGITS } from './phoneNumber';

/** Party kinds that own phone numbers (domain.md §5: Personenstamm, Kreditorenstamm, Eigentümer). */
export type PartyOrigin = 'person' | 'creditor' | 'owner';
/** Phone field of a party: Telefon privat, Telefon geschäftlich, mobil, Fax. */
export type PhoneField = 'private' | 'business' | 'mobile' | 'fax';

/** One phone number to write. `raw` is kept exactly as entered (1–40 characters). */
export interface PhoneNumberInput {
  readonly origin: PartyOrigin;
  readonly partyId: number;
  readonly field: PhoneField;
  readonly raw: string;
}

/** One row of the index for a number. */
export interface IndexRow {
  readonly variant: 'main' | 'direct' | 'alt';
  readonly e164: string;
  readonly last8: string;
  readonly extension: string | null;
}

/** `meta` key of the own area code (Ortsvorwahl) the index was built with. */
export const AREA_CODE_META_KEY = 'cti.areaCode';

/** A phone number longer than the schema allows, or empty. */
export class PhoneNumberTooLongError extends IxError {
  constructor(raw: string) {
    super(
      'E_CTI_PHONE_LENGTH',
      msg('The phone number "{0}" must have 1 to 40 characters. Shorten it (put notes into a separate field).'),
      [raw],
    );
  }
}

/**
 * The index rows for a raw number: its E.164 (`main`), number + extension as dialled through (`direct`) and the
 * other readings of an ambiguous number (`alt`, C20). Empty when the number cannot be normalised.
 */
export function indexRowsFor(raw: string, areaCode: string | undefined): IndexRow[] {
  const n = normalizePhoneNumber(raw, { areaCode });
  if (n.kind !== 'number') return [];
  const rows: IndexRow[] = [{ variant: 'main', e164: n.e164, last8: n.last8, extension: n.extension ?? null }];
  if (n.extension) {
    const direct = `${n.e164}${n.extension}`;
    rows.push({ variant: 'direct', e164: direct, last8: direct.slice(-SUFFIX_DIGITS), extension: n.extension });
  }
  for (const alt of n.alternatives)
    rows.push({ variant: 'alt', e164: alt, last8: alt.slice(-SUFFIX_DIGITS), extension: n.extension ?? null });
  return rows;
}

/** The own area code stored in the store (canonical, without leading 0), or undefined. */
export function ownAreaCode(store: Store): string | undefined {
  const value = store.scalar('SELECT value FROM meta WHERE key = ?', [AREA_CODE_META_KEY]);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const INSERT_PHONE =
  'INSERT INTO phone_numbers (person_id, creditor_id, owner_id, kind, raw) VALUES (?, ?, ?, ?, ?) RETURNING id';
const INSERT_INDEX =
  'INSERT INTO phone_index (phone_id, variant, e164, last8, extension) VALUES (?, ?, ?, ?, ?) ON CONFLICT (phone_id, variant, e164) DO NOTHING';

function checkRaw(raw: string): void {
  if (raw.length < 1 || raw.length > 40) throw new PhoneNumberTooLongError(raw);
}

function insertIndex(store: Store, phoneId: number, raw: string, areaCode: string | undefined): void {
  for (const row of indexRowsFor(raw, areaCode))
    store.run(INSERT_INDEX, [phoneId, row.variant, row.e164, row.last8, row.extension]);
}

/**
 * Writes one phone number and its index rows in one transaction; returns the new `phone_numbers.id`.
 * `areaCode` defaults to the store's own area code (pass it when writing many numbers, to skip the read).
 * @throws PhoneNumberTooLongError for an empty or too long number (nothing written)
 */
export function writePhoneNumber(
  store: Store,
  input: PhoneNumberInput,
  areaCode: string | undefined = ownAreaCode(store),
): number {
  checkRaw(input.raw);
  const rows = indexRowsFor(input.raw, areaCode);
  const write = (): number => {
    const id = store.insertId(INSERT_PHONE, [
      input.origin === 'person' ? input.partyId : null,
      input.origin === 'creditor' ? input.partyId : null,
      input.origin === 'owner' ? input.partyId : null,
      input.field,
      input.raw,
    ]);
    for (const row of rows) store.run(INSERT_INDEX, [id, row.variant, row.e164, row.last8, row.extension]);
    return id;
  };
  // inside a caller's transaction (bulk writes) no savepoint per number is needed: the caller's rollback covers it
  return store.inTransaction ? write() : store.transaction(write);
}

/** Changes the text of a stored phone number and rebuilds its index rows (one transaction). @throws PhoneNumberTooLongError */
export function updatePhoneNumber(store: Store, phoneId: number, raw: string): void {
  checkRaw(raw);
  store.transaction(() => {
    const changed = store.run('UPDATE phone_numbers SET raw = ? WHERE id = ?', [raw, phoneId]).changes;
    if (changed !== 1)
      throw new IxError(
        'E_CTI_PHONE_MISSING',
        msg('There is no phone number with id {0}. Refresh the view and try again.'),
        [phoneId],
      );
    store.run('DELETE FROM phone_index WHERE phone_id = ?', [phoneId]);
    insertIndex(store, phoneId, raw, ownAreaCode(store));
  });
}

/** Rebuilds the whole index from `phone_numbers` with the store's own area code; returns how many numbers got index rows. */
export function reindexAll(store: Store): number {
  return store.transaction(() => {
    store.run('DELETE FROM phone_index');
    const areaCode = ownAreaCode(store);
    let indexed = 0;
    for (const row of store.all<{ id: number; raw: string }>('SELECT id, raw FROM phone_numbers')) {
      const rows = indexRowsFor(row.raw, areaCode);
      for (const r of rows) store.run(INSERT_INDEX, [row.id, r.variant, r.e164, r.last8, r.extension]);
      if (rows.length > 0) indexed++;
    }
    return indexed;
  });
}

/** How many phone numbers the store holds (rows of `phone_numbers`): the size of a full re-index, for its progress. */
export function phoneNumberCount(store: Store): number {
  return Number(store.scalar('SELECT count(*) FROM phone_numbers'));
}

/**
 * Sets the own area code (Ortsvorwahl, e.g. `030`) that local numbers without one are read in, and rebuilds the
 * index with it; empty clears it. Admins only (like the CTI system settings, domain.md §8).
 * @throws PermissionError, AreaCodeError (nothing changed)
 */
export function setOwnAreaCode(
  store: Store,
  actor: Actor | undefined,
  value: string,
  now: Date = new Date(),
): { areaCode: string | undefined; indexed: number } {
  requireAdmin(actor, 'set the own area code for CTI');
  const areaCode = canonicalAreaCode(value);
  return store.transaction(() => {
    const old = ownAreaCode(store);
    if (areaCode === undefined) store.run('DELETE FROM meta WHERE key = ?', [AREA_CODE_META_KEY]);
    else
      store.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
        AREA_CODE_META_KEY,
        areaCode,
      ]);
    store.run(
      'INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [now.toISOString(), actor.id, 'cti.areaCode', 'meta', AREA_CODE_META_KEY, old ?? null, areaCode ?? null],
    );
    return { areaCode, indexed: reindexAll(store) };
  });
}
