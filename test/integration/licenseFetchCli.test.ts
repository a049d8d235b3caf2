/** `ixhaus-admin license fetch` (built dist/cli.js) against a real OpenSSH sshd on 127.0.0.1 (issue 5 §5). */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBuiltCli, smallDemoStoreFile, tempDir } from '../helpers';
import { SFTP_TEST_PASSWORD, SFTP_TEST_USER, makeKey, startSshd } from '../peers/sshd';
import type { SshdPeer } from '../peers/sshd';

const root = path.join(__dirname, '../..');

describe('CLI: license fetch against a real sshd', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let sshd: SshdPeer;
  let store: string;
  let trust: string[];
  let remoteDir: string;

  before(async () => {
    if (!fs.existsSync(path.join(root, 'dist/cli.js')))
      execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root });
    ({ dir, cleanup } = await tempDir('ixhaus-fetch-cli-'));
    store = path.join(dir, 'store.sqlite');
    await smallDemoStoreFile(store); // the run's demo store, generated once (test/helpers.ts)
    const clientKey = makeKey(path.join(dir, 'id_ed25519'), 'ed25519', 'pass-phrase');
    fs.writeFileSync(path.join(dir, 'authorized_keys'), fs.readFileSync(`${clientKey}.pub`));
    sshd = await startSshd(dir);
    remoteDir = path.join(sshd.serveDir, 'Lizenzen');
    fs.mkdirSync(remoteDir, { mode: 0o755 });
    // the vendor tool makes the files the server serves
    const keygen = runBuiltCli(['license', 'keygen', '--kid', 'crem-test', '--out', path.join(dir, 'keys'), '--json']);
    assert.equal(keygen.code, 0, keygen.stderr);
    const { publicKey, privateKeyFile } = JSON.parse(keygen.stdout) as { publicKey: string; privateKeyFile: string };
    trust = ['--trusted-key', `crem-test=${publicKey}`];
    for (const serial of [1, 2]) {
      const spec = path.join(dir, `spec${serial}.json`);
      fs.writeFileSync(
        spec,
        JSON.stringify({
          licenseNo: '8150',
          customer: { no: '301', name: 'Wohnen am Fluss GmbH' },
          serial,
          validUntil: '2099-12-31',
          modules: [{ code: 'KOMFORT', name: 'Komfortpaket', seats: 4 + serial, validUntil: null }],
        }),
      );
      const out = path.join(dir, `out${serial}`);
      const issued = runBuiltCli(['license', 'issue', spec, '--key', privateKeyFile, '--out', out]);
      assert.equal(issued.code, 0, issued.stderr);
      for (const f of fs.readdirSync(out))
        fs.copyFileSync(path.join(out, f), path.join(remoteDir, f.replace(/(\.\w+)$/, serial === 1 ? '_alt$1' : '$1')));
    }
    for (const f of fs.readdirSync(remoteDir)) fs.chmodSync(path.join(remoteDir, f), 0o644);
  });
  after(async () => {
    await sshd?.stop();
    await cleanup();
  });

  const base = (): string[] => [
    'license',
    'fetch',
    '--store',
    store,
    '--host',
    '127.0.0.1',
    '--port',
    String(sshd.port),
    '--user',
    SFTP_TEST_USER,
    '--dir',
    remoteDir,
    '--ix-user',
    'haupt',
    '--ix-password-env',
    'IX_PW',
    ...trust,
  ];
  const env = { IX_PW: 'demo', SFTP_PW: SFTP_TEST_PASSWORD, SFTP_PASSPHRASE: 'pass-phrase' };

  it('without --known-host: shows the fingerprint and refuses', () => {
    const r = runBuiltCli([...base(), '--password-env', 'SFTP_PW'], env);
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stderr,
      new RegExp(`not trusted yet \\(ssh-ed25519 ${sshd.fingerprint.replace(/[+/]/g, '\\$&')}\\)`),
    );
    assert.match(r.stderr, /--known-host SHA256:/);
  });

  it('with the pinned key: shows the newest license and its diff, installs with --install, then "no new licenses"', () => {
    const shown = runBuiltCli([...base(), '--password-env', 'SFTP_PW', '--known-host', sshd.fingerprint], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /2 license pairs/);
    assert.match(shown.stdout, /new: Wohnen_am_Fluss_GmbH_8150\.lic/);
    assert.match(shown.stdout, /not newer: Wohnen_am_Fluss_GmbH_8150_alt\.lic: .*superseded/);
    assert.match(shown.stdout, /run again with --install/);

    const installed = runBuiltCli(
      [
        ...base(),
        '--identity',
        path.join(dir, 'id_ed25519'),
        '--passphrase-env',
        'SFTP_PASSPHRASE',
        '--known-host',
        sshd.fingerprint,
        '--install',
        '--json',
      ],
      env,
    );
    assert.equal(installed.code, 0, installed.stderr);
    const result = JSON.parse(installed.stdout) as {
      installed: boolean;
      candidates: { licenseNo: string; serial: number }[];
    };
    assert.equal(result.installed, true);
    assert.deepEqual(
      result.candidates.map((c) => [c.licenseNo, c.serial]),
      [['8150', 2]],
    );
    const show = runBuiltCli(['license', 'show', '--store', store]);
    assert.match(show.stdout, /license 8150 — Wohnen am Fluss GmbH \(301\), serial 2/);

    const again = runBuiltCli([...base(), '--password-env', 'SFTP_PW', '--known-host', sshd.fingerprint], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /no new licenses \(Keine neuen Lizenzen\)/);
  });

  it('bad input is refused before connecting: user@host, both or no credentials, a malformed fingerprint', () => {
    const host = runBuiltCli(
      [...base().map((a) => (a === '127.0.0.1' ? 'ixsftp@127.0.0.1' : a)), '--password-env', 'SFTP_PW'],
      env,
    );
    assert.equal(host.code, 1);
    assert.match(host.stderr, /--host: Enter the host name only; put the user name \("ixsftp"\) into --user/);
    const none = runBuiltCli(base(), env);
    assert.match(none.stderr, /exactly one of --password-env VAR or --identity FILE/);
    const fp = runBuiltCli([...base(), '--password-env', 'SFTP_PW', '--known-host', 'MD5:aa:bb'], env);
    assert.match(fp.stderr, /--known-host expects SHA256:/);
  });
});
