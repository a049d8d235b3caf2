/**
 * The columns of every import kind (issue 22 "Columns"): for each field its id (the record property and the name
 * used by `--map`), the German header the export writes (iX-Haus style), the headers recognised (German iX-Haus-style
 * and English), its value type, and whether a file must have it. Fields follow the store schema
 * (src/core/store/migrations/001_initial.ts, 006_cti.ts) and the demo generator (src/core/demo/demoData.ts).
 * docs/import.md lists this catalogue for users; a unit test checks that both agree.
 *
 * Headers are compared by {@link headerKeys}: case, spaces, dots, hyphens, brackets and umlaut spelling (`ä`/`ae`/`a`)
 * do not matter, and `nummer`/`number` equals `nr`.
 */
import type { ImportKind } from './importTypes';

/** Value types of fields (how cellValues.ts reads a cell). */
export type FieldType =
  /** a natural key or reference number: a whole number > 0 (Objektnummer, Personennummer, …) */
  | 'number'
  | 'text'
  | 'login'
  | 'zip'
  | 'phone'
  | 'email'
  /** a calendar date `31.12.2026` → `2026-12-31` */
  | 'date'
  /** a date with optional time, German local time (Europe/Berlin) → ISO-8601 UTC */
  | 'datetime'
  | 'boolean'
  | 'enum'
  | 'rightsClass';

/** One allowed value of an enum field: the stored value and the spellings recognised. */
export interface EnumValue {
  readonly value: string;
  readonly aliases: readonly string[];
}

/** Phone field kinds (store `phone_numbers.kind`; cti/phoneIndex.ts `PhoneField`). */
export type PhoneKind = 'private' | 'business' | 'mobile' | 'fax';

/** One field of a kind. */
export interface FieldSpec {
  /** English id: the record property and the `--map` target (`phoneMobile`) */
  readonly id: string;
  /** German header the export writes (first recognised header) */
  readonly label: string;
  /** further recognised headers (German and English) */
  readonly aliases: readonly string[];
  readonly type: FieldType;
  /** a file of this kind must have the column (and rows a value) */
  readonly required?: boolean;
  /** most characters (store CHECKs, domain.md §2.1) */
  readonly maxLength?: number;
  readonly values?: readonly EnumValue[];
  /** for phone fields: the kind of number */
  readonly phoneKind?: PhoneKind;
  /** what the field means, for docs/import.md */
  readonly doc: string;
}

/** One kind: its fields and natural key (for duplicate detection and the planner's upsert). */
export interface KindSpec {
  readonly kind: ImportKind;
  /** German name (plural) for messages and the export sheet name */
  readonly label: string;
  readonly fields: readonly FieldSpec[];
  /** field ids forming the natural key of a row (issue 22 "upsert by the natural key") */
  readonly key: readonly string[];
}

const ROLES: readonly EnumValue[] = [
  { value: 'Administrator', aliases: ['Admin'] },
  { value: 'Hauptbenutzer', aliases: ['Main user', 'Power user'] },
  { value: 'Sachbearbeiter', aliases: ['Sachbearbeitung', 'Clerk', 'Staff'] },
  { value: 'Buchhaltung', aliases: ['Buchhalter', 'Accounting'] },
  { value: 'Technik', aliases: ['Techniker', 'Technical'] },
  { value: 'Lesezugriff', aliases: ['Lesen', 'Nur lesen', 'Read only', 'Readonly'] },
];
const TEAM_KINDS: readonly EnumValue[] = [
  { value: 'Buchhaltung', aliases: ['Accounting'] },
  { value: 'Abrechnung', aliases: ['Billing'] },
  { value: 'Objektmanagement', aliases: ['Objektbetreuung', 'Property management'] },
];
const PRIORITIES: readonly EnumValue[] = [
  { value: 'niedrig', aliases: ['gering', 'low'] },
  { value: 'normal', aliases: ['mittel', 'medium'] },
  { value: 'hoch', aliases: ['high', 'dringend'] },
  { value: 'kritisch', aliases: ['critical', 'sehr hoch', 'Notfall'] },
];
const MELDUNG_STATUS: readonly EnumValue[] = [
  { value: 'offen', aliases: ['neu', 'open', 'new'] },
  { value: 'in Bearbeitung', aliases: ['in progress', 'bearbeitung'] },
  { value: 'erledigt', aliases: ['abgeschlossen', 'geschlossen', 'done', 'closed'] },
];
const AUFTRAG_STATUS: readonly EnumValue[] = [
  { value: 'Neu', aliases: ['new', 'offen'] },
  { value: 'In Bearbeitung', aliases: ['in progress'] },
  { value: 'In Genehmigung', aliases: ['Genehmigung', 'pending approval'] },
  { value: 'Genehmigt', aliases: ['approved', 'freigegeben'] },
  { value: 'Erledigt', aliases: ['abgeschlossen', 'done', 'closed'] },
];
const MODULES: readonly EnumValue[] = [
  { value: 'objects', aliases: ['Objekte', 'Objekt', 'Objects', 'Object'] },
  { value: 'meldungen', aliases: ['Meldungen', 'Meldung'] },
  { value: 'auftraege', aliases: ['Aufträge', 'Auftrag', 'Orders', 'Order'] },
  { value: 'technical_objects', aliases: ['Technische Objekte', 'Technisches Objekt', 'Technical objects'] },
];
const RESPONSIBILITY_ROLES: readonly EnumValue[] = [
  { value: 'responsible', aliases: ['Verantwortlicher', 'Verantwortlich', 'Verantwortung'] },
  { value: 'deputy', aliases: ['Vertreter', 'Stellvertreter', 'Vertretung'] },
];

// shared field definitions -----------------------------------------------------------------------------------
const objectNo = (required: boolean, doc: string): FieldSpec => ({
  id: 'objectNo',
  label: 'Objektnummer',
  aliases: ['Objekt-Nr.', 'Obj.-Nr.', 'Objekt', 'Object number', 'Object no', 'Object'],
  type: 'number',
  required,
  doc,
});
const creditorNo = (required: boolean, doc: string): FieldSpec => ({
  id: 'creditorNo',
  label: 'Kreditorennummer',
  aliases: [
    'Kreditornummer',
    'Kred.-Nr.',
    'Kreditor-Nr.',
    'Kreditoren-Nr.',
    'Kreditor',
    'Creditor number',
    'Creditor no',
    'Supplier number',
  ],
  type: 'number',
  required,
  doc,
});
const personNo = (required: boolean, doc: string): FieldSpec => ({
  id: 'personNo',
  label: 'Personennummer',
  aliases: ['Pers.-Nr.', 'Personen-Nr.', 'Person-Nr.', 'Partnernummer', 'Partner-Nr.', 'Person number', 'Person no'],
  type: 'number',
  required,
  doc,
});
const ownerNo = (required: boolean, doc: string): FieldSpec => ({
  id: 'ownerNo',
  label: 'Eigentümernummer',
  aliases: ['Eigentümer-Nr.', 'Eigent.-Nr.', 'ET-Nr.', 'Eigentümer', 'Owner number', 'Owner no'],
  type: 'number',
  required,
  doc,
});
const meldungNo = (required: boolean, doc: string): FieldSpec => ({
  id: 'meldungNo',
  label: 'Meldungsnummer',
  aliases: ['Meldungs-Nr.', 'Meldung-Nr.', 'Meld.-Nr.', 'Meldung', 'Report number'],
  type: 'number',
  required,
  doc,
});
const firstName: FieldSpec = {
  id: 'firstName',
  label: 'Vorname',
  aliases: ['First name', 'Given name'],
  type: 'text',
  maxLength: 30,
  doc: 'first name',
};
const email: FieldSpec = {
  id: 'email',
  label: 'E-Mail',
  aliases: ['Email', 'Mail', 'E-Mail-Adresse', 'Email address', 'E-Mail Adresse'],
  type: 'email',
  maxLength: 254,
  doc: 'e-mail address',
};
const street: FieldSpec = {
  id: 'street',
  label: 'Straße',
  aliases: ['Str.', 'Straße und Hausnummer', 'Anschrift', 'Street', 'Address'],
  type: 'text',
  maxLength: 100,
  doc: 'street and house number',
};
const zip: FieldSpec = {
  id: 'zip',
  label: 'PLZ',
  aliases: ['Postleitzahl', 'Zip', 'Zip code', 'Postal code', 'Postcode'],
  type: 'zip',
  maxLength: 10,
  doc: 'postal code; kept as text with leading zeros (`01067`)',
};
const city: FieldSpec = {
  id: 'city',
  label: 'Ort',
  aliases: ['Stadt', 'Wohnort', 'City', 'Town'],
  type: 'text',
  maxLength: 100,
  doc: 'city',
};
const team: FieldSpec = {
  id: 'team',
  label: 'Team',
  aliases: ['Teamname', 'Team name'],
  type: 'text',
  maxLength: 100,
  doc: 'team name (Teamverwaltung); must exist or be imported first',
};
const phonePrivate: FieldSpec = {
  id: 'phonePrivate',
  label: 'Telefon privat',
  aliases: [
    'Tel. privat',
    'Telefon (privat)',
    'Privat',
    'Privatnummer',
    'Phone private',
    'Home phone',
    'Private phone',
  ],
  type: 'phone',
  phoneKind: 'private',
  maxLength: 40,
  doc: 'phone number, kind private (Telefon privat)',
};
const phoneBusiness: FieldSpec = {
  id: 'phoneBusiness',
  label: 'Telefon geschäftlich',
  aliases: [
    'Telefon',
    'Tel.',
    'Tel. geschäftlich',
    'Telefon (geschäftlich)',
    'Telefon dienstlich',
    'Geschäftlich',
    'Telefonnummer',
    'Phone',
    'Business phone',
    'Work phone',
  ],
  type: 'phone',
  phoneKind: 'business',
  maxLength: 40,
  doc: 'phone number, kind business (Telefon geschäftlich)',
};
const phoneMobile: FieldSpec = {
  id: 'phoneMobile',
  label: 'Mobil',
  aliases: [
    'Handy',
    'Mobiltelefon',
    'Mobilnummer',
    'Tel. mobil',
    'Telefon mobil',
    'Handynummer',
    'Mobile',
    'Mobile phone',
    'Cell phone',
    'Cell',
  ],
  type: 'phone',
  phoneKind: 'mobile',
  maxLength: 40,
  doc: 'phone number, kind mobile (Mobil)',
};
const fax: FieldSpec = {
  id: 'fax',
  label: 'Fax',
  aliases: ['Telefax', 'Faxnummer', 'Fax number'],
  type: 'phone',
  phoneKind: 'fax',
  maxLength: 40,
  doc: 'fax number (kind fax)',
};
const PHONES = [phonePrivate, phoneBusiness, phoneMobile, fax];
const responsible: FieldSpec = {
  id: 'responsible',
  label: 'Verantwortlicher',
  aliases: ['Verantwortlich', 'Responsible'],
  type: 'login',
  maxLength: 8,
  doc: 'login of the responsible user',
};

/** The catalogue: every kind with its fields. Order of fields = column order of the export. */
export const KIND_SPECS: Readonly<Record<ImportKind, KindSpec>> = {
  users: {
    kind: 'users',
    label: 'Benutzer',
    key: ['login'],
    fields: [
      {
        id: 'login',
        label: 'Login',
        aliases: [
          'Loginname',
          'Login-Name',
          'Benutzer',
          'Benutzername',
          'Anmeldename',
          'Benutzerkennung',
          'User',
          'User name',
        ],
        type: 'login',
        required: true,
        maxLength: 8,
        doc: 'iX-Haus login name (1–8 characters, no spaces); natural key',
      },
      {
        id: 'shortCode',
        label: 'Kürzel',
        aliases: ['Kurzzeichen', 'Benutzerkürzel', 'Short code', 'Initials'],
        type: 'text',
        required: true,
        maxLength: 10,
        doc: 'Kürzel (mandatory in iX-Haus, at most 10 characters)',
      },
      {
        id: 'lastName',
        label: 'Nachname',
        aliases: ['Name', 'Familienname', 'Last name', 'Surname'],
        type: 'text',
        required: true,
        maxLength: 30,
        doc: 'last name',
      },
      firstName,
      email,
      {
        id: 'role',
        label: 'Benutzerrolle',
        aliases: ['Rolle', 'Role', 'User role'],
        type: 'enum',
        values: ROLES,
        doc: 'iX-Haus plus Benutzerrolle: Administrator, Hauptbenutzer, Sachbearbeiter, Buchhaltung, Technik, Lesezugriff',
      },
      {
        id: 'rightsClass',
        label: 'Benutzerklasse',
        aliases: ['Klasse', 'Rechteklasse', 'Rights class', 'Class'],
        type: 'rightsClass',
        doc: 'rights class, one letter A–Z (S = Fachadministration)',
      },
      team,
      {
        id: 'active',
        label: 'Aktiv',
        aliases: ['Active', 'Status'],
        type: 'boolean',
        doc: 'active: ja/nein, x/leer, 1/0, aktiv/inaktiv/deaktiviert, true/false',
      },
      {
        id: 'ctiLine',
        label: 'CTI-Kopplung',
        aliases: ['CTI-Leitung', 'Telefonleitung', 'Leitung', 'CTI line', 'Line'],
        type: 'text',
        maxLength: 100,
        doc: 'CTI line (Meine Daten › CTI-Kopplung)',
      },
      {
        id: 'extension',
        label: 'Durchwahl',
        aliases: ['Nebenstelle', 'Telefon intern', 'Apparat', 'Extension'],
        type: 'text',
        maxLength: 20,
        doc: 'internal extension (Durchwahl); kept as text',
      },
      {
        id: 'note',
        label: 'Notiz',
        aliases: ['Bemerkung', 'Note', 'Notes'],
        type: 'text',
        maxLength: 70,
        doc: 'note (at most 70 characters)',
      },
    ],
  },
  teams: {
    kind: 'teams',
    label: 'Teams',
    key: ['name'],
    fields: [
      {
        id: 'name',
        label: 'Team',
        aliases: ['Teamname', 'Name', 'Bezeichnung', 'Team name'],
        type: 'text',
        required: true,
        maxLength: 100,
        doc: 'team name (unique); natural key',
      },
      {
        id: 'name2',
        label: 'Bezeichnung 2',
        aliases: ['Name 2', 'Second name'],
        type: 'text',
        maxLength: 100,
        doc: 'Bezeichnung2 (e.g. casavi)',
      },
      {
        id: 'teamKind',
        label: 'Typ',
        aliases: ['Teamtyp', 'Art', 'Type', 'Team type'],
        type: 'enum',
        values: TEAM_KINDS,
        required: true,
        doc: 'Buchhaltung, Abrechnung or Objektmanagement',
      },
      {
        id: 'leader',
        label: 'Teamleiter',
        aliases: ['Teamleitung', 'Leiter', 'Team leader', 'Leader'],
        type: 'login',
        maxLength: 8,
        doc: 'login of the team leader',
      },
    ],
  },
  objects: {
    kind: 'objects',
    label: 'Objekte',
    key: ['objectNo'],
    fields: [
      objectNo(true, 'Objektnummer (whole number > 0); natural key'),
      {
        id: 'name',
        label: 'Bezeichnung',
        aliases: ['Objektbezeichnung', 'Objektname', 'Name', 'Object name', 'Description'],
        type: 'text',
        required: true,
        maxLength: 200,
        doc: 'object name',
      },
      street,
      zip,
      city,
      team,
    ],
  },
  persons: {
    kind: 'persons',
    label: 'Personen',
    key: ['personNo'],
    fields: [
      personNo(true, 'Personennummer (whole number); natural key'),
      {
        id: 'salutation',
        label: 'Anrede',
        aliases: ['Salutation', 'Title'],
        type: 'text',
        maxLength: 30,
        doc: 'Anrede (Herr, Frau, Firma …)',
      },
      firstName,
      {
        id: 'lastName',
        label: 'Name',
        aliases: ['Nachname', 'Familienname', 'Last name', 'Surname'],
        type: 'text',
        required: true,
        maxLength: 100,
        doc: 'last name (or name of a company)',
      },
      {
        id: 'company',
        label: 'Firma',
        aliases: ['Firmenname', 'Unternehmen', 'Company'],
        type: 'text',
        maxLength: 100,
        doc: 'company',
      },
      street,
      zip,
      city,
      ...PHONES,
      email,
      objectNo(false, 'Objektnummer of the object the person belongs to (relation person ↔ object)'),
    ],
  },
  creditors: {
    kind: 'creditors',
    label: 'Kreditoren',
    key: ['creditorNo'],
    fields: [
      creditorNo(true, 'Kreditorennummer (whole number); natural key'),
      {
        id: 'name',
        label: 'Name',
        aliases: ['Firma', 'Bezeichnung', 'Name 1', 'Company', 'Creditor name'],
        type: 'text',
        required: true,
        maxLength: 100,
        doc: 'name of the creditor (company)',
      },
      {
        id: 'trade',
        label: 'Gewerk',
        aliases: ['Branche', 'Trade'],
        type: 'text',
        maxLength: 100,
        doc: 'Gewerk (trade)',
      },
      street,
      zip,
      city,
      ...PHONES,
      email,
    ],
  },
  owners: {
    kind: 'owners',
    label: 'Eigentümer',
    key: ['ownerNo'],
    fields: [
      ownerNo(true, 'Eigentümernummer (whole number); natural key'),
      firstName,
      {
        id: 'lastName',
        label: 'Name',
        aliases: ['Nachname', 'Familienname', 'Last name', 'Surname'],
        type: 'text',
        required: true,
        maxLength: 100,
        doc: 'last name (or name of a company)',
      },
      street,
      zip,
      city,
      ...PHONES,
      email,
    ],
  },
  'object-links': {
    kind: 'object-links',
    label: 'Objektzuordnungen',
    key: ['objectNo', 'ownerNo', 'creditorNo', 'personNo'],
    fields: [
      objectNo(true, 'Objektnummer'),
      ownerNo(false, 'Eigentümernummer of an owner of the object'),
      creditorNo(false, 'Kreditorennummer of a creditor of the object (Zuständige Firmen)'),
      personNo(false, 'Personennummer of a person of the object'),
    ],
  },
  meldungen: {
    kind: 'meldungen',
    label: 'Meldungen',
    key: ['meldungNo'],
    fields: [
      meldungNo(true, 'Meldungsnummer (whole number); natural key'),
      objectNo(true, 'Objektnummer of the object the Meldung belongs to'),
      {
        id: 'subject',
        label: 'Betreff',
        aliases: ['Titel', 'Subject'],
        type: 'text',
        required: true,
        maxLength: 200,
        doc: 'Betreff (mandatory in iX-Haus)',
      },
      {
        id: 'meldungKind',
        label: 'Meldungsart',
        aliases: ['Art', 'Kategorie', 'Kind', 'Type'],
        type: 'text',
        required: true,
        maxLength: 100,
        doc: 'Meldungsart (catalogue value, e.g. Wasserschaden)',
      },
      {
        id: 'priority',
        label: 'Priorität',
        aliases: ['Prio', 'Dringlichkeit', 'Priority'],
        type: 'enum',
        values: PRIORITIES,
        doc: 'niedrig, normal, hoch, kritisch',
      },
      {
        id: 'status',
        label: 'Status',
        aliases: ['Bearbeitungsstand', 'State'],
        type: 'enum',
        values: MELDUNG_STATUS,
        doc: 'offen, in Bearbeitung, erledigt',
      },
      {
        id: 'reportedAt',
        label: 'Gemeldet am',
        aliases: ['Meldedatum', 'Erfasst am', 'Datum', 'Reported at', 'Reported', 'Date'],
        type: 'datetime',
        doc: 'date (and time) of the report, German local time',
      },
      responsible,
      {
        id: 'deputy',
        label: 'Vertreter',
        aliases: ['Stellvertreter', 'Vertretung', 'Deputy'],
        type: 'login',
        maxLength: 8,
        doc: 'login of the deputy',
      },
    ],
  },
  auftraege: {
    kind: 'auftraege',
    label: 'Aufträge',
    key: ['auftragNo'],
    fields: [
      {
        id: 'auftragNo',
        label: 'Auftragsnummer',
        aliases: ['Auftrags-Nr.', 'Auftrag-Nr.', 'Auftr.-Nr.', 'Auftrag', 'Order number', 'Order no'],
        type: 'number',
        required: true,
        doc: 'Auftragsnummer (whole number); natural key',
      },
      objectNo(true, 'Objektnummer of the object'),
      creditorNo(true, 'Kreditorennummer of the contractor'),
      meldungNo(false, 'Meldungsnummer of the Meldung the Auftrag came from'),
      {
        id: 'subject',
        label: 'Betreff',
        aliases: ['Titel', 'Subject'],
        type: 'text',
        required: true,
        maxLength: 200,
        doc: 'Betreff',
      },
      {
        id: 'status',
        label: 'Status',
        aliases: ['Auftragsstatus', 'State'],
        type: 'enum',
        values: AUFTRAG_STATUS,
        doc: 'Neu, In Bearbeitung, In Genehmigung, Genehmigt, Erledigt',
      },
      {
        id: 'createdAt',
        label: 'Erstellt am',
        aliases: ['Auftragsdatum', 'Angelegt am', 'Datum', 'Created at', 'Created', 'Date'],
        type: 'datetime',
        doc: 'date (and time) the Auftrag was created, German local time',
      },
      responsible,
    ],
  },
  responsibilities: {
    kind: 'responsibilities',
    label: 'Verantwortlichkeiten',
    key: ['module', 'objectNo', 'record', 'role'],
    fields: [
      {
        id: 'module',
        label: 'Modul',
        aliases: ['Bereich', 'Module'],
        type: 'enum',
        values: MODULES,
        doc: 'Objekte, Meldungen, Aufträge, Technische Objekte (empty: the object itself)',
      },
      objectNo(true, 'Objektnummer'),
      {
        id: 'record',
        label: 'Datensatz',
        aliases: ['Datensatznummer', 'Vorgang', 'Vorgangsnummer', 'Record', 'Record no'],
        type: 'text',
        maxLength: 200,
        doc: 'Meldungs-/Auftragsnummer, or the name of the technical object; empty for the object itself',
      },
      {
        id: 'login',
        label: 'Benutzer',
        aliases: ['Login', 'Mitarbeiter', 'Sachbearbeiter', 'User'],
        type: 'login',
        required: true,
        maxLength: 8,
        doc: 'login of the user',
      },
      {
        id: 'role',
        label: 'Rolle',
        aliases: ['Funktion', 'Role'],
        type: 'enum',
        values: RESPONSIBILITY_ROLES,
        doc: 'Verantwortlicher or Vertreter (default Verantwortlicher)',
      },
    ],
  },
};

/**
 * The comparison keys of a header or alias (issue 22: case-, space-, dot-, hyphen- and umlaut-insensitive): lower
 * case, `ß` → `ss`, accents dropped, everything but letters and digits removed, `nummer`/`number` → `nr`. Two keys,
 * one with `ä` → `ae` and one with `ä` → `a`, so that `Geschäft`, `Geschaeft` and `Geschaft` meet.
 */
export function headerKeys(text: string): [string, string] {
  const base = text.trim().toLowerCase().replace(/ß/g, 'ss');
  const fold = (s: string): string =>
    s
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^a-z0-9]/g, '')
      .replace(/nummer|number/g, 'nr');
  const ae = fold(base.replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue'));
  const a = fold(base);
  return [ae, a];
}

/** The lookup table header key → field id of a kind (both keys of every label, alias and field id). */
export function headerIndex(spec: KindSpec): Map<string, string> {
  const index = new Map<string, string>();
  for (const field of spec.fields) {
    for (const name of [field.label, field.id, ...field.aliases]) {
      for (const key of headerKeys(name)) if (!index.has(key)) index.set(key, field.id);
    }
  }
  return index;
}

/** The field of a kind a header names, or undefined. */
export function fieldForHeader(spec: KindSpec, header: string, index = headerIndex(spec)): string | undefined {
  for (const key of headerKeys(header)) {
    const id = index.get(key);
    if (id) return id;
  }
  // "Telefon privat 2", "Mobil (2)": a trailing number after a known header is not a second field
  return undefined;
}

/** The spec of a field id, or undefined. */
export function fieldSpec(spec: KindSpec, id: string): FieldSpec | undefined {
  return spec.fields.find((f) => f.id === id);
}

/** Enum values stored under an English name (modules, assignment roles); files show their German alias. */
export const STORED_IN_ENGLISH: ReadonlySet<string> = new Set([
  'objects',
  'meldungen',
  'auftraege',
  'technical_objects',
  'responsible',
  'deputy',
]);

/** The text a file shows for an enum value (the German alias of a value stored in English). */
export function enumDisplay(field: FieldSpec, value: string): string {
  const v = field.values?.find((e) => e.value === value);
  return v && STORED_IN_ENGLISH.has(v.value) ? (v.aliases[0] ?? value) : value;
}

/** The value of an enum field a cell text means, or undefined. Case, spaces and umlaut spelling do not matter. */
export function enumValue(field: FieldSpec, text: string): string | undefined {
  const keys = headerKeys(text);
  for (const v of field.values ?? []) {
    for (const name of [v.value, ...v.aliases]) {
      const candidate = headerKeys(name);
      if (candidate[0] === keys[0] || candidate[1] === keys[1]) return v.value;
    }
  }
  return undefined;
}
