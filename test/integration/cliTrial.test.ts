/**
 * What a new-user trial of the CLI found (an iX-Haus admin setting up a PostgreSQL store from the README), run
 * through the built CLI (dist/cli.js) against files and a real PostgreSQL 15 cluster on 127.0.0.1
 * (test/peers/postgres.ts): `store restore URL` refused at once; store init's own not-empty wording; password errors
 * naming the option used; the TLS-only pg_hba.conf advice; no `.bak` of a creation's empty state; no silently
 * created folders; printed hints that survive a POSIX shell; URLs shown with a readable CA path.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
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

const root = path.join(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');
const ENV = { IX_OWNER_PW: OWNER_PASSWORD, IX_APP_PW: APP_PASSWORD, IX_WRONG_PW: 'not-the-password', PGPASSWORD: '' };

describe('CLI trial fixes: files (built dist/cli.js)', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let demo: string;

  before(async () => {
    if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root });
    ({ dir, cleanup } = await tempDir('ixhaus-cli-trial-'));
    demo = await smallDemoStoreFile(path.join(dir, 'demo.sqlite'));
  });
  after(async () => cleanup?.());

  it('store restore URL is refused at once, pointing to pg_dump/pg_restore; no file path is made of it', () => {
    const run = runBuiltCli(['store', 'restore', 'postgres://ixhaus_app@127.0.0.1:5432/ixhaus?sslmode=require']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /store restore is for store files/);
    assert.match(run.stderr, /pg_dump \/ pg_restore \(docs\/postgresql\.md, "Backup and restore"\)/);
    assert.doesNotMatch(run.stderr, /no backup copy|postgres:\/ixhaus/);
  });

  it('store copy into a new file and store init --admin leave no .bak of their empty state; restore has none to use', () => {
    const copy = path.join(dir, 'copy.sqlite');
    const copied = runBuiltCli(['store', 'copy', demo, copy]);
    assert.equal(copied.code, 0, copied.stderr);
    const admin = path.join(dir, 'admin.sqlite');
    const init = runBuiltCli(['store', 'init', '--admin', 'chef', '--password-env', 'IX_ADMIN_PW', admin], {
      IX_ADMIN_PW: 'Sehr-geheim-2026!',
    });
    assert.equal(init.code, 0, init.stderr);
    for (const file of [copy, admin]) {
      assert.equal(fs.existsSync(`${file}.bak`), false, `${file}.bak must not exist`);
      const check = runBuiltCli(['store', 'check', file]);
      assert.equal(check.code, 0, check.stderr);
      assert.doesNotMatch(check.stdout, /backup/);
      const restore = runBuiltCli(['store', 'restore', '--force', file]);
      assert.equal(restore.code, 1, 'no backup copy to restore an empty store from');
    }
    const info = runBuiltCli(['store', 'info', copy, '--json']);
    assert.equal((JSON.parse(info.stdout) as { counts: Record<string, number> }).counts.persons, 10);
  });

  it('store copy and store init refuse a folder that does not exist, and create none', () => {
    const missing = path.join(dir, 'nodir');
    for (const args of [
      ['store', 'copy', demo, path.join(missing, 'x.sqlite')],
      ['store', 'init', path.join(missing, 'y.sqlite')],
    ]) {
      const run = runBuiltCli(args);
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, /The folder .*nodir of the new store .* does not exist; nothing was created/);
      assert.equal(fs.existsSync(missing), false);
    }
  });

  it('mail set --auth basic on a store without mail settings reports only the fields that really changed', async () => {
    const store = await smallDemoStoreFile(path.join(dir, 'mail.sqlite'));
    const as = ['--store', store, '--user', 'admin', '--password-env', 'IX_PW'];
    const set = ['mail', 'set', ...as, '--auth', 'basic', '--host', 'mail.example', '--from', 'it@verwaltung.example'];
    const first = runBuiltCli([...set, '--json'], { IX_PW: 'demo' });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual((JSON.parse(first.stdout) as { changed: string[] }).changed, ['host', 'from']);
    const again = runBuiltCli(set, { IX_PW: 'demo' });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.split('\n')[0], 'SMTP settings unchanged');
  });

  it('--system: a broken entry of the systems file is a warning naming file and entry; the valid system works; the broken one is refused naming both', async () => {
    const good = await smallDemoStoreFile(path.join(dir, 'good.sqlite'));
    const file = path.join(dir, 'systems.json');
    fs.writeFileSync(
      file,
      JSON.stringify([
        { name: 'Müller Test', customer: 'Müller', store: good, kind: 'Test' },
        { name: 'Müller Prod', customer: 'Müller', store: 'postgres://app:Geheim99@db.example/ix', kind: 'Produktion' },
        { name: 'Schulung', customer: '', store: good, kind: 'Training' },
      ]),
    );
    const ok = runBuiltCli(['store', 'info', '--system', 'Müller Test', '--systems-file', file, '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      ok.stderr,
      /warning: Entry 2 \(Müller Prod\) of the systems file .*systems\.json cannot be used: The store URL .* contains a password/,
    );
    assert.match(
      ok.stderr,
      /warning: Entry 3 \(Schulung\) of the systems file .*systems\.json cannot be used: .*kind Training/,
    );
    const broken = runBuiltCli(['store', 'info', '--system', 'müller prod', '--systems-file', file]);
    assert.equal(broken.code, 1);
    assert.match(
      broken.stderr,
      /Entry 2 \(Müller Prod\) of the systems file .*systems\.json cannot be used: The store URL/,
    );
    assert.doesNotMatch(ok.stderr + broken.stderr, /Geheim99/);
    const verb = runBuiltCli(['users', 'list', '--system', 'Müller Test', '--systems-file', file, '--json']);
    assert.equal(verb.code, 0, verb.stderr);
  });

  it('audit list: administrators read the audit log newest first, local time with offset, filters; others are refused', async () => {
    const store = await smallDemoStoreFile(path.join(dir, 'audit.sqlite'));
    const as = (login: string): string[] => ['--store', store, '--user', login, '--password-env', 'IX_PW'];
    const env = { IX_PW: 'demo', TZ: 'Europe/Berlin' };
    const set = runBuiltCli(
      ['mail', 'set', ...as('admin'), '--host', 'mail.example', '--from', 'it@verwaltung.example'],
      env,
    );
    assert.equal(set.code, 0, set.stderr);
    const json = runBuiltCli(['audit', 'list', ...as('admin'), '--action', 'mail.', '--json'], env);
    assert.equal(json.code, 0, json.stderr);
    const entries = (
      JSON.parse(json.stdout) as { entries: Array<{ at: string; login: string; action: string; newValue: string }> }
    ).entries;
    assert.deepEqual(
      entries.map((e) => [e.login, e.action]),
      [['admin', 'mail.settings']],
    );
    assert.match(entries[0]?.at ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.match(entries[0]?.newValue ?? '', /mail\.example/);
    const text = runBuiltCli(['audit', 'list', ...as('admin'), '--days', '1', '--limit', '3'], env);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    // newest first: the sign-in of this very call, then the mail settings (December in Berlin: +01:00)
    assert.match(lines[0] ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+01:00 {2}admin +sign-in /);
    assert.ok(
      lines.some((l) => / admin +mail\.settings +mail_settings 1: /.test(l)),
      text.stdout,
    );
    assert.match(lines[lines.length - 1] ?? '', /^3 rows \(the newest 3: --limit N for more\)$/);
    const by = runBuiltCli(['audit', 'list', ...as('admin'), '--by', 'haupt', '--action', 'mail', '--json'], env);
    assert.deepEqual((JSON.parse(by.stdout) as { entries: unknown[] }).entries, []);
    const refused = runBuiltCli(['audit', 'list', ...as('haupt')], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /not allowed to read the audit log/);
    const both = runBuiltCli(['audit', 'list', ...as('admin'), '--days', '1', '--since', '2026-12-01'], env);
    assert.equal(both.code, 2);
    assert.doesNotMatch(json.stdout + text.stdout, /"demo"|scrypt/);
  });

  it("the printed 'Undo with:' hint runs as printed in /bin/sh, also for a store path with & and spaces", async () => {
    const odd = path.join(dir, "a&b c'd");
    fs.mkdirSync(odd);
    const store = await smallDemoStoreFile(path.join(odd, 'store.sqlite'));
    const csv = path.join(dir, 'personen.csv');
    fs.writeFileSync(csv, 'Pers.-Nr.;Name;Vorname\r\n800001;Schäfer;Jörg\r\n');
    const written = runBuiltCli(
      ['import', 'persons', csv, '--store', store, '--user', 'admin', '--password-env', 'IX_PW'],
      { IX_PW: 'demo' },
    );
    assert.equal(written.code, 0, written.stderr);
    const hint = /^Undo with: (ixhaus-admin .*)$/m.exec(written.stdout)?.[1];
    assert.ok(hint, written.stdout);
    // the shell must see exactly the store path: run the hint as printed, with ixhaus-admin as the built CLI
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'ixhaus-admin'), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`, {
      mode: 0o755,
    });
    const shell = spawnSync('/bin/sh', ['-c', hint], {
      encoding: 'utf8',
      env: { ...process.env, IX_PW: 'demo', PATH: `${bin}:${process.env.PATH ?? ''}` },
    });
    assert.equal(shell.status, 0, `${hint}\n${shell.stderr}`);
    assert.match(shell.stdout, /Undid import batch/);
  });
});

(postgresBinariesPresent() ? describe : describe.skip)('CLI trial fixes: PostgreSQL (built dist/cli.js)', function () {
  this.timeout(180_000);
  let cluster: PostgresCluster;
  let dir: string;
  let cleanup: () => Promise<void>;
  const url = (database: string, role: string, query = ''): string =>
    `postgres://${role}@127.0.0.1:${cluster.port}/${database}${query}`;

  before(async () => {
    if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root });
    cluster = await sharedPostgresCluster();
    ({ dir, cleanup } = await tempDir('ixhaus-cli-trial-pg-'));
  });
  after(async () => cleanup?.());

  it('store init into a database with data says so in its own words (1 row, nothing was created)', async () => {
    const database = await cluster.freshDatabase();
    const owner = [url(database, OWNER_ROLE), '--store-password-env', 'IX_OWNER_PW'];
    const first = runBuiltCli(['store', 'init', '--admin', 'chef', '--password-env', 'IX_ADMIN_PW', ...owner], {
      ...ENV,
      IX_ADMIN_PW: 'Sehr-geheim-2026!',
    });
    assert.equal(first.code, 0, first.stderr);
    for (const extra of [['--demo'], []]) {
      const again = runBuiltCli(['store', 'init', ...extra, ...owner], ENV);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already holds a store with data: table \w+ holds 1 row\. /);
      assert.match(again.stderr, /nothing was created\. Name an empty database, or see what is there with store info/);
      assert.doesNotMatch(again.stderr, /nothing was copied|1 rows/);
    }
    const copy = runBuiltCli(
      ['store', 'copy', await smallDemoStoreFile(path.join(dir, 'd1.sqlite')), ...owner.slice(0, 1)].concat([
        '--target-password-env',
        'IX_OWNER_PW',
      ]),
      ENV,
    );
    assert.equal(copy.code, 1);
    assert.match(copy.stderr, /The target store .* is not empty: table \w+ holds 1 row\. .*nothing was copied/);
  });

  it('a wrong password names the option that gave it: --target-password-env, --source-password-env, --store-password-env, PGPASSWORD', async () => {
    const database = await migratedDatabase(cluster);
    const demo = await smallDemoStoreFile(path.join(dir, 'd2.sqlite'));
    const target = runBuiltCli(
      ['store', 'copy', demo, url(database, APP_ROLE), '--target-password-env', 'IX_WRONG_PW'],
      ENV,
    );
    assert.equal(target.code, 1);
    assert.match(
      target.stderr,
      /refused the password of role ixhaus_app\. Put the right password into the environment variable IX_WRONG_PW \(named by --target-password-env\)/,
    );
    assert.doesNotMatch(target.stderr, /--store-password-env/);

    const source = runBuiltCli(
      [
        'store',
        'copy',
        url(database, APP_ROLE),
        path.join(dir, 'back-x.sqlite'),
        '--source-password-env',
        'IX_WRONG_PW',
      ],
      ENV,
    );
    assert.equal(source.code, 1);
    assert.match(source.stderr, /IX_WRONG_PW \(named by --source-password-env\)/);

    const info = runBuiltCli(['store', 'info', url(database, APP_ROLE), '--store-password-env', 'IX_WRONG_PW'], ENV);
    assert.match(info.stderr, /IX_WRONG_PW \(named by --store-password-env\)/);
    const pgpassword = runBuiltCli(['store', 'copy', demo, url(database, APP_ROLE)], { ...ENV, PGPASSWORD: 'wrong' });
    assert.match(
      pgpassword.stderr,
      /\(taken from PGPASSWORD\)\. Give the right password with --target-password-env NAME/,
    );
    const none = runBuiltCli(['store', 'copy', url(database, APP_ROLE), path.join(dir, 'back-y.sqlite')], ENV);
    assert.match(
      none.stderr,
      /none was given\. Name the environment variable that holds it with --source-password-env NAME/,
    );
    assert.doesNotMatch(target.stderr + source.stderr + info.stderr, /not-the-password/);
  });

  it('a TLS-only pg_hba.conf (hostssl lines only) and a URL without sslmode: "only over TLS: add ?sslmode=verify-full", not "add a host line"', async () => {
    const database = await migratedDatabase(cluster);
    await cluster.setHostHba(['hostssl all all 127.0.0.1/32 scram-sha-256']);
    try {
      const plain = runBuiltCli(
        ['store', 'info', url(database, APP_ROLE), '--store-password-env', 'IX_APP_PW', '--json'],
        ENV,
      );
      assert.equal(plain.code, 1);
      const failure = JSON.parse(plain.stdout) as { code: string; message: string };
      assert.equal(failure.code, 'E_PG_TLS_REQUIRED', failure.message);
      assert.match(
        failure.message,
        /accepts role ixhaus_app on database \w+ only over TLS .* Add \?sslmode=verify-full/,
      );
      assert.doesNotMatch(failure.message, /add a host line/);
      const tls = runBuiltCli(
        [
          'store',
          'info',
          url(database, APP_ROLE, `?sslmode=verify-full&sslrootcert=${cluster.caFile}`),
          '--store-password-env',
          'IX_APP_PW',
        ],
        ENV,
      );
      assert.equal(tls.code, 0, tls.stderr);
      // shown as written: the CA path readable, not %2F-encoded
      assert.match(
        tls.stdout.split('\n')[0] ?? '',
        new RegExp(`sslrootcert=${cluster.caFile.replace(/[.]/g, '\\.')}$`),
      );
    } finally {
      await cluster.restoreHba();
    }
    // the same URL with a host line for plain connections: the server's no-TLS refusal is gone
    const again = runBuiltCli(['store', 'info', url(database, APP_ROLE), '--store-password-env', 'IX_APP_PW'], ENV);
    assert.equal(again.code, 0, again.stderr);
  });

  it('store copy URL → new file keeps no .bak of the empty schema', async () => {
    const database = await migratedDatabase(cluster);
    const demo = await smallDemoStoreFile(path.join(dir, 'd3.sqlite'));
    const there = runBuiltCli(
      ['store', 'copy', demo, url(database, APP_ROLE), '--target-password-env', 'IX_APP_PW'],
      ENV,
    );
    assert.equal(there.code, 0, there.stderr);
    const back = path.join(dir, 'back.sqlite');
    const run = runBuiltCli(
      ['store', 'copy', url(database, APP_ROLE), back, '--source-password-env', 'IX_APP_PW'],
      ENV,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(fs.existsSync(`${back}.bak`), false);
    const check = runBuiltCli(['store', 'check', back]);
    assert.equal(check.code, 0, check.stderr);
    assert.doesNotMatch(check.stdout, /backup/);
  });
});
