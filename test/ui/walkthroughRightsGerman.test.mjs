// UI tests of issue 18 in a real VS Code 1.100.3 workbench (code-server + chromium): the walkthrough opened the way
// a user does (Welcome: Open Walkthrough…), "Edit Program Rights…" through its four quick picks with the result
// checked in the store file, and the iX-Haus views and a panel in German. Screenshots go to test-results/ui/.
// Run: node --test test/ui/walkthroughRightsGerman.test.mjs
//
// German: code-server has no German language pack offline, and without one it keeps the display language English
// (so VS Code would load neither package.nls.de.json nor l10n/bundle.l10n.de.json). The test registers a display
// language pack without any translations (test/fixtures/languagePackDe, in the user-data dir's languagepacks.json,
// where an installed language pack is recorded) and starts code-server with `--locale de`: VS Code's own texts
// stay English, the extension's texts come from its German bundle — exactly what a German VS Code user sees of it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { answerInputBox, launchHost, runCommand, webviewFrame } from '../../vscode-host/host.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'test-results', 'ui');
fs.mkdirSync(shots, { recursive: true });

/** A small demo store made by the built CLI (logins admin / haupt, password demo). */
function demoStore(dir) {
  const file = path.join(dir, 'demo.sqlite');
  execFileSync(
    process.execPath,
    [
      path.join(root, 'dist/cli.js'),
      'store',
      'init',
      '--demo',
      '--persons',
      '10',
      '--creditors',
      '3',
      '--owners',
      '3',
      '--objects',
      '3',
      file,
    ],
    { stdio: 'ignore' },
  );
  return file;
}

/** Picks a quick-pick item as a keyboard user does: types `text` (its label) into the filter and presses Enter. */
async function pick(page, text, title) {
  if (title)
    await page.locator('.quick-input-widget', { hasText: title }).first().waitFor({ state: 'visible', timeout: 15000 });
  const input = page.locator('.quick-input-widget input.input');
  await input.fill(text);
  // the filter applies asynchronously: wait until the focused (first) row is the one meant, then accept it
  await page
    .locator('.quick-input-list .monaco-list-row.focused', { hasText: text })
    .first()
    .waitFor({ timeout: 15000 })
    .catch(async (e) => {
      await page.screenshot({ path: path.join(shots, 'pick-failed.png') });
      throw e;
    });
  await page.keyboard.press('Enter');
}

async function signIn(page, { command, loginPrompt, passwordPrompt }) {
  await runCommand(page, command, { timeoutMs: 60000 });
  await answerInputBox(page, 'admin', loginPrompt);
  await answerInputBox(page, 'demo', passwordPrompt);
  await page.locator('.statusbar-item', { hasText: 'admin' }).first().waitFor({ timeout: 20000 });
}

test(
  'walkthrough opens by its id and from the palette; Edit Program Rights… sets a right that lands in the store',
  { timeout: 240000 },
  async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-ui-walk-'));
    const store = demoStore(dir);
    // a keybinding runs workbench.action.openWalkthrough with our walkthrough's id (the palette cannot pass arguments)
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-host-walk-'));
    fs.mkdirSync(path.join(work, 'ud', 'User'), { recursive: true });
    fs.writeFileSync(
      path.join(work, 'ud', 'User', 'keybindings.json'),
      JSON.stringify([
        {
          key: 'ctrl+alt+w',
          command: 'workbench.action.openWalkthrough',
          args: 'ixhaus-admin.ixhaus-admin#gettingStarted',
        },
      ]),
    );
    const host = await launchHost({
      extensionDevelopmentPath: root,
      workDir: work,
      settings: { 'ixhaus.store.path': store },
      log: (s) => t.diagnostic(s),
    });
    try {
      const { page } = host;
      const shot = (name) => page.screenshot({ path: path.join(shots, `${name}.png`) });
      await page.click('.activitybar a[aria-label*="iX-Haus"]', { timeout: 30000 });
      await signIn(page, {
        command: 'iX-Haus: Sign in',
        loginPrompt: 'iX-Haus login',
        passwordPrompt: 'Password of admin',
      });

      // the walkthrough by its id (workbench.action.openWalkthrough 'ixhaus-admin.ixhaus-admin#gettingStarted')
      const walkthrough = page.locator('.gettingStartedContainer');
      await page.keyboard.press('Control+Alt+KeyW');
      await walkthrough.locator('text=Get Started with iX-Haus Administration').first().waitFor({ timeout: 20000 });
      // focus on the tab, not in the walkthrough's webview (which does not pass F1 on while it loads)
      await page
        .locator('.tab', { hasText: 'Walkthrough: iX-Haus plus Administration' })
        .first()
        .click({ timeout: 5000 });
      // and as a user finds it: Welcome: Open Walkthrough… → ours
      await runCommand(page, 'Welcome: Open Walkthrough...');
      await pick(page, 'Get Started with iX-Haus Administration');
      await walkthrough.locator('text=Open or create a store').first().waitFor({ timeout: 20000 });
      for (const step of ['Sign in', 'Install a license', 'Set up mail (SMTP)', 'Test the CTI connection']) {
        await walkthrough.locator('.getting-started-step', { hasText: step }).first().waitFor({ timeout: 5000 });
      }
      // a step's button runs its command, and the step is checked off (completion event onCommand:ixhaus.license.install)
      await walkthrough.locator('.getting-started-step', { hasText: 'Install a license' }).first().click();
      await walkthrough
        .locator('.getting-started-step.expanded .monaco-button', { hasText: 'Install License…' })
        .first()
        .click();
      await page.locator('.quick-input-widget input.input').waitFor({ state: 'visible', timeout: 15000 });
      await page.keyboard.press('Escape');
      await walkthrough
        .locator('.getting-started-step', { hasText: 'Install a license' })
        .locator('.codicon.complete')
        .first()
        .waitFor({ timeout: 15000 });
      // the step's page (media/walkthrough/installLicense.md) is rendered in a webview beside the steps
      await webviewFrame(page).locator('text=CREM sends two files').first().waitFor({ timeout: 15000 });
      await page.waitForTimeout(500);
      await shot('walkthrough');

      // Edit Program Rights…: class A → Meldungen → whole module → Deny (walkthrough closed: it takes the focus back
      // between two quick picks, and a quick pick closes when it loses the focus)
      await page
        .locator('.tab', { hasText: 'Walkthrough: iX-Haus plus Administration' })
        .first()
        .click({ timeout: 5000 });
      await runCommand(page, 'View: Close All Editors');
      await runCommand(page, 'iX-Haus: Edit Program Rights…');
      await pick(page, 'A', 'rights class (step 1 of 4)');
      await pick(page, 'Meldungen', 'class A: module (step 2 of 4)');
      await pick(page, '(whole module)', 'class A, MELDUNGEN: module or list (step 3 of 4)');
      await page
        .locator('.quick-input-widget', { hasText: 'right (step 4 of 4)' })
        .first()
        .waitFor({ state: 'visible', timeout: 15000 })
        .catch(async (e) => {
          await shot('program-rights-failed');
          throw e;
        });
      await shot('program-rights-step4');
      await pick(page, 'Deny', 'right (step 4 of 4)');
      await page
        .locator('.notification-list-item', { hasText: 'MELDUNGEN: inherited → denied' })
        .first()
        .waitFor({ timeout: 15000 });
      const db = new Database(store, { readonly: true });
      try {
        const rows = db.prepare('SELECT rights_class, module_code, list, allowed FROM program_rights').all();
        assert.equal(rows.length, 1);
        assert.equal(rows[0].module_code, 'MELDUNGEN');
        assert.deepEqual([rows[0].list, rows[0].allowed], ['', 0]);
        assert.equal(db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'rights.set'").get().n, 1);
      } finally {
        db.close();
      }
    } finally {
      await host.close({ rm: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "German: the iX-Haus views, a quick pick and the SMTP panel show the extension's German strings",
  { timeout: 240000 },
  async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-ui-de-'));
    const store = demoStore(dir);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-host-de-'));
    fs.mkdirSync(path.join(work, 'ud'), { recursive: true });
    fs.writeFileSync(
      path.join(work, 'ud', 'languagepacks.json'),
      JSON.stringify({
        de: {
          hash: 'ixhaus-test-de-1',
          label: 'Deutsch',
          extensions: [{ extensionIdentifier: { id: 'ixhaus-test.display-language-de' }, version: '0.0.1' }],
          translations: { vscode: path.join(root, 'test/fixtures/languagePackDe/translations/main.i18n.json') },
        },
      }),
    );
    const host = await launchHost({
      extensionDevelopmentPath: root,
      workDir: work,
      args: ['--locale', 'de'],
      settings: { 'ixhaus.store.path': store },
      log: (s) => t.diagnostic(s),
    });
    try {
      const { page } = host;
      const shot = (name) => page.screenshot({ path: path.join(shots, `${name}.png`) });
      assert.equal(await page.evaluate(() => globalThis._VSCODE_NLS_LANGUAGE), 'de', 'the display language is German');
      await page.click('.activitybar a[aria-label*="iX-Haus"]', { timeout: 30000 });
      await page.locator('.pane-header', { hasText: 'Systemeinstellungen' }).first().waitFor({ timeout: 30000 });
      await signIn(page, {
        command: 'iX-Haus: Anmelden',
        loginPrompt: 'iX-Haus-Login',
        passwordPrompt: 'Passwort von admin',
      });
      await page.locator('.monaco-list-row', { hasText: 'DEMO-0001' }).first().waitFor({ timeout: 20000 });
      const modules = page
        .locator('.pane', { hasText: 'Module & Benutzer' })
        .locator('.monaco-list-row', { hasText: 'CTI' })
        .first();
      await modules.click();
      await page.locator('.monaco-list-row', { hasText: 'admin —' }).first().waitFor({ timeout: 20000 });
      const headers = (await page.locator('.pane-header').allInnerTexts()).join(' | ');
      for (const title of ['LIZENZEN', 'SYSTEMEINSTELLUNGEN', 'MODULE & BENUTZER', 'ANRUFJOURNAL'])
        assert.ok(headers.toUpperCase().includes(title), `${title} in ${headers}`);
      await shot('german-views');

      await runCommand(page, 'iX-Haus: Programmrechte bearbeiten…');
      await page
        .locator('.quick-input-widget', { hasText: 'Benutzerklasse (Schritt 1 von 4)' })
        .first()
        .waitFor({ state: 'visible', timeout: 15000 });
      await shot('german-program-rights');
      await page.keyboard.press('Escape');

      await runCommand(page, 'iX-Haus: SMTP Einstellungen…');
      await webviewFrame(page).locator('body').first().waitFor({ timeout: 30000 });
      // a required-field message names the field by its German label, not by its key ("from")
      await webviewFrame(page)
        .getByText('Das Feld Absender-E-Mail ist ein Pflichtfeld.')
        .first()
        .waitFor({ timeout: 30000 });
      await page.waitForTimeout(500);
      await shot('german-smtp-panel');
    } finally {
      await host.close({ rm: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
