/**
 * The caller-lookup index (cti-protocols.md "Number matching rules": normalise every stored number once, at write
 * time). Every write of a phone number of a person, creditor or owner goes through {@link writePhoneNumber} or
 * {@link updatePhoneNumber}, which keep `phone_index` (schema v6, `006_cti.ts`) in the same transaction; rows of
 * deleted numbers go with them (ON DELETE CASCADE). Numbers that cannot be normalised (SIP URIs, text; C22) are
 * stored but not indexed.
 */
import type { AsyncQueryable, AsyncStore, AsyncTransaction } from '../store/asyncStore';
import { insertId, scalar } from '../store/asyncQueries';
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
export async function ownAreaCode(store: AsyncQueryable): Promise<string | undefined> {
  const value = await scalar(store, 'SELECT value FROM meta WHERE key = ?', [AREA_CODE_META_KEY]);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The insert of a `phone_numbers` row (ids by RETURNING); the demo generator's bulk writer uses it too. */
export const INSERT_PHONE =
  'INSERT INTO phone_numbers (person_id, creditor_id, owner_id, kind, raw) VALUES (?, ?, ?, ?, ?) RETURNING id';
/** The insert of one `phone_index` row (see {@link indexRowsFor}); the demo generator's bulk writer uses it too. */
export const INSERT_INDEX =
  'INSERT INTO phone_index (phone_id, variant, e164, last8, extension) VALUES (?, ?, ?, ?, ?) ON CONFLICT (phone_id, variant, e164) DO NOTHING';

function checkRaw(raw: string): void {
  if (raw.length < 1 || raw.length > 40) throw new PhoneNumberTooLongError(raw);
}

async function insertIndex(
  store: AsyncQueryable,
  phoneId: number,
  raw: string,
  areaCode: string | undefined,
): Promise<void> {
  for (const row of indexRowsFor(raw, areaCode))
    await store.run(INSERT_INDEX, [phoneId, row.variant, row.e164, row.last8, row.extension]);
}

/**
 * Writes one phone number and its index rows inside the caller's transaction `tx` (so that the number and its
 * index rows are written together); returns the new `phone_numbers.id`. `areaCode` defaults to the store's own
 * area code (pass it when writing many numbers, to skip the read).
 * @throws PhoneNumberTooLongError for an empty or too long number (nothing written)
 */
export async function writePhoneNumber(
  tx: AsyncTransaction,
  input: PhoneNumberInput,
  options: { readonly areaCode?: string | undefined } = {},
): Promise<number> {
  checkRaw(input.raw);
  const rows = indexRowsFor(input.raw, 'areaCode' in options ? options.areaCode : await ownAreaCode(tx));
  {
    const id = await insertId(tx, INSERT_PHONE, [
      input.origin === 'person' ? input.partyId : null,
      input.origin === 'creditor' ? input.partyId : null,
      input.origin === 'owner' ? input.partyId : null,
      input.field,
      input.raw,
    ]);
    for (const row of rows) await tx.run(INSERT_INDEX, [id, row.variant, row.e164, row.last8, row.extension]);
    return id;
  }
}

/**
 * Writes many new phone numbers and their index rows inside the caller's transaction in two multi-row statements
 * (one round trip each, which a server store needs for bulk writes: the Stammdaten import). The rows are the ones
 * {@link writePhoneNumber} writes. Precondition: at most one number per party and field in `inputs`, texts of 1–40
 * characters (checked by the caller's reader).
 */
export async function writeNewPhoneNumbers(
  tx: AsyncTransaction,
  inputs: readonly PhoneNumberInput[],
  areaCode: string | undefined,
): Promise<void> {
  if (inputs.length === 0) return;
  const values: (string | number | null)[] = [];
  for (const p of inputs)
    values.push(
      p.origin === 'person' ? p.partyId : null,
      p.origin === 'creditor' ? p.partyId : null,
      p.origin === 'owner' ? p.partyId : null,
      p.field,
      p.raw,
    );
  const inserted = await tx.query<{
    id: number;
    person_id: number | null;
    creditor_id: number | null;
    owner_id: number | null;
    kind: string;
  }>(
    `INSERT INTO phone_numbers (person_id, creditor_id, owner_id, kind, raw) VALUES ${inputs.map(() => '(?, ?, ?, ?, ?)').join(', ')} RETURNING id, person_id, creditor_id, owner_id, kind`,
    values,
  );
  const keyOf = (origin: PartyOrigin, partyId: number, field: string): string => `${origin}|${partyId}|${field}`;
  const idOf = new Map(
    inserted.map((r) => {
      const origin: PartyOrigin = r.person_id !== null ? 'person' : r.creditor_id !== null ? 'creditor' : 'owner';
      return [keyOf(origin, Number(r.person_id ?? r.creditor_id ?? r.owner_id), r.kind), Number(r.id)];
    }),
  );
  const index: (string | number | null)[] = [];
  let tuples = 0;
  for (const p of inputs) {
    const id = idOf.get(keyOf(p.origin, p.partyId, p.field)) as number;
    for (const row of indexRowsFor(p.raw, areaCode)) {
      index.push(id, row.variant, row.e164, row.last8, row.extension);
      tuples++;
    }
  }
  if (tuples > 0)
    await tx.run(
      `INSERT INTO phone_index (phone_id, variant, e164, last8, extension) VALUES ${Array.from({ length: tuples }, () => '(?, ?, ?, ?, ?)').join(', ')} ON CONFLICT (phone_id, variant, e164) DO NOTHING`,
      index,
    );
}

/** Changes the text of a stored phone number and rebuilds its index rows (one transaction). @throws PhoneNumberTooLongError */
export async function updatePhoneNumber(store: AsyncStore, phoneId: number, raw: string): Promise<void> {
  checkRaw(raw);
  await store.transaction(async (tx) => {
    const changed = (await tx.run('UPDATE phone_numbers SET raw = ? WHERE id = ?', [raw, phoneId])).changes;
    if (changed !== 1)
      throw new IxError(
        'E_CTI_PHONE_MISSING',
        msg('There is no phone number with id {0}. Refresh the view and try again.'),
        [phoneId],
      );
    await tx.run('DELETE FROM phone_index WHERE phone_id = ?', [phoneId]);
    await insertIndex(tx, phoneId, raw, await ownAreaCode(tx));
  });
}

/** Rebuilds the whole index from `phone_numbers` with the store's own area code; returns how many numbers got index rows. */
export async function reindexAll(store: AsyncStore): Promise<number> {
  return store.transaction((tx) => reindexIn(tx));
}

/** {@link reindexAll} inside the caller's transaction. */
async function reindexIn(tx: AsyncTransaction): Promise<number> {
  await tx.run('DELETE FROM phone_index');
  const areaCode = await ownAreaCode(tx);
  let indexed = 0;
  for (const row of await tx.query<{ id: number; raw: string }>('SELECT id, raw FROM phone_numbers')) {
    const rows = indexRowsFor(row.raw, areaCode);
    for (const r of rows) await tx.run(INSERT_INDEX, [row.id, r.variant, r.e164, r.last8, r.extension]);
    if (rows.length > 0) indexed++;
  }
  return indexed;
}

/** How many phone numbers the store holds (rows of `phone_numbers`): the size of a full re-index, for its progress. */
export async function phoneNumberCount(store: AsyncQueryable): Promise<number> {
  return Number(await scalar(store, 'SELECT count(*) FROM phone_numbers'));
}

/**
 * Sets the own area code (Ortsvorwahl, e.g. `030`) that local numbers without one are read in, and rebuilds the
 * index with it; empty clears it. Admins only (like the CTI system settings, domain.md §8).
 * @throws PermissionError, AreaCodeError (nothing changed)
 */
export async function setOwnAreaCode(
  store: AsyncStore,
  actor: Actor | undefined,
  value: string,
  now: Date = new Date(),
): Promise<{ areaCode: string | undefined; indexed: number }> {
  requireAdmin(actor, 'set the own area code for CTI');
  const areaCode = canonicalAreaCode(value);
  return await store.transaction(async (tx) => {
    const old = await ownAreaCode(tx);
    if (areaCode === undefined) await tx.run('DELETE FROM meta WHERE key = ?', [AREA_CODE_META_KEY]);
    else
      await tx.run(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        [AREA_CODE_META_KEY, areaCode],
      );
    await tx.run(
      'INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [now.toISOString(), actor.id, 'cti.areaCode', 'meta', AREA_CODE_META_KEY, old ?? null, areaCode ?? null],
    );
    return { areaCode, indexed: await reindexIn(tx) };
  });
}
