import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers';
import { readImportFile } from '../../src/core/import/importReader';
import { escapeFormula, exportCsv, exportXlsx } from '../../src/core/import/exportWriter';
import type { ImportKind } from '../../src/core/import/importTypes';
import { IMPORT_KINDS } from '../../src/core/import/importTypes';
import type { ImportRecordMap } from '../../src/core/import/importRecords';
import { KIND_SPECS, headerIndex, headerKeys } from '../../src/core/import/columnCatalog';
import { guessKind } from '../../src/core/import/columnMapping';
import {
  parseGermanNumber,
  readDate,
  readDateTime,
  readKeyNumber,
  readPhone,
  readZip,
} from '../../src/core/import/cellValues';

/** Sample records of every kind, with the hard cases: umlauts, line breaks, formula starts, leading zeros. */
const SAMPLES: { [K in ImportKind]: ImportRecordMap[K][] } = {
  users: [
    {
      login: 'jmueller',
      shortCode: 'JMÜ',
      lastName: 'Müller',
      firstName: 'Jürgen',
      email: 'j.mueller@musterverwaltung.example',
      role: 'Sachbearbeiter',
      rightsClass: 'A',
      team: 'Team Süd',
      active: false,
      ctiLine: 'SIP/201',
      extension: '0201',
      note: '=HYPERLINK("http://evil")',
    },
  ],
  teams: [{ name: 'Team Nord', name2: 'casavi', teamKind: 'Objektmanagement', leader: 'jmueller' }],
  objects: [
    {
      objectNo: 1001,
      name: 'WEG Königstraße 5',
      street: 'Königstraße 5',
      zip: '01067',
      city: 'Dresden',
      team: 'Team Nord',
    },
  ],
  persons: [
    {
      personNo: 100001,
      salutation: 'Frau',
      firstName: 'Zoë',
      lastName: '-Weiß',
      company: '@Home GmbH',
      street: 'Am Anger 1',
      zip: '04109',
      city: 'Leipzig',
      phonePrivate: { raw: '+49 30 1234567', e164: '+49301234567' },
      phoneBusiness: { raw: '030 123456-12', e164: '+4930123456' },
      phoneMobile: { raw: '0171/2345678', e164: '+491712345678' },
      fax: { raw: 'nur per Post', e164: undefined },
      email: 'zoe@example.org',
      objectNo: 1001,
    },
  ],
  creditors: [
    {
      creditorNo: 70001,
      name: 'Sanitär "Wasserfest" GmbH; Notdienst',
      trade: 'Sanitär',
      street: null,
      zip: null,
      city: null,
      phonePrivate: null,
      phoneBusiness: { raw: '0221 98765-0', e164: '+4922198765' },
      phoneMobile: null,
      fax: { raw: '0221 98765-99', e164: '+4922198765' },
      email: null,
    },
  ],
  owners: [
    {
      ownerNo: 500001,
      firstName: 'Ömer',
      lastName: 'Öztürk',
      street: 'Zeile 1\nHinterhaus',
      zip: '80331',
      city: 'München',
      phonePrivate: { raw: '089 7654321', e164: '+49897654321' },
      phoneBusiness: null,
      phoneMobile: null,
      fax: null,
      email: null,
    },
  ],
  'object-links': [{ objectNo: 1001, ownerNo: 500001, creditorNo: 70001, personNo: null }],
  meldungen: [
    {
      meldungNo: 20001,
      objectNo: 1001,
      subject: 'Wasserschaden: Keller',
      meldungKind: 'Wasserschaden',
      priority: 'hoch',
      status: 'in Bearbeitung',
      reportedAt: '2026-07-14T08:15:30.123Z',
      responsible: 'jmueller',
      deputy: null,
    },
  ],
  auftraege: [
    {
      auftragNo: 30001,
      objectNo: 1001,
      creditorNo: 70001,
      meldungNo: 20001,
      subject: '+ Rohrbruch beheben',
      status: 'In Genehmigung',
      createdAt: '2026-12-31T22:59:59.000Z',
      responsible: 'jmueller',
    },
  ],
  responsibilities: [
    { module: 'objects', objectNo: 1001, record: null, login: 'jmueller', role: 'responsible' },
    { module: 'meldungen', objectNo: 1001, record: '20001', login: 'jmueller', role: 'deputy' },
  ],
};

describe('import: export writers and the round trip', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir('ixhaus-export-')));
  after(async () => cleanup());

  for (const kind of IMPORT_KINDS) {
    for (const format of ['csv', 'xlsx'] as const) {
      it(`${kind}: export to .${format} → read → the same records`, async () => {
        const records = SAMPLES[kind] as ImportRecordMap[ImportKind][];
        const bytes = format === 'csv' ? exportCsv(kind, records) : await exportXlsx(kind, records);
        const file = path.join(dir, `${kind}.${format}`);
        fs.writeFileSync(file, bytes);
        const parsed = await readImportFile(file, { areaCode: '030' });
        assert.equal(parsed.kind, kind, 'the kind is guessed from the exported headers');
        assert.deepEqual(
          parsed.issues.filter((i) => i.severity === 'error'),
          [],
        );
        assert.deepEqual(parsed.reconstructed, []);
        assert.deepEqual(
          parsed.rows.map((r) => r.record),
          records,
        );
      });
    }
  }

  it('writes CSV as German Excel opens it: BOM, ;, CRLF, formula starts escaped', () => {
    const bytes = exportCsv('users', SAMPLES.users);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    const [header, row] = text.split('\r\n');
    assert.equal(
      header,
      'Login;Kürzel;Nachname;Vorname;E-Mail;Benutzerrolle;Benutzerklasse;Team;Aktiv;CTI-Kopplung;Durchwahl;Notiz',
    );
    assert.match(row ?? '', /;"'=HYPERLINK\(""http:\/\/evil""\)"$/);
    assert.match(row ?? '', /;nein;/);
  });

  it('escapes every formula start, and only those', () => {
    for (const t of ['=1+2', '+49 30 1', '-5', '@SUM(A1)', '\tx', '\rx']) assert.equal(escapeFormula(t), `'${t}`);
    for (const t of ['0301234', 'Müller', "'quoted", 'a=b']) assert.equal(escapeFormula(t), t);
  });
});

describe('import: column catalogue and cells', () => {
  it('has no header that means two fields within one kind, and recognises the issue examples', () => {
    for (const kind of IMPORT_KINDS) {
      const spec = KIND_SPECS[kind];
      const seen = new Map<string, string>();
      for (const f of spec.fields)
        for (const name of [f.label, f.id, ...f.aliases])
          for (const key of headerKeys(name)) {
            const other = seen.get(key);
            assert.ok(other === undefined || other === f.id, `${kind}: "${name}" means ${other} and ${f.id}`);
            seen.set(key, f.id);
          }
    }
    const persons = headerIndex(KIND_SPECS.persons);
    const field = (h: string): string | undefined => persons.get(headerKeys(h)[0]) ?? persons.get(headerKeys(h)[1]);
    assert.equal(field('PERS.-NR.'), 'personNo');
    assert.equal(field('Personen Nummer'), 'personNo');
    assert.equal(field('telefon geschaeftlich'), 'phoneBusiness');
    assert.equal(field('Telefon geschaftlich'), 'phoneBusiness');
    assert.equal(field('Telefon'), 'phoneBusiness');
    assert.equal(field('HANDY'), 'phoneMobile');
    assert.equal(field('Strasse'), 'street');
    assert.equal(field('e_mail'), 'email');
    assert.equal(guessKind(['Kred.-Nr.', 'Name', 'Gewerk']), 'creditors');
    assert.equal(guessKind(['Objekt-Nr.', 'Bezeichnung']), 'objects');
    assert.equal(guessKind(['Objektnummer', 'Eigentümernummer']), 'object-links');
    assert.equal(guessKind(['Benutzer', 'Kürzel', 'Name']), 'users');
    assert.equal(guessKind(['Modul', 'Objektnummer', 'Datensatz', 'Benutzer', 'Rolle']), 'responsibilities');
  });

  it('documents every field of every kind in docs/import.md', () => {
    const doc = fs.readFileSync(path.join(__dirname, '../../docs/import.md'), 'utf8');
    for (const kind of IMPORT_KINDS) {
      assert.ok(doc.includes(`### ${kind}`), `docs/import.md lacks the kind ${kind}`);
      for (const f of KIND_SPECS[kind].fields)
        assert.ok(doc.includes(`\`${f.id}\``), `docs/import.md lacks ${kind}.${f.id}`);
    }
  });

  it('reads German numbers and dates, and numbers as Excel formats them', () => {
    assert.equal(parseGermanNumber('1.234,56'), 1234.56);
    assert.equal(parseGermanNumber('-3,5'), -3.5);
    assert.equal(parseGermanNumber('1.234'), 1234);
    assert.equal(parseGermanNumber('12.5'), 12.5);
    assert.equal(parseGermanNumber('1,2,3'), undefined);
    const key = readKeyNumber({ type: 'text', text: '1.001' });
    assert.ok(key.ok && key.value === 1001 && key.reconstructed);
    assert.equal(readKeyNumber({ type: 'text', text: '1,23E+05' }).ok, false);
    assert.equal(readKeyNumber({ type: 'text', text: '0' }).ok, false);
    assert.deepEqual(readDate({ type: 'text', text: '31.12.2026' }), {
      ok: true,
      value: '2026-12-31',
      reconstructed: undefined,
    });
    assert.equal(readDate({ type: 'text', text: '1.2.26' }).ok && readDate({ type: 'text', text: '1.2.26' }).ok, true);
    assert.equal(readDate({ type: 'text', text: '31.02.2026' }).ok, false);
    const winter = readDateTime({ type: 'text', text: '31.12.2026 14:30' });
    assert.ok(winter.ok && winter.value === '2026-12-31T13:30:00.000Z');
    const summer = readDateTime({ type: 'text', text: '14.07.2026' });
    assert.ok(summer.ok && summer.value === '2026-07-13T22:00:00.000Z');
    const serial = readDate({ type: 'number', raw: '46387', value: 46387 });
    assert.ok(serial.ok && serial.value === '2026-12-31' && serial.reconstructed);
  });

  it('reconstructs leading zeros only where certain enough', () => {
    const zip4 = readZip({ type: 'text', text: '1067' });
    assert.ok(zip4.ok && zip4.value === '01067');
    const foreign = readZip({ type: 'text', text: 'A-1010' });
    assert.ok(foreign.ok && foreign.value === 'A-1010' && !foreign.reconstructed);
    const local = readPhone({ type: 'text', text: '1234567' }, '030');
    assert.ok(local.ok && local.value?.raw === '1234567' && !local.reconstructed, 'a short number is a local number');
    const lost = readPhone({ type: 'text', text: '3.01E+09' });
    assert.equal(lost.ok, false);
  });
});
