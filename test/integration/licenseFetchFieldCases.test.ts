/**
 * "Lizenzen abrufen": the field cases of issue 17 §5–§7 and §9 against real SFTP peers on 127.0.0.1 — a scripted
 * ssh2 SFTP server (long names without the type character or in a Windows format, symbolic links, a file that
 * vanishes between listing and download) and a real OpenSSH sshd (symbolic links on a real file system).
 */
import { strict as assert } from 'node:assert';
import { createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renameWithRetry } from '../../src/core/fsRetry';
import { fetchLicenses } from '../../src/core/license/licenseFetch';
import type { FetchOptions } from '../../src/core/license/licenseFetch';
import type { LicensePayload, TrustedKeys } from '../../src/core/license/licenseFile';
import {
  generateLicenseKey,
  generateVendorKey,
  issueLicenseFile,
  licenseFileBaseName,
  licenseKeyFileText,
} from '../../src/core/license/licenseIssuer';
import { buildTrustedKeys } from '../../src/core/license/licenseService';
import { remoteFileType } from '../../src/core/sftp/remoteEntries';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import type { Actor } from '../../src/core/access/rights';
import { smallDemoDb, tempDir } from '../helpers';
import { SFTP_PEER_DIR, SFTP_PEER_PASSWORD, SFTP_PEER_USER, startSftpPeer } from '../peers/sftpPeer';
import type { LongNameStyle, SftpPeer } from '../peers/sftpPeer';
import { SFTP_TEST_PASSWORD, SFTP_TEST_USER, startSshd } from '../peers/sshd';

const vendor = generateVendorKey('crem-test');
const vendorKey = { kid: vendor.kid, privateKey: createPrivateKey(vendor.privateKeyPem) };
const trustedKeys: TrustedKeys = buildTrustedKeys({ [vendor.kid]: vendor.publicKeyBase64 }).keys;

function payload(licenseNo: string, serial: number): LicensePayload {
  return {
    licenseNo,
    customer: { no: '301', name: 'Wohnen am Fluss GmbH' },
    product: 'ixhaus-plus',
    serial,
    issued: new Date(Date.now() - 3600_000).toISOString(),
    validUntil: '2099-12-31',
    modules: [{ code: 'KOMFORT', name: 'Komfortpaket', seats: 5, validUntil: null }],
  };
}

/** A `.lic` + `.txt` pair as the vendor tool makes it: base name and the two files' bytes. */
function pair(licenseNo: string, serial = 1): { base: string; lic: Buffer; txt: Buffer } {
  const key = generateLicenseKey();
  const p = payload(licenseNo, serial);
  return {
    base: licenseFileBaseName(p),
    lic: Buffer.from(issueLicenseFile(p, vendorKey, key)),
    txt: Buffer.from(licenseKeyFileText(key)),
  };
}

describe('Lizenzen abrufen: field cases of issue 17 against a scripted ssh2 SFTP server', function () {
  this.timeout(30_000);
  let store: AsyncStore;
  let haupt: Actor;
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let peer: SftpPeer | undefined;

  const options = (p: SftpPeer, over: Partial<FetchOptions> = {}): FetchOptions => ({
    target: { host: '127.0.0.1', port: p.port, username: SFTP_PEER_USER },
    credential: { kind: 'password', password: SFTP_PEER_PASSWORD },
    knownHostKey: p.fingerprint,
    remoteDir: SFTP_PEER_DIR,
    trustedKeys,
    tempRoot: tmp.dir,
    timeouts: { connectMs: 10_000, operationMs: 10_000, closeMs: 2_000 },
    ...over,
  });

  beforeEach(async () => {
    ({ db: store, haupt } = await smallDemoDb());
    tmp = await tempDir('ixhaus-fetch17-');
  });
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
    await store.close();
    assert.deepEqual(fs.readdirSync(tmp.dir), [], 'the private temp folder is always removed');
    await tmp.cleanup();
  });

  for (const style of ['bare', 'windows'] as LongNameStyle[]) {
    it(`§5: a server whose long names are ${style === 'bare' ? 'only the file name' : 'in a Windows DIR format'} still offers its licenses (type from the attributes)`, async () => {
      peer = await startSftpPeer({ longNames: style });
      const a = pair('8160');
      const b = pair('8161');
      for (const x of [a, b]) {
        peer.entries.set(`${x.base}.lic`, { kind: 'file', data: x.lic });
        peer.entries.set(`${x.base}.txt`, { kind: 'file', data: x.txt });
      }
      peer.entries.set('archiv.lic', { kind: 'dir' });
      const result = await fetchLicenses(store, haupt, options(peer));
      assert.deepEqual(
        result.candidates.map((c) => c.verified.payload.licenseNo),
        ['8160', '8161'],
      );
      assert.equal(result.timings.pairs, 2);
      assert.deepEqual(
        result.notTaken.map((n) => [n.fileName, n.code]),
        [['archiv.lic', 'E_FETCH_NOT_FILE']],
      );
      assert.match(result.notTaken[0]!.message, /not a regular file \(it is a folder\)/);
    });
  }

  it('§6: .lic/.txt published as symbolic links are followed; a broken link and orphans are named with the reason', async () => {
    peer = await startSftpPeer();
    const real = pair('8162');
    peer.entries.set('archiv-8162.lic', { kind: 'file', data: real.lic });
    peer.entries.set('archiv-8162.txt', { kind: 'file', data: real.txt });
    peer.entries.set(`${real.base}.lic`, { kind: 'link', target: 'archiv-8162.lic' });
    peer.entries.set(`${real.base}.txt`, { kind: 'link', target: `${SFTP_PEER_DIR}/archiv-8162.txt` });
    const broken = pair('8163');
    peer.entries.set(`${broken.base}.lic`, { kind: 'link', target: 'geloescht.lic' });
    peer.entries.set(`${broken.base}.txt`, { kind: 'file', data: broken.txt });
    peer.entries.set('liesmich.pdf', { kind: 'file', data: Buffer.from('%PDF') });
    const result = await fetchLicenses(store, haupt, options(peer));
    // the real pair behind the links, and the archive pair itself (same license, same serial: superseded)
    assert.deepEqual(
      result.candidates.map((c) => c.verified.payload.licenseNo),
      ['8162'],
    );
    const reasons = new Map(result.notTaken.map((n) => [n.fileName, n.code]));
    assert.equal(reasons.get(`${broken.base}.lic`), 'E_FETCH_LINK_BROKEN');
    assert.equal(reasons.get(`${broken.base}.txt`), 'E_FETCH_KEY_WITHOUT_LICENSE');
    assert.equal(reasons.get('liesmich.pdf'), 'E_FETCH_NOT_LICENSE');
    assert.ok(
      peer.requests.some((r) => r === `STAT ${SFTP_PEER_DIR}/${real.base}.lic`),
      'the link was followed with STAT',
    );
  });

  it('§7: a .lic that vanishes between listing and download skips only that pair, named; the others are offered', async () => {
    peer = await startSftpPeer();
    const kept = pair('8164');
    const gone = pair('8165');
    for (const x of [kept, gone]) {
      peer.entries.set(`${x.base}.lic`, { kind: 'file', data: x.lic });
      peer.entries.set(`${x.base}.txt`, { kind: 'file', data: x.txt });
    }
    peer.vanishOnOpen.add(`${gone.base}.lic`);
    const result = await fetchLicenses(store, haupt, options(peer));
    assert.deepEqual(
      result.candidates.map((c) => c.verified.payload.licenseNo),
      ['8164'],
    );
    const skip = result.notTaken.find((n) => n.fileName === `${gone.base}.lic`);
    assert.equal(skip?.code, 'E_SFTP_FILE_VANISHED');
    assert.match(skip!.message, /was listed but is no longer on the server/);
    assert.doesNotMatch(skip!.message, /folder/i);
  });

  it('§9: a download whose rename is briefly refused (mock of a Windows virus scanner: EBUSY, EPERM) is retried and taken', async () => {
    peer = await startSftpPeer();
    const x = pair('8166');
    peer.entries.set(`${x.base}.lic`, { kind: 'file', data: x.lic });
    peer.entries.set(`${x.base}.txt`, { kind: 'file', data: x.txt });
    const refusals = ['EBUSY', 'EPERM', 'EBUSY'];
    const attempts: string[] = [];
    // MOCK (Windows cannot run here): the first renames of each file fail as a scanner holding the file would
    const windowsVirusScannerMock = async (from: string, to: string): Promise<void> => {
      const code = refusals.shift();
      attempts.push(`${path.basename(to)}:${code ?? 'ok'}`);
      if (code)
        throw Object.assign(new Error(`${code}: resource busy or locked, rename '${from}' -> '${to}'`), { code });
      await fs.promises.rename(from, to);
    };
    const result = await fetchLicenses(
      store,
      haupt,
      options(peer, { renameFile: (from, to) => renameWithRetry(from, to, { rename: windowsVirusScannerMock }) }),
    );
    assert.deepEqual(
      result.candidates.map((c) => c.verified.payload.licenseNo),
      ['8166'],
    );
    assert.deepEqual(attempts, ['0.lic:EBUSY', '0.lic:EPERM', '0.lic:EBUSY', '0.lic:ok', '0.txt:ok']);
  });

  it('§8: key files saved as UTF-16 LE with BOM (PowerShell >), UTF-16 BE, UTF-8 with BOM and Windows-1252 are accepted; a binary .txt is refused', async () => {
    peer = await startSftpPeer();
    const encode: [string, (text: string) => Buffer][] = [
      ['8180', (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')])],
      ['8181', (t) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(t, 'utf16le').swap16()])],
      ['8182', (t) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t, 'utf8')])],
      // Windows-1252 with a no-break space (0xA0, invalid as UTF-8) after the label, as Word/Outlook copy it
      ['8183', (t) => Buffer.from(`Lizenzkey:\xa0${t}`, 'latin1')],
    ];
    for (const [no, fn] of encode) {
      const x = pair(no);
      peer.entries.set(`${x.base}.lic`, { kind: 'file', data: x.lic });
      peer.entries.set(`${x.base}.txt`, { kind: 'file', data: fn(x.txt.toString('utf8').replace('Lizenzkey: ', '')) });
    }
    const binary = pair('8184');
    peer.entries.set(`${binary.base}.lic`, { kind: 'file', data: binary.lic });
    peer.entries.set(`${binary.base}.txt`, {
      kind: 'file',
      data: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]),
    });
    const result = await fetchLicenses(store, haupt, options(peer));
    assert.deepEqual(
      result.candidates.map((c) => c.verified.payload.licenseNo),
      ['8180', '8181', '8182', '8183'],
    );
    assert.deepEqual(
      result.rejected.map((r) => [r.fileName, r.code]),
      [[`${binary.base}.lic`, 'E_LICENSE_KEY_FILE']],
    );
    assert.match(result.rejected[0]!.message, /binary/);
  });

  it('§5: the file type comes from the permission bits; the long name only when the server sends none', () => {
    assert.equal(remoteFileType(0o100644, 'Lizenz.lic'), '-');
    assert.equal(remoteFileType(0o120777, '-rw-r--r-- wrong long name'), 'l');
    assert.equal(remoteFileType(0o040755, undefined), 'd');
    assert.equal(remoteFileType(undefined, 'drwxr-xr-x 2 a b 0 Dec 1 10:00 x'), 'd');
    assert.equal(remoteFileType(undefined, 'Lizenz.lic'), '?');
  });
});

describe('Lizenzen abrufen: symbolic links on a real OpenSSH sshd (issue 17 §6)', function () {
  this.timeout(60_000);

  it('follows .lic/.txt links into an archive folder and names a dangling link', async () => {
    const tmp = await tempDir('ixhaus-sshd17-');
    const sshd = await startSshd(tmp.dir);
    const { db: store, haupt } = await smallDemoDb();
    try {
      const lizenzen = path.join(sshd.serveDir, 'lizenzen');
      const archiv = path.join(sshd.serveDir, 'archiv');
      fs.mkdirSync(lizenzen, { mode: 0o755 });
      fs.mkdirSync(archiv, { mode: 0o755 });
      const x = pair('8170');
      fs.writeFileSync(path.join(archiv, 'x.lic'), x.lic, { mode: 0o644 });
      fs.writeFileSync(path.join(archiv, 'x.txt'), x.txt, { mode: 0o644 });
      fs.symlinkSync('../archiv/x.lic', path.join(lizenzen, `${x.base}.lic`));
      fs.symlinkSync('../archiv/x.txt', path.join(lizenzen, `${x.base}.txt`));
      fs.symlinkSync('../archiv/fehlt.lic', path.join(lizenzen, 'Kaputt_8171.lic'));
      const tempRoot = path.join(tmp.dir, 'fetch-tmp');
      fs.mkdirSync(tempRoot);
      const result = await fetchLicenses(store, haupt, {
        target: { host: '127.0.0.1', port: sshd.port, username: SFTP_TEST_USER },
        credential: { kind: 'password', password: SFTP_TEST_PASSWORD },
        knownHostKey: sshd.fingerprint,
        remoteDir: lizenzen,
        trustedKeys,
        tempRoot,
        timeouts: { connectMs: 10_000, operationMs: 10_000, closeMs: 2_000 },
      });
      assert.deepEqual(
        result.candidates.map((c) => c.verified.payload.licenseNo),
        ['8170'],
      );
      assert.deepEqual(
        result.notTaken.map((n) => [n.fileName, n.code]),
        [['Kaputt_8171.lic', 'E_FETCH_LINK_BROKEN']],
      );
    } finally {
      await store.close();
      await sshd.stop();
      await tmp.cleanup();
    }
  });
});
