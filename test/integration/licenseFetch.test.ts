/**
 * "Lizenzen abrufen" against a real OpenSSH sshd on 127.0.0.1 (test/peers/sshd.ts): password and key auth, host key
 * first use / match / mismatch, legacy-only servers, publickey-only server, missing folder, .lic without .txt,
 * tampered .lic, a drop mid-download, cancel, timeout, refused port (issue 5; field cases C15, C16, C18).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { fetchLicenses, installFetched, testLicenseServer } from '../../src/core/license/licenseFetch';
import type { FetchOptions } from '../../src/core/license/licenseFetch';
import { publicKeyFromBase64 } from '../../src/core/license/licenseFile';
import type { LicensePayload, TrustedKeys } from '../../src/core/license/licenseFile';
import {
  generateVendorKey,
  issueLicenseFile,
  licenseFileBaseName,
  licenseKeyFileText,
  generateLicenseKey,
} from '../../src/core/license/licenseIssuer';
import { buildTrustedKeys, installedSerial } from '../../src/core/license/licenseService';
import { createPrivateKey } from 'node:crypto';
import type { SftpCredential } from '../../src/core/sftp/licenseServer';
import {
  SftpAlgorithmError,
  SftpAuthMethodError,
  SftpAuthRejectedError,
  SftpCancelledError,
  SftpConnectError,
  SftpDroppedError,
  SftpFolderError,
  SftpHostKeyChangedError,
  SftpHostKeyUnknownError,
  SftpPrivateKeyError,
  SftpTimeoutError,
} from '../../src/core/sftp/sftpErrors';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import type { Actor } from '../../src/core/access/rights';
import { PermissionError } from '../../src/core/errors';
import { signIn } from '../../src/core/users/auth';
import { smallDemoDb, tempDir } from '../helpers';
import {
  SFTP_TEST_PASSWORD,
  SFTP_TEST_USER,
  makeKey,
  opensshFingerprint,
  startCuttingProxy,
  startSshd,
} from '../peers/sshd';
import type { SshdPeer } from '../peers/sshd';

const vendor = generateVendorKey('crem-test');
const vendorKey = { kid: vendor.kid, privateKey: createPrivateKey(vendor.privateKeyPem) };
const trustedKeys: TrustedKeys = buildTrustedKeys({ [vendor.kid]: vendor.publicKeyBase64 }).keys;
assert.ok(publicKeyFromBase64(vendor.publicKeyBase64));

function payload(licenseNo: string, serial: number, seats = 5, customer = 'Wohnen am Fluss GmbH'): LicensePayload {
  return {
    licenseNo,
    customer: { no: '301', name: customer },
    product: 'ixhaus-plus',
    serial,
    issued: new Date(Date.now() - 3600_000).toISOString(),
    validUntil: '2099-12-31',
    modules: [
      { code: 'KOMFORT', name: 'Komfortpaket', seats, validUntil: null },
      { code: 'CTI', name: 'CTI', seats: 2, validUntil: null },
    ],
  };
}

/** Writes a `.lic` + `.txt` pair as the vendor tool does; returns the base name. */
function writePair(dir: string, p: LicensePayload, suffix = ''): string {
  const key = generateLicenseKey();
  const base = licenseFileBaseName(p) + suffix;
  fs.writeFileSync(path.join(dir, `${base}.lic`), issueLicenseFile(p, vendorKey, key), { mode: 0o644 });
  fs.writeFileSync(path.join(dir, `${base}.txt`), licenseKeyFileText(key), { mode: 0o644 });
  return base;
}

describe('Lizenzen abrufen against a real OpenSSH sshd', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let sshd: SshdPeer;
  let store: AsyncStore;
  let admin: Actor;
  let haupt: Actor;
  let clientKey: string;
  let tempRoot: string;
  const passwordCred: SftpCredential = { kind: 'password', password: SFTP_TEST_PASSWORD };

  const options = (over: Partial<FetchOptions> = {}): FetchOptions => ({
    target: { host: '127.0.0.1', port: sshd.port, username: SFTP_TEST_USER },
    credential: passwordCred,
    knownHostKey: sshd.fingerprint,
    remoteDir: path.join(sshd.serveDir, 'lizenzen'),
    trustedKeys,
    tempRoot,
    timeouts: { connectMs: 10_000, operationMs: 10_000, closeMs: 2_000 },
    ...over,
  });

  before(async () => {
    ({ dir, cleanup } = await tempDir('ixhaus-sftp-'));
    tempRoot = path.join(dir, 'tmp');
    fs.mkdirSync(tempRoot);
    clientKey = makeKey(path.join(dir, 'client_ed25519'), 'ed25519');
    makeKey(path.join(dir, 'client_locked'), 'ed25519', 'geheim-123');
    fs.writeFileSync(
      path.join(dir, 'authorized_keys'),
      fs.readFileSync(`${clientKey}.pub`, 'utf8') + fs.readFileSync(path.join(dir, 'client_locked.pub'), 'utf8'),
      { mode: 0o644 },
    );
    sshd = await startSshd(dir);
    const lizenzen = path.join(sshd.serveDir, 'lizenzen');
    fs.mkdirSync(lizenzen, { mode: 0o755 });
    writePair(lizenzen, payload('8150', 1), '_alt');
    writePair(lizenzen, payload('8150', 3, 8));
    writePair(lizenzen, payload('8150', 2), '_zwischen');
    writePair(lizenzen, payload('8151', 1, 2, 'Haus am See eG'));
    // a .lic without its .txt
    const orphan = writePair(lizenzen, payload('8152', 1), '_ohne_key');
    fs.rmSync(path.join(lizenzen, `${orphan}.txt`));
    // a tampered .lic: one character of the signed ciphertext changed, envelope re-armored (well-formed, bad signature)
    const tampered = writePair(lizenzen, payload('8153', 1), '_manipuliert');
    const licPath = path.join(lizenzen, `${tampered}.lic`);
    const [begin, ...rest] = fs.readFileSync(licPath, 'utf8').trim().split('\n');
    const end = rest.pop()!;
    const envelope = JSON.parse(Buffer.from(rest.join(''), 'base64').toString('utf8')) as { enc: string };
    envelope.enc = (envelope.enc[0] === 'A' ? 'B' : 'A') + envelope.enc.slice(1);
    const body = Buffer.from(JSON.stringify(envelope))
      .toString('base64')
      .match(/.{1,64}/g)!;
    fs.writeFileSync(licPath, [begin, ...body, end, ''].join('\n'));
    fs.writeFileSync(path.join(lizenzen, 'liesmich.pdf'), 'not a license');
  });
  after(async () => {
    await sshd?.stop();
    await cleanup();
  });
  beforeEach(async () => {
    ({ db: store, admin, haupt } = await smallDemoDb());
  });
  afterEach(async () => {
    await store.close();
    assert.deepEqual(fs.readdirSync(tempRoot), [], 'the private temp folder is always removed');
  });

  it('first use: refuses the unknown host key and names the fingerprint OpenSSH computes', async () => {
    await assert.rejects(fetchLicenses(store, haupt, options({ knownHostKey: undefined })), (error: unknown) => {
      assert.ok(error instanceof SftpHostKeyUnknownError);
      assert.equal(error.fingerprint, sshd.fingerprint);
      assert.equal(error.keyType, 'ssh-ed25519');
      assert.match(error.message, /not trusted yet/);
      return true;
    });
  });

  it('password auth, pinned key matches: keeps the highest serial per license, rejects the tampered file, names the orphan', async () => {
    const progress: string[] = [];
    const result = await fetchLicenses(store, haupt, options({ onProgress: (p) => progress.push(p.template) }));
    assert.equal(result.hostKey.fingerprint, sshd.fingerprint);
    assert.deepEqual(
      result.candidates.map((c) => [c.verified.payload.licenseNo, c.verified.payload.serial]),
      [
        ['8150', 3],
        ['8151', 1],
      ],
    );
    assert.deepEqual(result.unpaired, ['Wohnen_am_Fluss_GmbH_8152_ohne_key.lic']);
    assert.deepEqual(
      result.rejected.map((r) => [r.fileName, r.code]),
      [['Wohnen_am_Fluss_GmbH_8153_manipuliert.lic', 'E_LICENSE_SIGNATURE']],
    );
    assert.deepEqual(result.notNewer.map((r) => r.code).sort(), ['E_LICENSE_SUPERSEDED', 'E_LICENSE_SUPERSEDED']);
    assert.equal(result.timings.pairs, 5);
    assert.ok(progress.some((t) => t.startsWith('Downloading')));
    assert.equal(await installedSerial(store, '8150'), undefined, 'nothing installed before confirmation');
    assert.equal(result.candidates[0]!.diff.firstInstall, true);

    await installFetched(store, haupt, result.candidates);
    assert.equal(await installedSerial(store, '8150'), 3);
    assert.equal(await installedSerial(store, '8151'), 1);
    assert.equal(await installedSerial(store, '8153'), undefined, 'the tampered license is never installed');

    const again = await fetchLicenses(store, haupt, options());
    assert.deepEqual(again.candidates, [], 'Keine neuen Lizenzen');
    assert.ok(again.notNewer.some((r) => r.code === 'E_LICENSE_NOT_NEWER'));
  });

  it('only an administrator or Hauptbenutzer may fetch (enforced in core)', async () => {
    const clerk = await signIn(store, 'sb1', 'demo').catch(() => undefined);
    const actor: Actor = clerk ?? { ...admin, role: 'Sachbearbeiter', rightsClass: 'B' };
    await assert.rejects(fetchLicenses(store, actor, options()), PermissionError);
  });

  it('public-key auth, also with a passphrase-protected key; a wrong passphrase is named', async () => {
    const viaKey = await testLicenseServer({
      ...options(),
      credential: { kind: 'privateKey', privateKey: fs.readFileSync(clientKey) },
    });
    assert.equal(viaKey.ok, true, JSON.stringify(viaKey.steps));
    assert.equal(viaKey.pairs, 5);
    const locked = fs.readFileSync(path.join(dir, 'client_locked'));
    const withPassphrase = await testLicenseServer({
      ...options(),
      credential: { kind: 'privateKey', privateKey: locked, passphrase: 'geheim-123' },
    });
    assert.equal(withPassphrase.ok, true, JSON.stringify(withPassphrase.steps));
    const wrong = await testLicenseServer({
      ...options(),
      credential: { kind: 'privateKey', privateKey: locked, passphrase: 'falsch' },
    });
    assert.ok(wrong.error instanceof SftpPrivateKeyError, String(wrong.error));
    const none = await testLicenseServer({ ...options(), credential: { kind: 'privateKey', privateKey: locked } });
    assert.ok(none.error instanceof SftpPrivateKeyError, String(none.error));
  });

  it('a wrong password is named as such (not retried)', async () => {
    const report = await testLicenseServer({ ...options(), credential: { kind: 'password', password: 'falsch' } });
    assert.equal(report.ok, false);
    assert.ok(report.error instanceof SftpAuthRejectedError, String(report.error));
    assert.deepEqual(
      report.steps.map((s) => s.outcome),
      ['ok', 'ok', 'ok', 'failed', 'skipped'],
    );
    const attempts = (sshd.log().match(/Failed password for ixsftp/g) ?? []).length;
    assert.ok(attempts >= 1 && attempts <= 2, `one password attempt per test (saw ${attempts})`);
  });

  it('host key mismatch: refused with the interception warning, nothing fetched', async () => {
    const other = makeKey(path.join(dir, 'other_host'), 'ed25519');
    const otherFp = opensshFingerprint(`${other}.pub`);
    await assert.rejects(fetchLicenses(store, haupt, options({ knownHostKey: otherFp })), (error: unknown) => {
      assert.ok(error instanceof SftpHostKeyChangedError);
      assert.equal(error.expected, otherFp);
      assert.equal(error.actual, sshd.fingerprint);
      assert.match(error.message, /intercepting/);
      return true;
    });
    assert.equal(await installedSerial(store, '8150'), undefined);
  });

  it('a missing folder names the exact path requested; Verbindung testen reports each step', async () => {
    const missing = path.join(sshd.serveDir, 'gibtsnicht');
    const report = await testLicenseServer({ ...options(), remoteDir: `${missing}\\` });
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.steps.map((s) => `${s.step}:${s.outcome}`),
      ['connect:ok', 'handshake:ok', 'hostKey:ok', 'authenticate:ok', 'list:failed'],
    );
    assert.ok(report.error instanceof SftpFolderError);
    assert.match(report.error.message, new RegExp(`"${missing}" cannot be read on the server \\(no such folder\\)`));
  });

  it('a connection dropped mid-download: clean error, temp files removed, no hang', async () => {
    // learn the byte counts of a full fetch and of connect+list, then cut between them (inside the downloads)
    const counter = await startCuttingProxy(sshd.port, Number.MAX_SAFE_INTEGER);
    await testLicenseServer({
      ...options(),
      target: { host: '127.0.0.1', port: counter.port, username: SFTP_TEST_USER },
    });
    const listBytes = counter.bytesServed();
    await fetchLicenses(
      store,
      haupt,
      options({ target: { host: '127.0.0.1', port: counter.port, username: SFTP_TEST_USER } }),
    );
    const fullBytes = counter.bytesServed() - listBytes;
    await counter.stop();
    assert.ok(fullBytes > listBytes + 2000, `downloads add bytes (${listBytes} → ${fullBytes})`);

    const proxy = await startCuttingProxy(sshd.port, Math.round((listBytes + fullBytes) / 2));
    try {
      await assert.rejects(
        fetchLicenses(
          store,
          haupt,
          options({ target: { host: '127.0.0.1', port: proxy.port, username: SFTP_TEST_USER } }),
        ),
        (error: unknown) => {
          assert.ok(error instanceof SftpDroppedError, String(error));
          assert.equal(error.step, 'download');
          assert.match(error.message, /dropped during download/);
          return true;
        },
      );
      assert.equal(proxy.cuts(), 1);
      assert.equal(await installedSerial(store, '8150'), undefined);
    } finally {
      await proxy.stop();
    }
  });

  it('cancel aborts at once and cleans up', async () => {
    const controller = new AbortController();
    const pending = fetchLicenses(
      store,
      haupt,
      options({
        signal: controller.signal,
        onProgress: (p) => (p.template.startsWith('Downloading') ? controller.abort() : undefined),
      }),
    );
    await assert.rejects(pending, SftpCancelledError);
  });

  it('a server that accepts TCP but never speaks SSH times out (no hang)', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const report = await testLicenseServer({
        ...options(),
        target: { host: '127.0.0.1', port: (silent.address() as net.AddressInfo).port, username: SFTP_TEST_USER },
        timeouts: { connectMs: 700, operationMs: 700, closeMs: 300 },
      });
      assert.ok(report.error instanceof SftpTimeoutError, String(report.error));
      assert.equal(report.error.step, 'handshake');
    } finally {
      silent.close();
    }
  });

  it('a closed port is "connection refused"', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const report = await testLicenseServer({
      ...options(),
      target: { host: '127.0.0.1', port, username: SFTP_TEST_USER },
    });
    assert.ok(report.error instanceof SftpConnectError, String(report.error));
    assert.equal(report.error.kind, 'refused');
  });

  describe('servers configured differently (each its own sshd)', () => {
    const withServer = async (
      config: string[],
      body: (peer: SshdPeer) => Promise<void>,
      hostKeyType: 'ed25519' | 'dsa' = 'ed25519',
    ): Promise<void> => {
      const peer = await startSshd(dir, { config, hostKeyType });
      try {
        await body(peer);
      } finally {
        await peer.stop();
      }
    };
    const at = (peer: SshdPeer): Partial<FetchOptions> => ({
      target: { host: '127.0.0.1', port: peer.port, username: SFTP_TEST_USER },
      knownHostKey: peer.fingerprint,
    });

    it('C15: a server offering only diffie-hellman-group1-sha1 — both lists named, nothing insecure added', async () => {
      await withServer(['PasswordAuthentication yes', 'KexAlgorithms diffie-hellman-group1-sha1'], async (peer) => {
        const report = await testLicenseServer({ ...options(), ...at(peer) });
        assert.ok(report.error instanceof SftpAlgorithmError, String(report.error));
        assert.equal(report.error.category, 'key exchange algorithm');
        assert.deepEqual(
          report.error.serverOffers.filter((a) => !a.startsWith('ext-info') && !a.startsWith('kex-strict')),
          ['diffie-hellman-group1-sha1'],
        );
        assert.ok(report.error.clientSupports.includes('curve25519-sha256'));
        assert.ok(!report.error.clientSupports.includes('diffie-hellman-group1-sha1'));
        assert.deepEqual(
          report.steps.map((s) => s.outcome),
          ['ok', 'failed', 'skipped', 'skipped', 'skipped'],
        );
      });
    });

    it('C15: a server with only an ssh-dss host key', async () => {
      await withServer(
        ['PasswordAuthentication yes', 'HostKeyAlgorithms ssh-dss'],
        async (peer) => {
          const report = await testLicenseServer({ ...options(), ...at(peer) });
          assert.ok(report.error instanceof SftpAlgorithmError, String(report.error));
          assert.equal(report.error.category, 'host key algorithm');
          assert.deepEqual(report.error.serverOffers, ['ssh-dss']);
          assert.match(report.error.message, /Server offers \[ssh-dss\]; this client supports \[.*ssh-ed25519/);
        },
        'dsa',
      );
    });

    it('C16: a server allowing only publickey while a password is configured', async () => {
      await withServer(['PasswordAuthentication no'], async (peer) => {
        const report = await testLicenseServer({ ...options(), ...at(peer) });
        assert.ok(report.error instanceof SftpAuthMethodError, String(report.error));
        assert.deepEqual(report.error.allowed, ['publickey']);
        assert.match(report.error.message, /accepts only \[publickey\]; password was configured/);
        const viaKey = await testLicenseServer({
          ...options(),
          ...at(peer),
          credential: { kind: 'privateKey', privateKey: fs.readFileSync(clientKey) },
        });
        assert.equal(viaKey.ok, true);
      });
    });
  });
});
