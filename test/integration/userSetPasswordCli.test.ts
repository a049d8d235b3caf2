import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBuiltCli, smallDemoStoreFile, tempDir } from '../helpers';
import { DEMO_HAUPTBENUTZER_LOGIN } from '../../src/core/demo/demoData';
import { openStore } from '../../src/core/store/openStore';

const root = path.join(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');

describe('CLI: users set-password for users created by import (built dist/cli.js, file store)', function () {
  this.timeout(180_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: string;
  const env = { IX_PW: 'demo', IX_NEW: 'Neu-Kennwort-2026', IX_SHORT: 'kurz' };
  const run = (args: string[]): ReturnType<typeof runBuiltCli> => runBuiltCli(args, env);
  const as = (login: string, passwordEnv = 'IX_PW'): string[] => [
    '--store',
    store,
    '--user',
    login,
    '--password-env',
    passwordEnv,
  ];

  before(async () => {
    ({ dir, cleanup } = await tempDir('ixhaus-set-password-cli-'));
    if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root });
    store = await smallDemoStoreFile(path.join(dir, 'store.ixhaus'));
  });
  after(async () => cleanup());

  it('an imported user has no password until an administrator sets one; then they sign in', async () => {
    const csv = path.join(dir, 'benutzer.csv');
    fs.writeFileSync(
      csv,
      ['Login;Kürzel;Nachname;Vorname;Benutzerrolle;Benutzerklasse', 'neuadm;NA;Neumann;Ada;Administrator;S'].join(
        '\r\n',
      ),
    );
    const imported = run(['import', 'users', csv, ...as('admin')]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(
      imported.stdout,
      /1 new user has no password yet: set one with ixhaus-admin users set-password LOGIN --new-password-env VAR/,
    );

    // the imported user cannot sign in with any password yet
    const before = run(['users', 'set-password', 'neuadm', '--new-password-env', 'IX_NEW', ...as('neuadm', 'IX_NEW')]);
    assert.notEqual(before.code, 0);
    assert.match(before.stderr, /Login or password is wrong/);

    // only administrators set passwords (checked in core); too short is refused naming the minimum
    const notAdmin = run([
      'users',
      'set-password',
      'neuadm',
      '--new-password-env',
      'IX_NEW',
      ...as(DEMO_HAUPTBENUTZER_LOGIN),
    ]);
    assert.notEqual(notAdmin.code, 0);
    assert.match(notAdmin.stderr, /administrator/i);
    const short = run(['users', 'set-password', 'neuadm', '--new-password-env', 'IX_SHORT', ...as('admin')]);
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /at least 8 characters/);
    const unset = run(['users', 'set-password', 'neuadm', '--new-password-env', 'IX_UNSET_VARIABLE', ...as('admin')]);
    assert.notEqual(unset.code, 0);
    assert.match(unset.stderr, /IX_UNSET_VARIABLE/);

    const set = run(['users', 'set-password', 'NEUADM', '--new-password-env', 'IX_NEW', ...as('admin'), '--json']);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(JSON.parse(set.stdout), { ok: true, login: 'neuadm', passwordSet: true, hadNoPassword: true });

    // now the user signs in (and, being an administrator, may set their own password again)
    const self = run(['users', 'set-password', 'neuadm', '--new-password-env', 'IX_NEW', ...as('neuadm', 'IX_NEW')]);
    assert.equal(self.code, 0, self.stderr);
    assert.match(self.stdout, /Password set for neuadm/);

    const { store: db } = await openStore(store, { readOnly: true });
    try {
      const audit = await db.query<{ old_value: string | null; new_value: string | null }>(
        "SELECT old_value, new_value FROM audit_log WHERE action = 'user.password' AND entity_key = 'neuadm' ORDER BY id",
      );
      assert.deepEqual(
        audit.map((a) => [a.old_value, a.new_value]),
        [
          ['none', 'set'],
          ['set', 'set'],
        ],
      );
      const hash = await db.get<{ password_hash: string }>("SELECT password_hash FROM users WHERE login = 'neuadm'");
      assert.match(String(hash?.password_hash), /^scrypt\$/);
      assert.ok(!String(hash?.password_hash).includes(env.IX_NEW));
    } finally {
      await db.close();
    }
  });
});
