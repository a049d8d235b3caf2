// UI test: Playwright drives a real VS Code 1.100.3 workbench (code-server + chromium) as a user would — the
// iX-Haus container, sign-in through the palette, the three trees, a window reload. Screenshots of each step go
// to test-results/ui/ (look at them). Run: node --test test/ui/
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { answerInputBox, launchHost, runCommand, signIn } from '../../vscode-host/host.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'test-results', 'ui');
fs.mkdirSync(shots, { recursive: true });

function writeSpec(dir) {
  const spec = path.join(dir, 'spec.json');
  fs.writeFileSync(
    spec,
    JSON.stringify({
      licenseNo: 'UI-42',
      customer: { no: '4242', name: 'Oberhausen Wohnen eG' },
      serial: 1,
      validUntil: '2099-12-31',
      modules: [
        { code: 'KOMFORT', name: 'Komfortpaket', seats: 8, validUntil: null },
        { code: 'HEIZKOSTEN', name: 'Heizkosten plus', seats: 2, validUntil: '2027-03-31' },
      ],
    }),
  );
  return spec;
}

test('iX-Haus in a real workbench: container, sign-in, trees, reload', { timeout: 240000 }, async (t) => {
  const started = Date.now();
  const host = await launchHost({ extensionDevelopmentPath: root, log: (s) => t.diagnostic(s) });
  try {
    const { page } = host;
    const shot = (name) => page.screenshot({ path: path.join(shots, `${name}.png`) });

    await page.click('.activitybar a[aria-label*="iX-Haus"]', { timeout: 30000 });
    // first start: the demo store is created, then the views ask for a sign-in
    await page
      .locator('.welcome-view-content', { hasText: 'Sign in with your iX-Haus login' })
      .first()
      .waitFor({ timeout: 60000 });
    await page.locator('.statusbar-item', { hasText: 'iX-Haus: Sign in' }).first().waitFor({ timeout: 30000 });
    await shot('01-welcome-sign-in');

    await signIn(page, 'admin', 'demo', { waitForStatus: false });
    await page.locator('.statusbar-item', { hasText: 'admin' }).first().waitFor({ timeout: 20000 });
    const license = page.locator('.monaco-list-row', { hasText: 'DEMO-0001' }).first();
    await license.waitFor({ timeout: 20000 });
    await page.locator('.monaco-list-row', { hasText: 'Komfortpaket' }).first().waitFor({ timeout: 20000 });
    await shot('02-signed-in-trees');

    // Systemeinstellungen: the catalogue by Bereich
    await page.locator('.monaco-list-row', { hasText: 'iX-Haus plus Scheduler' }).first().waitFor({ timeout: 20000 });
    // Module & Benutzer: expand a module to see who has it unlocked
    const cti = page
      .locator('.pane', { hasText: 'Modules & Users' })
      .locator('.monaco-list-row', { hasText: 'CTI' })
      .first();
    await cti.click();
    await page.locator('.monaco-list-row', { hasText: 'admin —' }).first().waitFor({ timeout: 20000 });
    await shot('03-modules-expanded');

    // Systemeinstellungen durchsuchen: the tree filters to the hits and says so
    await runCommand(page, 'iX-Haus: Search System Settings…');
    await answerInputBox(page, 'CTI', 'Bereich, Abschnitt');
    await page
      .locator('.monaco-list-row', { hasText: 'PlusGlobalCTIreactionNummernlaenge = 3' })
      .first()
      .waitFor({ timeout: 20000 });
    await page.locator('.pane', { hasText: 'settings match "CTI"' }).first().waitFor({ timeout: 20000 });
    await shot('04-settings-filtered-cti');
    await runCommand(page, 'iX-Haus: Clear Settings Filter');

    // Lizenz installieren: palette → file dialog (VS Code's simple dialog in the browser) → key from the .txt
    // → diff editor + confirmation → installed license in the tree
    const licenseDir = fs.mkdtempSync(path.join(host.work, 'lic-'));
    execFileSync(process.execPath, [
      path.join(root, 'dist/cli.js'),
      'license',
      'issue',
      writeSpec(licenseDir),
      '--key',
      'demo',
      '--out',
      licenseDir,
    ]);
    const licenseFile = path.join(licenseDir, 'Oberhausen_Wohnen_eG_UI-42.lic');
    await runCommand(page, 'iX-Haus: Install License…');
    const pathInput = page.locator('.quick-input-widget input.input');
    await pathInput.waitFor({ state: 'visible', timeout: 10000 });
    // VS Code's simple file dialog fills in and lists its start folder asynchronously and may overwrite what was
    // typed meanwhile: type the path until it sticks and the file is listed, then accept
    await page.locator('.quick-input-list .monaco-list-row', { hasText: '..' }).first().waitFor({ timeout: 10000 });
    for (let attempt = 0; ; attempt++) {
      await pathInput.fill(licenseFile);
      const listed = await page
        .locator('.quick-input-list .monaco-list-row', { hasText: 'Oberhausen_Wohnen_eG_UI-42.lic' })
        .first()
        .waitFor({ timeout: 3000 })
        .then(
          () => true,
          () => false,
        );
      if (listed && (await pathInput.inputValue()) === licenseFile) break;
      if (attempt === 5) throw new Error('the file dialog did not take the path');
    }
    await page.locator('.quick-input-widget .monaco-button', { hasText: 'Verify' }).first().click();
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'Oberhausen_Wohnen_eG_UI-42.txt' })
      .first()
      .waitFor({ timeout: 15000 });
    await page.keyboard.press('Enter');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15000 });
    await page.locator('.monaco-diff-editor').first().waitFor({ timeout: 15000 });
    await shot('05-license-diff-and-confirm');
    await dialog.locator('a.monaco-button, button', { hasText: 'Install' }).first().click();
    await page.locator('.monaco-list-row', { hasText: 'UI-42' }).first().waitFor({ timeout: 20000 });
    await page.locator('.notification-toast', { hasText: 'Restart iX-Haus plus' }).first().waitFor({ timeout: 20000 });
    await shot('06-license-installed');

    // CTI (issue 9): choose the own line under Meine Daten, simulate a call from a demo person's number → the
    // status bar shows the caller's name and the notification "Incoming call" lists the match
    const ctiDir = fs.mkdtempSync(path.join(host.work, 'cti-'));
    const ctiStore = path.join(ctiDir, 'same-demo.sqlite');
    execFileSync(process.execPath, [path.join(root, 'dist/cli.js'), 'store', 'init', '--demo', ctiStore]); // same seed and sizes as the host's demo store
    const db = new Database(ctiStore, { readonly: true });
    const caller = db
      .prepare(
        "SELECT p.raw, pe.last_name AS name FROM phone_numbers p JOIN persons pe ON pe.id = p.person_id WHERE p.kind = 'mobile' ORDER BY p.id LIMIT 1",
      )
      .get();
    db.close();
    await runCommand(page, 'iX-Haus: Meine Daten (My Data)…');
    await answerInputBox(page, 'CTI line', 'Meine Daten');
    await answerInputBox(page, 'SIM/1', 'Line or extension');
    await runCommand(page, 'iX-Haus: Simulate Call…');
    await answerInputBox(page, caller.raw, 'Caller number');
    await page.locator('.statusbar-item', { hasText: caller.name }).first().waitFor({ timeout: 20000 });
    await page.locator('.notification-toast', { hasText: 'Incoming call' }).first().waitFor({ timeout: 20000 });
    await shot('08-cti-incoming-call');

    // The store survives a reload: after it, the store opens again writable (no lock icon) and the data is there.
    await runCommand(page, 'Developer: Reload Window');
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    await page.locator('.statusbar-item', { hasText: 'iX-Haus: Sign in' }).first().waitFor({ timeout: 60000 });
    const statusText = await page.locator('.statusbar-item', { hasText: 'iX-Haus: Sign in' }).first().innerHTML();
    assert.ok(!statusText.includes('codicon-lock'), 'after a reload the store must not be read-only (stale own lock)');
    await signIn(page, 'admin', 'demo', { waitForStatus: false });
    await page.locator('.monaco-list-row', { hasText: 'DEMO-0001' }).first().waitFor({ timeout: 20000 });
    await shot('07-after-reload');
    t.diagnostic(`UI test wall time ${Date.now() - started} ms`);
  } catch (error) {
    await host.page.screenshot({ path: path.join(shots, 'failure.png') }).catch(() => {});
    throw error;
  } finally {
    await host.close({ rm: true });
  }
});
