import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { closeAfterEach, smallDemoDb, tempDir } from '../helpers';
import { readImportFile } from '../../src/core/import/importReader';
import { planImport } from '../../src/core/import/plan';
import { applyImport, undoImport } from '../../src/core/import/importBatch';
import { listImportBatches } from '../../src/core/import/importHistory';
import { PermissionError } from '../../src/core/errors';

describe('import: list of import batches (both backends)', function () {
  this.timeout(60_000);
  const closing = closeAfterEach();
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir('ixhaus-import-history-')));
  after(async () => cleanup());

  it('lists applied batches newest first with counts, marks undone ones, and filters them out on request', async () => {
    const { db, admin, haupt } = closing(await smallDemoDb());
    assert.deepEqual(await listImportBatches(db, admin), []);
    const file = path.join(dir, 'teams.csv');
    fs.writeFileSync(file, 'Team;Typ\r\nImport-Team A;Buchhaltung\r\nImport-Team B;Abrechnung\r\n');
    const first = await applyImport(db, admin, await planImport(db, admin, await readImportFile(file)), {
      sourceName: 'teams.csv',
      now: new Date('2026-03-01T10:00:00Z'),
    });
    fs.writeFileSync(file, 'Team;Typ\r\nImport-Team C;Buchhaltung\r\n');
    const second = await applyImport(db, admin, await planImport(db, admin, await readImportFile(file)), {
      sourceName: 'teams2.csv',
      now: new Date('2026-03-02T10:00:00Z'),
    });
    assert.ok(first.batchId && second.batchId);
    const listed = await listImportBatches(db, admin);
    assert.deepEqual(
      listed.map((b) => [b.batchId, b.kind, b.sourceName, b.by, b.total, b.counts.new, b.undoneAt]),
      [
        [second.batchId, 'teams', 'teams2.csv', admin.login, 1, 1, null],
        [first.batchId, 'teams', 'teams.csv', admin.login, 2, 2, null],
      ],
    );
    await undoImport(db, admin, first.batchId, new Date('2026-03-03T10:00:00Z'));
    const after = await listImportBatches(db, admin);
    assert.equal(after[1]?.undoneAt, '2026-03-03T10:00:00.000Z');
    assert.equal(after[1]?.undoneBy, admin.login);
    assert.equal(after[1]?.undoRestored, 2);
    assert.deepEqual(
      (await listImportBatches(db, admin, { includeUndone: false })).map((b) => b.batchId),
      [second.batchId],
    );
    assert.equal((await listImportBatches(db, admin, { limit: 1 })).length, 1);
    await assert.rejects(listImportBatches(db, haupt), PermissionError);
    await assert.rejects(listImportBatches(db, undefined), PermissionError);
  });
});
