import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBuiltCli, smallDemoStoreFile, tempDir } from '../helpers';

const root = path.join(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');

const run = (args: string[], password?: string): ReturnType<typeof runBuiltCli> =>
  runBuiltCli(args, password !== undefined ? { IX_PW: password } : {});

describe('CLI: settings and users verbs (built dist/cli.js)', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: string;
  const as = (login: string): string[] => ['--store', store, '--user', login, '--password-env', 'IX_PW'];

  before(async () => {
    if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root });
    ({ dir, cleanup } = await tempDir('ixhaus-admin-cli-'));
    store = path.join(dir, 'store.sqlite');
    await smallDemoStoreFile(store); // the run's demo store, generated once (test/helpers.ts)
  });
  after(async () => cleanup());

  it('lists, searches and reads settings', () => {
    const list = JSON.parse(run(['settings', 'list', '--store', store, '--json']).stdout) as {
      settings: Array<{ name: string }>;
    };
    assert.ok(list.settings.length >= 60);
    const search = run(['settings', 'search', '--store', store, 'Zaehler']);
    assert.match(search.stdout, /TabreiterZaehlerAlleUser/);
    assert.match(search.stdout, /2 settings/);
    const get = JSON.parse(run(['settings', 'get', '--store', store, '--json', '1.0.1.4']).stdout) as {
      name: string;
      value: string;
    };
    assert.deepEqual([get.name, get.value], ['AutomatischeAbmeldungNachTagen', '3']);
    assert.equal(run(['settings', 'get', '--store', store, 'GibtEsNicht']).code, 1);
  });

  it('sets and resets as an administrator; refuses bad values, protected settings and non-admins', () => {
    const set = run(['settings', 'set', ...as('admin'), 'PlusGlobalCTIreactionNummernlaenge', '4'], 'demo');
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /3 → 4\nrestart iX-Haus plus/);
    assert.match(
      run(['settings', 'set', ...as('admin'), 'MaximaleAnzahlDerSession', 'elf'], 'demo').stderr,
      /not a valid value for MaximaleAnzahlDerSession: expected a whole number from 1 to 10/,
    );
    assert.match(run(['settings', 'set', ...as('admin'), 'KreditorAb', '1'], 'demo').stderr, /protected: only CREM/);
    assert.match(run(['settings', 'set', ...as('haupt'), 'StartIxHausPlus', '1'], 'demo').stderr, /not allowed/);
    assert.equal(run(['settings', 'reset', ...as('admin'), 'PlusGlobalCTIreactionNummernlaenge'], 'demo').code, 0);
    const get = JSON.parse(
      run(['settings', 'get', '--store', store, '--json', 'PlusGlobalCTIreactionNummernlaenge']).stdout,
    ) as { value: string; changed: boolean };
    assert.deepEqual([get.value, get.changed], ['3', false]);
  });

  it('lists users and locks/unlocks modules within the seats', () => {
    const users = JSON.parse(run(['users', 'list', '--store', store, '--json']).stdout) as {
      users: Array<{ login: string; active: boolean; modules: string[] }>;
    };
    assert.equal(users.users.length, 30);
    const holder = users.users.find((u) => u.modules.includes('IMPORT'));
    const other = users.users.find((u) => u.active && !u.modules.includes('IMPORT') && u.login !== 'admin');
    assert.ok(holder && other);
    const refused = run(['users', 'unlock', ...as('admin'), '--module', 'IMPORT', other.login], 'demo');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /All 1 seats of the module Import are taken/);
    assert.equal(run(['users', 'lock', ...as('admin'), '--module', 'IMPORT', holder.login], 'demo').code, 0);
    const ok = run(['users', 'unlock', ...as('admin'), '--module', 'import', other.login], 'demo');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /IMPORT unlocked for/);
    assert.equal(
      run(['users', 'unlock', ...as('haupt'), '--module', 'KOMFORT', other.login], 'demo').code,
      1,
      'Hauptbenutzer may not unlock',
    );
  });
});
