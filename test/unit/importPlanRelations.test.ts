import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { closeAfterEach, smallDemoDb, tempDir } from '../helpers';
import { readImportFile } from '../../src/core/import/importReader';
import { planImport } from '../../src/core/import/plan';
import type { ImportPlan } from '../../src/core/import/plan';
import { applyImport, undoImport } from '../../src/core/import/importBatch';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import type { Actor } from '../../src/core/access/rights';
import type { ImportKind } from '../../src/core/import/importTypes';
import { MIGRATIONS } from '../../src/core/store/migrations';
import { loadSqlJs } from '../../src/core/store/sqlJs';

/** The tables the relation kinds, Meldungen and Aufträge touch, as text (for "undo restores exactly"). */
async function snapshot(db: AsyncStore): Promise<string> {
  const parts: unknown[] = [];
  for (const sql of [
    'SELECT * FROM meldungen ORDER BY id',
    'SELECT * FROM auftraege ORDER BY id',
    'SELECT id, module, object_id, record_id, user_id, role FROM responsibilities ORDER BY module, object_id, record_id, role',
    'SELECT object_id, owner_id FROM object_owners ORDER BY object_id, owner_id',
    'SELECT object_id, creditor_id FROM object_creditors ORDER BY object_id, creditor_id',
    'SELECT id, person_no, object_id FROM persons ORDER BY id',
  ])
    parts.push(await db.query(sql));
  return JSON.stringify(parts).replace(/"id":\d+,/g, '');
}

/** Counts without the parsed file (for deepEqual). */
const countsOf = (p: ImportPlan): ImportPlan['counts'] => p.counts;

describe('import: object links, Meldungen, Aufträge, assignments (both backends)', function () {
  this.timeout(60_000);
  const closing = closeAfterEach();
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir('ixhaus-import-rel-')));
  after(async () => cleanup());

  let n = 0;
  const csv = (lines: readonly string[]): string => {
    const file = path.join(dir, `f${++n}.csv`);
    fs.writeFileSync(file, lines.join('\r\n'));
    return file;
  };
  const plan = async (db: AsyncStore, actor: Actor, file: string, kind: ImportKind): Promise<ImportPlan> =>
    planImport(db, actor, await readImportFile(file, { kind }));

  const num = async (db: AsyncStore, sql: string, params: readonly (string | number)[] = []): Promise<number> => {
    const row = await db.get<{ v: number }>(sql, params);
    assert.ok(row, sql);
    return Number(row.v);
  };
  /** Two active staff logins (not the administrator who imports). */
  const staff = async (db: AsyncStore): Promise<[string, string]> => {
    const rows = await db.query<{ login: string }>(
      "SELECT login FROM users WHERE active = 1 AND role <> 'Administrator' ORDER BY login LIMIT 2",
    );
    assert.equal(rows.length, 2);
    return [String(rows[0]?.login), String(rows[1]?.login)];
  };

  it('object-links: links owners and creditors, moves persons; re-import changes nothing; undo restores', async () => {
    const { db, admin } = closing(await smallDemoDb());
    const pair = await db.get<{ object_no: number; object_id: number; owner_no: number }>(
      'SELECT o.object_no, o.id AS object_id, w.owner_no FROM objects o, owners w WHERE NOT EXISTS (SELECT 1 FROM object_owners l WHERE l.object_id = o.id AND l.owner_id = w.id) ORDER BY o.object_no, w.owner_no LIMIT 1',
    );
    assert.ok(pair);
    const objectNo = Number(pair.object_no);
    const objectId = Number(pair.object_id);
    const ownerNo = Number(pair.owner_no);
    const creditorNo = await num(
      db,
      'SELECT min(creditor_no) AS v FROM creditors WHERE id NOT IN (SELECT creditor_id FROM object_creditors WHERE object_id = ?)',
      [objectId],
    );
    const personNo = await num(db, 'SELECT min(person_no) AS v FROM persons WHERE object_id <> ?', [objectId]);
    const before = await snapshot(db);
    const file = csv([
      'Objekt-Nr.;Eigentümer-Nr.;Kred.-Nr.;Pers.-Nr.',
      `${objectNo};${ownerNo};;`,
      `${objectNo};;${creditorNo};${personNo}`,
      `${objectNo};999999;;`,
    ]);
    const p = await plan(db, admin, file, 'object-links');
    assert.deepEqual(countsOf(p), { new: 1, changed: 1, unchanged: 0, invalid: 1 });
    assert.equal(p.rows[1]?.changes.find((c) => c.field === 'personNo')?.after, String(personNo));
    const bad = p.rows[2];
    assert.equal(bad?.status, 'invalid');
    assert.equal(bad?.issues[0]?.column?.letter, 'B');
    assert.equal(bad?.issues[0]?.message.code, 'owner-missing');

    const applied = await applyImport(db, admin, p, { skipInvalid: true, sourceName: 'links.csv' });
    assert.ok(applied.batchId);
    assert.equal(await num(db, 'SELECT object_id AS v FROM persons WHERE person_no = ?', [personNo]), objectId);
    const again = await plan(db, admin, file, 'object-links');
    assert.deepEqual(countsOf(again), { new: 0, changed: 0, unchanged: 2, invalid: 1 });
    assert.equal(
      await num(db, 'SELECT count(*) AS v FROM import_batch_items WHERE batch_id = ?', [applied.batchId]),
      3,
    );

    const undone = await undoImport(db, admin, applied.batchId);
    assert.deepEqual({ restored: undone.restored, skipped: undone.skipped }, { restored: 3, skipped: [] });
    assert.equal(await snapshot(db), before);
  });

  it('meldungen: new with Verantwortlicher/Vertreter, changed status closes; re-import 0; undo restores', async () => {
    const { db, admin } = closing(await smallDemoDb());
    const [a, b] = await staff(db);
    const objectNo = await num(db, 'SELECT min(object_no) AS v FROM objects');
    const open = await db.get<{ meldung_no: number; object_no: number; subject: string; kind: string }>(
      "SELECT m.meldung_no, o.object_no, m.subject, m.kind FROM meldungen m JOIN objects o ON o.id = m.object_id WHERE m.status = 'offen' ORDER BY m.meldung_no LIMIT 1",
    );
    assert.ok(open);
    const before = await snapshot(db);
    const file = csv([
      'Meldungsnummer;Objektnummer;Betreff;Meldungsart;Priorität;Status;Gemeldet am;Verantwortlicher;Vertreter',
      `99001;${objectNo};Wasserfleck im Keller;Wasserschaden;hoch;offen;31.12.2026 14:30;${a};${b}`,
      `99002;${objectNo};Ohne Datum;Sonstiges;;;;;`,
      `99003;777777;Falsches Objekt;Sonstiges;;;01.01.2026;;`,
    ]);
    const p = await plan(db, admin, file, 'meldungen');
    assert.deepEqual(countsOf(p), { new: 1, changed: 0, unchanged: 0, invalid: 2 });
    assert.equal(p.rows[1]?.issues.find((i) => i.severity === 'error')?.message.code, 'needs-value');
    assert.equal(p.rows[2]?.issues.find((i) => i.severity === 'error')?.message.code, 'object-missing');
    const first = await applyImport(db, admin, p, { skipInvalid: true });
    assert.ok(first.batchId);
    const m = await db.get<{ id: number; status: string; closed: number; reported_at: string }>(
      'SELECT id, status, closed, reported_at FROM meldungen WHERE meldung_no = 99001',
    );
    assert.equal(m?.reported_at, '2026-12-31T13:30:00.000Z');
    assert.equal(
      await num(
        db,
        "SELECT count(*) AS v FROM responsibilities WHERE module = 'meldungen' AND record_id = ? AND user_id IN (SELECT id FROM users WHERE login IN (?, ?))",
        [Number(m?.id), a, b],
      ),
      2,
    );

    // an existing Meldung gets closed and another Verantwortlicher
    const change = csv([
      'Meldungsnummer;Objektnummer;Betreff;Meldungsart;Status;Verantwortlicher',
      `99001;${objectNo};Wasserfleck im Keller;Wasserschaden;erledigt;${b}`,
      `${open.meldung_no};${open.object_no};"${open.subject}";${open.kind};erledigt;${a}`,
    ]);
    const p2 = await plan(db, admin, change, 'meldungen');
    assert.deepEqual(countsOf(p2), { new: 0, changed: 2, unchanged: 0, invalid: 0 });
    assert.deepEqual(
      p2.rows[0]?.changes.map((c) => c.field),
      ['status', 'closed', 'responsible'],
    );
    const second = await applyImport(db, admin, p2);
    assert.ok(second.batchId);
    assert.equal(await num(db, 'SELECT closed AS v FROM meldungen WHERE meldung_no = ?', [open.meldung_no]), 1);
    assert.deepEqual(countsOf(await plan(db, admin, change, 'meldungen')), {
      new: 0,
      changed: 0,
      unchanged: 2,
      invalid: 0,
    });

    assert.equal((await undoImport(db, admin, second.batchId)).restored, 2);
    assert.equal((await undoImport(db, admin, first.batchId)).restored, 1);
    assert.equal(await snapshot(db), before);
  });

  it('auftraege: new Auftrag with creditor and Meldung; unknown creditor is the row’s error; undo restores', async () => {
    const { db, admin } = closing(await smallDemoDb());
    const [a] = await staff(db);
    const meldung = await db.get<{ meldung_no: number; object_no: number }>(
      'SELECT m.meldung_no, o.object_no FROM meldungen m JOIN objects o ON o.id = m.object_id ORDER BY m.meldung_no LIMIT 1',
    );
    assert.ok(meldung);
    const creditorNo = await num(db, 'SELECT min(creditor_no) AS v FROM creditors');
    const before = await snapshot(db);
    const file = csv([
      'Auftragsnummer;Objektnummer;Kreditorennummer;Meldungsnummer;Betreff;Status;Erstellt am;Verantwortlicher',
      `88001;${meldung.object_no};${creditorNo};${meldung.meldung_no};Leck abdichten;Erledigt;02.01.2026 08:00;${a}`,
      `88002;${meldung.object_no};999999;;Dach prüfen;Neu;02.01.2026;`,
    ]);
    const p = await plan(db, admin, file, 'auftraege');
    assert.deepEqual(countsOf(p), { new: 1, changed: 0, unchanged: 0, invalid: 1 });
    const bad = p.rows[1]?.issues.find((i) => i.severity === 'error');
    assert.equal(bad?.message.code, 'creditor-missing');
    assert.equal(bad?.column?.letter, 'C');
    const applied = await applyImport(db, admin, p, { skipInvalid: true });
    assert.ok(applied.batchId);
    const row = await db.get<{ closed: number; meldung_no: number }>(
      'SELECT a.closed, m.meldung_no FROM auftraege a JOIN meldungen m ON m.id = a.meldung_id WHERE a.auftrag_no = 88001',
    );
    assert.deepEqual(
      { closed: Number(row?.closed), meldung: Number(row?.meldung_no) },
      {
        closed: 1,
        meldung: meldung.meldung_no,
      },
    );
    assert.deepEqual(countsOf(await plan(db, admin, file, 'auftraege')), {
      new: 0,
      changed: 0,
      unchanged: 1,
      invalid: 1,
    });
    await undoImport(db, admin, applied.batchId);
    assert.equal(await snapshot(db), before);
  });

  it('responsibilities: reassigns and adds by (module, object, record, role); checks record and user; undo restores', async () => {
    const { db, admin } = closing(await smallDemoDb());
    const [a, b] = await staff(db);
    const objectAssignment = await db.get<{ object_no: number; login: string; role: string }>(
      "SELECT o.object_no, u.login, r.role FROM responsibilities r JOIN objects o ON o.id = r.object_id JOIN users u ON u.id = r.user_id WHERE r.module = 'objects' ORDER BY o.object_no, r.role LIMIT 1",
    );
    assert.ok(objectAssignment);
    const newLogin = objectAssignment.login === a ? b : a;
    // a Meldung without a deputy, and another object's number for the mismatch check
    const meldung = await db.get<{ meldung_no: number; object_no: number }>(
      "SELECT m.meldung_no, o.object_no FROM meldungen m JOIN objects o ON o.id = m.object_id WHERE NOT EXISTS (SELECT 1 FROM responsibilities r WHERE r.module = 'meldungen' AND r.record_id = m.id AND r.role = 'deputy') ORDER BY m.meldung_no LIMIT 1",
    );
    assert.ok(meldung);
    const otherObjectNo = await num(db, 'SELECT min(object_no) AS v FROM objects WHERE object_no <> ?', [
      meldung.object_no,
    ]);
    const before = await snapshot(db);
    const role = objectAssignment.role === 'deputy' ? 'Vertreter' : 'Verantwortlicher';
    const file = csv([
      'Modul;Objektnummer;Datensatz;Benutzer;Rolle',
      `;${objectAssignment.object_no};;${newLogin};${role}`,
      `Meldungen;${meldung.object_no};${meldung.meldung_no};${a};Vertreter`,
      `Meldungen;${otherObjectNo};${meldung.meldung_no};${a};Vertreter`,
      `Objekte;${meldung.object_no};;nobody;Verantwortlicher`,
    ]);
    const p = await plan(db, admin, file, 'responsibilities');
    assert.deepEqual(countsOf(p), { new: 1, changed: 1, unchanged: 0, invalid: 2 });
    assert.deepEqual(p.rows[0]?.changes, [{ field: 'login', before: objectAssignment.login, after: newLogin }]);
    assert.equal(p.rows[2]?.issues.find((i) => i.severity === 'error')?.message.code, 'record-object');
    assert.equal(p.rows[3]?.issues.find((i) => i.severity === 'error')?.message.code, 'user-missing');
    const applied = await applyImport(db, admin, p, { skipInvalid: true });
    assert.ok(applied.batchId);
    assert.deepEqual(countsOf(await plan(db, admin, file, 'responsibilities')), {
      new: 0,
      changed: 0,
      unchanged: 2,
      invalid: 2,
    });
    // the new deputy is reassigned by hand after the import: undo leaves that one alone and says so
    await db.run(
      "UPDATE responsibilities SET user_id = (SELECT id FROM users WHERE login = ?) WHERE module = 'meldungen' AND role = 'deputy' AND record_id = (SELECT id FROM meldungen WHERE meldung_no = ?)",
      [b, meldung.meldung_no],
    );
    const undone = await undoImport(db, admin, applied.batchId);
    assert.equal(undone.restored, 1);
    assert.deepEqual(
      undone.skipped.map((s) => [s.entity, s.reason]),
      [['responsibilities', 'changed']],
    );
    await db.run(
      "DELETE FROM responsibilities WHERE module = 'meldungen' AND role = 'deputy' AND record_id = (SELECT id FROM meldungen WHERE meldung_no = ?)",
      [meldung.meldung_no],
    );
    assert.equal(await snapshot(db), before);
  });
});

describe('store schema v12: import batch items of every kind', () => {
  it('SQLite: the rebuild keeps the items of earlier batches and accepts the new entities only', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    try {
      for (const step of MIGRATIONS.filter((s) => s.version <= 11)) step.up(db);
      db.run(
        "INSERT INTO import_batches (id, at, kind, counts_json, total) VALUES ('b1', '2026-12-03T10:00:00.000Z', 'persons', '{}', 1)",
      );
      db.run(
        "INSERT INTO import_batch_items (batch_id, seq, entity, entity_id, entity_key, action, before_json, after_json) VALUES ('b1', 1, 'persons', 7, '4711', 'insert', NULL, '{}')",
      );
      assert.throws(() =>
        db.run(
          "INSERT INTO import_batch_items (batch_id, seq, entity, entity_id, entity_key, action, after_json) VALUES ('b1', 2, 'responsibilities', 1, 'k', 'insert', '{}')",
        ),
      );
      const v12 = MIGRATIONS.find((s) => s.version === 12);
      assert.ok(v12);
      v12.up(db);
      assert.deepEqual(
        db.exec('SELECT batch_id, seq, entity, entity_id, entity_key FROM import_batch_items')[0]?.values,
        [['b1', 1, 'persons', 7, '4711']],
      );
      for (const [seq, entity] of [
        [2, 'responsibilities'],
        [3, 'object_owners'],
        [4, 'person_objects'],
        [5, 'meldungen'],
      ] as const)
        db.run(
          "INSERT INTO import_batch_items (batch_id, seq, entity, entity_id, entity_key, action, after_json) VALUES ('b1', ?, ?, 1, 'k', 'insert', '{}')",
          [seq, entity],
        );
      assert.throws(() =>
        db.run(
          "INSERT INTO import_batch_items (batch_id, seq, entity, entity_id, entity_key, action, after_json) VALUES ('b1', 9, 'licenses', 1, 'k', 'insert', '{}')",
        ),
      );
      // deleting a batch still removes its items (the foreign key came along)
      db.run('PRAGMA foreign_keys = ON');
      db.run("DELETE FROM import_batches WHERE id = 'b1'");
      assert.equal(db.exec('SELECT count(*) FROM import_batch_items')[0]?.values[0]?.[0], 0);
    } finally {
      db.close();
    }
  });
});

describe('store schema v13: addresses of persons, creditors and owners', () => {
  it('SQLite: adds nullable street/zip/city; rows stored before keep NULL', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    try {
      for (const step of MIGRATIONS.filter((s) => s.version <= 12)) step.up(db);
      db.run("INSERT INTO persons (person_no, last_name) VALUES (1, 'Alt')");
      db.run("INSERT INTO creditors (creditor_no, name) VALUES (2, 'Alt GmbH')");
      db.run("INSERT INTO owners (owner_no, last_name) VALUES (3, 'Alt')");
      const v13 = MIGRATIONS.find((s) => s.version === 13);
      assert.ok(v13);
      v13.up(db);
      for (const table of ['persons', 'creditors', 'owners']) {
        assert.deepEqual(db.exec(`SELECT street, zip, city FROM ${table}`)[0]?.values, [[null, null, null]], table);
        db.run(`UPDATE ${table} SET zip = '01067'`);
        assert.equal(db.exec(`SELECT zip FROM ${table}`)[0]?.values[0]?.[0], '01067', 'PLZ stays text');
      }
    } finally {
      db.close();
    }
  });
});
