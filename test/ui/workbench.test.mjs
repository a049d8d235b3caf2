// UI test: Playwright drives a real VS Code 1.100.3 workbench (code-server + chromium) as a user would — the
// iX-Haus container, sign-in through the palette, the three trees, a window reload. Screenshots of each step go
// to test-results/ui/ (look at them). Run: node --test test/ui/
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { answerInputBox, launchHost, runCommand } from '../../vscode-host/host.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'test-results', 'ui');
fs.mkdirSync(shots, { recursive: true });

async function signIn(page) {
  await runCommand(page, 'iX-Haus: Sign in', { timeoutMs: 60000 });
  await answerInputBox(page, 'admin');
  await answerInputBox(page, 'demo');
}

test('iX-Haus in a real workbench: container, sign-in, trees, reload', { timeout: 240000 }, async (t) => {
  const started = Date.now();
  const host = await launchHost({ extensionDevelopmentPath: root, log: (s) => t.diagnostic(s) });
  try {
    const { page } = host;
    const shot = (name) => page.screenshot({ path: path.join(shots, `${name}.png`) });

    await page.click('.activitybar a[aria-label*="iX-Haus"]', { timeout: 30000 });
    // first start: the demo store is created, then the views ask for a sign-in
    await page.locator('.welcome-view-content', { hasText: 'Sign in with your iX-Haus login' }).first().waitFor({ timeout: 60000 });
    await page.locator('.statusbar-item', { hasText: 'iX-Haus: Sign in' }).first().waitFor({ timeout: 30000 });
    await shot('01-welcome-sign-in');

    await signIn(page);
    await page.locator('.statusbar-item', { hasText: 'admin' }).first().waitFor({ timeout: 20000 });
    const license = page.locator('.monaco-list-row', { hasText: 'DEMO-0001' }).first();
    await license.waitFor({ timeout: 20000 });
    await page.locator('.monaco-list-row', { hasText: 'Komfortpaket' }).first().waitFor({ timeout: 20000 });
    await shot('02-signed-in-trees');

    // Systemeinstellungen: Bereich › Abschnitt › Name = Wert
    await page.locator('.monaco-list-row', { hasText: 'PlusGlobalCTIKopplungAktiv = 1' }).first().waitFor({ timeout: 20000 });
    // Module & Benutzer: expand a module to see who has it unlocked
    const cti = page.locator('.pane', { hasText: 'Modules & Users' }).locator('.monaco-list-row', { hasText: 'CTI' }).first();
    await cti.click();
    await page.locator('.monaco-list-row', { hasText: 'admin —' }).first().waitFor({ timeout: 20000 });
    await shot('03-modules-expanded');

    // The store survives a reload: after it, the store opens again writable (no lock icon) and the data is there.
    await runCommand(page, 'Developer: Reload Window');
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    await page.locator('.statusbar-item', { hasText: 'iX-Haus: Sign in' }).first().waitFor({ timeout: 60000 });
    const statusText = await page.locator('.statusbar-item', { hasText: 'iX-Haus: Sign in' }).first().innerHTML();
    assert.ok(!statusText.includes('codicon-lock'), 'after a reload the store must not be read-only (stale own lock)');
    await signIn(page);
    await page.locator('.monaco-list-row', { hasText: 'DEMO-0001' }).first().waitFor({ timeout: 20000 });
    await shot('04-after-reload');
    t.diagnostic(`UI test wall time ${Date.now() - started} ms`);
  } catch (error) {
    await host.page.screenshot({ path: path.join(shots, 'failure.png') }).catch(() => {});
    throw error;
  } finally {
    await host.close({ rm: true });
  }
});
