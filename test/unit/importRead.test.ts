import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as iconv from 'iconv-lite';
import writeXlsxFile from 'write-excel-file/node';
import { tempDir } from '../helpers';
import { readImportFile, isParsedKind } from '../../src/core/import/importReader';
import { CsvTokenizer, detectDelimiter } from '../../src/core/import/csvTokenizer';
import {
  ImportFileBinaryError,
  ImportFileEmptyError,
  ImportFileTooLargeError,
  ImportHeaderError,
  ImportKindError,
  ImportMappingError,
  ImportMissingColumnsError,
  ImportSheetNotFoundError,
  ImportTooManyRowsError,
} from '../../src/core/import/importErrors';

/** German Excel "CSV (Trennzeichen-getrennt)": Windows-1252, `;`, CRLF, a quoted multi-line field. */
const PERSONS_CSV = [
  'Pers.-Nr.;Nachname;Vorname;Straße;PLZ;Ort;Telefon privat;Telefon geschäftlich;Handy;Fax;E-Mail;Bemerkung',
  '100001;Müller;Jürgen;Hauptstraße 1;1067;Dresden;0351 1234567;+49 (0)30 123456-12;0171/2345678;;jm@example.org;"Schlüssel bei\r\nNachbarin"',
  '100002;Weiß;Anna;Königsallee 5;40212;Düsseldorf;301234567;;;;;',
  '100003;Öztürk;Ömer;;;;;;;;;',
].join('\r\n');

describe('import: reading files', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir('ixhaus-import-')));
  after(async () => cleanup());

  const write = (name: string, content: Buffer | string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };

  it('refuses a named kind that the headers clearly contradict (a persons file read as objects), unless --map is given', async () => {
    const file = write(
      'personen-als-objekte.csv',
      iconv.encode(PERSONS_CSV.replace('Bemerkung', 'Objektnummer'), 'win1252'),
    );
    await assert.rejects(
      readImportFile(file, { kind: 'objects' }),
      (error: unknown) =>
        error instanceof ImportKindError &&
        /looks like persons \(\d+ columns recognised\), not like objects \(\d+ columns recognised\)/.test(
          error.message,
        ),
    );
    // the user takes charge of the columns: read as asked
    const mapped = await readImportFile(file, { kind: 'objects', maps: ['B=name'] });
    assert.equal(mapped.kind, 'objects');
    // the right kind, named or guessed, reads
    assert.equal((await readImportFile(file, { kind: 'persons' })).kind, 'persons');
  });

  it('reads a Windows-1252 CSV with ; and a quoted line break, and says what it detected', async () => {
    const file = write('personen.csv', iconv.encode(`${PERSONS_CSV}\r\n`, 'win1252'));
    const parsed = await readImportFile(file, { areaCode: '030' });
    assert.equal(parsed.kind, 'persons');
    assert.equal(parsed.kindHow, 'guessed');
    assert.deepEqual(parsed.source.encoding, { name: 'windows-1252', how: 'detected' });
    assert.deepEqual(parsed.source.delimiter, { char: ';', how: 'detected' });
    assert.deepEqual(parsed.source.headerRow, { row: 1, how: 'detected' });
    assert.deepEqual(parsed.mapping.unknown, [{ letter: 'L', header: 'Bemerkung' }]);
    assert.ok(isParsedKind(parsed, 'persons'));
    const [first, second, third] = parsed.rows;
    assert.equal(first?.record.lastName, 'Müller');
    assert.equal(first?.record.firstName, 'Jürgen');
    assert.equal(first?.record.street, 'Hauptstraße 1');
    assert.equal(first?.record.zip, '01067', 'PLZ gets its leading zero back');
    assert.equal(first?.record.phoneBusiness?.raw, '+49 (0)30 123456-12');
    assert.equal(first?.record.phoneBusiness?.e164, '+4930123456');
    assert.equal(first?.record.phoneMobile?.e164, '+491712345678');
    assert.equal(first?.record.fax, null, 'an empty cell of a present column is null');
    assert.equal(second?.record.phonePrivate?.raw, '0301234567', 'the leading 0 of a number cell is reconstructed');
    assert.equal(third?.record.lastName, 'Öztürk');
    assert.equal(third?.line, 5, 'the quoted line break shifts the physical line, not the row');
    assert.equal(third?.row, 4);
    assert.deepEqual(
      parsed.reconstructed.map((r) => [r.row, r.column.letter, r.stored, r.used]),
      [
        [2, 'E', '1067', '01067'],
        [3, 'G', '301234567', '0301234567'],
      ],
    );
    assert.deepEqual(parsed.invalidRows, []);
  });

  it('reads UTF-8 with BOM (Excel "CSV UTF-8"), comma-separated, and UTF-8 without BOM, tab-separated', async () => {
    const bom = write(
      'bom.csv',
      Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from('Objekt-Nr.,Bezeichnung,PLZ\n1001,"Weg 1, Köln",50667\n'),
      ]),
    );
    const a = await readImportFile(bom);
    assert.deepEqual(a.source.encoding, { name: 'utf-8-bom', how: 'bom' });
    assert.equal(a.source.delimiter?.char, ',');
    assert.equal(a.kind, 'objects');
    assert.deepEqual(a.rows[0]?.record, { objectNo: 1001, name: 'Weg 1, Köln', zip: '50667' });
    const tab = write('tab.txt', 'Objektnummer\tObjektname\tStraße\n1002\tGrünweg\tGrünweg 2\n');
    const b = await readImportFile(tab);
    assert.deepEqual(b.source.encoding, { name: 'utf-8', how: 'detected' });
    assert.equal(b.source.delimiter?.char, '\t');
    assert.equal((b.rows[0]?.record as { street?: string }).street, 'Grünweg 2');
  });

  it('takes --delimiter, --encoding, a sep= line, and starts over as Windows-1252 when UTF-8 breaks after the sample', async () => {
    const sep = write('sep.csv', 'sep=|\nObjektnummer|Bezeichnung\n7|A;B\n');
    const s = await readImportFile(sep);
    assert.deepEqual(s.source.delimiter, { char: '|', how: 'sep-line' });
    assert.equal((s.rows[0]?.record as { name: string }).name, 'A;B');
    assert.equal(s.rows[0]?.line, 3);
    const given = await readImportFile(sep, { delimiter: '|', encoding: 'latin1' });
    assert.deepEqual(given.source.delimiter, { char: '|', how: 'given' });
    assert.deepEqual(given.source.encoding, { name: 'latin1', how: 'given' });
    // 70 KB of ASCII, then a cp1252 umlaut: the sample says UTF-8, the stream finds out otherwise
    const filler = Array.from({ length: 2000 }, (_, i) => `${i + 1};Objekt ${i + 1} ${'x'.repeat(20)}`).join('\n');
    const late = write('late.csv', iconv.encode(`Objektnummer;Bezeichnung\n${filler}\n9999;Grünstraße\n`, 'win1252'));
    const l = await readImportFile(late);
    assert.deepEqual(l.source.encoding, { name: 'windows-1252', how: 'detected' });
    assert.equal(l.source.notes[0]?.code, 'switched-to-cp1252');
    assert.equal((l.rows.at(-1)?.record as { name: string }).name, 'Grünstraße');
  });

  it('reports a broken CSV row with row, line and reason, and reads every other row', async () => {
    const file = write('broken.csv', 'Objektnummer;Bezeichnung\n1;"gut"\n2;"kaputt"x\n3;drei\n4;"offen\n5;fünf\n');
    const parsed = await readImportFile(file);
    assert.deepEqual(
      parsed.rows.map((r) => (r.record as { objectNo: number }).objectNo),
      [1, 3, 5],
    );
    const errors = parsed.issues.filter((i) => i.severity === 'error');
    assert.deepEqual(
      errors.map((e) => [e.row, e.line, e.message.code, e.column?.letter]),
      [
        [3, 3, 'csv-text-after-quote', 'B'],
        [5, 5, 'csv-quote-not-closed', 'B'],
      ],
    );
    assert.deepEqual(parsed.invalidRows, [3, 5]);
  });

  it('finds the header below title rows, or takes --header-row', async () => {
    const file = write(
      'titel.csv',
      'Objektliste Musterverwaltung;\nStand 31.12.2026;\n;\nObjektnummer;Bezeichnung\n1;A\n',
    );
    const parsed = await readImportFile(file);
    assert.deepEqual(parsed.source.headerRow, { row: 4, how: 'detected' });
    assert.equal(parsed.rows.length, 1);
    const given = await readImportFile(file, { headerRow: 4, kind: 'objects' });
    assert.deepEqual(given.source.headerRow, { row: 4, how: 'given' });
    await assert.rejects(readImportFile(file, { headerRow: 99, kind: 'objects' }), ImportHeaderError);
    // the title row given as the header row: the error shows what that row holds
    await assert.rejects(
      readImportFile(file, { headerRow: 1, kind: 'objects' }),
      (error: unknown) =>
        error instanceof ImportMissingColumnsError &&
        /Row 1, taken as the header row, holds: Objektliste Musterverwaltung\. Name the row with the column headers with --header-row/.test(
          error.message,
        ),
    );
  });

  it('refuses a 0-byte file, a binary file, an old .xls, and a file over the size or row limit (naming the limit)', async () => {
    await assert.rejects(readImportFile(write('leer.csv', '')), ImportFileEmptyError);
    const binary = Buffer.alloc(200, 7);
    await assert.rejects(readImportFile(write('bild.csv', binary)), ImportFileBinaryError);
    const xls = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(100)]);
    await assert.rejects(readImportFile(write('alt.xls', xls)), /Excel 97–2003/);
    const big = write('gross.csv', `Objektnummer;Bezeichnung\n${'1;A\n'.repeat(1000)}`);
    await assert.rejects(readImportFile(big, { maxCsvBytes: 1024 }), (e: unknown) => {
      assert.ok(e instanceof ImportFileTooLargeError);
      assert.match(e.message, /limit for CSV files is 0\.0 MB.*Split it/);
      return true;
    });
    const rows = write(
      'viele.csv',
      `Objektnummer;Bezeichnung\n${Array.from({ length: 20 }, (_, i) => `${i + 1};A`).join('\n')}`,
    );
    await assert.rejects(readImportFile(rows, { maxRows: 10 }), ImportTooManyRowsError);
  });

  it('reads an .xlsx that is really a CSV as CSV, and says so', async () => {
    const file = write('falsch.xlsx', 'Objektnummer;Bezeichnung\n1;A\n');
    const parsed = await readImportFile(file);
    assert.equal(parsed.source.format, 'csv');
    assert.equal(parsed.source.notes[0]?.code, 'named-xlsx-is-csv');
    assert.equal(parsed.rows.length, 1);
  });

  it('names missing required columns, lists unknown ones, maps by header and by column letter', async () => {
    const file = write('map.csv', 'Pers.-Nr.;Vorname;Tel 2;Tel 2;Sonstiges\n5;Eva;0301111111;0172 1234567;x\n');
    // the natural key is needed by every file; Name only by new records (the planner checks that per row)
    const noKey = write('nokey.csv', 'Vorname;Name\nEva;Muster\n');
    await assert.rejects(readImportFile(noKey, { kind: 'persons' }), (e: unknown) => {
      assert.ok(e instanceof ImportMissingColumnsError);
      assert.match(e.message, /Personennummer \(personNo\)/);
      assert.doesNotMatch(e.message, /lastName/);
      return true;
    });
    const noName = await readImportFile(write('noname.csv', 'Pers.-Nr.;Vorname\n5;Eva\n'), { kind: 'persons' });
    assert.ok(isParsedKind(noName, 'persons'));
    assert.equal(noName.rows[0]?.record.lastName, undefined);
    assert.deepEqual(noName.issues, []);
    const parsed = await readImportFile(file, {
      kind: 'persons',
      maps: ['Vorname=lastName', 'C=phonePrivate', 'D=Mobil', 'Sonstiges=ignore'],
    });
    assert.ok(isParsedKind(parsed, 'persons'));
    assert.equal(parsed.rows[0]?.record.lastName, 'Eva');
    assert.equal(parsed.rows[0]?.record.phonePrivate?.raw, '0301111111');
    assert.equal(parsed.rows[0]?.record.phoneMobile?.raw, '0172 1234567');
    assert.deepEqual(parsed.mapping.unknown, []);
    assert.deepEqual(parsed.mapping.ignored, [{ letter: 'E', header: 'Sonstiges' }]);
    await assert.rejects(readImportFile(file, { kind: 'persons', maps: ['Tel 2=phonePrivate'] }), ImportMappingError);
    await assert.rejects(readImportFile(file, { kind: 'persons', maps: ['Z=nonsense'] }), ImportMappingError);
    await assert.rejects(readImportFile(file, { kind: 'persons', maps: ['kein Gleich'] }), ImportMappingError);
  });

  it('says when the kind cannot be told from the headers', async () => {
    await assert.rejects(readImportFile(write('x.csv', 'Foo;Bar\n1;2\n')), ImportKindError);
  });

  it('reports duplicate keys inside the file and row errors with column and reason', async () => {
    const file = write(
      'dupes.csv',
      'Login;Kürzel;Nachname;Benutzerrolle;Aktiv;Benutzerklasse\nmeier;ME;Meier;Sachbearbeiter;ja;A\nMEIER;MX;Meier;Technik;nein;B\nviel-zu-lang;XX;X;Chef;vielleicht;AB\n',
    );
    const parsed = await readImportFile(file);
    assert.equal(parsed.kind, 'users');
    assert.deepEqual(parsed.invalidRows, [3, 4]);
    const byRow = (row: number): string[] =>
      parsed.issues.filter((i) => i.row === row).map((i) => `${i.column?.letter ?? '-'}:${i.message.code}`);
    assert.deepEqual(byRow(3), ['-:duplicate-key']);
    assert.deepEqual(byRow(4), ['A:login', 'D:enum', 'E:boolean', 'F:rights-class']);
  });

  it('flags a phone number that cannot be read but keeps it as text; refuses digits lost to scientific notation', async () => {
    const file = write(
      'phones.csv',
      'Kred.-Nr.;Name;Telefon;Mobil\n70001;Sanitär GmbH;bitte Zentrale anrufen;3,01E+09\n70002;Elektro AG;ruft zurück;\n',
    );
    const parsed = await readImportFile(file);
    assert.equal(parsed.kind, 'creditors');
    assert.deepEqual(parsed.invalidRows, [2]);
    assert.equal(parsed.issues.find((i) => i.row === 2 && i.severity === 'error')?.message.code, 'scientific-notation');
    assert.ok(isParsedKind(parsed, 'creditors'));
    assert.deepEqual(parsed.rows[0]?.record.phoneBusiness, { raw: 'ruft zurück', e164: undefined });
    const warning = parsed.issues.find((i) => i.row === 3);
    assert.equal(warning?.severity, 'warning');
    assert.equal(warning?.message.code, 'phone-unreadable');
  });

  describe('XLSX', () => {
    it('reads a workbook written by the XLSX library: first sheet or --sheet, and says which', async () => {
      const buffer = await writeXlsxFile([
        { sheet: 'Deckblatt', data: [[{ value: 'Nur ein Titel' }]] },
        {
          sheet: 'Eigentümer',
          data: [
            [{ value: 'ET-Nr.' }, { value: 'Name' }, { value: 'Vorname' }, { value: 'Telefon privat' }],
            [{ value: 500001, type: Number }, { value: 'Schäfer' }, { value: 'Jörg' }, { value: '+49 30 1234567' }],
          ],
        },
      ]).toBuffer();
      const file = write('eigentuemer.xlsx', buffer);
      const parsed = await readImportFile(file, { sheet: 'eigentümer' });
      assert.deepEqual(parsed.source.sheet, { name: 'Eigentümer', how: 'given', all: ['Deckblatt', 'Eigentümer'] });
      assert.equal(parsed.kind, 'owners');
      assert.ok(isParsedKind(parsed, 'owners'));
      assert.deepEqual(parsed.rows[0]?.record, {
        ownerNo: 500001,
        lastName: 'Schäfer',
        firstName: 'Jörg',
        phonePrivate: { raw: '+49 30 1234567', e164: '+49301234567' },
      });
      await assert.rejects(readImportFile(file, { sheet: 'Fehlt' }), (e: unknown) => {
        assert.ok(e instanceof ImportSheetNotFoundError);
        assert.match(e.message, /Deckblatt, Eigentümer/);
        return true;
      });
      // the first sheet is only a title: its kind cannot be told
      await assert.rejects(readImportFile(file), ImportKindError);
    });

    it('keeps the leading zeros and all digits of PLZ, numbers and phone numbers Excel stored as numbers', async () => {
      // numeric cells as Excel stores them when a user types 01067 / 0301234567 / 004930… into a General cell
      const buffer = await writeXlsxFile([
        [{ value: 'Objektnummer' }, { value: 'Bezeichnung' }, { value: 'PLZ' }, { value: 'Ort' }],
        [
          { value: 1001, type: Number },
          { value: 'Am Markt 1' },
          { value: 1067, type: Number, format: '00000' },
          { value: 'Dresden' },
        ],
        [{ value: 1002, type: Number }, { value: 'Ring 2' }, { value: 80331, type: Number }, { value: 'München' }],
      ]).toBuffer();
      const parsed = await readImportFile(write('objekte.xlsx', buffer));
      assert.equal(parsed.source.format, 'xlsx');
      assert.deepEqual(
        parsed.rows.map((r) => (r.record as { zip: string }).zip),
        ['01067', '80331'],
      );
      assert.deepEqual(
        parsed.reconstructed.map((r) => [r.row, r.column.letter, r.stored, r.used]),
        [[2, 'C', '1067', '01067']],
      );

      const phones = await writeXlsxFile([
        [
          { value: 'Personennummer' },
          { value: 'Name' },
          { value: 'Telefon' },
          { value: 'Mobil' },
          { value: 'Fax' },
          { value: 'Gemeldet' },
        ],
        [
          { value: 100001, type: Number },
          { value: 'Krause' },
          { value: 301234567, type: Number },
          { value: 4915112345678, type: Number },
          { value: 221987654, type: Number },
          null,
        ],
      ]).toBuffer();
      const p = await readImportFile(write('personen.xlsx', phones));
      assert.ok(isParsedKind(p, 'persons'));
      const record = p.rows[0]?.record;
      assert.equal(record?.phoneBusiness?.raw, '0301234567');
      assert.equal(record?.phoneMobile?.raw, '004915112345678');
      assert.equal(record?.phoneMobile?.e164, '+4915112345678');
      assert.equal(record?.fax?.raw, '0221987654');
      assert.deepEqual(p.mapping.unknown, [{ letter: 'F', header: 'Gemeldet' }]);
      assert.equal(p.reconstructed.length, 3);
    });

    it('reads a .csv that is really a workbook as a workbook, and refuses a damaged one', async () => {
      const buffer = await writeXlsxFile([
        [{ value: 'Team' }, { value: 'Typ' }],
        [{ value: 'Nord' }, { value: 'Buchhaltung' }],
      ]).toBuffer();
      const parsed = await readImportFile(write('teams.csv', buffer));
      assert.equal(parsed.source.format, 'xlsx');
      assert.equal(parsed.source.notes[0]?.code, 'named-csv-is-xlsx');
      assert.equal(parsed.kind, 'teams');
      await assert.rejects(readImportFile(write('kaputt.xlsx', buffer.subarray(0, 200))), /cannot be read/);
    });
  });
});

describe('import: CSV tokenizer and delimiter detection', () => {
  it('keeps a record whole across chunk boundaries, CRLF inside quotes read as LF, "" as a quote', () => {
    const text = 'a;"b ""x""\r\nc";d\r\ne;f\r\n';
    for (let cut = 1; cut < text.length; cut++) {
      const t = new CsvTokenizer(';');
      const records = [...t.push(text.slice(0, cut)), ...t.push(text.slice(cut)), ...t.end()];
      assert.deepEqual(
        records.map((r) => [r.row, r.line, r.fields]),
        [
          [1, 1, ['a', 'b "x"\nc', 'd']],
          [2, 3, ['e', 'f']],
        ],
        `cut at ${cut}`,
      );
    }
  });

  it('detects ; over , when names hold commas, and , when ; only occurs in text; undefined for one column', () => {
    assert.equal(detectDelimiter('Name;Ort\n"Müller, Hans";Köln\nMeier, Eva;Bonn\n'), ';');
    assert.equal(detectDelimiter('Name,Ort,Notiz\nMüller,Köln,a;b\nMeier,Bonn,c\n'), ',');
    assert.equal(detectDelimiter('Name\nMüller\n'), undefined);
  });
});
