import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { Store } from '../../src/core/store/database';
import { StoreReadOnlyError, StoreTransactionError } from '../../src/core/store/errors';
import { SqlJsAsyncStore } from '../../src/core/store/sqlJsAsyncStore';
import { fileBackendOnly, tempDir } from '../helpers';

describe('sql.js file adapter of the async store interface (issue 19)', () => {
  before(function () {
    fileBackendOnly(this); // the sql.js file engine itself
  });
  it('a resolved transaction is on disk: a reopened file has it; a failed one is not', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const file = path.join(dir, 'store.sqlite');
      const store = new SqlJsAsyncStore(await Store.create(file));
      await store.transaction(async (tx) => {
        await tx.run('INSERT INTO meta (key, value) VALUES (?, ?)', ['kept', '1']);
      });
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.run('INSERT INTO meta (key, value) VALUES (?, ?)', ['lost', '1']);
          throw new Error('abort');
        }),
      );
      // read the file with a second, read-only store while the first still holds the lock: what is on disk
      const reader = new SqlJsAsyncStore(await Store.open(file, { readOnly: true }));
      assert.deepEqual(await reader.query('SELECT key FROM meta WHERE key IN (?, ?)', ['kept', 'lost']), [
        { key: 'kept' },
      ]);
      await assert.rejects(reader.run('DELETE FROM meta'), StoreReadOnlyError);
      await assert.rejects(reader.query('DELETE FROM meta RETURNING key'), StoreReadOnlyError);
      await reader.close();
      await store.close();
    } finally {
      await cleanup();
    }
  });

  it('inside a body, a statement on the store instead of tx is refused (it would wait for the body for ever)', async () => {
    const store = new SqlJsAsyncStore(await Store.inMemory());
    await assert.rejects(
      store.transaction(async () => {
        await store.query('SELECT 1 AS one');
      }),
      StoreTransactionError,
    );
    assert.deepEqual(await store.query('SELECT 1 AS one'), [{ one: 1 }]);
    await store.close();
  });

  it('operations queue: a transaction body awaiting I/O is not interleaved with another write', async () => {
    const store = new SqlJsAsyncStore(await Store.inMemory());
    const order: string[] = [];
    const slow = store.transaction(async (tx) => {
      await tx.run('INSERT INTO meta (key, value) VALUES (?, ?)', ['slow', '1']);
      await new Promise((r) => setTimeout(r, 30));
      order.push('slow done');
    });
    const fast = store
      .run('INSERT INTO meta (key, value) VALUES (?, ?)', ['fast', '1'])
      .then(() => order.push('fast done'));
    await Promise.all([slow, fast]);
    assert.deepEqual(order, ['slow done', 'fast done']);
    await store.close();
  });
});
