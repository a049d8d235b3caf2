import { strict as assert } from 'node:assert';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Store, restoreFromBackup, verifyStoreFile } from '../../src/core/store/database';
import {
  StoreChecksumError,
  StoreCorruptError,
  StoreEmptyError,
  StoreExistsError,
  StoreForeignError,
  StoreIntactError,
  StoreNoBackupError,
  StoreNotAFileError,
  StoreNotSqliteError,
  StoreReadOnlyError,
  StoreTooNewError,
  StoreTruncatedError,
  StoreTransactionError,
} from '../../src/core/store/errors';
import { LATEST_SCHEMA_VERSION } from '../../src/core/store/migrations';
import { loadSqlJs } from '../../src/core/store/sqlJs';
import { fileBackendOnly, tempDir } from '../helpers';

async function sha(file: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256')
    .update(await fs.readFile(file))
    .digest('hex');
}

describe('store: schema and basic use', () => {
  before(function () {
    fileBackendOnly(this); // the sql.js file engine itself
  });
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => cleanup());

  it('creates a store with the latest schema, foreign keys on, and reopens it with the data', async () => {
    const file = path.join(dir, 'a.sqlite');
    const store = await Store.create(file);
    assert.equal(store.schemaVersion(), LATEST_SCHEMA_VERSION);
    assert.equal(store.scalar('PRAGMA foreign_keys'), 1);
    store.run("INSERT INTO teams (name, kind) VALUES ('Team Nord', 'Objektmanagement')");
    await store.save();
    await store.close();
    const again = await Store.open(file);
    assert.equal(again.scalar('SELECT name FROM teams'), 'Team Nord');
    assert.equal(again.readOnly, false);
    await again.close();
  });

  it('refuses to create a store over an existing file and leaves the file untouched', async () => {
    const file = path.join(dir, 'exists.sqlite');
    await fs.writeFile(file, 'important notes');
    await assert.rejects(Store.create(file), StoreExistsError);
    assert.equal(await fs.readFile(file, 'utf8'), 'important notes');
  });

  it('enforces the login length and rights class in the schema', async () => {
    const store = await Store.inMemory();
    const insert =
      "INSERT INTO users (login, short_code, last_name, rights_class, role, password_hash) VALUES (?, 'X', 'Y', ?, 'Sachbearbeiter', 'h')";
    assert.throws(() => store.run(insert, ['neunzeich', 'A']), /CHECK constraint/);
    assert.throws(() => store.run(insert, ['ok', 'a']), /CHECK constraint/);
    store.run(insert, ['achtzei8', 'S']);
    await store.close();
  });

  it('rolls a failed transaction back completely and refuses an async body', async () => {
    const store = await Store.inMemory();
    assert.throws(
      () =>
        store.transaction(() => {
          store.run("INSERT INTO teams (name, kind) VALUES ('A', 'Buchhaltung')");
          store.run("INSERT INTO teams (name, kind) VALUES ('A', 'Buchhaltung')");
        }),
      /UNIQUE/,
    );
    assert.equal(store.scalar('SELECT count(*) FROM teams'), 0);
    assert.throws(() => store.transaction(() => Promise.resolve(1)), StoreTransactionError);
    assert.equal(store.inTransaction, false);
    await store.close();
  });

  it('returns new ids through INSERT … RETURNING id, and no row for a skipped ON CONFLICT DO NOTHING', async () => {
    const file = path.join(dir, 'returning.sqlite');
    const store = await Store.create(file);
    const first = store.insertId("INSERT INTO teams (name, kind) VALUES ('Nord', 'Buchhaltung') RETURNING id");
    const second = store.insertId("INSERT INTO teams (name, kind) VALUES ('Süd', 'Buchhaltung') RETURNING id");
    assert.equal(second, first + 1);
    assert.equal(store.scalar('SELECT name FROM teams WHERE id = ?', [second]), 'Süd');
    assert.ok(store.dirty, 'a change through RETURNING marks the store changed');
    const upsert = "INSERT INTO meta (key, value) VALUES ('k', ?) ON CONFLICT (key) DO NOTHING RETURNING key";
    assert.deepEqual(store.runReturning(upsert, ['a']), [{ key: 'k' }]);
    assert.deepEqual(store.runReturning(upsert, ['b']), [], 'the skipped insert returns no row');
    assert.equal(store.scalar("SELECT value FROM meta WHERE key = 'k'"), 'a');
    assert.throws(
      () => store.insertId("INSERT INTO teams (name, kind) VALUES ('West', 'Buchhaltung')"),
      /RETURNING id/,
    );
    await store.close();
  });

  it('nested transactions are savepoints: an inner failure keeps the outer work', async () => {
    const store = await Store.inMemory();
    store.transaction(() => {
      store.run("INSERT INTO teams (name, kind) VALUES ('Outer', 'Buchhaltung')");
      assert.throws(() =>
        store.transaction(() => {
          store.run("INSERT INTO teams (name, kind) VALUES ('Inner', 'Buchhaltung')");
          throw new Error('inner fails');
        }),
      );
    });
    assert.deepEqual(
      store.all('SELECT name FROM teams').map((r) => r.name),
      ['Outer'],
    );
    await store.close();
  });
});

describe('store: durability of saves', () => {
  before(function () {
    fileBackendOnly(this); // the sql.js file engine itself
  });
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => cleanup());

  it('keeps exactly one .bak holding the previous save and leaves no temp files', async () => {
    const file = path.join(dir, 's.sqlite');
    const store = await Store.create(file);
    store.run("INSERT INTO teams (name, kind) VALUES ('first', 'Buchhaltung')");
    await store.save();
    const firstHash = await sha(file);
    store.run("INSERT INTO teams (name, kind) VALUES ('second', 'Buchhaltung')");
    await store.save();
    assert.equal(await sha(file + '.bak'), firstHash);
    const entries = (await fs.readdir(dir)).filter((e) => !e.endsWith('.lock')).sort();
    assert.deepEqual(entries, ['s.sqlite', 's.sqlite.bak', 's.sqlite.sum']);
    await store.close();
  });

  it('serialises concurrent saves and ends with the newest content on disk', async () => {
    const file = path.join(dir, 'c.sqlite');
    const store = await Store.create(file);
    const saves: Promise<void>[] = [];
    for (let i = 0; i < 25; i++) {
      store.run('INSERT INTO meta (key, value) VALUES (?, ?)', [`k${i}`, String(i)]);
      saves.push(store.save());
    }
    await Promise.all(saves);
    await store.close();
    const reopened = await Store.open(file, { readOnly: true });
    assert.equal(reopened.scalar("SELECT count(*) FROM meta WHERE key LIKE 'k%'"), 25);
    await reopened.close();
  });

  it('a save requested inside a transaction waits for its end and writes the committed row (C29)', async () => {
    const file = path.join(dir, 't.sqlite');
    const store = await Store.create(file);
    let saved: Promise<void> | undefined;
    store.transaction(() => {
      store.run("INSERT INTO teams (name, kind) VALUES ('mid', 'Abrechnung')");
      saved = store.save();
      store.run("INSERT INTO teams (name, kind) VALUES ('end', 'Abrechnung')");
    });
    await saved;
    await store.close();
    const check = await Store.open(file, { readOnly: true });
    assert.deepEqual(
      check.all('SELECT name FROM teams ORDER BY id').map((r) => r.name),
      ['mid', 'end'],
    );
    await check.close();
  });

  it('foreign keys stay enforced and cached statements are renewed after a save (C29)', async () => {
    const file = path.join(dir, 'fk.sqlite');
    const store = await Store.create(file);
    const before = store.prepared('SELECT count(*) FROM teams');
    await store.save();
    assert.equal(store.scalar('PRAGMA foreign_keys'), 1);
    assert.throws(
      () => store.run("INSERT INTO objects (object_no, name, team_id) VALUES (1, 'x', 999)"),
      /FOREIGN KEY/,
    );
    const after = store.prepared('SELECT count(*) FROM teams');
    assert.notEqual(after, before, 'the statement cache must be rebuilt after a save');
    assert.equal(store.scalar('SELECT count(*) FROM teams'), 0);
    await store.close();
  });

  it('pins what raw sql.js export() does in the pinned version 1.17.0 (C29): a version change must revisit the store', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.exec(
      'PRAGMA foreign_keys=ON; CREATE TABLE owner(id INTEGER PRIMARY KEY); CREATE TABLE unit(id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owner(id));',
    );
    db.export();
    assert.equal(db.exec('PRAGMA foreign_keys')[0]?.values[0]?.[0], 1, '1.17.0 keeps the pragma (1.10.3 reset it)');
    db.exec('BEGIN; INSERT INTO owner VALUES (42);');
    assert.throws(
      () => db.export(),
      /busy or locked|active write transactions/i,
      '1.17.0 refuses to export inside a write transaction',
    );
    db.exec('COMMIT');
    db.close();
  });

  it('a failing save leaves the file with its last saved state and no temp files', async () => {
    const file = path.join(dir, 'w.sqlite');
    const store = await Store.create(file);
    store.run("INSERT INTO teams (name, kind) VALUES ('kept', 'Buchhaltung')");
    await store.save();
    const hash = await sha(file);
    // Tests run as root, where folder permissions do not stop a write: make the save fail by putting a non-empty
    // directory where the backup must go, so the rename of the backup fails mid-save.
    await fs.rm(file + '.bak', { force: true });
    await fs.mkdir(file + '.bak');
    await fs.writeFile(path.join(file + '.bak', 'x'), 'x');
    store.run("INSERT INTO teams (name, kind) VALUES ('lost?', 'Buchhaltung')");
    await assert.rejects(store.save(), (error: Error) => /Saving the store/.test(error.message));
    assert.equal(await sha(file), hash);
    const leftovers = (await fs.readdir(dir)).filter((e) => e.endsWith('.tmp'));
    assert.deepEqual(leftovers, []);
    await fs.rm(file + '.bak', { recursive: true });
    await store.save();
    await store.close();
  });
});

describe('store: refusing damaged or foreign files', () => {
  before(function () {
    fileBackendOnly(this); // the sql.js file engine itself
  });
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => cleanup());

  async function storeWithData(file: string): Promise<void> {
    const store = await Store.create(file);
    store.transaction(() => {
      for (let i = 0; i < 2000; i++)
        store.run('INSERT INTO meta (key, value) VALUES (?, ?)', [`key${i}`, 'x'.repeat(200)]);
    });
    await store.save();
    store.run("INSERT INTO meta (key, value) VALUES ('second', 'save')");
    await store.save();
    await store.close();
  }

  const cases: Array<[string, (file: string) => Promise<void>, new (...args: never[]) => Error]> = [
    ['an empty file', (f) => fs.writeFile(f, ''), StoreEmptyError],
    ['a text file', (f) => fs.writeFile(f, 'Kundenname;Lizenznummer\nMuster GmbH;4711\n'), StoreNotSqliteError],
    [
      'a file cut in half',
      async (f) => {
        const bytes = await fs.readFile(f);
        await fs.writeFile(f, bytes.subarray(0, Math.floor(bytes.length / 2)));
      },
      StoreTruncatedError,
    ],
    [
      'a file with a damaged page',
      async (f) => {
        const bytes = await fs.readFile(f);
        bytes.fill(0x5a, 4096 * 3, 4096 * 3 + 2000);
        await fs.writeFile(f, bytes);
      },
      StoreChecksumError,
    ],
    [
      'a file with a damaged page and no checksum file (older stores: quick_check)',
      async (f) => {
        const bytes = await fs.readFile(f);
        bytes.fill(0x5a, 4096 * 3, 4096 * 3 + 2000);
        await fs.writeFile(f, bytes);
        await fs.rm(f + '.sum');
      },
      StoreCorruptError,
    ],
  ];

  for (const [label, damage, errorClass] of cases) {
    it(`refuses ${label}, names the file, offers the valid .bak and changes nothing`, async () => {
      const file = path.join(dir, 'd.sqlite');
      await storeWithData(file);
      await damage(file);
      const before = await sha(file);
      await assert.rejects(Store.open(file), (error: Error & { backupFile?: string }) => {
        assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${error.name}: ${error.message}`);
        assert.ok(error.message.includes(file), 'the message names the file');
        assert.equal(error.backupFile, file + '.bak');
        return true;
      });
      await assert.rejects(verifyStoreFile(file), errorClass);
      assert.equal(await sha(file), before, 'the damaged file is not modified');
      const aside = await restoreFromBackup(file);
      assert.equal(await sha(aside), before, 'the damaged file is kept aside');
      const restored = await Store.open(file);
      assert.equal(restored.scalar("SELECT count(*) FROM meta WHERE key LIKE 'key%'"), 2000);
      await restored.close();
    });
  }

  it("refuses another program's SQLite database and a newer schema", async () => {
    const SQL = await loadSqlJs();
    const foreign = new SQL.Database();
    foreign.exec('CREATE TABLE t(x)');
    const foreignFile = path.join(dir, 'foreign.sqlite');
    await fs.writeFile(foreignFile, foreign.export());
    await assert.rejects(Store.open(foreignFile), StoreForeignError);

    const file = path.join(dir, 'new.sqlite');
    const store = await Store.create(file);
    store.rawDatabaseForTests().exec(`PRAGMA user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    store.run("INSERT INTO meta (key, value) VALUES ('x', 'y')");
    await store.save();
    await store.close();
    await assert.rejects(Store.open(file), StoreTooNewError);
  });
});

describe('store: creation and restore never lose or invent data', () => {
  before(function () {
    fileBackendOnly(this); // the sql.js file engine itself
  });
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => cleanup());

  it('a populated creation writes once: no .bak of an empty schema; a failing one leaves no file', async () => {
    const file = path.join(dir, 'p.sqlite');
    const store = await Store.create(file, {
      populate: (s) => void s.run("INSERT INTO teams (name, kind) VALUES ('T', 'Buchhaltung')"),
    });
    await store.close();
    assert.deepEqual((await fs.readdir(dir)).sort(), ['p.sqlite', 'p.sqlite.sum']);
    const failing = path.join(dir, 'f.sqlite');
    await assert.rejects(
      Store.create(failing, {
        populate: () => {
          throw new Error('generator failed');
        },
      }),
      /generator failed/,
    );
    assert.deepEqual(
      (await fs.readdir(dir)).sort(),
      ['p.sqlite', 'p.sqlite.sum'],
      'nothing left behind, not even the lock',
    );
  });

  it('restore refuses an intact store (unless forced), names a missing backup, and a folder is not a store', async () => {
    const file = path.join(dir, 'r.sqlite');
    const store = await Store.create(file);
    store.run("INSERT INTO teams (name, kind) VALUES ('v1', 'Buchhaltung')");
    await store.save();
    store.run("INSERT INTO teams (name, kind) VALUES ('v2', 'Buchhaltung')");
    await store.close();
    await assert.rejects(restoreFromBackup(file), StoreIntactError);
    await restoreFromBackup(file, { force: true });
    const restored = await Store.open(file, { readOnly: true });
    assert.equal(restored.scalar('SELECT count(*) FROM teams'), 1);
    await restored.close();
    const lonely = path.join(dir, 'lonely.sqlite');
    await (await Store.create(lonely)).close();
    await assert.rejects(
      restoreFromBackup(lonely, { force: true }),
      (e: Error) => e instanceof StoreNoBackupError && e.message.includes('lonely.sqlite.bak'),
    );
    await assert.rejects(Store.open(dir), StoreNotAFileError);
  });
});

describe('store: one writer', () => {
  before(function () {
    fileBackendOnly(this); // the sql.js file engine itself
  });
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => cleanup());

  it('a second opener gets the store read-only, is told so, and cannot change it', async () => {
    const file = path.join(dir, 'l.sqlite');
    const first = await Store.create(file);
    const second = await Store.open(file);
    assert.equal(second.readOnly, true);
    assert.equal(second.readOnlyReason, 'locked');
    assert.throws(() => second.run("INSERT INTO meta (key, value) VALUES ('a', 'b')"), StoreReadOnlyError);
    await assert.rejects(second.save(), StoreReadOnlyError);
    await second.close();
    await first.close();
    const third = await Store.open(file);
    assert.equal(third.readOnly, false, 'after the writer closed, the next opener writes');
    await third.close();
  });

  it("take-over: a confirmed opener breaks a stale holder's lock; the holder is told and becomes read-only", async function () {
    this.timeout(20_000);
    const file = path.join(dir, 'take.sqlite');
    let lost = false;
    const holder = await Store.create(file, { lockCheckMs: 200, onLockLost: () => (lost = true) });
    holder.run("INSERT INTO teams (name, kind) VALUES ('saved by holder', 'Buchhaltung')");
    await holder.save();
    const taker = await Store.open(file, { takeOver: true });
    assert.equal(taker.readOnly, false);
    assert.equal(taker.scalar('SELECT name FROM teams'), 'saved by holder');
    const deadline = Date.now() + 10_000;
    while (!lost && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(lost, true, 'the holder notices within its lock refresh interval');
    assert.equal(holder.readOnlyReason, 'lock-lost');
    assert.throws(
      () => holder.run("INSERT INTO teams (name, kind) VALUES ('late', 'Buchhaltung')"),
      StoreReadOnlyError,
    );
    await holder.close();
    await taker.close();
  });
});

describe('store: in-memory copy of a store image (previews, tests; issue 18)', () => {
  before(function () {
    fileBackendOnly(this); // the sql.js file engine itself
  });
  it('starts as a copy of the image, never changes the image, and refuses what is not a store', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const file = path.join(dir, 's.sqlite');
      const created = await Store.create(file);
      created.run("INSERT INTO audit_log (at, action, entity) VALUES ('2026-01-01T00:00:00Z', 'x', 'y')");
      await created.close({ save: true });
      const image = await fs.readFile(file);
      const before = Buffer.from(image);
      const a = await Store.inMemory({ image });
      const b = await Store.inMemory({ image });
      a.run("INSERT INTO audit_log (at, action, entity) VALUES ('2026-01-02T00:00:00Z', 'only-a', 'y')");
      assert.equal(a.scalar('SELECT count(*) FROM audit_log'), 2);
      assert.equal(b.scalar('SELECT count(*) FROM audit_log'), 1, 'copies are independent');
      assert.equal(a.schemaVersion(), LATEST_SCHEMA_VERSION);
      await a.close();
      await b.close();
      assert.ok(image.equals(before), 'the image bytes are unchanged');
      await assert.rejects(
        Store.inMemory({ image: Buffer.from('not a database at all, just text padding it out to a header') }),
        StoreNotSqliteError,
      );
    } finally {
      await cleanup();
    }
  });
});
