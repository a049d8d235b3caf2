import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as iconv from 'iconv-lite';
import { runBuiltCli, smallDemoStoreFile, tempDir } from '../helpers';

const root = path.join(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');

const run = (args: string[]): ReturnType<typeof runBuiltCli> => runBuiltCli(args, { IX_PW: 'demo' });

interface ImportJson {
  ok: boolean;
  code?: string;
  counts: { new: number; changed: number; unchanged: number; invalid: number };
  rows: Array<{ row: number; status: string; issues: Array<{ column?: { letter: string }; text: string }> }>;
  batchId?: string | null;
  source: { encoding?: { name: string; how: string }; delimiter?: { char: string; how: string } };
}

describe('CLI: import, import undo, export (built dist/cli.js, file store)', function () {
  this.timeout(180_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: string;
  const as = (login: string): string[] => ['--store', store, '--user', login, '--password-env', 'IX_PW'];

  before(async () => {
    ({ dir, cleanup } = await tempDir('ixhaus-import-cli-'));
    if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root });
    store = await smallDemoStoreFile(path.join(dir, 'store.ixhaus'));
  });
  after(async () => cleanup());

  it('previews, refuses invalid rows, writes with --skip-invalid, finds the number, re-import is a no-op, undo', () => {
    const csv = path.join(dir, 'personen.csv');
    fs.writeFileSync(
      csv,
      iconv.encode(
        [
          'Pers.-Nr.;Name;Vorname;Telefon privat;Handy;Objekt-Nr.;Straße;PLZ;Ort',
          '800001;Schäfer;Jörg;0351 7654321;;1001;Königstraße 5;1067;Dresden',
          '800002;Weiß;Anna;;0171 5550001;4711;;;',
        ].join('\r\n'),
        'win1252',
      ),
    );
    const dry = run(['import', 'persons', csv, ...as('admin'), '--dry-run']);
    assert.equal(dry.code, 1, dry.stderr);
    assert.match(dry.stdout, /encoding windows-1252 \(detected\)/);
    assert.match(dry.stdout, /delimiter ";" \(detected\)/);
    assert.match(dry.stdout, /Rows: 1 new, 0 changed, 0 unchanged, 1 invalid/);
    assert.match(dry.stdout, /row 3, column F \(Objekt-Nr\.\): There is no object with the Objektnummer 4711/);
    // one clear last line, no second error, and no "Dry run: nothing was written" before it
    assert.equal(dry.stderr, '1 invalid row: correct it, or import only the valid rows with --skip-invalid.\n');
    assert.doesNotMatch(dry.stdout, /Dry run|nothing was written/);

    const refused = run(['import', 'persons', csv, ...as('admin'), '--json']);
    assert.equal(refused.code, 1);
    const refusedJson = JSON.parse(refused.stdout) as ImportJson;
    assert.equal(refusedJson.ok, false);
    assert.equal(refusedJson.code, 'E_IMPORT_INVALID_ROWS');
    assert.equal(refusedJson.batchId, undefined);

    const notAdmin = run(['import', 'persons', csv, ...as('haupt'), '--skip-invalid']);
    assert.equal(notAdmin.code, 1);
    assert.match(notAdmin.stderr, /not allowed/);

    const written = run(['import', 'persons', csv, ...as('admin'), '--skip-invalid', '--json']);
    assert.equal(written.code, 0, written.stderr);
    const json = JSON.parse(written.stdout) as ImportJson;
    assert.equal(json.ok, true);
    assert.deepEqual(json.counts, { new: 1, changed: 0, unchanged: 0, invalid: 1 });
    assert.ok(json.batchId);

    const lookup = run(['cti', 'lookup', '+49 351 7654321', '--store', store, '--json']);
    assert.equal(lookup.code, 0, lookup.stderr);
    assert.match(lookup.stdout, /800001/);
    // the text form shows the imported address (PLZ with its leading zero back) under the match
    const lookupText = run(['cti', 'lookup', '+49 351 7654321', '--store', store]);
    assert.equal(lookupText.code, 0, lookupText.stderr);
    assert.match(lookupText.stdout, /800001 {2}Schäfer, Jörg .*\n {19}Königstraße 5, 01067 Dresden\n/);

    const again = run(['import', 'persons', csv, ...as('admin'), '--skip-invalid']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Rows: 0 new, 0 changed, 1 unchanged, 1 invalid/);
    assert.match(again.stdout, /Nothing to write/);

    const undo = run(['import', 'undo', json.batchId, ...as('admin')]);
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(undo.stdout, /1 record restored, 0 left alone/);
    const twice = run(['import', 'undo', json.batchId, ...as('admin')]);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /already undone/);
    const gone = run(['cti', 'lookup', '+49 351 7654321', '--store', store, '--json']);
    assert.doesNotMatch(gone.stdout, /800001/);
  });

  it('export → import reports 0 changes (CSV and XLSX); formula cells escaped; bad kind is a usage error', () => {
    for (const ext of ['csv', 'xlsx']) {
      const out = path.join(dir, `export-personen.${ext}`);
      const exported = run(['export', 'persons', '--store', store, '--out', out]);
      assert.equal(exported.code, 0, exported.stderr);
      assert.match(exported.stdout, /Exported \d+ persons/);
      const back = run(['import', 'persons', out, ...as('admin'), '--dry-run']);
      assert.equal(back.code, 0, back.stderr);
      assert.match(back.stdout, /Rows: 0 new, 0 changed, \d+ unchanged, 0 invalid/);
    }
    const csvText = fs.readFileSync(path.join(dir, 'export-personen.csv'), 'utf8');
    // numbers written with + are escaped against formula injection
    if (/\+49/.test(csvText)) assert.match(csvText, /'\+49/);
    const bad = run(['import', 'nonsense', 'x.csv', ...as('admin')]);
    assert.equal(bad.code, 2);
    const badOut = run(['export', 'persons', '--store', store, '--out', path.join(dir, 'x.pdf')]);
    assert.equal(badOut.code, 1);
    assert.match(badOut.stderr, /\.csv or \.xlsx/);
  });

  it('export refuses to overwrite an existing file unless --force, and leaves no temp file', () => {
    const out = path.join(dir, 'eingabe.csv');
    fs.writeFileSync(out, 'meine Eingabe\r\n');
    const refused = run(['export', 'kreditoren', '--store', store, '--out', out]);
    assert.equal(refused.code, 1);
    assert.ok(refused.stderr.includes(out), refused.stderr);
    assert.match(refused.stderr, /--force/);
    assert.equal(fs.readFileSync(out, 'utf8'), 'meine Eingabe\r\n');
    const forced = run(['export', 'kreditoren', '--store', store, '--out', out, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /^Exported 3 creditors to /);
    assert.match(fs.readFileSync(out, 'utf8'), /Kreditorennummer/);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
    const one = run(['export', 'teams', '--store', store, '--out', path.join(dir, 'teams.csv'), '--json']);
    assert.equal(one.code, 0, one.stderr);
  });

  it('German kind names on import and export; one error for an unknown kind on both; missing file', () => {
    const out = path.join(dir, 'eigentuemer.xlsx');
    const exported = run(['export', 'Eigentümer', '--store', store, '--out', out]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /Exported 3 owners/);
    const back = run(['import', 'eigentuemer', out, ...as('admin'), '--dry-run']);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /Kind: owners \(given\)/);
    const badImport = run(['import', 'kunden', 'x.csv', ...as('admin')]);
    const badExport = run(['export', 'kunden', '--store', store, '--out', path.join(dir, 'k.csv')]);
    assert.equal(badImport.code, 2);
    assert.equal(badExport.code, 2);
    assert.equal(badImport.stderr, badExport.stderr);
    assert.match(badExport.stderr, /"kunden" is not a kind of master data.*persons \(personen\)/);
    assert.doesNotMatch(badExport.stderr, /command-argument value/);
    const missing = run(['import', 'personen', 'nix.csv', ...as('admin')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /The file nix\.csv does not exist/);
    assert.ok(missing.stderr.includes(process.cwd()), missing.stderr);
    assert.doesNotMatch(missing.stderr, /ENOENT/);
  });

  it('changes by column label, no phone line for kinds without phones, import list, undo that restores nothing', () => {
    const persons = path.join(dir, 'tel.csv');
    fs.writeFileSync(persons, 'Pers.-Nr.;Name;Telefon privat\r\n800001;Schäfer;0351 7654321\r\n');
    const first = run(['import', 'personen', persons, ...as('admin')]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /1 new, 0 changed; 1 phone number \(0 not readable/);
    fs.writeFileSync(persons, 'Pers.-Nr.;Telefon privat\r\n800001;0351 7654322\r\n');
    const changed = run(['import', 'personen', persons, ...as('admin')]);
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stdout, /row 2 800001: Telefon privat 0351 7654321 → 0351 7654322/);

    const objects = path.join(dir, 'objekte.csv');
    fs.writeFileSync(objects, 'Objektnummer;Bezeichnung\r\n99001;Neubau Ost\r\n');
    const obj = run(['import', 'objekte', objects, ...as('admin'), '--json']);
    assert.equal(obj.code, 0, obj.stderr);
    const objJson = JSON.parse(obj.stdout) as ImportJson & { phonesWritten?: number };
    assert.equal(objJson.phonesWritten, undefined);
    const objText = run(['import', 'objekte', objects, ...as('admin')]);
    assert.doesNotMatch(objText.stdout, /phone/);
    const meldungen = path.join(dir, 'meldungen.csv');
    fs.writeFileSync(
      meldungen,
      'Meldungsnummer;Objektnummer;Betreff;Meldungsart;Gemeldet am;Priorität\r\n88001;99001;Heizung;Heizungsausfall;02.02.2026;dringend\r\n',
    );
    const mel = run(['import', 'meldungen', meldungen, ...as('admin'), '--json']);
    assert.equal(mel.code, 0, mel.stderr);
    const melJson = JSON.parse(mel.stdout) as ImportJson & { reconstructed: Array<{ stored: string; used: string }> };
    assert.deepEqual(
      melJson.reconstructed.map((r) => [r.stored, r.used]),
      [['dringend', 'hoch']],
    );

    const list = runBuiltCli(['import', 'list', ...as('admin'), '--json'], { IX_PW: 'demo', TZ: 'Europe/Berlin' });
    assert.equal(list.code, 0, list.stderr);
    const batches = (
      JSON.parse(list.stdout) as { batches: Array<{ batchId: string; kind: string; undoneAt: string | null }> }
    ).batches;
    assert.deepEqual(
      batches.slice(0, 2).map((b) => b.kind),
      ['meldungen', 'objects'],
    );
    const listText = runBuiltCli(['import', 'list', ...as('admin')], { IX_PW: 'demo', TZ: 'Europe/Berlin' });
    assert.equal(listText.code, 0, listText.stderr);
    const lines = listText.stdout.split('\n');
    assert.match(lines[0] ?? '', /newest first/);
    assert.match(
      lines[1] ?? '',
      /^imp-\S+ {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0[12]:00 {2}meldungen {2}meldungen\.csv {2}by admin {2}1 new, 0 changed, 0 unchanged, 0 invalid {2}can be undone$/,
    );
    assert.match(listText.stdout, /undone .* by admin \(1 restored, 0 left alone\)/);
    const notAdmin = run(['import', 'list', ...as('haupt')]);
    assert.equal(notAdmin.code, 1);
    assert.match(notAdmin.stderr, /not allowed/);

    const objBatch = batches[1]?.batchId ?? '';
    const refused = run(['import', 'undo', objBatch, ...as('admin')]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /Nothing of import batch .* can be undone.*objects 99001 \(other records refer to it now\).*newest first/,
    );
    const still = JSON.parse(run(['import', 'list', ...as('admin'), '--json']).stdout) as {
      batches: Array<{ batchId: string; undoneAt: string | null }>;
    };
    assert.equal(still.batches.find((b) => b.batchId === objBatch)?.undoneAt, null);
    assert.equal(run(['import', 'undo', batches[0]?.batchId ?? '', ...as('admin')]).code, 0);
    const undone = run(['import', 'undo', objBatch, ...as('admin')]);
    assert.equal(undone.code, 0, undone.stderr);
    assert.match(undone.stdout, /1 record restored/);
  });

  it('--help names the verbs and the exit code of a dry run with invalid rows', () => {
    const help = run(['import', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /or "list"/);
    assert.match(help.stdout, /invalid rows found — also with --dry-run/);
    assert.match(help.stdout, /personen/);
    assert.match(run(['export', '--help']).stdout, /--force/);
  });
});
