import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBuiltCli, tempDir } from '../helpers';

const root = path.join(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');

/** Runs the built CLI (the artifact users run) and returns exit code, stdout and stderr. */
const run = (...args: string[]): ReturnType<typeof runBuiltCli> => runBuiltCli(args);

const hash = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('CLI ixhaus-admin (built dist/cli.js)', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let demo: string;

  before(async () => {
    if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root });
    ({ dir, cleanup } = await tempDir('ixhaus-cli-'));
    demo = path.join(dir, 'demo.sqlite');
    const init = run('store', 'init', '--demo', demo);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /demo login: admin \/ demo/);
  });
  after(async () => cleanup());

  it('store check accepts the demo store; store info prints counts, also as JSON', () => {
    const check = run('store', 'check', demo);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /^ok: /);
    const info = run('store', 'info', demo, '--json');
    assert.equal(info.code, 0, info.stderr);
    const parsed = JSON.parse(info.stdout) as {
      ok: boolean;
      schemaVersion: number;
      counts: Record<string, number>;
      demo: boolean;
    };
    assert.equal(parsed.ok, true);
    assert.equal(parsed.demo, true);
    assert.equal(parsed.counts.persons, 5000);
    assert.equal(parsed.counts.users, 30);
  });

  it('store init takes sizes and refuses an existing file with exit 1', () => {
    const small = path.join(dir, 'small.sqlite');
    const made = run(
      'store',
      'init',
      '--demo',
      '--persons',
      '50',
      '--creditors',
      '5',
      '--owners',
      '7',
      '--objects',
      '3',
      '--json',
      small,
    );
    assert.equal(made.code, 0, made.stderr);
    assert.equal((JSON.parse(made.stdout) as { demo: { persons: number } }).demo.persons, 50);
    const before = hash(small);
    const again = run('store', 'init', small);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
    assert.equal(hash(small), before);
  });

  const damaged: Array<[string, (file: string) => void, RegExp]> = [
    ['a 0-byte file', (f) => fs.writeFileSync(f, ''), /is empty \(0 bytes\)/],
    ['a text file', (f) => fs.writeFileSync(f, 'Lizenzkey: ABCD-EFGH\r\n'), /is not an SQLite database/],
    [
      'a file cut in half',
      (f) => fs.writeFileSync(f, fs.readFileSync(demo).subarray(0, Math.floor(fs.statSync(demo).size / 2))),
      /is cut short/,
    ],
  ];
  for (const [label, make, message] of damaged) {
    it(`store check on ${label} exits 1 naming the problem and modifies nothing`, () => {
      const file = path.join(dir, `bad-${label.replace(/\W+/g, '-')}.sqlite`);
      make(file);
      const before = hash(file);
      const listing = fs.readdirSync(dir).sort();
      const result = run('store', 'check', file);
      assert.equal(result.code, 1);
      assert.match(result.stderr, message);
      assert.ok(result.stderr.includes(file), 'the message names the file');
      assert.equal(hash(file), before);
      assert.deepEqual(fs.readdirSync(dir).sort(), listing, 'nothing created beside it');
      const json = run('store', 'check', '--json', file);
      assert.equal(json.code, 1);
      assert.equal((JSON.parse(json.stdout) as { ok: boolean }).ok, false);
    });
  }

  it('store init --demo leaves no backup of an empty schema; init --admin creates the first administrator', () => {
    const file = path.join(dir, 'nobak.sqlite');
    assert.equal(
      run('store', 'init', '--demo', '--persons', '20', '--creditors', '2', '--owners', '2', '--objects', '2', file)
        .code,
      0,
    );
    assert.equal(fs.existsSync(file + '.bak'), false);
    const failed = path.join(dir, 'failed.sqlite');
    const refused = run('store', 'init', '--demo', '--users', '0', failed);
    assert.equal(refused.code, 1);
    assert.equal(fs.existsSync(failed), false, 'a failed init leaves no file');
    const plain = run('store', 'init', path.join(dir, 'plain.sqlite'));
    assert.match(plain.stdout, /no users yet, so nobody can sign in/);
    const adminStore = path.join(dir, 'admin.sqlite');
    const withAdmin = spawnSync(
      process.execPath,
      [cli, 'store', 'init', '--admin', 'chef', '--password-env', 'FIRST_PW', adminStore],
      { encoding: 'utf8', env: { ...process.env, FIRST_PW: 'Sommer2026!' } },
    );
    assert.equal(withAdmin.status, 0, withAdmin.stderr);
    assert.match(withAdmin.stdout, /first administrator: chef/);
  });

  it('store restore replaces a damaged store by its backup and keeps the damaged file', () => {
    const file = path.join(dir, 'restore.sqlite');
    assert.equal(
      run('store', 'init', '--demo', '--persons', '20', '--creditors', '2', '--owners', '2', '--objects', '2', file)
        .code,
      0,
    );
    // a second save makes the .bak: install a license through the CLI
    const spec = path.join(dir, 'r.json');
    fs.writeFileSync(
      spec,
      JSON.stringify({
        licenseNo: 'R-1',
        customer: { no: '1', name: 'R' },
        serial: 1,
        modules: [{ code: 'CTI', name: 'CTI', seats: 1, validUntil: null }],
      }),
    );
    assert.equal(run('license', 'issue', spec, '--key', 'demo', '--out', path.join(dir, 'r-out')).code, 0);
    const installed = spawnSync(
      process.execPath,
      [
        cli,
        'license',
        'install',
        '--store',
        file,
        '--user',
        'admin',
        '--password-env',
        'PW',
        path.join(dir, 'r-out', 'R_R-1.lic'),
      ],
      { encoding: 'utf8', env: { ...process.env, PW: 'demo' } },
    );
    assert.equal(installed.status, 0, installed.stderr);
    assert.equal(run('store', 'restore', file).code, 1, 'an intact store is not restored');
    fs.truncateSync(file, 5000);
    const check = run('store', 'check', file);
    assert.equal(check.code, 1);
    assert.match(check.stderr, /A valid backup copy exists/);
    const restored = run('store', 'restore', file);
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(run('store', 'check', file).code, 0);
    const info = JSON.parse(run('store', 'info', '--json', file).stdout) as {
      counts: { users: number; licenses: number };
    };
    assert.deepEqual(
      [info.counts.users, info.counts.licenses],
      [30, 1],
      'the backup holds the demo data as of the save before',
    );
    assert.ok(fs.readdirSync(dir).some((e) => e.startsWith('restore.sqlite.damaged-')));
  });

  it('usage errors exit 2; --help exits 0', () => {
    assert.equal(run('store', 'frobnicate').code, 2);
    assert.equal(run('store', 'init', '--persons', 'many', path.join(dir, 'x.sqlite')).code, 2);
    assert.equal(run('store', 'check').code, 2);
    assert.equal(run('--help').code, 0);
    assert.equal(run('store', 'init', '--help').code, 0);
  });
});
