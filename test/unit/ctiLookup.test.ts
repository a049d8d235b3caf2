import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as fs from 'node:fs/promises';
import { lookupCaller, partyPhoneNumbers, readCtiSettings, rememberPick } from '../../src/core/cti/callerLookup';
import {
  indexRowsFor,
  reindexAll,
  setOwnAreaCode,
  updatePhoneNumber,
  writePhoneNumber,
} from '../../src/core/cti/phoneIndex';
import { PermissionError } from '../../src/core/errors';
import { Store } from '../../src/core/store/database';
import { MIGRATIONS } from '../../src/core/store/migrations';
import { loadSqlJs } from '../../src/core/store/sqlJs';
import { setSetting } from '../../src/core/settings/settingsService';
import type { Actor } from '../../src/core/access/rights';
import { fileBackendOnly, smallDemoDb, tempDir } from '../helpers';
import { SqlJsAsyncStore } from '../../src/core/store/sqlJsAsyncStore';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import { insertId, scalar } from '../../src/core/store/asyncQueries';
import { formatAddress, partyRecord } from '../../src/core/objects/objectQueries';
import { lookupText, partyKey } from '../../src/cli/ctiText';

describe('cti index and caller lookup (product.md §7, cti-protocols.md, C20, C22)', function () {
  this.timeout(30_000);
  let store: AsyncStore;
  let admin: Actor;
  let haupt: Actor;
  let person: number;
  let creditor: number;
  let owner: number;

  beforeEach(async () => {
    ({ db: store, admin, haupt } = await smallDemoDb());
    // a clean slate of parties with known numbers, the demo's own rows removed
    await store.run('DELETE FROM phone_numbers');
    person = await insertId(
      store,
      "INSERT INTO persons (person_no, first_name, last_name) VALUES (990001, 'Erika', 'Mustermann') RETURNING id",
    );
    creditor = await insertId(
      store,
      "INSERT INTO creditors (creditor_no, name, trade) VALUES (970001, 'Sanitär Schulz GmbH', 'Sanitär') RETURNING id",
    );
    owner = await insertId(
      store,
      "INSERT INTO owners (owner_no, first_name, last_name) VALUES (950001, 'Hans', 'Eigner') RETURNING id",
    );
    await store.transaction(async (tx) => {
      await writePhoneNumber(tx, { origin: 'person', partyId: person, field: 'mobile', raw: '0171 6783154' });
      await writePhoneNumber(tx, {
        origin: 'creditor',
        partyId: creditor,
        field: 'business',
        raw: '+49 (0)345 279580',
      });
      await writePhoneNumber(tx, { origin: 'creditor', partyId: creditor, field: 'fax', raw: '030 4711-99' });
      await writePhoneNumber(tx, { origin: 'person', partyId: person, field: 'private', raw: '6667777' }); // demo area code 030
      await writePhoneNumber(tx, { origin: 'owner', partyId: owner, field: 'private', raw: '030 / 666 77 77' });
      await writePhoneNumber(tx, {
        origin: 'owner',
        partyId: owner,
        field: 'business',
        raw: '500@hd-telefonie.avm.de',
      });
    });
  });
  afterEach(async () => store.close());

  it('C20: bare-49 caller numbers find the person and the creditor (one hit each)', async () => {
    const a = await lookupCaller(store, '491716783154');
    assert.equal(a.outcome, 'matched');
    if (a.outcome === 'matched')
      assert.deepEqual(
        a.matches.map((m) => [m.origin, m.partyNo, m.field]),
        [['person', 990001, 'mobile']],
      );
    const b = await lookupCaller(store, '49345279580');
    assert.equal(b.outcome, 'matched');
    if (b.outcome === 'matched')
      assert.deepEqual(
        b.matches.map((m) => [m.origin, m.name, m.field, m.via]),
        [['creditor', 'Sanitär Schulz GmbH', 'business', 'exact']],
      );
  });

  it('C22: a local caller is read in the own area code and matches every party with that number, with origin and field', async () => {
    const result = await lookupCaller(store, '6667777');
    assert.equal(result.outcome, 'matched');
    if (result.outcome !== 'matched') return;
    assert.equal(result.e164, '+49306667777');
    assert.deepEqual(
      result.matches.map((m) => [m.origin, m.name, m.field]),
      [
        ['person', 'Mustermann, Erika', 'private'],
        ['owner', 'Eigner, Hans', 'private'],
      ],
    );
  });

  it('suppressed callers are named, not looked up; SIP URIs in the data are skipped', async () => {
    assert.equal((await lookupCaller(store, '')).outcome, 'suppressed');
    assert.equal((await lookupCaller(store, '<unknown>')).outcome, 'suppressed');
    assert.equal(indexRowsFor('500@hd-telefonie.avm.de', '30').length, 0);
    assert.equal(
      await scalar(store, "SELECT count(*) FROM phone_numbers WHERE raw LIKE '%@%'"),
      1,
      'stored, just not indexed',
    );
  });

  it('internal numbers (≤ PlusGlobalCTIreactionNummernlaenge digits) find users by extension', async () => {
    const result = await lookupCaller(store, '201');
    assert.equal(result.outcome, 'internal');
    if (result.outcome === 'internal')
      assert.deepEqual(
        result.users.map((u) => u.extension),
        ['201'],
      );
    await setSetting(store, admin, 'PlusGlobalCTIreactionNummernlaenge', '2');
    assert.equal((await readCtiSettings(store)).internalMaxDigits, 2);
    assert.notEqual((await lookupCaller(store, '201')).outcome, 'internal');
  });

  it('exact E.164 first, else the last 8 digits, else unknown', async () => {
    const exact = await lookupCaller(store, '+491716783154');
    assert.ok(exact.outcome === 'matched' && exact.matches[0]?.via === 'exact');
    // same last 8 digits behind another prefix (e.g. a number stored without a mobile prefix typo)
    const suffix = await lookupCaller(store, '+493016783154');
    assert.ok(suffix.outcome === 'matched' && suffix.matches[0]?.via === 'last8', JSON.stringify(suffix));
    const unknown = await lookupCaller(store, '+4989998877');
    assert.deepEqual([unknown.outcome, unknown.outcome === 'unknown' ? unknown.e164 : ''], ['unknown', '+4989998877']);
  });

  it('extensions are kept apart: the switchboard number and the direct dial both find the creditor', async () => {
    const board = await lookupCaller(store, '0304711');
    assert.ok(board.outcome === 'matched' && board.matches[0]?.via === 'exact' && board.matches[0].field === 'fax');
    const direct = await lookupCaller(store, '+49304711' + '99');
    assert.ok(direct.outcome === 'matched' && direct.matches[0]?.via === 'direct', JSON.stringify(direct));
  });

  it("remembers the user's pick per number", async () => {
    const before = await lookupCaller(store, '030 6667777', { userId: haupt.id });
    assert.ok(before.outcome === 'matched' && before.picked === undefined);
    await rememberPick(store, haupt.id, '+49306667777', { origin: 'owner', partyId: owner });
    const after = await lookupCaller(store, '030 6667777', { userId: haupt.id });
    assert.ok(after.outcome === 'matched' && after.picked?.origin === 'owner' && after.picked.partyId === owner);
    const other = await lookupCaller(store, '030 6667777', { userId: admin.id });
    assert.ok(other.outcome === 'matched' && other.picked === undefined, 'per user');
    await assert.rejects(
      () => rememberPick(store, haupt.id, '+49306667777', { origin: 'creditor', partyId: creditor }),
      /has no phone number matching/,
    );
  });

  it('keeps the index on updates and deletes, and rebuilds it when the own area code changes', async () => {
    const id = await store.transaction((tx) =>
      writePhoneNumber(tx, { origin: 'person', partyId: person, field: 'business', raw: '089 1234567' }),
    );
    assert.equal((await lookupCaller(store, '+49891234567')).outcome, 'matched');
    await updatePhoneNumber(store, id, '089 7654321');
    assert.equal((await lookupCaller(store, '+49891234567')).outcome, 'unknown');
    assert.equal((await lookupCaller(store, '+49897654321')).outcome, 'matched');
    await store.run('DELETE FROM phone_numbers WHERE id = ?', [id]);
    assert.equal((await lookupCaller(store, '+49897654321')).outcome, 'unknown');
    await assert.rejects(() => setOwnAreaCode(store, haupt, '089'), PermissionError);
    await assert.rejects(() => setOwnAreaCode(store, admin, '08x9'), /own area code "08x9" is not valid/);
    await setOwnAreaCode(store, admin, '089');
    const moved = (await partyPhoneNumbers(store, 'person', person)).find((n) => n.raw === '6667777');
    assert.equal(moved?.e164, '+49896667777');
    await assert.rejects(
      () =>
        store.transaction((tx) =>
          writePhoneNumber(tx, { origin: 'person', partyId: person, field: 'private', raw: '' }),
        ),
      /1 to 40 characters/,
    );
    assert.ok((await reindexAll(store)) >= 5);
  });

  it('every demo phone number that is a number is indexed', async () => {
    const demo = await smallDemoDb();
    try {
      const total = Number(await scalar(demo.db, 'SELECT count(*) FROM phone_numbers'));
      const indexed = Number(
        await scalar(demo.db, "SELECT count(DISTINCT phone_id) FROM phone_index WHERE variant = 'main'"),
      );
      assert.ok(total > 20);
      assert.equal(indexed, total);
    } finally {
      await demo.db.close();
    }
  });
});

describe('cti migration (schema v6 backfill)', () => {
  it('indexes the phone numbers of an existing v3 store when it is opened', async function () {
    fileBackendOnly(this); // migrates a v3 store file
    const { dir, cleanup } = await tempDir();
    try {
      const SQL = await loadSqlJs();
      const db = new SQL.Database();
      for (const m of MIGRATIONS.filter((x) => x.version <= 3)) {
        m.up(db);
        db.exec(`PRAGMA user_version = ${m.version}`);
      }
      db.exec("INSERT INTO meta (key, value) VALUES ('cti.areaCode', '221')");
      db.exec("INSERT INTO persons (id, person_no, last_name) VALUES (1, 1, 'Alt')");
      db.exec(
        "INSERT INTO phone_numbers (person_id, kind, raw) VALUES (1, 'private', '4711 0815'), (1, 'mobile', '+49 (0)171 6783154'), (1, 'fax', 'keine')",
      );
      const file = path.join(dir, 'v3.sqlite');
      await fs.writeFile(file, db.export());
      db.close();
      const store = new SqlJsAsyncStore(await Store.open(file));
      try {
        assert.ok((await store.schemaVersion()) >= 6);
        assert.deepEqual(
          (await store.query("SELECT e164 FROM phone_index WHERE variant = 'main' ORDER BY e164")).map((r) => r.e164),
          ['+491716783154', '+4922147110815'],
        );
        const hit = await lookupCaller(store, '0221 47110815');
        assert.ok(hit.outcome === 'matched' && hit.matches[0]?.name === 'Alt');
      } finally {
        await store.close();
      }
    } finally {
      await cleanup();
    }
  });
});

describe('party detail: the address line (schema v13; caller lookup record, cti lookup)', () => {
  it('formats "Straße, PLZ Ort", leaving out missing parts', () => {
    assert.equal(formatAddress('Königstraße 5', '01067', 'Dresden'), 'Königstraße 5, 01067 Dresden');
    assert.equal(formatAddress(null, '01067', 'Dresden'), '01067 Dresden');
    assert.equal(formatAddress('Königstraße 5', null, ' '), 'Königstraße 5');
    assert.equal(formatAddress(null, null, 'Dresden'), 'Dresden');
    assert.equal(formatAddress(null, '', null), null);
  });

  it('partyRecord gives the address of persons, creditors and owners, null when none is stored', async () => {
    const { db } = await smallDemoDb();
    try {
      for (const [origin, table] of [
        ['person', 'persons'],
        ['creditor', 'creditors'],
        ['owner', 'owners'],
      ] as const) {
        const id = Number(await scalar(db, `SELECT min(id) FROM ${table}`));
        assert.equal((await partyRecord(db, origin, id))?.address, null, origin);
        await db.run(`UPDATE ${table} SET street = ?, zip = ?, city = ? WHERE id = ?`, [
          'Am Anger 1',
          '04109',
          'Leipzig',
          id,
        ]);
        const record = await partyRecord(db, origin, id);
        assert.equal(record?.address, 'Am Anger 1, 04109 Leipzig', origin);
        assert.ok(record && record.name.length > 0 && record.no > 0);
        assert.equal(await partyRecord(db, origin, 987654), undefined);
      }
    } finally {
      await db.close();
    }
  });

  it('cti lookup text prints the address under the match', () => {
    const match = {
      origin: 'person',
      partyId: 7,
      partyNo: 100007,
      name: 'Muster, Max',
      field: 'private',
      raw: '030 1234567',
      via: 'exact',
    } as const;
    const result = {
      outcome: 'matched',
      input: '0301234567',
      e164: '+49301234567',
      matches: [match],
      picked: undefined,
    } as const;
    const text = lookupText(result, new Map([[partyKey(match), 'Am Anger 1, 04109 Leipzig']]));
    assert.deepEqual(text.split('\n').slice(1), [
      '  person    100007  Muster, Max  [private: 030 1234567]',
      '                   Am Anger 1, 04109 Leipzig',
    ]);
    assert.equal(lookupText(result).split('\n').length, 2, 'no address line without an address');
  });
});
