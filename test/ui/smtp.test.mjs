// UI test of the "SMTP Einstellungen" webview (issue 7): Playwright fills the Lit form in a real VS Code workbench,
// saves, reopens it (the values come back from the store, the password only as "set"), and runs the connection
// test against a local smtp-server (STARTTLS, certificate made at test time, trusted via NODE_EXTRA_CA_CERTS).
// Screenshots go to test-results/ui/. Run: node --test test/ui/smtp.test.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { launchHost, runCommand, signIn, webviewFrame } from '../../vscode-host/host.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'test-results', 'ui');
fs.mkdirSync(shots, { recursive: true });
const USER = 'verwaltung@ixhaus.example';
const PASSWORD = 'UI-Test-Geheimnis-51!';

function certificate(dir) {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8'), certFile: cert };
}

test(
  'SMTP Einstellungen webview: fill, save, reopen, test against a local SMTP server',
  { timeout: 240000 },
  async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-ui-smtp-'));
    const { key, cert, certFile } = certificate(dir);
    const received = [];
    const server = new SMTPServer({
      key,
      cert,
      authMethods: ['PLAIN', 'LOGIN'],
      hideENHANCEDSTATUSCODES: true,
      logger: false,
      onAuth(auth, _s, cb) {
        if (auth.username === USER && auth.password === PASSWORD) cb(null, { user: USER });
        else cb(Object.assign(new Error('5.7.8 Error: authentication failed'), { responseCode: 535 }));
      },
      onData(stream, _s, cb) {
        const chunks = [];
        stream.on('data', (c) => chunks.push(c));
        stream.on('end', () => {
          received.push(Buffer.concat(chunks).toString('utf8'));
          cb();
        });
      },
    });
    server.on('error', () => {});
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = server.server.address().port;
    const host = await launchHost({
      extensionDevelopmentPath: root,
      env: { NODE_EXTRA_CA_CERTS: certFile },
      log: (s) => t.diagnostic(s),
    });
    try {
      const { page } = host;
      const shot = (name) => page.screenshot({ path: path.join(shots, `${name}.png`) });
      await page.click('.activitybar a[aria-label*="iX-Haus"]', { timeout: 30000 });
      await page
        .locator('.welcome-view-content', { hasText: 'Sign in with your iX-Haus login' })
        .first()
        .waitFor({ timeout: 60000 });
      await signIn(page);

      await runCommand(page, 'iX-Haus: SMTP Settings…');
      const form = webviewFrame(page);
      await form.locator('#host input').waitFor({ timeout: 30000 });
      await form.locator('#host input').fill('127.0.0.1');
      await form.locator('#port input').fill('abc');
      await form.locator('text=The port must be a whole number').waitFor({ timeout: 10000 });
      await shot('10-smtp-form-live-validation');
      await form.locator('#port input').fill(String(port));
      await form.locator('#user input').fill(USER);
      await form.locator('#password input').fill(PASSWORD);
      await form.locator('#from input').fill(USER);
      await form.locator('#schedulerRecipient input').fill('admin1@ixhaus.example');
      await form.locator('text=STARTTLS required').waitFor({ timeout: 10000 });
      await shot('11-smtp-form-filled');
      await form.locator('#save').click();
      await form.locator('#password input[placeholder="set — type to replace"]').waitFor({ timeout: 15000 });

      // reopen: the values come from the store, the password only as "set"
      await runCommand(page, 'View: Close All Editors');
      await runCommand(page, 'iX-Haus: SMTP Settings…');
      const reopened = webviewFrame(page);
      await reopened.locator('#host input').waitFor({ timeout: 30000 });
      assert.equal(await reopened.locator('#host input').inputValue(), '127.0.0.1');
      assert.equal(await reopened.locator('#port input').inputValue(), String(port));
      assert.equal(
        await reopened.locator('#password input').inputValue(),
        '',
        'the secret never comes back into the webview',
      );
      await reopened.locator('#password input[placeholder="set — type to replace"]').waitFor({ timeout: 10000 });

      await reopened.locator('#testRecipient input').fill('mieter@example.org');
      await reopened.locator('#test').click();
      await reopened.locator('#report', { hasText: 'Test mail sent.' }).waitFor({ timeout: 30000 });
      await shot('12-smtp-test-report');
      assert.equal(received.length, 1);
      assert.match(received[0], /Subject: iX-Haus plus: SMTP-Verbindungstest/);

      // accessibility: groups with legends, a polite live region, a report table with named columns
      assert.ok((await reopened.locator('fieldset > legend').count()) >= 3, 'fieldsets with legends');
      assert.equal(await reopened.locator('#status[role="status"][aria-live="polite"]').count(), 1);
      assert.deepEqual(await reopened.locator('#report th[scope="col"]').allTextContents(), [
        'Step',
        'Status',
        'Server reply',
      ]);

      // an invalid recipient: the host's localized error reply is shown, and Test can be pressed again
      await reopened.locator('#testRecipient input').fill('kein empfänger');
      await reopened.locator('#test').click();
      await reopened
        .locator('#error[role="alert"]', { hasText: 'is not a valid e-mail address' })
        .waitFor({ timeout: 15000 });
      await reopened.locator('#test:not([disabled])').waitFor({ timeout: 5000 });
      await shot('12b-smtp-invalid-recipient');
      assert.equal(received.length, 1, 'nothing sent for an invalid recipient');

      // a window reload restores the panel (serializer); after the sign-in it shows the saved settings again
      await runCommand(page, 'Developer: Reload Window');
      await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
      await page.locator('.tab', { hasText: 'SMTP Einstellungen' }).first().waitFor({ timeout: 60000 });
      await signIn(page, 'admin', 'demo', { waitForStatus: false });
      const restored = webviewFrame(page);
      await restored.locator('#host input').waitFor({ timeout: 30000 });
      await restored.locator('#password input[placeholder="set — type to replace"]').waitFor({ timeout: 30000 });
      assert.equal(await restored.locator('#host input').inputValue(), '127.0.0.1');
      await shot('13-smtp-restored-after-reload');
    } catch (error) {
      await host.page.screenshot({ path: path.join(shots, 'smtp-failure.png') }).catch(() => {});
      throw error;
    } finally {
      await host.close({ rm: true });
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
