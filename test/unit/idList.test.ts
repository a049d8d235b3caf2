import { strict as assert } from 'node:assert';
import { idListMatch, idListParam } from '../../src/core/store/idList';
import { closeAfterEach, smallDemoDb } from '../helpers';

/**
 * The one-parameter id list (src/core/store/idList.ts) on the backend under test (sql.js, or PostgreSQL in the
 * second mocha run): the statement matches exactly the listed ids — every second assignment of the demo store,
 * none, and ids that do not exist — and refuses what is not an integer id.
 */
describe('id list as one parameter (both backends)', function () {
  this.timeout(60_000);
  const closing = closeAfterEach();

  it('matches exactly the listed ids, in one statement with one parameter', async () => {
    const { db } = closing(await smallDemoDb());
    const all = (await db.query<{ id: number }>('SELECT id FROM responsibilities ORDER BY id')).map((r) => r.id);
    assert.ok(all.length > 20, 'the demo store has assignments');
    const every2nd = all.filter((_, i) => i % 2 === 0);
    const sql = `SELECT id FROM responsibilities WHERE ${idListMatch(db.backend, 'id')} ORDER BY id`;
    const ids = async (list: readonly number[]): Promise<number[]> =>
      (await db.query<{ id: number }>(sql, [idListParam(db.backend, list)])).map((r) => r.id);
    assert.deepEqual(await ids(every2nd), every2nd);
    assert.deepEqual(await ids([]), []);
    const max = all[all.length - 1] ?? 0;
    assert.deepEqual(await ids([max + 1, max + 2, every2nd[0] ?? 0]), [every2nd[0]], 'unknown ids match nothing');
  });

  it('refuses a list with something that is not a safe integer', () => {
    assert.throws(() => idListParam('sqlite', [1, 2.5]), RangeError);
    assert.throws(() => idListParam('postgres', [Number.MAX_SAFE_INTEGER + 1]), RangeError);
    assert.equal(idListParam('postgres', [3, 1]), '{3,1}');
    assert.equal(idListParam('sqlite', [3, 1]), '[3,1]');
  });
});
