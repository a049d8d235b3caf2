import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { closeAfterEach, smallDemoDb, tempDir } from '../helpers';
import { readImportFile } from '../../src/core/import/importReader';
import type { ReadImportOptions } from '../../src/core/import/importReader';
import { planImport } from '../../src/core/import/plan';
import { ImportUndoNothingRestorableError, applyImport, undoImport } from '../../src/core/import/importBatch';
import { listImportBatches } from '../../src/core/import/importHistory';
import { ImportFileNotFoundError } from '../../src/core/import/importErrors';
import { requiredFieldsOf } from '../../src/core/import/requiredFields';
import { UnknownImportKindError, findImportKind, resolveImportKind } from '../../src/core/import/kindNames';
import { IMPORT_KINDS } from '../../src/core/import/importTypes';
import { KIND_SPECS, enumDisplay } from '../../src/core/import/columnCatalog';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import type { Actor } from '../../src/core/access/rights';

describe('import: required columns of new records vs. updates, undo that restores nothing, kind names', function () {
  this.timeout(60_000);
  const closing = closeAfterEach();
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir('ixhaus-import-required-')));
  after(async () => cleanup());

  const write = (name: string, lines: readonly string[]): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, lines.join('\r\n'));
    return file;
  };
  const plan = async (db: AsyncStore, actor: Actor, file: string, options: ReadImportOptions) =>
    planImport(db, actor, await readImportFile(file, options));

  it('an update file needs only the key column; a new row without a needed column is an error of that row', async () => {
    const { db, admin } = closing(await smallDemoDb());
    const user = await db.get<{ login: string }>(
      "SELECT login FROM users WHERE login <> 'admin' ORDER BY login LIMIT 1",
    );
    assert.ok(user);
    const p = await plan(db, admin, write('aktiv.csv', ['Login;Aktiv', `${user.login};nein`, 'neu9;ja']), {
      kind: 'users',
    });
    assert.equal(p.rows.find((r) => r.key === user.login)?.status, 'changed');
    const neu = p.rows.find((r) => r.key === 'neu9');
    assert.equal(neu?.status, 'invalid');
    // every value a new user needs, named per row (Kürzel, Nachname from the catalogue; role, class from the store)
    assert.deepEqual(neu?.issues.map((i) => i.field).sort(), ['lastName', 'rightsClass', 'role', 'shortCode']);
    assert.ok(neu?.issues.every((i) => i.message.code === 'new-needs'));
    await assert.rejects(applyImport(db, admin, p));
    const written = await applyImport(db, admin, p, { skipInvalid: true });
    assert.equal(written.counts.changed, 1);
    assert.equal(
      (await db.get<{ active: number }>('SELECT active FROM users WHERE login = ?', [user.login]))?.active,
      0,
    );

    // teams: the second pass sets team leaders with only Team;Teamleiter
    const team = await db.get<{ name: string }>('SELECT name FROM teams ORDER BY name LIMIT 1');
    assert.ok(team);
    const leaders = await plan(db, admin, write('leiter.csv', ['Team;Teamleiter', `${team.name};admin`]), {
      kind: 'teams',
    });
    assert.equal(leaders.counts.invalid, 0, JSON.stringify(leaders.rows[0]?.issues));
  });

  it('Meldungen: a new one needs Gemeldet am but not Priorität (default normal); an empty Priorität is refused', async () => {
    const { db, admin } = closing(await smallDemoDb());
    const objectNo = Number((await db.get<{ n: number }>('SELECT min(object_no) AS n FROM objects'))?.n);
    const header = 'Meldungsnummer;Objektnummer;Betreff;Meldungsart';
    const noDate = await plan(db, admin, write('m1.csv', [header, `77001;${objectNo};Tropft;Wasserschaden`]), {
      kind: 'meldungen',
    });
    assert.equal(noDate.rows[0]?.status, 'invalid');
    assert.deepEqual(
      noDate.rows[0]?.issues.map((i) => i.field),
      ['reportedAt'],
    );
    const withDate = await plan(
      db,
      admin,
      write('m2.csv', [`${header};Gemeldet am`, `77001;${objectNo};Tropft;Wasserschaden;01.02.2026 10:00`]),
      { kind: 'meldungen' },
    );
    assert.equal(withDate.rows[0]?.status, 'new', JSON.stringify(withDate.rows[0]?.issues));
    const emptyPriority = await plan(
      db,
      admin,
      write('m3.csv', [`${header};Gemeldet am;Priorität`, `77001;${objectNo};Tropft;Wasserschaden;01.02.2026;`]),
      { kind: 'meldungen' },
    );
    assert.equal(emptyPriority.rows[0]?.status, 'invalid');
    assert.deepEqual(
      emptyPriority.rows[0]?.issues.map((i) => i.field),
      ['priority'],
    );
  });

  it('docs/import.md lists, per kind, the columns every file needs and those only new records need', () => {
    const doc = fs.readFileSync(path.join(__dirname, '../../docs/import.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Required columns: new records and updates'));
    assert.ok(section.length > 0 && doc.includes('## Required columns: new records and updates'));
    for (const kind of IMPORT_KINDS) {
      const { everyFile, newRecords } = requiredFieldsOf(kind);
      const row = section.split('\n').find((l) => l.startsWith(`| ${kind} |`));
      assert.ok(row, `no row for ${kind}`);
      const cells = row.split('|').map((c) => c.trim());
      const ids = (cell: string | undefined): string[] =>
        [...(cell ?? '').matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1] ?? '');
      assert.deepEqual(ids(cells[2]), everyFile, `${kind}: every file`);
      assert.deepEqual(ids(cells[3]), newRecords, `${kind}: new records`);
    }
  });

  it('docs/import.md lists every other spelling of every choice value; reading one is reported as reconstructed', async () => {
    const doc = fs.readFileSync(path.join(__dirname, '../../docs/import.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Other spellings of values'));
    for (const kind of IMPORT_KINDS)
      for (const f of KIND_SPECS[kind].fields)
        for (const v of f.values ?? []) {
          const row = section.split('\n').find((l) => l.startsWith(`| ${kind}.${f.id} | ${enumDisplay(f, v.value)}`));
          assert.ok(row, `no row for ${kind}.${f.id} ${v.value}`);
          for (const alias of v.aliases.filter((a) => a !== enumDisplay(f, v.value)))
            assert.ok(row.includes(alias), `${kind}.${f.id} ${v.value}: ${alias} not listed`);
        }
    const parsed = await readImportFile(
      write('prio.csv', ['Meldungsnummer;Priorität;Status', '1;dringend;Erledigt', '2;Hoch;in bearbeitung']),
      { kind: 'meldungen' },
    );
    assert.deepEqual(
      parsed.reconstructed.map((r) => [r.row, r.stored, r.used, r.message.code]),
      // only the other spelling; a value written in another case (`Hoch`, `Erledigt`, `in bearbeitung`) is not listed
      [[2, 'dringend', 'hoch', 'enum-alias']],
    );
  });

  it('undo that would restore nothing is refused and leaves the batch undoable; newest first then works', async () => {
    const { db, admin } = closing(await smallDemoDb());
    const objects = await plan(db, admin, write('o.csv', ['Objektnummer;Bezeichnung', '99001;Neubau Ost']), {
      kind: 'objects',
    });
    const objBatch = (await applyImport(db, admin, objects)).batchId;
    assert.ok(objBatch);
    const meldungen = await plan(
      db,
      admin,
      write('m.csv', [
        'Meldungsnummer;Objektnummer;Betreff;Meldungsart;Gemeldet am',
        '88001;99001;Heizung;Heizungsausfall;02.02.2026',
      ]),
      { kind: 'meldungen' },
    );
    const melBatch = (await applyImport(db, admin, meldungen)).batchId;
    assert.ok(melBatch);

    await assert.rejects(undoImport(db, admin, objBatch), (e: unknown) => {
      assert.ok(e instanceof ImportUndoNothingRestorableError);
      assert.equal(e.code, 'E_IMPORT_UNDO_NOTHING');
      assert.match(e.message, /objects 99001 \(other records refer to it now\)/);
      assert.match(e.message, /newest first/);
      assert.deepEqual(
        e.skipped.map((s) => s.reason),
        ['referenced'],
      );
      return true;
    });
    const listed = await listImportBatches(db, admin);
    assert.equal(listed.find((b) => b.batchId === objBatch)?.undoneAt, null);
    assert.equal(
      Number((await db.get<{ n: number }>('SELECT count(*) AS n FROM objects WHERE object_no = 99001'))?.n),
      1,
    );

    assert.equal((await undoImport(db, admin, melBatch)).restored, 1);
    const again = await undoImport(db, admin, objBatch);
    assert.equal(again.restored, 1);
    assert.equal(
      Number((await db.get<{ n: number }>('SELECT count(*) AS n FROM objects WHERE object_no = 99001'))?.n),
      0,
    );
  });

  it('a missing file names the file and the current folder', async () => {
    await assert.rejects(readImportFile(path.join('gibt-es-nicht', 'nix.csv')), (e: unknown) => {
      assert.ok(e instanceof ImportFileNotFoundError);
      assert.equal(e.code, 'E_IMPORT_FILE_NOT_FOUND');
      assert.ok(e.message.includes(path.join('gibt-es-nicht', 'nix.csv')));
      assert.ok(e.message.includes(process.cwd()));
      assert.doesNotMatch(e.message, /ENOENT/);
      return true;
    });
  });

  it('kind names: English ids and German names, any case, umlauts or ae/oe/ue; unknown lists them all', () => {
    const cases: Array<[string, string]> = [
      ['persons', 'persons'],
      ['Personen', 'persons'],
      ['OBJEKTE', 'objects'],
      ['kreditoren', 'creditors'],
      ['Eigentümer', 'owners'],
      ['eigentuemer', 'owners'],
      ['Benutzer', 'users'],
      ['teams', 'teams'],
      ['Meldungen', 'meldungen'],
      ['Aufträge', 'auftraege'],
      ['auftraege', 'auftraege'],
      ['Objekt-Verknüpfungen', 'object-links'],
      ['objekt-verknuepfungen', 'object-links'],
      ['Verantwortliche', 'responsibilities'],
      ['zustaendigkeiten', 'responsibilities'],
      ['Zuständigkeiten', 'responsibilities'],
    ];
    for (const [name, kind] of cases) assert.equal(findImportKind(name), kind, name);
    assert.equal(findImportKind('undo'), undefined);
    assert.throws(
      () => resolveImportKind('kunden'),
      (e: unknown) => {
        assert.ok(e instanceof UnknownImportKindError);
        assert.match(e.message, /"kunden" is not a kind of master data/);
        assert.match(e.message, /persons \(personen\)/);
        assert.match(e.message, /responsibilities \(verantwortliche, zuständigkeiten\)/);
        return true;
      },
    );
  });
});
