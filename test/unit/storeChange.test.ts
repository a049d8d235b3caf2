import { strict as assert } from 'node:assert';
import { Store } from '../../src/core/store/database';
import { changeTouches } from '../../src/core/store/storeChange';
import type { StoreChange } from '../../src/core/store/storeChange';
import { fileBackendOnly } from '../helpers';

describe('store: change events say which tables changed', () => {
  before(function () {
    fileBackendOnly(this); // the sql.js file engine itself
  });
  it('a statement, a transaction and a rollback report exactly what was committed', async () => {
    const store = await Store.inMemory();
    const seen: StoreChange[] = [];
    store.onDidChange((c) => seen.push(c));
    store.run("INSERT INTO teams (name, kind) VALUES ('Team Nord', 'Buchhaltung')");
    assert.deepEqual([...seen.at(-1)!.tables], ['teams']);
    store.transaction(() => {
      store.run("UPDATE teams SET name = 'Team Süd' WHERE name = 'Team Nord'");
      store.run(
        "INSERT OR REPLACE INTO setting_values (area, section, name, value, changed_at) VALUES ('a', 's', 'n', '1', '2026-01-01')",
      );
    });
    assert.deepEqual([...seen.at(-1)!.tables].sort(), ['setting_values', 'teams']);
    const count = seen.length;
    assert.throws(() =>
      store.transaction(() => {
        store.run('DELETE FROM call_journal');
        throw new Error('abgebrochen');
      }),
    );
    assert.equal(seen.length, count, 'nothing committed, nothing reported');
    store.run('DELETE FROM teams');
    assert.deepEqual([...seen.at(-1)!.tables], ['teams'], 'the rolled-back table is not reported later');
    assert.equal(changeTouches(seen.at(-1)!, ['call_journal']), false);
    assert.equal(changeTouches(seen.at(-1)!, ['objects', 'teams']), true);
    assert.equal(
      changeTouches({ tables: new Set() }, ['objects']),
      true,
      'unknown tables: everything may have changed',
    );
  });
});
