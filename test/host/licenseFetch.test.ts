/**
 * "Lizenzen abrufen" in the real VS Code host through the command API, against a real OpenSSH sshd on 127.0.0.1
 * (issue 5 "Done when"): SFTP settings with the password in secret storage, first-use host key trust, fetch with
 * diff and install; the password is in neither the store file nor the log.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEMO_KID, demoPrivateKey } from '../../src/core/license/demoVendorKey';
import {
  generateLicenseKey,
  issueLicenseFile,
  licenseFileBaseName,
  licenseKeyFileText,
} from '../../src/core/license/licenseIssuer';
import { installedSerial } from '../../src/core/license/licenseService';
import { demoLicensePayload } from '../../src/core/demo/demoData';
import { loadSftpSettings } from '../../src/core/sftp/sftpSettings';
import type { IxHausApi } from '../../src/extension/extension';
import type { FetchCommandResult } from '../../src/extension/commands/licenseFetchCommand';
import type { ConnectionTestReport } from '../../src/core/license/licenseFetch';
import { SFTP_TEST_PASSWORD, SFTP_TEST_USER, startSshd } from '../peers/sshd';
import type { SshdPeer } from '../peers/sshd';

describe('Lizenzen abrufen in the VS Code host (real sshd)', function () {
  this.timeout(60_000);
  let api: IxHausApi;
  let sshd: SshdPeer;
  let dir: string;

  before(async () => {
    const extension = vscode.extensions.getExtension<IxHausApi>('ixhaus-admin.ixhaus-admin');
    assert.ok(extension);
    api = await extension.activate();
    await api.ready;
    if (!api.services.storeHost.store) await api.services.storeHost.openConfigured();
    await vscode.commands.executeCommand('ixhaus.session.signIn', { login: 'admin', password: 'demo' });
    assert.equal(api.services.session.actor?.login, 'admin');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-host-sftp-'));
    sshd = await startSshd(dir);
    const lizenzen = path.join(sshd.serveDir, 'lizenzen');
    fs.mkdirSync(lizenzen, { mode: 0o755 });
    for (const serial of [2, 3]) {
      // the demo license with a higher serial and more Komfortpaket seats: every module stays licensed, so the
      // suites after this one still find the demo store as they expect
      const demo = demoLicensePayload(new Date());
      const payload = {
        ...demo,
        serial,
        modules: demo.modules.map((m) => (m.code === 'KOMFORT' ? { ...m, seats: m.seats + serial } : m)),
      };
      const key = generateLicenseKey();
      const base = path.join(lizenzen, `${licenseFileBaseName(payload)}_${serial}`);
      fs.writeFileSync(`${base}.lic`, issueLicenseFile(payload, { kid: DEMO_KID, privateKey: demoPrivateKey() }, key), {
        mode: 0o644,
      });
      fs.writeFileSync(`${base}.txt`, licenseKeyFileText(key), { mode: 0o644 });
    }
  });
  after(async () => {
    await sshd?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    await vscode.commands.executeCommand('ixhaus.session.signOut');
  });

  it('saves the SFTP settings with the password in secret storage only', async () => {
    await vscode.commands.executeCommand('ixhaus.sftp.configure', {
      host: '127.0.0.1',
      port: sshd.port,
      username: SFTP_TEST_USER,
      authMethod: 'password',
      remoteDir: path.join(sshd.serveDir, 'lizenzen'),
      password: SFTP_TEST_PASSWORD,
    });
    const store = api.services.storeHost.db!;
    const settings = await loadSftpSettings(store);
    assert.equal(settings?.port, sshd.port);
    assert.equal(settings?.hostKeyFingerprint, undefined, 'no host key trusted yet');
    assert.equal(api.services.storeHost.store!.dirty, false);
    assert.ok(
      !fs.readFileSync(api.services.storeHost.store!.file!).includes(Buffer.from(SFTP_TEST_PASSWORD)),
      'the password is not in the store file',
    );
  });

  it('Verbindung testen: trusts the host key on first use (as confirmed) and reports each step', async () => {
    const report = await vscode.commands.executeCommand<ConnectionTestReport>('ixhaus.sftp.testConnection', {
      trustHostKey: true,
    });
    assert.equal(report?.ok, true, JSON.stringify(report?.steps));
    assert.deepEqual(
      report.steps.map((s) => s.outcome),
      ['ok', 'ok', 'ok', 'ok', 'ok'],
    );
    assert.equal(
      (await loadSftpSettings(api.services.storeHost.db!))?.hostKeyFingerprint,
      sshd.fingerprint,
      'the fingerprint OpenSSH computes was pinned',
    );
  });

  it('Lizenzen abrufen installs the newest serial, then finds nothing new', async () => {
    const store = api.services.storeHost.db!;
    const before = await installedSerial(store, 'DEMO-0001');
    const result = await vscode.commands.executeCommand<FetchCommandResult>('ixhaus.license.fetch', { confirm: true });
    assert.ok(result, 'the command returned its result (no error shown)');
    assert.deepEqual(
      result.candidates.map((c) => [c.licenseNo, c.serial]),
      [['DEMO-0001', 3]],
    );
    assert.equal(result.installed, true);
    assert.equal(await installedSerial(store, 'DEMO-0001'), 3);
    assert.ok(before === undefined || before < 3);
    assert.equal(api.services.storeHost.store!.dirty, false, 'saved');
    console.log(`Lizenzen abrufen in the host: ${result.totalMs} ms for 2 license pairs`);
    const again = await vscode.commands.executeCommand<FetchCommandResult>('ixhaus.license.fetch', { confirm: true });
    assert.deepEqual(again?.candidates, []);
    assert.equal(again?.installed, false);
  });

  it('the SFTP password appears in neither the store file nor the log', async () => {
    assert.ok(!fs.readFileSync(api.services.storeHost.store!.file!).includes(Buffer.from(SFTP_TEST_PASSWORD)));
    const logDir = api.services.context.logUri.fsPath;
    const logs = fs.existsSync(logDir)
      ? fs
          .readdirSync(logDir, { recursive: true })
          .map(String)
          .filter((f) => f.endsWith('.log'))
      : [];
    for (const file of logs)
      assert.ok(!fs.readFileSync(path.join(logDir, file), 'utf8').includes(SFTP_TEST_PASSWORD), file);
  });
});
