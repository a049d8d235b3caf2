import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../../src/core/store/database';
import { runBuiltCli, smallDemoStoreFile, tempDir } from '../helpers';

/** Issue 15 through the built CLI (dist/cli.js): demo-key refusals, damage refused by `store check`, sign-in throttle and audit, a foreign lock. */
const root = path.join(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');

describe('CLI: store safety (built dist/cli.js)', function () {
  this.timeout(180_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let demoStore: string;
  let adminStore: string;
  let demoLicense: string;
  let vendorLicense: string;
  let trust: string[];
  let vendorPrivateKey: string;
  let spec: string;

  const sign = (store: string, user: string): string[] => ['--store', store, '--user', user, '--password-env', 'IX_PW'];

  before(async () => {
    if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root });
    ({ dir, cleanup } = await tempDir('ixhaus-safety-cli-'));
    demoStore = path.join(dir, 'demo.sqlite');
    adminStore = path.join(dir, 'admin.sqlite');
    await smallDemoStoreFile(demoStore); // the run's demo store, generated once (test/helpers.ts)
    const init = runBuiltCli(['store', 'init', '--admin', 'chef', '--password-env', 'IX_PW', adminStore], {
      IX_PW: 'geheim-123',
    });
    assert.equal(init.code, 0, init.stderr);
    spec = path.join(dir, 'spec.json');
    fs.writeFileSync(
      spec,
      JSON.stringify({
        licenseNo: '8150',
        customer: { no: '301', name: 'Wohnen am Fluss GmbH' },
        serial: 99,
        validUntil: '2099-12-31',
        modules: [{ code: 'KOMFORT', name: 'Komfortpaket', seats: 100000, validUntil: null }],
      }),
    );
    demoLicense = (
      JSON.parse(
        runBuiltCli(['license', 'issue', spec, '--key', 'demo', '--out', path.join(dir, 'demo-out'), '--json']).stdout,
      ) as { licenseFile: string }
    ).licenseFile;
    const keygen = JSON.parse(
      runBuiltCli(['license', 'keygen', '--kid', 'crem-test', '--out', path.join(dir, 'keys'), '--json']).stdout,
    ) as { publicKey: string; privateKeyFile: string };
    trust = ['--trusted-key', `crem-test=${keygen.publicKey}`];
    vendorPrivateKey = keygen.privateKeyFile;
    fs.writeFileSync(
      spec,
      JSON.stringify({
        licenseNo: '8150',
        customer: { no: '301', name: 'Wohnen am Fluss GmbH' },
        serial: 5,
        validUntil: '2099-12-31',
        modules: [{ code: 'KOMFORT', name: 'Komfortpaket', seats: 5, validUntil: null }],
      }),
    );
    vendorLicense = (
      JSON.parse(
        runBuiltCli([
          'license',
          'issue',
          spec,
          '--key',
          keygen.privateKeyFile,
          '--out',
          path.join(dir, 'vendor-out'),
          '--json',
        ]).stdout,
      ) as { licenseFile: string }
    ).licenseFile;
  });
  after(async () => cleanup());

  it('a store made with init --admin refuses a demo-signed license with exit 1 naming the demo key; a demo store installs it', () => {
    const before = fs.readFileSync(adminStore);
    const refused = runBuiltCli(['license', 'install', ...sign(adminStore, 'chef'), demoLicense, ...trust], {
      IX_PW: 'geheim-123',
    });
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /signed with the built-in demo key, which only demo stores trust .* not created as a demo store; nothing was installed/,
    );
    const smuggled = runBuiltCli(
      [
        'license',
        'install',
        ...sign(adminStore, 'chef'),
        demoLicense,
        '--trusted-key',
        'mine=1R6ibltX4ShYIxxR3XaAyPHNCHXIVvHuRjwxBm9Qs0w=',
      ],
      { IX_PW: 'geheim-123' },
    );
    assert.equal(smuggled.code, 1);
    assert.match(smuggled.stderr, /"mine" is the built-in demo key/);
    const store = Store.open(adminStore, { readOnly: true });
    return store.then(async (s) => {
      assert.equal(s.scalar('SELECT count(*) FROM licenses'), 0);
      await s.close();
      assert.notDeepEqual(fs.readFileSync(adminStore), before, 'only the sign-in audit rows were saved');
      const demoInstall = runBuiltCli(['license', 'install', ...sign(demoStore, 'haupt'), demoLicense], {
        IX_PW: 'demo',
      });
      assert.equal(demoInstall.code, 0, demoInstall.stderr);
    });
  });

  it('a vendor license is never replaced by a demo one (the trial case: vendor serial 5, demo serial 99, then vendor serial 6)', async () => {
    const store = await smallDemoStoreFile(path.join(dir, 'demo2.sqlite'));
    const vendor = runBuiltCli(['license', 'install', ...sign(store, 'haupt'), vendorLicense, ...trust], {
      IX_PW: 'demo',
    });
    assert.equal(vendor.code, 0, vendor.stderr);
    const demo = runBuiltCli(['license', 'install', ...sign(store, 'haupt'), demoLicense], { IX_PW: 'demo' });
    assert.equal(demo.code, 1);
    assert.match(
      demo.stderr,
      /signed with the built-in demo key, but this store holds the license 8150 \(serial 5\) signed with the vendor key "crem-test"/,
    );
    const show = JSON.parse(runBuiltCli(['license', 'show', '--store', store, '--json']).stdout) as {
      licenses: Array<{ licenseNo: string; serial: number; demo: boolean }>;
    };
    assert.deepEqual(
      show.licenses.filter((l) => l.licenseNo === '8150').map((l) => [l.serial, l.demo]),
      [[5, false]],
    );
    fs.writeFileSync(
      spec,
      JSON.stringify({
        licenseNo: '8150',
        customer: { no: '301', name: 'Wohnen am Fluss GmbH' },
        serial: 6,
        validUntil: '2099-12-31',
        modules: [{ code: 'KOMFORT', name: 'Komfortpaket', seats: 6, validUntil: null }],
      }),
    );
    const six = (
      JSON.parse(
        runBuiltCli([
          'license',
          'issue',
          spec,
          '--key',
          vendorPrivateKey,
          '--out',
          path.join(dir, 'vendor-6'),
          '--json',
        ]).stdout,
      ) as { licenseFile: string }
    ).licenseFile;
    const next = runBuiltCli(['license', 'install', ...sign(store, 'haupt'), six, ...trust], { IX_PW: 'demo' });
    assert.equal(next.code, 0, `the vendor's serial 6 installs: ${next.stderr}`);
  });

  it('store check refuses flipped bits (exit 1, the backup offered), changes nothing; --full runs quick_check', () => {
    const file = path.join(dir, 'flip.sqlite');
    fs.copyFileSync(demoStore, file);
    fs.copyFileSync(`${demoStore}.sum`, `${file}.sum`);
    fs.copyFileSync(`${demoStore}.bak`, `${file}.bak`);
    const ok = runBuiltCli(['store', 'check', file]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /checksum of the last save matches/);
    assert.match(runBuiltCli(['store', 'check', '--full', file]).stdout, /quick_check ok/);
    const pristine = fs.readFileSync(file);
    for (let i = 0; i < 5; i++) {
      const flipped = Buffer.from(pristine);
      const bit = Math.floor(Math.random() * flipped.length * 8);
      flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      fs.writeFileSync(file, flipped);
      const check = runBuiltCli(['store', 'check', file]);
      assert.equal(check.code, 1, `bit ${bit}`);
      assert.match(check.stderr, /A valid backup copy exists/);
      assert.deepEqual(fs.readFileSync(file), flipped);
    }
  });

  it('CLI sign-ins are throttled across runs and audited (never the password)', async () => {
    const file = path.join(dir, 'throttle.sqlite');
    fs.copyFileSync(adminStore, file);
    fs.copyFileSync(`${adminStore}.sum`, `${file}.sum`);
    const set = (password: string): ReturnType<typeof runBuiltCli> =>
      runBuiltCli(['settings', 'set', ...sign(file, 'chef'), 'MaximaleAnzahlDerSession', '5'], { IX_PW: password });
    for (let i = 0; i < 4; i++) assert.match(set(`Pw-guess-${i}`).stderr, /Login or password is wrong/);
    const throttled = set('geheim-123');
    assert.equal(throttled.code, 1);
    assert.match(
      throttled.stderr,
      /Too many failed sign-ins for the login chef: the next attempt is possible in \d+ seconds/,
    );
    const store = await Store.open(file, { readOnly: true });
    const rows = store.all<{ action: string; new_value: string }>(
      "SELECT action, new_value FROM audit_log WHERE action LIKE 'sign-in%' ORDER BY id",
    );
    await store.close();
    assert.deepEqual(
      rows.slice(-5).map((r) => r.action),
      ['sign-in.failed', 'sign-in.failed', 'sign-in.failed', 'sign-in.failed', 'sign-in.refused'],
    );
    assert.ok(
      rows.every(
        (r) =>
          JSON.parse(r.new_value).channel === 'cli' &&
          !r.new_value.includes('guess') &&
          !r.new_value.includes('geheim'),
      ),
    );
  });

  it('a foreign file at <store>.lock: exit 1 naming the file and the fix', () => {
    const file = path.join(dir, 'locked.sqlite');
    fs.copyFileSync(demoStore, file);
    fs.copyFileSync(`${demoStore}.sum`, `${file}.sum`);
    fs.writeFileSync(`${file}.lock`, 'not a lock');
    const result = runBuiltCli(['settings', 'set', ...sign(file, 'admin'), 'MaximaleAnzahlDerSession', '5'], {
      IX_PW: 'demo',
    });
    assert.equal(result.code, 1);
    assert.ok(
      result.stderr.includes(`${file}.lock is in the place of the store's write lock but is not an ixhaus-admin lock`),
      result.stderr,
    );
    assert.match(result.stderr, /delete .*locked\.sqlite\.lock and open the store again/);
    assert.doesNotMatch(result.stderr, /backup/, 'a foreign lock is not damage: no restore offered');
  });
});
