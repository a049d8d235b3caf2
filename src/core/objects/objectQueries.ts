/**
 * Read-only queries behind the "Objekte" view: the objects (Objektnummer, name, address, team) and, per object, its
 * Eigentümer, Kreditoren and Personen with the count of their phone numbers (domain.md §4, §5; schema v1).
 */
import type { AsyncQueryable } from '../store/asyncStore';

/** One object (Objekt) of the store. */
export interface ObjectRow {
  readonly id: number;
  readonly objectNo: number;
  readonly name: string;
  readonly city: string | null;
  readonly team: string | null;
}

/** A party linked to an object: origin as in the caller lookup (`person`, `creditor`, `owner`). */
export interface ObjectParty {
  readonly origin: 'person' | 'creditor' | 'owner';
  readonly id: number;
  /** Personennummer, Kreditorennummer or Eigentümernummer */
  readonly no: number;
  readonly name: string;
  /** how many phone numbers the party has (0 = nothing to call) */
  readonly phones: number;
}

/** All objects ordered by Objektnummer. */
export async function listObjects(store: AsyncQueryable): Promise<ObjectRow[]> {
  return (
    await store.query<{ id: number; object_no: number; name: string; city: string | null; team: string | null }>(
      'SELECT o.id, o.object_no, o.name, o.city, t.name AS team FROM objects o LEFT JOIN teams t ON t.id = o.team_id ORDER BY o.object_no',
    )
  ).map((r) => ({ id: r.id, objectNo: r.object_no, name: r.name, city: r.city, team: r.team }));
}

/** The Eigentümer, Kreditoren and Personen of one object, each ordered by name. */
export async function objectParties(
  store: AsyncQueryable,
  objectId: number,
): Promise<{ owners: ObjectParty[]; creditors: ObjectParty[]; persons: ObjectParty[] }> {
  const phones = (column: string): string => `(SELECT count(*) FROM phone_numbers p WHERE p.${column} = x.id)`;
  const owners = await store.query<{ id: number; no: number; name: string; phones: number }>(
    `SELECT x.id, x.owner_no AS no, trim(coalesce(x.first_name, '') || ' ' || x.last_name) AS name, ${phones('owner_id')} AS phones
       FROM owners x JOIN object_owners oo ON oo.owner_id = x.id WHERE oo.object_id = ? ORDER BY x.last_name, x.first_name`,
    [objectId],
  );
  const creditors = await store.query<{ id: number; no: number; name: string; phones: number }>(
    `SELECT x.id, x.creditor_no AS no, x.name, ${phones('creditor_id')} AS phones
       FROM creditors x JOIN object_creditors oc ON oc.creditor_id = x.id WHERE oc.object_id = ? ORDER BY x.name`,
    [objectId],
  );
  const persons = await store.query<{ id: number; no: number; name: string; phones: number }>(
    `SELECT x.id, x.person_no AS no, trim(coalesce(x.first_name, '') || ' ' || x.last_name) AS name, ${phones('person_id')} AS phones
       FROM persons x WHERE x.object_id = ? ORDER BY x.last_name, x.first_name`,
    [objectId],
  );
  const as =
    (origin: ObjectParty['origin']) =>
    (r: { id: number; no: number; name: string; phones: number }): ObjectParty => ({
      origin,
      id: r.id,
      no: r.no,
      name: r.name,
      phones: Number(r.phones),
    });
  return {
    owners: owners.map(as('owner')),
    creditors: creditors.map(as('creditor')),
    persons: persons.map(as('person')),
  };
}

/** The team names, alphabetically (the team filter of "Verantwortlichen ändern"). */
export async function listTeams(store: AsyncQueryable): Promise<string[]> {
  return (await store.query<{ name: string }>('SELECT name FROM teams ORDER BY name')).map((r) => r.name);
}

/** A Kreditor of an object, for choosing the contractor of an Auftrag (Gewerk = trade). */
export interface ObjectCreditor {
  readonly id: number;
  readonly creditorNo: number;
  readonly name: string;
  readonly trade: string | null;
}

/** The Kreditoren linked to one object, by name. */
export async function objectCreditors(store: AsyncQueryable, objectId: number): Promise<ObjectCreditor[]> {
  return (
    await store.query<{ id: number; creditor_no: number; name: string; trade: string | null }>(
      'SELECT c.id, c.creditor_no, c.name, c.trade FROM object_creditors x JOIN creditors c ON c.id = x.creditor_id WHERE x.object_id = ? ORDER BY c.name',
      [objectId],
    )
  ).map((c) => ({ id: c.id, creditorNo: c.creditor_no, name: c.name, trade: c.trade }));
}

/**
 * The read-only detail of one party: its number, name, a second line (company or trade), e-mail and address
 * (schema v13).
 */
// a type alias (not an interface) so that it satisfies the store's row type
export type PartyRecord = {
  readonly no: number;
  readonly name: string;
  /** Person: Firma; Kreditor: Gewerk; Eigentümer: none */
  readonly extra: string | null;
  readonly email: string | null;
  /** one line "Straße, PLZ Ort" ({@link formatAddress}); null when no part is stored */
  readonly address: string | null;
};

/**
 * One address line as German letters write it: "Königstraße 5, 01067 Dresden"; missing parts are left out
 * ("01067 Dresden", "Königstraße 5"); null when all three are empty.
 */
export function formatAddress(street: string | null, zip: string | null, city: string | null): string | null {
  const place = [zip, city]
    .map((x) => x?.trim() ?? '')
    .filter((x) => x !== '')
    .join(' ');
  const line = [street?.trim() ?? '', place].filter((x) => x !== '').join(', ');
  return line === '' ? null : line;
}

type PartyRow = Omit<PartyRecord, 'address'> & {
  readonly street: string | null;
  readonly zip: string | null;
  readonly city: string | null;
};

const PARTY_SQL: Readonly<Record<ObjectParty['origin'], string>> = {
  person:
    "SELECT person_no AS no, trim(coalesce(first_name, '') || ' ' || last_name) AS name, company AS extra, email, street, zip, city FROM persons WHERE id = ?",
  creditor: 'SELECT creditor_no AS no, name, trade AS extra, email, street, zip, city FROM creditors WHERE id = ?',
  owner:
    "SELECT owner_no AS no, trim(coalesce(first_name, '') || ' ' || last_name) AS name, NULL AS extra, email, street, zip, city FROM owners WHERE id = ?",
};

/** One party by origin and row id; undefined when it no longer exists. */
export async function partyRecord(
  store: AsyncQueryable,
  origin: ObjectParty['origin'],
  id: number,
): Promise<PartyRecord | undefined> {
  const row = await store.get<PartyRow>(PARTY_SQL[origin], [id]);
  if (!row) return undefined;
  const { street, zip, city, ...rest } = row;
  return { ...rest, address: formatAddress(street, zip, city) };
}
