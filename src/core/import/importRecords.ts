/**
 * The typed records per kind that the reader hands to the import planner (issue 22; DESIGN.md §4a: read → map →
 * validate → plan → apply). Property names are the field ids of columnCatalog.ts.
 *
 * Rule for the planner: a property is `undefined` when the file has no column for it (leave the stored value
 * alone); `null` when the column is there but the cell is empty (clear the stored value, or reject where the store
 * needs a value); otherwise the value, already checked (length, type, enum) and normalised.
 */
import type { PhoneCell } from './cellValues';
import type { PhoneKind } from './columnCatalog';

/** Optional field: undefined = no column, null = empty cell. */
type Opt<T> = T | null | undefined;

/** One phone number of a party, with its kind (store `phone_numbers.kind`). */
export interface PhoneValue extends PhoneCell {
  readonly kind: PhoneKind;
}

/** Phone fields of a party (persons, creditors, owners). */
export interface PartyPhones {
  readonly phonePrivate?: PhoneCell | null;
  readonly phoneBusiness?: PhoneCell | null;
  readonly phoneMobile?: PhoneCell | null;
  readonly fax?: PhoneCell | null;
}

export interface UserRecord {
  readonly login: string;
  readonly shortCode: string;
  readonly lastName: string;
  readonly firstName?: Opt<string>;
  readonly email?: Opt<string>;
  readonly role?: Opt<string>;
  readonly rightsClass?: Opt<string>;
  readonly team?: Opt<string>;
  readonly active?: Opt<boolean>;
  readonly ctiLine?: Opt<string>;
  readonly extension?: Opt<string>;
  readonly note?: Opt<string>;
}

export interface TeamRecord {
  readonly name: string;
  readonly name2?: Opt<string>;
  readonly teamKind: string;
  readonly leader?: Opt<string>;
}

export interface ObjectRecord {
  readonly objectNo: number;
  readonly name: string;
  readonly street?: Opt<string>;
  readonly zip?: Opt<string>;
  readonly city?: Opt<string>;
  readonly team?: Opt<string>;
}

/** Address fields of parties: recognised and validated; schema v9 has no columns for them yet (docs/import.md). */
interface PartyAddress {
  readonly street?: Opt<string>;
  readonly zip?: Opt<string>;
  readonly city?: Opt<string>;
  readonly email?: Opt<string>;
}

export interface PersonRecord extends PartyPhones, PartyAddress {
  readonly personNo: number;
  readonly salutation?: Opt<string>;
  readonly firstName?: Opt<string>;
  readonly lastName: string;
  readonly company?: Opt<string>;
  /** the object the person belongs to (store `persons.object_id`) */
  readonly objectNo?: Opt<number>;
}

export interface CreditorRecord extends PartyPhones, PartyAddress {
  readonly creditorNo: number;
  readonly name: string;
  readonly trade?: Opt<string>;
}

export interface OwnerRecord extends PartyPhones, PartyAddress {
  readonly ownerNo: number;
  readonly firstName?: Opt<string>;
  readonly lastName: string;
}

/** Links of one object (store `object_owners`, `object_creditors`, `persons.object_id`); at least one is set. */
export interface ObjectLinkRecord {
  readonly objectNo: number;
  readonly ownerNo?: Opt<number>;
  readonly creditorNo?: Opt<number>;
  readonly personNo?: Opt<number>;
}

export interface MeldungRecord {
  readonly meldungNo: number;
  readonly objectNo: number;
  readonly subject: string;
  readonly meldungKind: string;
  readonly priority?: Opt<string>;
  readonly status?: Opt<string>;
  /** ISO-8601 UTC */
  readonly reportedAt?: Opt<string>;
  readonly responsible?: Opt<string>;
  readonly deputy?: Opt<string>;
}

export interface AuftragRecord {
  readonly auftragNo: number;
  readonly objectNo: number;
  readonly creditorNo: number;
  readonly meldungNo?: Opt<number>;
  readonly subject: string;
  readonly status?: Opt<string>;
  /** ISO-8601 UTC */
  readonly createdAt?: Opt<string>;
  readonly responsible?: Opt<string>;
}

/** An assignment (store `responsibilities`); `module` 'objects' has no record. */
export interface ResponsibilityRecord {
  readonly module: 'objects' | 'meldungen' | 'auftraege' | 'technical_objects';
  readonly objectNo: number;
  /** Meldungs-/Auftragsnummer as text, or the technical object's name; null for the object itself */
  readonly record: string | null;
  readonly login: string;
  readonly role: 'responsible' | 'deputy';
}

/** The record type of each kind. */
export interface ImportRecordMap {
  users: UserRecord;
  teams: TeamRecord;
  objects: ObjectRecord;
  persons: PersonRecord;
  creditors: CreditorRecord;
  owners: OwnerRecord;
  'object-links': ObjectLinkRecord;
  meldungen: MeldungRecord;
  auftraege: AuftragRecord;
  responsibilities: ResponsibilityRecord;
}

/** The phone numbers of a party record as a list (only the filled ones). */
export function phonesOf(record: PartyPhones): PhoneValue[] {
  const out: PhoneValue[] = [];
  const add = (kind: PhoneKind, cell: PhoneCell | null | undefined): void => {
    if (cell) out.push({ ...cell, kind });
  };
  add('private', record.phonePrivate);
  add('business', record.phoneBusiness);
  add('mobile', record.phoneMobile);
  add('fax', record.fax);
  return out;
}
