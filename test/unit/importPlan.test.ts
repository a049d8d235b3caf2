import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as iconv from 'iconv-lite';
import { closeAfterEach, smallDemoDb, tempDir } from '../helpers';
import { readImportFile } from '../../src/core/import/importReader';
import type { ReadImportOptions } from '../../src/core/import/importReader';
import { planImport } from '../../src/core/import/plan';
import {
  applyImport,
  undoImport,
  ImportHasInvalidRowsError,
  ImportBatchAlreadyUndoneError,
  UnknownImportBatchError,
} from '../../src/core/import/importBatch';
import { storeRecords } from '../../src/core/import/storeRecords';
import { exportCsv, exportXlsx } from '../../src/core/import/exportWriter';
import { lookupCaller } from '../../src/core/cti/callerLookup';
import { ownAreaCode } from '../../src/core/cti/phoneIndex';
import { PermissionError } from '../../src/core/errors';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import type { WritableKind } from '../../src/core/import/planEntities';
import type { Actor } from '../../src/core/access/rights';

/** Everything about the stored master data that an import may touch, as text (for "restores exactly"). */
async function snapshot(db: AsyncStore): Promise<string> {
  const parts: unknown[] = [];
  for (const sql of [
    'SELECT * FROM persons ORDER BY id',
    'SELECT * FROM creditors ORDER BY id',
    'SELECT * FROM owners ORDER BY id',
    'SELECT * FROM objects ORDER BY id',
    'SELECT * FROM teams ORDER BY id',
    'SELECT id, login, short_code, last_name, first_name, email, rights_class, role, active, extension, cti_line, note FROM users ORDER BY id',
    'SELECT team_id, user_id FROM team_members ORDER BY team_id, user_id',
    'SELECT person_id, creditor_id, owner_id, kind, raw FROM phone_numbers ORDER BY person_id, creditor_id, owner_id, kind, raw',
    'SELECT p.person_id, p.creditor_id, p.owner_id, p.kind, i.variant, i.e164, i.last8 FROM phone_index i JOIN phone_numbers p ON p.id = i.phone_id ORDER BY p.person_id, p.creditor_id, p.owner_id, p.kind, i.variant, i.e164',
  ])
    parts.push(await db.query(sql));
  return JSON.stringify(parts);
}

describe('import: plan, apply, undo (both backends)', function () {
  this.timeout(60_000);
  const closing = closeAfterEach();
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir('ixhaus-import-plan-')));
  after(async () => cleanup());

  const write = (name: string, content: Buffer | string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };

  async function plan(db: AsyncStore, actor: Actor, file: string, options: ReadImportOptions = {}) {
    const areaCode = await ownAreaCode(db);
    return planImport(db, actor, await readImportFile(file, { ...(areaCode ? { areaCode } : {}), ...options }));
  }

  async function objectNos(db: AsyncStore): Promise<number[]> {
    return (await db.query<{ object_no: number }>('SELECT object_no FROM objects ORDER BY object_no')).map((r) =>
      Number(r.object_no),
    );
  }

  /** German Excel CSV (cp1252, `;`, a quoted line break) of three new persons with phone numbers. */
  function personsCsv(objectNo: number): Buffer {
    return iconv.encode(
      [
        'Pers.-Nr.;Nachname;Vorname;Straße;PLZ;Ort;Telefon privat;Telefon geschäftlich;Handy;Fax;E-Mail;Objekt-Nr.',
        `900001;Müller;Jürgen;"Hauptstraße 1\r\nHinterhaus";1067;Dresden;0351 1234567;+49 (0)30 98765-12;0171/2345678;;jm@example.org;${objectNo}`,
        `900002;Weiß;Anna;;;;301234567;;;;;${objectNo}`,
        '900003;Öztürk;Ömer;;;;Hausmeister fragen;;;;;',
      ].join('\r\n'),
      'win1252',
    );
  }

  it('imports persons with phone numbers; the caller lookup finds them; re-import changes nothing; undo restores', async () => {
    const { db, admin } = closing(await smallDemoDb());
    const [objectNo] = await objectNos(db);
    assert.ok(objectNo !== undefined);
    const before = await snapshot(db);
    const file = write('personen.csv', personsCsv(objectNo));

    const p = await plan(db, admin, file, { kind: 'persons' });
    assert.deepEqual(p.counts, { new: 3, changed: 0, unchanged: 0, invalid: 0 });
    assert.deepEqual(p.ignoredFields, [], 'the address is stored (schema v13)');
    assert.deepEqual(
      p.rows[0]?.after?.cols && {
        street: p.rows[0].after.cols.street,
        zip: p.rows[0].after.cols.zip,
        city: p.rows[0].after.cols.city,
      },
      { street: 'Hauptstraße 1\nHinterhaus', zip: '01067', city: 'Dresden' },
    );
    // the unreadable number is a warning, not an error
    assert.ok(p.rows[2]?.issues.some((i) => i.severity === 'warning' && i.field === 'phonePrivate'));

    const applied = await applyImport(db, admin, p, { sourceName: 'personen.csv' });
    assert.ok(applied.batchId);
    assert.equal(applied.phonesWritten, 5);
    assert.equal(applied.phonesNotIndexed, 1);

    for (const form of ['+493511234567', '0351/1234567', '00493511234567', '+49 351 1234567']) {
      const found = await lookupCaller(db, form);
      assert.equal(found.outcome, 'matched', form);
      if (found.outcome === 'matched')
        assert.ok(
          found.matches.some((m) => m.origin === 'person' && m.partyNo === 900001),
          form,
        );
    }
    // the reconstructed leading zero (Excel stored 301234567) made it findable in Berlin
    const anna = await lookupCaller(db, '+4930 1234567');
    assert.ok(anna.outcome === 'matched' && anna.matches.some((m) => m.partyNo === 900002));
    // number + extension dialled through
    const direct = await lookupCaller(db, '+493098765');
    assert.ok(direct.outcome === 'matched' && direct.matches.some((m) => m.partyNo === 900001));
    const stored = await db.get<{ raw: string }>(
      "SELECT raw FROM phone_numbers WHERE kind = 'private' AND person_id = (SELECT id FROM persons WHERE person_no = 900003)",
    );
    assert.equal(stored?.raw, 'Hausmeister fragen');
    assert.equal(
      await db.get(
        "SELECT 1 AS x FROM phone_index i JOIN phone_numbers p ON p.id = i.phone_id WHERE p.raw = 'Hausmeister fragen'",
      ),
      undefined,
    );

    const again = await plan(db, admin, file, { kind: 'persons' });
    assert.deepEqual(again.counts, { new: 0, changed: 0, unchanged: 3, invalid: 0 });
    const second = await applyImport(db, admin, again);
    assert.equal(second.batchId, undefined);

    const undone = await undoImport(db, admin, applied.batchId);
    assert.equal(undone.restored, 3);
    assert.deepEqual(undone.skipped, []);
    assert.equal(await snapshot(db), before);
    await assert.rejects(undoImport(db, admin, applied.batchId), ImportBatchAlreadyUndoneError);
    await assert.rejects(undoImport(db, admin, 'imp-nope'), UnknownImportBatchError);
  });

  it('plans changed fields and phone kinds; undo restores exactly and reports rows changed since', async () => {
    const { db, admin } = closing(await smallDemoDb());
    const [first, second] = (await storeRecords(db, 'persons')).slice(0, 2);
    assert.ok(first && second);
    const before = await snapshot(db);
    const file = write(
      'aenderung.csv',
      [
        'Personennummer;Name;Vorname;Mobil;Telefon privat',
        `${first.personNo};Neuname;${first.firstName ?? ''};0172 9999999;`,
        `${second.personNo};${second.lastName};Zweitname;${second.phoneMobile?.raw ?? ''};${second.phonePrivate?.raw ?? ''}`,
      ].join('\r\n'),
    );
    const p = await plan(db, admin, file, { kind: 'persons' });
    assert.deepEqual(p.counts, { new: 0, changed: 2, unchanged: 0, invalid: 0 });
    const firstChanges = p.rows[0]?.changes.map((c) => c.field) ?? [];
    assert.ok(firstChanges.includes('lastName') && firstChanges.includes('phoneMobile'), firstChanges.join());
    assert.ok(p.rows[0]?.changes.find((c) => c.field === 'phoneMobile')?.after === '0172 9999999');
    const applied = await applyImport(db, admin, p);
    assert.ok(applied.batchId);
    assert.equal((await lookupCaller(db, '+491729999999')).outcome, 'matched');
    // someone edits the second person after the import: undo leaves it alone and says so
    await db.run('UPDATE persons SET salutation = ? WHERE person_no = ?', ['Frau', second.personNo]);
    const undone = await undoImport(db, admin, applied.batchId);
    assert.equal(undone.restored, 1);
    assert.deepEqual(undone.skipped, [{ entity: 'persons', key: String(second.personNo), reason: 'changed' }]);
    await db.run('UPDATE persons SET salutation = ?, first_name = ? WHERE person_no = ?', [
      second.salutation ?? null,
      second.firstName ?? null,
      second.personNo,
    ]);
    assert.equal(await snapshot(db), before);
    assert.equal((await lookupCaller(db, '+491729999999')).outcome, 'unknown');
  });

  for (const kind of [
    'persons',
    'creditors',
    'owners',
    'objects',
    'users',
    'teams',
    'object-links',
    'meldungen',
    'auftraege',
    'responsibilities',
  ] as const satisfies readonly WritableKind[])
    it(`round trip of ${kind}: export (CSV and XLSX) → import reports 0 changes`, async () => {
      const { db, admin } = closing(await smallDemoDb());
      const records = await storeRecords(db, kind);
      assert.ok(records.length > 0);
      for (const [name, bytes] of [
        [`${kind}.csv`, exportCsv(kind, records)],
        [`${kind}.xlsx`, await exportXlsx(kind, records)],
      ] as const) {
        const p = await plan(db, admin, write(name, bytes), { kind });
        const notUnchanged = p.rows.filter((r) => r.status !== 'unchanged');
        assert.deepEqual(
          notUnchanged.map((r) => ({
            row: r.row,
            status: r.status,
            changes: r.changes,
            issues: r.issues.map((i) => i.message.args),
          })),
          [],
          name,
        );
        assert.equal(p.counts.unchanged, records.length);
      }
    });

  for (const [kind, header, key] of [
    ['persons', 'Pers.-Nr.;Nachname;Straße;PLZ;Ort', 'personNo'],
    ['creditors', 'Kred.-Nr.;Name;Straße;PLZ;Ort', 'creditorNo'],
    ['owners', 'Eigentümernummer;Nachname;Straße;PLZ;Ort', 'ownerNo'],
  ] as const)
    it(`${kind}: the address comes in (PLZ with its zero), changes, goes out again (CSV, XLSX) and is undone`, async () => {
      const { db, admin } = closing(await smallDemoDb());
      const before = await snapshot(db);
      const table = kind;
      const keyColumn = { persons: 'person_no', creditors: 'creditor_no', owners: 'owner_no' }[kind];
      const address = (no: number) =>
        db.get<{ street: string | null; zip: string | null; city: string | null }>(
          `SELECT street, zip, city FROM ${table} WHERE ${keyColumn} = ?`,
          [no],
        );
      // one new record, and the first stored one (no address yet) gets one
      const [stored] = await storeRecords(db, kind);
      assert.ok(stored);
      const storedNo = Number((stored as unknown as Record<string, unknown>)[key]);
      const storedName = String(
        (stored as unknown as Record<string, unknown>)[kind === 'creditors' ? 'name' : 'lastName'],
      );
      assert.deepEqual({ ...(await address(storedNo)) }, { street: null, zip: null, city: null });
      const first = write(
        `${kind}-adr.csv`,
        iconv.encode(
          [
            header,
            `990001;Neu;"Königstraße 5";1067;Dresden`,
            `${storedNo};${storedName};Am Anger 1;04109;Leipzig`,
          ].join('\r\n'),
          'win1252',
        ),
      );
      const p = await plan(db, admin, first, { kind });
      assert.deepEqual(p.counts, { new: 1, changed: 1, unchanged: 0, invalid: 0 });
      assert.deepEqual(p.ignoredFields, []);
      assert.deepEqual(
        p.rows[1]?.changes.map((c) => [c.field, c.before, c.after]),
        [
          ['street', null, 'Am Anger 1'],
          ['zip', null, '04109'],
          ['city', null, 'Leipzig'],
        ],
      );
      const applied = await applyImport(db, admin, p);
      assert.ok(applied.batchId);
      assert.deepEqual({ ...(await address(990001)) }, { street: 'Königstraße 5', zip: '01067', city: 'Dresden' });
      assert.deepEqual({ ...(await address(storedNo)) }, { street: 'Am Anger 1', zip: '04109', city: 'Leipzig' });
      // the batch keeps the address in its before- and after-images
      const item = await db.get<{ before_json: string; after_json: string }>(
        'SELECT before_json, after_json FROM import_batch_items WHERE batch_id = ? AND entity_key = ?',
        [applied.batchId, String(storedNo)],
      );
      assert.ok(item);
      assert.equal((JSON.parse(item.before_json) as { cols: Record<string, unknown> }).cols.zip, null);
      assert.equal((JSON.parse(item.after_json) as { cols: Record<string, unknown> }).cols.zip, '04109');

      // export → import: 0 changes, in both formats, PLZ still with its zero
      const records = await storeRecords(db, kind);
      const exported = records.find((r) => Number((r as unknown as Record<string, unknown>)[key]) === 990001);
      assert.deepEqual(
        exported && { ...exported },
        exported && { ...exported, street: 'Königstraße 5', zip: '01067', city: 'Dresden' },
      );
      for (const [name, bytes] of [
        [`${kind}-adr-export.csv`, exportCsv(kind, records)],
        [`${kind}-adr-export.xlsx`, await exportXlsx(kind, records)],
      ] as const) {
        const again = await plan(db, admin, write(name, bytes), { kind });
        assert.deepEqual(again.counts, { new: 0, changed: 0, unchanged: records.length, invalid: 0 }, name);
      }

      // an empty cell clears the address field
      const clear = await plan(
        db,
        admin,
        write(`${kind}-clear.csv`, [header, `${storedNo};${storedName};;;Leipzig`].join('\r\n')),
        { kind },
      );
      assert.deepEqual(
        clear.rows[0]?.changes.map((c) => c.field),
        ['street', 'zip'],
      );

      const undone = await undoImport(db, admin, applied.batchId);
      assert.equal(undone.restored, 2);
      assert.equal(await snapshot(db), before);
    });

  it('undoes a batch written before schema v13 (its images have no address columns)', async () => {
    const { db, admin } = closing(await smallDemoDb());
    const before = await snapshot(db);
    const file = write('alt.csv', ['Pers.-Nr.;Nachname;Vorname', '990002;Altbestand;Ada'].join('\r\n'));
    const applied = await applyImport(db, admin, await plan(db, admin, file, { kind: 'persons' }));
    assert.ok(applied.batchId);
    // rewrite the item as v11/v12 wrote it: the state JSON without street/zip/city
    const item = await db.get<{ after_json: string }>('SELECT after_json FROM import_batch_items WHERE batch_id = ?', [
      applied.batchId,
    ]);
    assert.ok(item);
    const old = JSON.parse(item.after_json) as { cols: Record<string, unknown> };
    assert.ok('street' in old.cols);
    delete old.cols.street;
    delete old.cols.zip;
    delete old.cols.city;
    await db.run('UPDATE import_batch_items SET after_json = ? WHERE batch_id = ?', [
      JSON.stringify(old),
      applied.batchId,
    ]);
    const undone = await undoImport(db, admin, applied.batchId);
    assert.deepEqual({ restored: undone.restored, skipped: undone.skipped }, { restored: 1, skipped: [] });
    assert.equal(await snapshot(db), before);
  });

  it('blocks on invalid rows unless skipInvalid; store checks name the row and column', async () => {
    const { db, admin } = closing(await smallDemoDb());
    const file = write(
      'objekte.csv',
      ['Objektnummer;Bezeichnung;PLZ;Team', '9001;Neues Haus;01067;Kein Team', '9002;Zweites Haus;10115;'].join('\r\n'),
    );
    const p = await plan(db, admin, file, { kind: 'objects' });
    assert.deepEqual(p.counts, { new: 1, changed: 0, unchanged: 0, invalid: 1 });
    const bad = p.rows.find((r) => r.status === 'invalid');
    assert.equal(bad?.row, 2);
    assert.equal(bad?.issues[0]?.column?.letter, 'D');
    assert.equal(bad?.issues[0]?.message.code, 'team-missing');
    const before = await snapshot(db);
    await assert.rejects(applyImport(db, admin, p), ImportHasInvalidRowsError);
    assert.equal(await snapshot(db), before);
    const applied = await applyImport(db, admin, p, { skipInvalid: true });
    assert.equal(applied.counts.new, 1);
    assert.deepEqual(await objectNos(db).then((n) => n.filter((x) => x >= 9001)), [9002]);
  });

  it('users: a new user needs role and rights class; deactivating an assignee is warned', async () => {
    const { db, admin } = closing(await smallDemoDb());
    const holder = await db.get<{ login: string; short_code: string; last_name: string }>(
      'SELECT u.login, u.short_code, u.last_name FROM users u WHERE u.active = 1 AND EXISTS (SELECT 1 FROM responsibilities r WHERE r.user_id = u.id) ORDER BY u.login LIMIT 1',
    );
    assert.ok(holder);
    const file = write(
      'benutzer.csv',
      [
        'Login;Kürzel;Nachname;Aktiv',
        'neu1;NEU;Neumann;ja',
        `${holder.login};${holder.short_code};${holder.last_name};nein`,
      ].join('\r\n'),
    );
    const p = await plan(db, admin, file, { kind: 'users' });
    const neu = p.rows.find((r) => r.key === 'neu1');
    assert.equal(neu?.status, 'invalid');
    assert.deepEqual(neu?.issues.map((i) => i.message.code).sort(), ['new-needs', 'new-needs']);
    const off = p.rows.find((r) => r.key === holder.login);
    assert.equal(off?.status, 'changed');
    assert.ok(off?.issues.some((i) => i.severity === 'warning' && i.message.code === 'deactivates-holder'));
    const ok = write(
      'benutzer2.csv',
      ['Login;Kürzel;Nachname;Benutzerrolle;Benutzerklasse', 'neu1;NEU;Neumann;Sachbearbeiter;B'].join('\r\n'),
    );
    const applied = await applyImport(db, admin, await plan(db, admin, ok, { kind: 'users' }));
    assert.equal(applied.counts.new, 1);
    assert.equal(
      (await db.get<{ role: string }>("SELECT role FROM users WHERE login = 'neu1'"))?.role,
      'Sachbearbeiter',
    );
  });

  it('refuses non-administrators', async () => {
    const { db, admin, haupt } = closing(await smallDemoDb());
    const [objectNo] = await objectNos(db);
    const p = await plan(db, admin, write('p.csv', personsCsv(objectNo ?? 1)), { kind: 'persons' });
    const before = await snapshot(db);
    await assert.rejects(applyImport(db, haupt, p), PermissionError);
    await assert.rejects(applyImport(db, undefined, p), PermissionError);
    await assert.rejects(undoImport(db, haupt, 'x'), PermissionError);
    await assert.rejects(planImport(db, haupt, p.parsed), PermissionError);
    assert.equal(await snapshot(db), before);
  });
});
