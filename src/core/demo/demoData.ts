import { Faker, base, de } from '@faker-js/faker';
import type { Store } from '../store/database';
import { DEMO_KID, demoPrivateKey } from '../license/demoVendorKey';
import { issueLicenseFile, licenseKeyFileText } from '../license/licenseIssuer';
import type { LicensePayload } from '../license/licenseFile';
import { buildTrustedKeys, installLicenseIn, verifyForStore } from '../license/licenseService';
import { directTransaction } from '../store/sqlJsAsyncStore';
import { hashPassword } from '../users/password';
import { AREA_CODE_META_KEY, INSERT_INDEX, INSERT_PHONE, indexRowsFor } from '../cti/phoneIndex';
import type { Actor } from '../access/rights';

/** How many records of each kind the demo generator writes. Parties = persons + creditors + owners. */
export interface DemoSizes {
  readonly users: number;
  readonly teams: number;
  readonly objects: number;
  readonly persons: number;
  readonly creditors: number;
  readonly owners: number;
  /** Meldungen per object (average) */
  readonly meldungenPerObject: number;
  /** Aufträge per object (average) */
  readonly auftraegePerObject: number;
}

/** The default demo (issue "Foundation" §4): 30 users, 4 teams, 200 objects, 5,000 / 800 / 1,500 parties. */
export const DEFAULT_DEMO_SIZES: DemoSizes = {
  users: 30,
  teams: 4,
  objects: 200,
  persons: 5000,
  creditors: 800,
  owners: 1500,
  meldungenPerObject: 3,
  auftraegePerObject: 2,
};

/** Own area code (Ortsvorwahl, canonical without 0) of the demo office: Berlin. */
export const DEMO_AREA_CODE = '30';

/** Upper bound of parties the generator accepts (benchmarks use up to 1,000,000). */
export const MAX_DEMO_PARTIES = 2_000_000;

/** The documented demo logins (README "Demo store"). Every other demo user has the password {@link DEMO_PASSWORD}. */
export const DEMO_ADMIN_LOGIN = 'admin';
export const DEMO_PASSWORD = 'demo';
export const DEMO_HAUPTBENUTZER_LOGIN = 'haupt';

/** Default seed: the same seed and sizes give the same store content (dates aside, which follow `now`). */
export const DEFAULT_DEMO_SEED = 4711;

/** What {@link generateDemoData} wrote. */
export interface DemoSummary {
  readonly users: number;
  readonly teams: number;
  readonly objects: number;
  readonly persons: number;
  readonly creditors: number;
  readonly owners: number;
  readonly phoneNumbers: number;
  readonly meldungen: number;
  readonly auftraege: number;
  readonly responsibilities: number;
}

export interface DemoOptions {
  readonly sizes?: Partial<DemoSizes>;
  readonly seed?: number;
  /** reference time for dates (default now) */
  readonly now?: Date;
  /** called with (records written, records planned) every few thousand records */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Licensed modules of the demo license: code, name, seats (domain.md §3 module names). */
const DEMO_MODULES: ReadonlyArray<readonly [string, string, number]> = [
  ['PERSONEN', 'Personen plus', 25],
  ['KREDITOREN', 'Kreditoren/Debitoren plus', 25],
  ['OBJEKTE', 'Objekte plus', 25],
  ['MELDUNGEN', 'Meldungen', 20],
  ['AUFTRAEGE', 'Aufträge', 12],
  ['KOMFORT', 'Komfortpaket', 30],
  ['TECHOBJ', 'Technische Objekte', 8],
  ['SCHEDULER', 'Scheduler', 2],
  ['PROTOKOLL', 'Protokollverwaltung', 3],
  ['CTI', 'CTI', 15],
  ['IMPORT', 'Import', 1],
];

const ROLES_CYCLE = [
  'Sachbearbeiter',
  'Sachbearbeiter',
  'Buchhaltung',
  'Technik',
  'Sachbearbeiter',
  'Lesezugriff',
] as const;
const TEAM_KINDS = ['Objektmanagement', 'Buchhaltung', 'Abrechnung'] as const;
const TEAM_NAMES = ['Nord', 'Süd', 'West', 'Ost', 'Mitte', 'WEG', 'Gewerbe', 'Sonder'];
const AREA_CODES = [
  '30',
  '40',
  '89',
  '221',
  '69',
  '711',
  '211',
  '201',
  '341',
  '351',
  '511',
  '911',
  '421',
  '231',
  '6221',
  '4621',
];
const MOBILE_PREFIXES = ['151', '152', '160', '162', '170', '171', '172', '176', '177', '179'];
const TRADES = [
  'Sanitär',
  'Elektro',
  'Heizung',
  'Dach',
  'Maler',
  'Garten- und Landschaftsbau',
  'Hausmeisterdienst',
  'Aufzug',
  'Schlüsseldienst',
  'Reinigung',
];
const MELDUNG_KINDS = [
  'Wasserschaden',
  'Heizungsausfall',
  'Lärmbelästigung',
  'Schlüsselverlust',
  'Defekte Beleuchtung',
  'Aufzugsstörung',
  'Schimmel',
  'Müllentsorgung',
];
const TECH_KINDS = ['Aufzug', 'Heizungsanlage', 'Rauchwarnmelder', 'Brandschutztür', 'Hebeanlage', 'Spielplatz'];
const MELDUNG_STATUS = ['offen', 'in Bearbeitung', 'erledigt'] as const;
const AUFTRAG_STATUS = ['Neu', 'In Bearbeitung', 'In Genehmigung', 'Genehmigt', 'Erledigt'] as const;
const PRIORITIES = ['niedrig', 'normal', 'normal', 'hoch', 'kritisch'] as const;

/**
 * Fills an empty store with deterministic, German-looking fake data (@faker-js/faker, locale `de`, fixed seed) —
 * never real people (issue "Foundation" §4). Phone numbers are written the many ways German offices write them
 * (`030 1234567`, `+49 (0)30 …`, `0049 …`, `0171/…`, `… -12` extensions, some without area code). One
 * transaction: either everything is written or nothing.
 * @throws Error when the store already holds users (demo data is only written into a new store)
 */
export async function generateDemoData(store: Store, options: DemoOptions = {}): Promise<DemoSummary> {
  const sizes = { ...DEFAULT_DEMO_SIZES, ...options.sizes };
  for (const [key, value] of Object.entries(sizes)) {
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`demo size ${key} must be a number ≥ 0, got ${value}`);
  }
  if (sizes.persons + sizes.creditors + sizes.owners > MAX_DEMO_PARTIES)
    throw new RangeError(`at most ${MAX_DEMO_PARTIES} parties`);
  if (sizes.users < 2) throw new RangeError('the demo needs at least 2 users (admin and Hauptbenutzer)');
  if (
    Number(store.scalar('SELECT count(*) FROM users')) > 0 ||
    Number(store.scalar('SELECT count(*) FROM licenses')) > 0
  ) {
    throw new Error('the store already holds users or licenses; demo data is written only into a new store');
  }

  const now = options.now ?? new Date();
  const faker = new Faker({ locale: [de, base], seed: options.seed ?? DEFAULT_DEMO_SEED });
  faker.setDefaultRefDate(now);
  const passwordHashes = await Promise.all(Array.from({ length: sizes.users }, () => hashPassword(DEMO_PASSWORD)));

  const total = sizes.users + sizes.objects + sizes.persons + sizes.creditors + sizes.owners;
  let done = 0;
  const progress = (n = 1): void => {
    const before = done;
    done += n;
    if (options.onProgress && Math.floor(done / 5000) !== Math.floor(before / 5000)) options.onProgress(done, total);
  };

  // one transaction: either everything is written or nothing (the license goes through the async license service)
  const summary = await store.transactionAsync(async (): Promise<DemoSummary> => {
    // the demo office is in Berlin: numbers written without an area code are read in 030 (CTI, C22)
    store.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
      AREA_CODE_META_KEY,
      DEMO_AREA_CODE,
    ]);
    // created as a demo store: only such a store trusts the built-in demo vendor key (issue 15)
    store.run(
      "INSERT INTO meta (key, value) VALUES ('store_kind', 'demo') ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
    const ctx: DemoContext = {
      store,
      faker,
      sizes,
      progress,
      phone: new PhoneWriter(store, faker, DEMO_AREA_CODE),
      responsibilities: 0,
    };
    // the order of the steps is the order of the faker calls: keep it, or the same seed gives other data
    const userIds = writeUsers(ctx, passwordHashes);
    writeModuleUnlocks(ctx, userIds);
    const teamIds = writeTeams(ctx, userIds);
    const pickStaff = staffPicker(ctx, userIds);
    const objectIds = writeObjects(ctx, teamIds, pickStaff);
    const pickObject = (): number | null =>
      objectIds.length === 0 ? null : (objectIds[faker.number.int({ min: 0, max: objectIds.length - 1 })] ?? null);
    writePersons(ctx, pickObject);
    const creditorIds = writeCreditors(ctx, pickObject);
    writeOwners(ctx, pickObject);
    const { meldungen, auftraege } = writeMeldungenAndAuftraege(ctx, objectIds, creditorIds, pickStaff);
    await writeSettingsAndLicense(ctx, now, userIds[0] ?? null, options.seed ?? DEFAULT_DEMO_SEED);
    return {
      users: userIds.length,
      teams: teamIds.length,
      objects: objectIds.length,
      persons: sizes.persons,
      creditors: sizes.creditors,
      owners: sizes.owners,
      phoneNumbers: ctx.phone.count,
      meldungen,
      auftraege,
      responsibilities: ctx.responsibilities,
    };
  });
  options.onProgress?.(total, total);
  return summary;
}

/** What the steps of {@link generateDemoData} share (inside its one transaction). */
interface DemoContext {
  readonly store: Store;
  readonly faker: Faker;
  readonly sizes: DemoSizes;
  readonly progress: (n?: number) => void;
  readonly phone: PhoneWriter;
  /** responsibilities written so far */
  responsibilities: number;
}

function addResponsibility(
  ctx: DemoContext,
  module: string,
  objectId: number,
  recordId: number | null,
  role: 'responsible' | 'deputy',
  userId: number,
): void {
  ctx.store.run('INSERT INTO responsibilities (module, object_id, record_id, user_id, role) VALUES (?, ?, ?, ?, ?)', [
    module,
    objectId,
    recordId,
    userId,
    role,
  ]);
  ctx.responsibilities++;
}

/** Picks a random staff member (not admin, not Hauptbenutzer) as responsible. */
function staffPicker(ctx: DemoContext, userIds: readonly number[]): () => number {
  const staff = userIds.slice(2);
  return () => staff[ctx.faker.number.int({ min: 0, max: staff.length - 1 })] ?? userIds[0] ?? 1;
}

/** Users: the built-in admin, the Hauptbenutzer, then staff with roles in a fixed cycle. Returns their ids. */
function writeUsers(ctx: DemoContext, passwordHashes: readonly string[]): number[] {
  const { store, faker } = ctx;
  const userIds: number[] = [];
  const usedLogins = new Set<string>();
  const insertUser =
    'INSERT INTO users (login, short_code, last_name, first_name, email, rights_class, role, active, coupled, password_hash, extension, tab_counters) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id';
  for (let i = 0; i < ctx.sizes.users; i++) {
    // the built-in admin account carries no person's name, as in iX-Haus
    const first = i === 0 ? 'iX-Haus' : faker.person.firstName();
    const last = i === 0 ? 'Administrator' : faker.person.lastName().slice(0, 30);
    let login: string;
    let role: string;
    let rightsClass: string;
    if (i === 0) {
      [login, role, rightsClass] = [DEMO_ADMIN_LOGIN, 'Administrator', 'S'];
    } else if (i === 1) {
      [login, role, rightsClass] = [DEMO_HAUPTBENUTZER_LOGIN, 'Hauptbenutzer', 'H'];
    } else {
      login = uniqueLogin(first, last, usedLogins);
      role = ROLES_CYCLE[i % ROLES_CYCLE.length] ?? 'Sachbearbeiter';
      rightsClass = role === 'Buchhaltung' ? 'B' : role === 'Lesezugriff' ? 'L' : 'A';
    }
    usedLogins.add(login);
    const shortCode = (first.slice(0, 1) + last.slice(0, 2)).toUpperCase() + String(i).padStart(2, '0');
    const active = i > 1 && i % 13 === 0 ? 0 : 1;
    const coupled = i > 1 && i % 11 === 0 ? 0 : 1;
    const email = faker.internet.email({ firstName: first, lastName: last, provider: 'musterverwaltung.example' });
    const extension = String(200 + i);
    const id = store.insertId(insertUser, [
      login,
      shortCode,
      last,
      first.slice(0, 30),
      email,
      rightsClass,
      role,
      active,
      coupled,
      passwordHashes[i] ?? '',
      extension,
      i % 3 === 0 ? 1 : 0,
    ]);
    userIds.push(id);
    ctx.progress();
  }
  return userIds;
}

/** Module unlocks within the demo license's seats (admin and Hauptbenutzer get everything). */
function writeModuleUnlocks(ctx: DemoContext, userIds: readonly number[]): void {
  for (const [code, , seats] of DEMO_MODULES) {
    const holders = userIds.filter((_, index) => index < 2 || (index * 7 + code.length) % 3 !== 0).slice(0, seats);
    for (const id of holders)
      ctx.store.run('INSERT INTO user_modules (user_id, module_code) VALUES (?, ?)', [id, code]);
  }
}

/** Teams with a leader, every user a member of one. Returns the team ids. */
function writeTeams(ctx: DemoContext, userIds: readonly number[]): number[] {
  const { store } = ctx;
  const teamIds: number[] = [];
  for (let i = 0; i < ctx.sizes.teams; i++) {
    const name = `Team ${TEAM_NAMES[i % TEAM_NAMES.length]}${i >= TEAM_NAMES.length ? ` ${Math.floor(i / TEAM_NAMES.length) + 1}` : ''}`;
    const leader = userIds[2 + (i % Math.max(1, userIds.length - 2))] ?? userIds[0];
    const id = store.insertId(
      'INSERT INTO teams (name, name2, kind, leader_user_id) VALUES (?, ?, ?, ?) RETURNING id',
      [name, i === 0 ? 'casavi' : null, TEAM_KINDS[i % TEAM_KINDS.length] ?? 'Objektmanagement', leader ?? null],
    );
    teamIds.push(id);
  }
  userIds.forEach((userId, index) => {
    const teamId = teamIds[index % Math.max(1, teamIds.length)];
    if (teamId !== undefined) store.run('INSERT INTO team_members (team_id, user_id) VALUES (?, ?)', [teamId, userId]);
  });
  return teamIds;
}

/** Objects with responsible and deputy, and two technical objects each. Returns the object ids. */
function writeObjects(ctx: DemoContext, teamIds: readonly number[], pickStaff: () => number): number[] {
  const { store, faker } = ctx;
  const objectIds: number[] = [];
  for (let i = 0; i < ctx.sizes.objects; i++) {
    const city = faker.location.city();
    const street = faker.location.street();
    const name =
      i % 5 === 0
        ? `WEG ${street} ${faker.number.int({ min: 1, max: 120 })}`
        : `${street} ${faker.number.int({ min: 1, max: 120 })}, ${city}`;
    const teamId = teamIds.length > 0 ? (teamIds[i % teamIds.length] ?? null) : null;
    const id = store.insertId(
      'INSERT INTO objects (object_no, name, street, zip, city, team_id) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
      [1001 + i, name, street, faker.location.zipCode(), city, teamId],
    );
    objectIds.push(id);
    addResponsibility(ctx, 'objects', id, null, 'responsible', pickStaff());
    addResponsibility(ctx, 'objects', id, null, 'deputy', pickStaff());
    for (let t = 0; t < 2; t++) {
      const techId = store.insertId(
        'INSERT INTO technical_objects (object_id, name, kind) VALUES (?, ?, ?) RETURNING id',
        [id, `${faker.helpers.arrayElement(TECH_KINDS)} ${t + 1}`, faker.helpers.arrayElement(TECH_KINDS)],
      );
      addResponsibility(ctx, 'technical_objects', id, techId, 'responsible', pickStaff());
    }
    ctx.progress();
  }
  return objectIds;
}

/** Persons (Mieter, Firmen) with their phone numbers. */
function writePersons(ctx: DemoContext, pickObject: () => number | null): void {
  const { store, faker, phone } = ctx;
  for (let i = 0; i < ctx.sizes.persons; i++) {
    const sex = faker.person.sexType();
    const first = faker.person.firstName(sex);
    const last = faker.person.lastName();
    const company = i % 17 === 0 ? faker.company.name() : null;
    const id = store.insertId(
      'INSERT INTO persons (person_no, salutation, first_name, last_name, company, email, object_id) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
      [
        100000 + i,
        company ? 'Firma' : sex === 'female' ? 'Frau' : 'Herr',
        first,
        last,
        company,
        i % 4 === 0 ? null : faker.internet.email({ firstName: first, lastName: last, provider: 'example.org' }),
        pickObject(),
      ],
    );
    phone.write('person', id, 'private');
    if (i % 2 === 0) phone.write('person', id, 'mobile');
    if (i % 5 === 0) phone.write('person', id, 'business');
    ctx.progress();
  }
}

/** Kreditoren (contractors by trade) with phone numbers, each linked to an object. Returns their ids. */
function writeCreditors(ctx: DemoContext, pickObject: () => number | null): number[] {
  const { store, faker, phone } = ctx;
  const creditorIds: number[] = [];
  for (let i = 0; i < ctx.sizes.creditors; i++) {
    const trade = faker.helpers.arrayElement(TRADES);
    const id = store.insertId(
      'INSERT INTO creditors (creditor_no, name, trade, email) VALUES (?, ?, ?, ?) RETURNING id',
      [
        70000 + i,
        `${faker.company.name()} ${trade}`.slice(0, 80),
        trade,
        faker.internet.email({ provider: 'handwerk.example' }),
      ],
    );
    creditorIds.push(id);
    phone.write('creditor', id, 'business');
    if (i % 3 === 0) phone.write('creditor', id, 'fax');
    if (i % 4 === 0) phone.write('creditor', id, 'mobile');
    const objectId = pickObject();
    if (objectId !== null)
      store.run(
        'INSERT INTO object_creditors (object_id, creditor_id) VALUES (?, ?) ON CONFLICT (object_id, creditor_id) DO NOTHING',
        [objectId, id],
      );
    ctx.progress();
  }
  return creditorIds;
}

/** Eigentümer with phone numbers, each linked to an object. */
function writeOwners(ctx: DemoContext, pickObject: () => number | null): void {
  const { store, faker, phone } = ctx;
  for (let i = 0; i < ctx.sizes.owners; i++) {
    const first = faker.person.firstName();
    const last = faker.person.lastName();
    const id = store.insertId(
      'INSERT INTO owners (owner_no, first_name, last_name, email) VALUES (?, ?, ?, ?) RETURNING id',
      [
        500000 + i,
        first,
        last,
        i % 3 === 0 ? null : faker.internet.email({ firstName: first, lastName: last, provider: 'example.net' }),
      ],
    );
    phone.write('owner', id, i % 3 === 0 ? 'business' : 'private');
    if (i % 2 === 1) phone.write('owner', id, 'mobile');
    const objectId = pickObject();
    if (objectId !== null)
      store.run(
        'INSERT INTO object_owners (object_id, owner_id) VALUES (?, ?) ON CONFLICT (object_id, owner_id) DO NOTHING',
        [objectId, id],
      );
    ctx.progress();
  }
}

/** Meldungen and Aufträge (an Auftrag per Meldung where there is one) with their responsibles. */
function writeMeldungenAndAuftraege(
  ctx: DemoContext,
  objectIds: readonly number[],
  creditorIds: readonly number[],
  pickStaff: () => number,
): { meldungen: number; auftraege: number } {
  const { store, faker, sizes } = ctx;
  let meldungen = 0;
  let auftraege = 0;
  const meldungCount = Math.round(sizes.objects * sizes.meldungenPerObject);
  const meldungIds: Array<[number, number]> = [];
  for (let i = 0; i < meldungCount && objectIds.length > 0; i++) {
    const objectId = objectIds[i % objectIds.length] ?? 1;
    const status = faker.helpers.arrayElement(MELDUNG_STATUS);
    const kind = faker.helpers.arrayElement(MELDUNG_KINDS);
    const id = store.insertId(
      'INSERT INTO meldungen (meldung_no, object_id, subject, kind, priority, status, reported_at, closed) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
      [
        20000 + i,
        objectId,
        `${kind}: ${faker.location.secondaryAddress()}`,
        kind,
        faker.helpers.arrayElement(PRIORITIES),
        status,
        faker.date.recent({ days: 180 }).toISOString(),
        status === 'erledigt' ? 1 : 0,
      ],
    );
    meldungIds.push([id, objectId]);
    addResponsibility(ctx, 'meldungen', objectId, id, 'responsible', pickStaff());
    if (i % 2 === 0) addResponsibility(ctx, 'meldungen', objectId, id, 'deputy', pickStaff());
    meldungen++;
  }
  const auftragCount = Math.round(sizes.objects * sizes.auftraegePerObject);
  for (let i = 0; i < auftragCount && objectIds.length > 0 && creditorIds.length > 0; i++) {
    const [meldungId, objectId] = meldungIds[i] ?? [null, objectIds[i % objectIds.length] ?? 1];
    const status = faker.helpers.arrayElement(AUFTRAG_STATUS);
    const creditorId = creditorIds[faker.number.int({ min: 0, max: creditorIds.length - 1 })] ?? 1;
    const id = store.insertId(
      'INSERT INTO auftraege (auftrag_no, object_id, creditor_id, meldung_id, subject, status, created_at, closed) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
      [
        30000 + i,
        objectId,
        creditorId,
        meldungId,
        `${faker.helpers.arrayElement(TRADES)}arbeiten ${faker.location.secondaryAddress()}`,
        status,
        faker.date.recent({ days: 120 }).toISOString(),
        status === 'Erledigt' ? 1 : 0,
      ],
    );
    addResponsibility(ctx, 'auftraege', objectId, id, 'responsible', pickStaff());
    auftraege++;
  }
  return { meldungen, auftraege };
}

/** A few settings changed from their defaults, the demo license, and the demo's meta and audit rows. */
async function writeSettingsAndLicense(ctx: DemoContext, now: Date, admin: number | null, seed: number): Promise<void> {
  const { store } = ctx;
  const at = now.toISOString();
  for (const [area, section, name, value] of [
    ['iX-Haus', 'Admin', 'Datenbank-Produktivsystem', 'IXHAUS'],
    ['iX-Haus', 'Multisession', 'MaximaleAnzahlDerSession', '4'],
    ['iX-Haus Plus', 'Globale Einstellungen', 'PlusGlobalCTIKopplungAktiv', '1'],
    ['iX-Haus Plus', 'Globale Einstellungen', 'PlusGlobalCTIVorwahlExternAnrufe', '0'],
    ['iX-Haus Plus', 'Layout', 'TabreiterZaehlerAlleUser', '1'],
  ] as const) {
    store.run(
      'INSERT INTO setting_values (area, section, name, user_id, value, changed_at, changed_by) VALUES (?, ?, ?, NULL, ?, ?, ?)',
      [area, section, name, value, at, admin],
    );
  }
  await installDemoLicense(store, now, {
    id: admin ?? 1,
    login: DEMO_ADMIN_LOGIN,
    displayName: 'iX-Haus Administrator',
    rightsClass: 'S',
    role: 'Administrator',
  });
  store.run("INSERT INTO meta (key, value) VALUES ('demo', '1'), ('demo_seed', ?), ('created_at', ?)", [
    String(seed),
    at,
  ]);
  store.run('INSERT INTO audit_log (at, user_id, action, entity, entity_key, new_value) VALUES (?, ?, ?, ?, ?, ?)', [
    at,
    admin,
    'demo.create',
    'store',
    null,
    JSON.stringify(ctx.sizes),
  ]);
}

/** The license key of the demo license (`Lizenzkey:` of its `.txt`). */
export const DEMO_LICENSE_KEY = 'DEMO1-IXHAU-SPLUS-ADMIN-2026X';

/** The payload of the demo license at `now`: valid to the end of next year, Scheduler ending in 20 days. */
export function demoLicensePayload(now: Date): LicensePayload {
  const validUntil = new Date(Date.UTC(now.getUTCFullYear() + 1, 11, 31)).toISOString().slice(0, 10);
  const soon = new Date(now.getTime() + 20 * 86_400_000).toISOString().slice(0, 10);
  const modules = DEMO_MODULES.map(([code, name, seats]) => ({
    code,
    name,
    seats,
    validUntil: code === 'SCHEDULER' ? soon : null,
  }));
  return {
    licenseNo: 'DEMO-0001',
    customer: { no: '99999', name: 'Musterverwaltung GmbH' },
    product: 'ixhaus-plus',
    serial: 1,
    issued: now.toISOString(),
    validUntil,
    modules,
  };
}

/**
 * Issues the demo license with the built-in demo vendor key and installs it through the license service,
 * exactly as an admin would (product.md §2): it is marked Demo everywhere.
 */
async function installDemoLicense(store: Store, now: Date, admin: Actor): Promise<void> {
  const tx = directTransaction(store);
  const file = issueLicenseFile(
    demoLicensePayload(now),
    { kid: DEMO_KID, privateKey: demoPrivateKey() },
    DEMO_LICENSE_KEY,
  );
  const verified = await verifyForStore(tx, file, licenseKeyFileText(DEMO_LICENSE_KEY), buildTrustedKeys().keys, now);
  await installLicenseIn(tx, admin, verified, now);
}

/** A login of at most 8 lowercase ASCII characters from a name, unique among `used`. */
function uniqueLogin(first: string, last: string, used: Set<string>): string {
  const ascii = (s: string): string =>
    s
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/ß/g, 'ss')
      .toLowerCase()
      .replace(/[^a-z]/g, '');
  const stem = (ascii(first).slice(0, 1) + ascii(last)).slice(0, 8) || 'user';
  if (!used.has(stem)) return stem;
  for (let n = 2; ; n++) {
    const candidate = stem.slice(0, 8 - String(n).length) + String(n);
    if (!used.has(candidate)) return candidate;
  }
}

/** Writes phone numbers in the many spellings found in German offices (through the CTI index, phoneIndex.ts). */
class PhoneWriter {
  count = 0;

  constructor(
    private readonly store: Store,
    private readonly faker: Faker,
    private readonly areaCode: string,
  ) {}

  write(party: 'person' | 'creditor' | 'owner', id: number, kind: 'private' | 'business' | 'mobile' | 'fax'): void {
    const raw = kind === 'mobile' ? this.mobile() : this.landline(kind);
    // bulk: the sync engine with the CTI index's own statements and index rows (phoneIndex.ts)
    const phoneId = Number(
      this.store.get<{ id: number }>(INSERT_PHONE, [
        party === 'person' ? id : null,
        party === 'creditor' ? id : null,
        party === 'owner' ? id : null,
        kind,
        raw,
      ])?.id,
    );
    for (const row of indexRowsFor(raw, this.areaCode))
      this.store.run(INSERT_INDEX, [phoneId, row.variant, row.e164, row.last8, row.extension]);
    this.count++;
  }

  private digits(count: number): string {
    let text = String(this.faker.number.int({ min: 1, max: 9 }));
    for (let i = 1; i < count; i++) text += String(this.faker.number.int({ min: 0, max: 9 }));
    return text;
  }

  private landline(kind: 'private' | 'business' | 'fax'): string {
    const area = this.faker.helpers.arrayElement(AREA_CODES);
    const subscriber = this.digits(area.length >= 4 ? 6 : 7);
    const grouped = subscriber.replace(/(\d{2})(?=\d{2,}$)/g, '$1 ').trim();
    const extension = kind === 'fax' ? '99' : String(this.faker.number.int({ min: 0, max: 49 }));
    switch (this.faker.number.int({ min: 0, max: 9 })) {
      case 0:
        return `0${area} ${subscriber}`;
      case 1:
        return `+49 (0)${area} ${subscriber}`;
      case 2:
        return `0049 ${area} ${subscriber}`;
      case 3:
        return `0${area}/${subscriber}`;
      case 4:
        return kind === 'private' ? `0${area}-${subscriber}` : `0${area} ${subscriber.slice(0, -2)}-${extension}`;
      case 5:
        return `(0${area}) ${grouped}`;
      case 6:
        return `+49 ${area} ${subscriber.slice(0, -2)}-${extension === '0' ? '0' : extension}`;
      case 7:
        return subscriber; // no area code: the caller's own area is assumed
      case 8:
        return `+49${area}${subscriber}`;
      default:
        return `0${area} / ${grouped}`;
    }
  }

  private mobile(): string {
    const prefix = this.faker.helpers.arrayElement(MOBILE_PREFIXES);
    const subscriber = this.digits(prefix === '176' || prefix === '151' ? 8 : 7);
    switch (this.faker.number.int({ min: 0, max: 5 })) {
      case 0:
        return `0${prefix}/${subscriber}`;
      case 1:
        return `0${prefix} ${subscriber.slice(0, 3)} ${subscriber.slice(3)}`;
      case 2:
        return `+49 ${prefix} ${subscriber}`;
      case 3:
        return `0049${prefix}${subscriber}`;
      case 4:
        return `+49 (0)${prefix} ${subscriber}`;
      default:
        return `0${prefix}-${subscriber}`;
    }
  }
}
