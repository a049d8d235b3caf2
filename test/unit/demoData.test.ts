import { strict as assert } from 'node:assert';
import { DEFAULT_DEMO_SIZES, generateDemoData } from '../../src/core/demo/demoData';
import { listInstalledLicenses } from '../../src/core/license/installedLicenses';
import { Store } from '../../src/core/store/database';
import { storeInfo } from '../../src/core/store/storeInfo';
import { listUsers } from '../../src/core/users/userQueries';
import { SqlJsAsyncStore } from '../../src/core/store/sqlJsAsyncStore';
import { TEST_BACKEND, fileBackendOnly } from '../helpers';

const NOW = new Date('2026-11-29T12:00:00Z');

async function demo(seed?: number): Promise<Store> {
  const store = await Store.inMemory();
  await generateDemoData(store, { now: NOW, ...(seed !== undefined ? { seed } : {}) });
  return store;
}

// the generator is the bulk writer of the sql.js engine (a demo on PostgreSQL is a copy of it: store copy)
describe('demo data', function () {
  this.timeout(60_000);
  let store: Store;
  before(async function () {
    fileBackendOnly(this);
    store = await demo();
  });
  after(async () => {
    if (TEST_BACKEND === 'sqlite') await store.close();
  });

  it('has the default sizes of the issue', () => {
    const { counts } = storeInfo(store);
    assert.equal(counts.users, 30);
    assert.equal(counts.teams, 4);
    assert.equal(counts.objects, 200);
    assert.equal(counts.persons, 5000);
    assert.equal(counts.creditors, 800);
    assert.equal(counts.owners, 1500);
    assert.equal(counts.meldungen, DEFAULT_DEMO_SIZES.objects * DEFAULT_DEMO_SIZES.meldungenPerObject);
    assert.ok(counts.responsibilities > counts.objects * 2);
    assert.equal(store.scalar('PRAGMA foreign_key_check'), undefined, 'no dangling references');
  });

  it('is deterministic for a seed and differs for another seed', async () => {
    const digest = (s: Store): string =>
      JSON.stringify(
        s.all(
          'SELECT p.last_name, n.raw FROM persons p JOIN phone_numbers n ON n.person_id = p.id ORDER BY n.id LIMIT 300',
        ),
      );
    const same = await demo();
    const other = await demo(99);
    assert.equal(digest(same), digest(store));
    assert.notEqual(digest(other), digest(store));
    await same.close();
    await other.close();
  });

  it('writes phone numbers the many ways German offices do', () => {
    const raws = store.all<{ raw: string }>('SELECT raw FROM phone_numbers').map((r) => r.raw);
    const shapes: Record<string, RegExp> = {
      'national with space': /^0\d{2,4} \d{5,8}$/,
      '+49 (0)': /^\+49 \(0\)\d+ /,
      '0049': /^0049/,
      slash: /^0\d{2,4}\/\d+$/,
      extension: /-\d{1,2}$/,
      'no area code': /^[1-9]\d{5,6}$/,
      mobile: /^(\+49 |0049|\+49 \(0\)|0)1[5-7]\d/,
      brackets: /^\(0\d+\) /,
    };
    for (const [label, shape] of Object.entries(shapes))
      assert.ok(
        raws.some((r) => shape.test(r)),
        `no number shaped "${label}"`,
      );
    assert.ok(raws.every((r) => r.length <= 40));
  });

  it('keeps module unlocks within the demo license seats and marks the license Demo', async () => {
    const [license] = await listInstalledLicenses(new SqlJsAsyncStore(store));
    assert.ok(license);
    assert.equal(license.demo, true);
    for (const module of license.modules)
      assert.ok(module.seatsUsed <= module.seats, `${module.code}: ${module.seatsUsed} > ${module.seats}`);
    const users = await listUsers(new SqlJsAsyncStore(store));
    assert.ok(users.every((u) => u.login.length <= 8));
    assert.equal(new Set(users.map((u) => u.login)).size, users.length);
  });

  it('refuses to write demo data into a store that already has users', async () => {
    await assert.rejects(generateDemoData(store), /already holds users/);
  });
});
