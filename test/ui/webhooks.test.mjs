// UI test of the alert webhooks (issue 21 "… VS Code from secret storage"): an administrator opens "Configure Alert
// Webhooks (Teams, JSON)…" from the Scheduler view's menu, picks Microsoft Teams, pastes the Workflows URL into the
// password box (a plain http URL to another host is refused while typing), saves, and sends a test alert from the
// notification; a webhook peer on 127.0.0.1 receives the Adaptive Card. The URL is never shown again.
// Screenshots go to test-results/ui/webhooks-*.png (look at them). Run: node --test test/ui/webhooks.test.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { register } from 'tsx/cjs/api';
import { launchHost, runCommand, signIn } from '../../vscode-host/host.mjs';

register();
const tsRequire = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'test-results', 'ui');
fs.mkdirSync(shots, { recursive: true });

test('Alert webhooks: set the Teams URL as a secret, send a test alert', { timeout: 240000 }, async (t) => {
  const { startWebhookPeer, WEBHOOK_SIGNATURE } = tsRequire('../peers/webhookPeer.ts');
  const teams = await startWebhookPeer();
  const host = await launchHost({ extensionDevelopmentPath: root, log: (s) => t.diagnostic(s) });
  const { page } = host;
  const shot = (name) => page.screenshot({ path: path.join(shots, `webhooks-${name}.png`) });
  try {
    await page.click('.activitybar a[aria-label*="iX-Haus"]', { timeout: 30000 });
    await page.locator('.statusbar-item', { hasText: 'iX-Haus: Sign in' }).first().waitFor({ timeout: 60000 });
    await signIn(page, 'admin', 'demo');

    await runCommand(page, 'iX-Haus: Configure Alert Webhooks');
    const widget = page.locator('.quick-input-widget');
    await widget.filter({ hasText: 'Alert Webhooks of this system' }).first().waitFor({ timeout: 15000 });
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'Microsoft Teams' })
      .filter({ hasText: 'not set' })
      .first()
      .waitFor({ timeout: 10000 });
    await shot('01-pick');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Microsoft Teams' }).first().click();

    const input = page.locator('.quick-input-widget input.input');
    await widget.filter({ hasText: 'Paste the webhook URL' }).first().waitFor({ timeout: 15000 });
    assert.equal(await input.getAttribute('type'), 'password', 'the URL is typed like a password');
    await input.fill('http://teams.example.com/hook');
    await widget.filter({ hasText: 'must start with https://' }).first().waitFor({ timeout: 10000 });
    await shot('02-refused-while-typing');
    await input.fill(teams.url());
    await widget.filter({ hasText: 'must start with https://' }).first().waitFor({ state: 'hidden', timeout: 10000 });
    await page.keyboard.press('Enter');

    const saved = page.locator('.notification-toast', { hasText: 'scheduler incidents and license/module expiry' });
    await saved.first().waitFor({ timeout: 15000 });
    await sleep(800);
    await shot('03-saved');
    await saved.locator('.monaco-button', { hasText: 'Send Test Alert' }).first().click();
    await page
      .locator('.notification-toast', { hasText: 'Test alert delivered to Microsoft Teams' })
      .first()
      .waitFor({ timeout: 30000 });
    await sleep(800); // the toast fades in
    await shot('04-test-delivered');
    assert.equal(teams.requests.length, 1);
    assert.match(JSON.stringify(teams.requests[0].body), /AdaptiveCard/);

    // opened again: Teams is "set", and nothing on the screen shows the URL
    await runCommand(page, 'iX-Haus: Configure Alert Webhooks');
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'Microsoft Teams' })
      .filter({ hasText: 'set' })
      .first()
      .waitFor({ timeout: 10000 });
    const text = await page.locator('body').innerText();
    assert.ok(!text.includes(WEBHOOK_SIGNATURE) && !text.includes('/workflows/'), 'the URL is not on the screen');
    await page.keyboard.press('Escape');
  } catch (error) {
    await page.screenshot({ path: path.join(shots, 'webhooks-failed.png') }).catch(() => {});
    throw error;
  } finally {
    await host.close();
    await teams.close();
  }
});
