import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { isSafeRemoteName, pairLicenseFiles } from '../../src/core/license/licenseFetch';
import { hostKeyFingerprint, hostKeyType } from '../../src/core/sftp/licenseServer';
import {
  SftpSettingsError,
  checkHost,
  checkPort,
  loadSftpSettings,
  normaliseRemoteDir,
  remoteJoin,
  saveSftpSettings,
  trustHostKey,
  validateSftpSettings,
} from '../../src/core/sftp/sftpSettings';
import { PermissionError } from '../../src/core/errors';
import { smallDemoDb } from '../helpers';

describe('SFTP settings (issue 5 §1; C16 a, C19)', () => {
  it('refuses user@host, a scheme and host:port in the host field, with what to do', () => {
    assert.match(checkHost('lizenz@sftp.crem-solutions.de')?.template ?? '', /user field/);
    assert.deepEqual(checkHost('lizenz@sftp.crem-solutions.de')?.args, ['lizenz']);
    assert.match(checkHost('sftp://sftp.crem-solutions.de')?.template ?? '', /without/);
    assert.match(checkHost('sftp.crem-solutions.de:2222')?.template ?? '', /port field/);
    assert.match(checkHost('')?.template ?? '', /Enter the host/);
    assert.match(checkHost('sftp crem.de')?.template ?? '', /no spaces/);
    assert.equal(checkHost('sftp.crem-solutions.de'), undefined);
    assert.equal(checkHost('127.0.0.1'), undefined);
    assert.equal(checkHost('::1'), undefined);
    assert.equal(checkHost('[fe80::1]'), undefined);
  });

  it('ports are numbers 1–65535', () => {
    for (const bad of ['0', '65536', '22a', '', '-1', '2.5']) assert.ok(checkPort(bad), bad);
    for (const good of ['22', 1, '65535', ' 2222 ']) assert.equal(checkPort(good), undefined, String(good));
  });

  it('C19: remote folders as Windows Explorer or a Windows client write them become server paths', () => {
    assert.equal(normaliseRemoteDir('C:\\Lizenzen'), '/C:/Lizenzen');
    assert.equal(normaliseRemoteDir('C:/Lizenzen/'), '/C:/Lizenzen');
    assert.equal(normaliseRemoteDir('c://Temp//'), '/c:/Temp');
    assert.equal(normaliseRemoteDir('/C:/Users/kunde/'), '/C:/Users/kunde');
    assert.equal(normaliseRemoteDir('\\licenses\\12345'), '/licenses/12345');
    assert.equal(normaliseRemoteDir(path.win32.join('\\licenses', '12345')), '/licenses/12345');
    assert.equal(normaliseRemoteDir('lizenzen'), 'lizenzen');
    assert.equal(normaliseRemoteDir(' / '), '/');
    assert.equal(normaliseRemoteDir(''), '');
    // joining never uses the local separator, whatever the client OS
    assert.equal(remoteJoin('/C:/Lizenzen', 'Kunde_8150.lic'), '/C:/Lizenzen/Kunde_8150.lic');
    assert.equal(remoteJoin('', 'Kunde_8150.lic'), 'Kunde_8150.lic');
  });

  it('validates the whole form and lists every bad field', () => {
    assert.throws(
      () =>
        validateSftpSettings({
          host: 'u@h',
          port: '99999',
          username: '',
          authMethod: 'password',
          remoteDir: '../x',
          hostKeyFingerprint: 'MD5:ab',
        }),
      (error: unknown) =>
        error instanceof SftpSettingsError &&
        error.problems.map((p) => p.field).join() === 'host,port,username,remoteDir,hostKeyFingerprint',
    );
    const ok = validateSftpSettings({
      host: ' sftp.crem.de ',
      port: ' 22 ',
      username: 'kunde301',
      authMethod: 'privateKey',
      remoteDir: 'C:\\Lizenzen\\',
    });
    assert.deepEqual(ok, {
      host: 'sftp.crem.de',
      port: 22,
      username: 'kunde301',
      authMethod: 'privateKey',
      remoteDir: '/C:/Lizenzen',
    });
  });

  it('saving is for administrators; another server forgets the trusted key; changes are audited', async () => {
    const { db: store, admin, haupt } = await smallDemoDb();
    const form = {
      host: 'sftp.crem.de',
      port: 22,
      username: 'kunde301',
      authMethod: 'password' as const,
      remoteDir: '/lizenzen',
    };
    await assert.rejects(() => saveSftpSettings(store, haupt, form), PermissionError);
    await saveSftpSettings(store, admin, form);
    const fp = `SHA256:${'A'.repeat(43)}`;
    await trustHostKey(store, admin, fp);
    assert.equal((await loadSftpSettings(store))?.hostKeyFingerprint, fp);
    await saveSftpSettings(store, admin, { ...form, remoteDir: '/neu' });
    assert.equal((await loadSftpSettings(store))?.hostKeyFingerprint, fp, 'same server keeps its key');
    await saveSftpSettings(store, admin, { ...form, host: 'sftp2.crem.de' });
    assert.equal(
      (await loadSftpSettings(store))?.hostKeyFingerprint,
      undefined,
      'another server needs its own first use',
    );
    await assert.rejects(() => trustHostKey(store, haupt, fp), PermissionError);
    const audit = (
      await store.query<{ action: string }>("SELECT action FROM audit_log WHERE entity = 'sftp' ORDER BY id")
    ).map((r) => r.action);
    assert.deepEqual(audit, ['sftp.settings', 'sftp.hostkey', 'sftp.settings', 'sftp.settings']);
    await store.close();
  });

  it('pairs X.lic with X.txt case-insensitively and skips unsafe names', () => {
    const f = (name: string, type = '-'): { name: string; type: string; size: number } => ({ name, type, size: 100 });
    const { pairs, unpaired, unsafe } = pairLicenseFiles([
      f('A_1.lic'),
      f('A_1.TXT'),
      f('B_2.LIC'),
      f('b_2.txt'),
      f('C_3.lic'),
      f('D.lic', 'd'),
      f('.hidden.lic'),
      f('x\u0007.lic'),
    ]);
    assert.deepEqual(
      pairs.map((p) => [p.lic.name, p.txt.name]),
      [
        ['A_1.lic', 'A_1.TXT'],
        ['B_2.LIC', 'b_2.txt'],
      ],
    );
    assert.deepEqual(
      unpaired.map((e) => e.name),
      ['C_3.lic'],
    );
    assert.deepEqual(
      unsafe.map((e) => e.name),
      ['.hidden.lic', 'x\u0007.lic'],
    );
    assert.equal(isSafeRemoteName('../etc/passwd'), false);
    assert.equal(isSafeRemoteName('Kunde_8150.lic'), true);
  });

  it('host key fingerprints have the OpenSSH form', () => {
    const wire = Buffer.concat([
      Buffer.from([0, 0, 0, 11]),
      Buffer.from('ssh-ed25519'),
      Buffer.from([0, 0, 0, 32]),
      Buffer.alloc(32, 7),
    ]);
    assert.match(hostKeyFingerprint(wire), /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.equal(hostKeyType(wire), 'ssh-ed25519');
  });
});
