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
    assert.match(dry.stderr, /--skip-invalid/);

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
    assert.match(undo.stdout, /1 records restored, 0 left alone/);
    const twice = run(['import', 'undo', json.batchId, ...as('admin')]);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /already undone/);
    const gone = run(['cti', 'lookup', '+49 351 7654321', '--store', store, '--json']);
    assert.doesNotMatch(gone.stdout, /800001/);
  });

  it('export → import reports 0 changes (CSV and XLSX); formula cells escaped; bad kind is a usage error', () => {
    for (const ext of ['csv', 'xlsx']) {
      const out = path.join(dir, `personen.${ext}`);
      const exported = run(['export', 'persons', '--store', store, '--out', out]);
      assert.equal(exported.code, 0, exported.stderr);
      assert.match(exported.stdout, /Exported \d+ persons/);
      const back = run(['import', 'persons', out, ...as('admin'), '--dry-run']);
      assert.equal(back.code, 0, back.stderr);
      assert.match(back.stdout, /Rows: 0 new, 0 changed, \d+ unchanged, 0 invalid/);
    }
    const csvText = fs.readFileSync(path.join(dir, 'personen.csv'), 'utf8');
    // numbers written with + are escaped against formula injection
    if (/\+49/.test(csvText)) assert.match(csvText, /'\+49/);
    const bad = run(['import', 'nonsense', 'x.csv', ...as('admin')]);
    assert.equal(bad.code, 2);
    const badOut = run(['export', 'persons', '--store', store, '--out', path.join(dir, 'x.pdf')]);
    assert.equal(badOut.code, 1);
    assert.match(badOut.stderr, /\.csv or \.xlsx/);
  });
});
