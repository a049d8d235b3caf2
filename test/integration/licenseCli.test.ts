import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBuiltCli, smallDemoStoreFile, tempDir } from '../helpers';

const root = path.join(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');

const run = (args: string[], env: Record<string, string> = {}): ReturnType<typeof runBuiltCli> =>
  runBuiltCli(args, env);

describe('CLI: license verbs (built dist/cli.js)', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: string;

  before(async () => {
    if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root });
    ({ dir, cleanup } = await tempDir('ixhaus-license-cli-'));
    store = path.join(dir, 'store.sqlite');
    await smallDemoStoreFile(store); // the run's demo store, generated once (test/helpers.ts)
  });
  after(async () => cleanup());

  it('vendor keygen + issue, then verify, diff, install (as Hauptbenutzer) and show', () => {
    const keygen = run(['license', 'keygen', '--kid', 'crem-test', '--out', path.join(dir, 'keys'), '--json']);
    assert.equal(keygen.code, 0, keygen.stderr);
    const { publicKey, privateKeyFile } = JSON.parse(keygen.stdout) as { publicKey: string; privateKeyFile: string };
    assert.equal((fs.statSync(privateKeyFile).mode & 0o777).toString(8), '600');
    const spec = path.join(dir, 'spec.json');
    fs.writeFileSync(
      spec,
      JSON.stringify({
        licenseNo: '8150',
        customer: { no: '301', name: 'Wohnen am Fluss GmbH' },
        serial: 1,
        validUntil: '2099-12-31',
        modules: [
          { code: 'KOMFORT', name: 'Komfortpaket', seats: 5, validUntil: null },
          { code: 'IMPORT', name: 'Import', seats: 1, validUntil: null },
        ],
      }),
    );
    const issue = run(['license', 'issue', spec, '--key', privateKeyFile, '--out', path.join(dir, 'out'), '--json']);
    assert.equal(issue.code, 0, issue.stderr);
    const { licenseFile, keyFile } = JSON.parse(issue.stdout) as { licenseFile: string; keyFile: string };
    assert.equal(path.basename(licenseFile), 'Wohnen_am_Fluss_GmbH_8150.lic');
    assert.match(fs.readFileSync(keyFile, 'utf8'), /^Lizenzkey: [A-Z0-9-]{29}\r\n$/);
    const trust = ['--trusted-key', `crem-test=${publicKey}`];

    const unknown = run(['license', 'verify', licenseFile]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /vendor key "crem-test", which is not trusted/);
    const verify = run(['license', 'verify', licenseFile, ...trust]);
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /ok: license 8150 — Wohnen am Fluss GmbH/);

    const diff = run(['license', 'diff', '--store', store, licenseFile, ...trust]);
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(diff.stdout, /not installed yet/);
    assert.match(diff.stdout, /2 added, 0 removed, 0 changed/);

    const refused = run(
      ['license', 'install', '--store', store, '--user', 'admin', '--password-env', 'IX_PW', licenseFile, ...trust],
      { IX_PW: 'wrong' },
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Login or password is wrong/);
    const install = run(
      ['license', 'install', '--store', store, '--user', 'haupt', '--password-env', 'IX_PW', licenseFile, ...trust],
      { IX_PW: 'demo' },
    );
    assert.equal(install.code, 0, install.stderr);
    assert.match(install.stdout, /adds Import: unlock it per user/);
    assert.match(install.stdout, /Restart iX-Haus plus/);

    const show = run(['license', 'show', '--store', store, '--json']);
    const licenses = (JSON.parse(show.stdout) as { licenses: Array<{ licenseNo: string; demo: boolean }> }).licenses;
    assert.deepEqual(
      licenses.map((l) => `${l.licenseNo}:${l.demo}`),
      ['8150:false', 'DEMO-0001:true'],
    );

    // the same file again is fine (same serial), an edited copy is not
    const tampered = path.join(dir, 'out', 'tampered.lic');
    const text = fs.readFileSync(licenseFile, 'utf8').split('\n');
    text[3] = (text[3] ?? '').replace(/[A-Za-z]/, (c) => (c === 'a' ? 'b' : 'a'));
    fs.writeFileSync(tampered, text.join('\n'));
    fs.copyFileSync(keyFile, tampered.replace(/\.lic$/, '.txt'));
    const bad = run(['license', 'verify', tampered, ...trust, '--json']);
    assert.equal(bad.code, 1);
    assert.match((JSON.parse(bad.stdout) as { code: string }).code, /E_LICENSE_(SIGNATURE|ENVELOPE)/);
  });

  it('a wrong key, a missing .txt and an oversized file each exit 1 with their reason', () => {
    const out = path.join(dir, 'demo-out');
    const spec = path.join(dir, 'demo.json');
    fs.writeFileSync(
      spec,
      JSON.stringify({
        licenseNo: 'D-9',
        customer: { no: '9', name: 'Demo Kunde' },
        serial: 1,
        modules: [{ code: 'CTI', name: 'CTI', seats: 1, validUntil: null }],
      }),
    );
    const issued = JSON.parse(run(['license', 'issue', spec, '--key', 'demo', '--out', out, '--json']).stdout) as {
      licenseFile: string;
      keyFile: string;
    };
    assert.match(
      run(['license', 'verify', issued.licenseFile, '--key', 'AAAAA-BBBBB']).stderr,
      /does not belong to this license file/,
    );
    fs.rmSync(issued.keyFile);
    const missing = run(['license', 'verify', issued.licenseFile]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /\.txt does not exist/);
    const big = path.join(dir, 'big.lic');
    fs.writeFileSync(big, Buffer.alloc(200 * 1024, 65));
    const large = run(['license', 'verify', big, '--key', 'X']);
    assert.equal(large.code, 1);
    assert.match(large.stderr, /at most 65536/);
  });

  it('verifies a license issued by an independent implementation of the spec (Java 17, JCA)', () => {
    const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
    assert.equal(
      java.status,
      0,
      'java is needed for this test: npm run setup installs default-jdk-headless when it is missing',
    );
    const out = path.join(dir, 'java');
    fs.mkdirSync(out);
    const publicKey = execFileSync(
      'java',
      [path.join(root, 'test/fixtures/independent/IssueLicense.java'), out, 'java-vendor'],
      { encoding: 'utf8' },
    ).trim();
    const licenseFile = path.join(out, 'Java_Wohnbau_eG_J-2026-07.lic');
    const verify = run(['license', 'verify', licenseFile, '--trusted-key', `java-vendor=${publicKey}`, '--json']);
    assert.equal(verify.code, 0, verify.stderr);
    const [license] = (
      JSON.parse(verify.stdout) as {
        licenses: Array<{ payload: { licenseNo: string; serial: number; modules: unknown[] } }>;
      }
    ).licenses;
    assert.equal(license?.payload.licenseNo, 'J-2026-07');
    assert.equal(license?.payload.serial, 7);
    assert.equal(license?.payload.modules.length, 2);
  });
});
