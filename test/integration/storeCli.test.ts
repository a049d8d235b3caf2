/**
 * The store verbs on PostgreSQL URLs through the built CLI (dist/cli.js; `npm run build` first) against a real
 * PostgreSQL 15 cluster on 127.0.0.1 (test/peers/postgres.ts) with the two roles of docs/postgresql.md: `store
 * init --demo|--admin URL`, `store info URL`, `store check URL`, `store copy SRC DST` (issue 19 "CLI").
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBuiltCli, smallDemoStoreFile, tempDir } from '../helpers';
import {
  APP_PASSWORD,
  APP_ROLE,
  OWNER_PASSWORD,
  OWNER_ROLE,
  postgresBinariesPresent,
  sharedPostgresCluster,
} from '../peers/postgres';
import type { PostgresCluster } from '../peers/postgres';
import { migratedDatabase } from '../storeBackends';

const havePostgres = postgresBinariesPresent();
const SMALL = [
  '--users',
  '4',
  '--teams',
  '2',
  '--objects',
  '3',
  '--persons',
  '10',
  '--creditors',
  '3',
  '--owners',
  '3',
];
const ENV = { IX_OWNER_PW: OWNER_PASSWORD, IX_APP_PW: APP_PASSWORD, PGPASSWORD: '' };

interface InfoJson {
  ok: boolean;
  schemaVersion: number;
  demo: boolean;
  counts: Record<string, number>;
}

(havePostgres ? describe : describe.skip)(
  'CLI: store verbs on postgres:// URLs (built dist/cli.js, real cluster)',
  function () {
    this.timeout(180_000);
    let cluster: PostgresCluster;
    let dir: string;
    let cleanup: () => Promise<void>;
    const url = (database: string, role: string): string => `postgres://${role}@127.0.0.1:${cluster.port}/${database}`;
    const asApp = ['--store-password-env', 'IX_APP_PW'];

    before(async () => {
      cluster = await sharedPostgresCluster();
      ({ dir, cleanup } = await tempDir());
    });
    after(async () => cleanup?.());

    const info = (location: string, extra: string[] = []): InfoJson => {
      const run = runBuiltCli(['store', 'info', location, '--json', ...extra], ENV);
      assert.equal(run.code, 0, run.stderr);
      return JSON.parse(run.stdout) as InfoJson;
    };

    it('store init --demo URL (schema owner) migrates and fills the database; info and check see it as the runtime role', async () => {
      const database = await cluster.freshDatabase();
      const init = runBuiltCli(
        ['store', 'init', '--demo', ...SMALL, url(database, OWNER_ROLE), '--store-password-env', 'IX_OWNER_PW'],
        ENV,
      );
      assert.equal(init.code, 0, init.stderr);
      assert.match(init.stdout, /initialised postgres:\/\/ixhaus_owner@127\.0\.0\.1:\d+\/\w+ \(schema v\d+, \d+ rows/);
      assert.match(init.stdout, /demo login: admin \/ demo/);
      assert.match(init.stderr, /copied persons: 10 rows/);
      assert.match(init.stderr, /verified \d+ tables/);
      assert.doesNotMatch(init.stdout + init.stderr, new RegExp(OWNER_PASSWORD));

      const facts = info(url(database, APP_ROLE), asApp);
      assert.equal(facts.demo, true);
      assert.equal(facts.counts.persons, 10);
      assert.equal(facts.counts.users, 4);
      const check = runBuiltCli(['store', 'check', url(database, APP_ROLE), ...asApp], ENV);
      assert.equal(check.code, 0, check.stderr);
      assert.match(check.stdout, /^ok: .* every foreign key has its row\)/);

      const again = runBuiltCli(
        ['store', 'init', '--demo', ...SMALL, url(database, OWNER_ROLE), '--store-password-env', 'IX_OWNER_PW'],
        ENV,
      );
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already holds a store with data: table \w+ holds \d+ rows?\. .*nothing was created/);
      const plain = runBuiltCli(
        ['store', 'init', url(database, OWNER_ROLE), '--store-password-env', 'IX_OWNER_PW'],
        ENV,
      );
      assert.equal(plain.code, 1, 'store init without options refuses a database in use');
      assert.match(plain.stderr, /already holds a store with data/);
    });

    it('store init --admin LOGIN --password-env V URL creates the first administrator only', async () => {
      const database = await cluster.freshDatabase();
      const init = runBuiltCli(
        [
          'store',
          'init',
          '--admin',
          'chef',
          '--password-env',
          'IX_ADMIN_PW',
          url(database, OWNER_ROLE),
          '--store-password-env',
          'IX_OWNER_PW',
        ],
        { ...ENV, IX_ADMIN_PW: 'Sehr-geheim-2026!' },
      );
      assert.equal(init.code, 0, init.stderr);
      assert.match(init.stdout, /first administrator: chef/);
      const facts = info(url(database, APP_ROLE), asApp);
      assert.equal(facts.counts.users, 1);
      assert.equal(facts.demo, false);
    });

    it('store copy file → URL → new file: verified, progress on stderr, ids and counts kept; refusals exit 1', async () => {
      const demo = await smallDemoStoreFile(path.join(dir, 'demo.sqlite'));
      const database = await migratedDatabase(cluster);
      const there = runBuiltCli(
        ['store', 'copy', demo, url(database, APP_ROLE), '--target-password-env', 'IX_APP_PW', '--json'],
        ENV,
      );
      assert.equal(there.code, 0, there.stderr);
      const summary = JSON.parse(there.stdout) as {
        ok: boolean;
        verified: boolean;
        rows: number;
        tables: Array<{ name: string; checksum: string }>;
      };
      assert.equal(summary.verified, true);
      assert.ok(summary.rows > 100);
      assert.match(there.stderr, /copied users: \d+ rows/);

      const back = path.join(dir, 'back.sqlite');
      const home = runBuiltCli(
        ['store', 'copy', url(database, APP_ROLE), back, '--source-password-env', 'IX_APP_PW'],
        ENV,
      );
      assert.equal(home.code, 0, home.stderr);
      assert.match(
        home.stdout,
        /copied \d+ rows in \d+ tables from postgres:\/\/.* to .*back\.sqlite .*\nverified: row count and checksum of every table match/,
      );
      assert.deepEqual(info(back).counts, info(demo).counts);
      const check = runBuiltCli(['store', 'check', back], ENV);
      assert.equal(check.code, 0, check.stderr);

      const notEmpty = runBuiltCli(
        ['store', 'copy', demo, url(database, APP_ROLE), '--target-password-env', 'IX_APP_PW'],
        ENV,
      );
      assert.equal(notEmpty.code, 1);
      assert.match(notEmpty.stderr, /is not empty/);
      const exists = runBuiltCli(
        ['store', 'copy', url(database, APP_ROLE), back, '--source-password-env', 'IX_APP_PW'],
        ENV,
      );
      assert.equal(exists.code, 1);
      assert.match(exists.stderr, /already exists/);
    });

    it('a failed copy into a new file leaves no file behind', async () => {
      const demo = await smallDemoStoreFile(path.join(dir, 'demo2.sqlite'));
      const database = await migratedDatabase(cluster);
      // a table only the server has: the shapes differ, so the copy is refused after the file was created
      await cluster.admin('CREATE TABLE extra (id BIGINT PRIMARY KEY)', database);
      await cluster.admin(`GRANT SELECT ON extra TO ${APP_ROLE}`, database);
      const target = path.join(dir, 'never.sqlite');
      const run = runBuiltCli(
        ['store', 'copy', url(database, APP_ROLE), target, '--source-password-env', 'IX_APP_PW'],
        ENV,
      );
      assert.equal(run.code, 1);
      assert.match(run.stderr, /different tables \(only in the source: extra\)/);
      assert.deepEqual(
        fs.readdirSync(dir).filter((f) => f.startsWith('never')),
        [],
      );
      assert.ok(fs.existsSync(demo));
    });

    it('store check URL finds rows whose foreign key has no row (written around the constraints)', async () => {
      const database = await migratedDatabase(cluster);
      await cluster.admin('ALTER TABLE phone_numbers DISABLE TRIGGER ALL', database);
      await cluster.admin(
        "INSERT INTO phone_numbers (person_id, kind, raw) VALUES (4711, 'business', '030 1')",
        database,
      );
      await cluster.admin('ALTER TABLE phone_numbers ENABLE TRIGGER ALL', database);
      const check = runBuiltCli(['store', 'check', url(database, APP_ROLE), ...asApp, '--json'], ENV);
      assert.equal(check.code, 1, check.stdout);
      const result = JSON.parse(check.stdout) as { ok: boolean; problems: string[] };
      assert.equal(result.ok, false);
      assert.deepEqual(result.problems, ['phone_numbers.person_id: 1 rows refer to missing persons rows']);
    });

    it('a password variable that is not set: exit 1 naming the option; a password in the URL is refused', async () => {
      const run = runBuiltCli(['store', 'info', url('postgres', APP_ROLE), '--store-password-env', 'IX_UNSET_PW'], ENV);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /IX_UNSET_PW \(named by --store-password-env\) is not set/);
      const copy = runBuiltCli(
        [
          'store',
          'copy',
          url('postgres', APP_ROLE),
          path.join(dir, 'x.sqlite'),
          '--source-password-env',
          'IX_UNSET_PW',
        ],
        ENV,
      );
      assert.equal(copy.code, 1);
      assert.match(copy.stderr, /IX_UNSET_PW \(named by --source-password-env\)/);
      const inUrl = runBuiltCli(
        ['store', 'info', `postgres://${APP_ROLE}:Pw-In-Url-77@127.0.0.1:${cluster.port}/postgres`],
        ENV,
      );
      assert.equal(inUrl.code, 1);
      assert.doesNotMatch(inUrl.stderr, /Pw-In-Url-77/);
      assert.match(inUrl.stderr, /contains a password/);
    });
  },
);
