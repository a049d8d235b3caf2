// UI test of the webview "Verantwortlichen ändern" (issue 8): a real VS Code 1.100.3 workbench (code-server +
// chromium); the palette opens the panel, the form is filled on the demo store as a user would (searchable user
// pickers, checkboxes), then preview, apply with confirmation, undo, and a window reload restores the panel with
// its draft. Screenshots of each step go to
// test-results/ui/responsibility-*.png (look at them). Run: node --test test/ui/responsibility.test.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { launchHost, runCommand, signIn, webviewFrame } from '../../vscode-host/host.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'test-results', 'ui');
fs.mkdirSync(shots, { recursive: true });

function findFile(dir, name) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return full;
    if (entry.isDirectory() && entry.name !== 'chromium' && entry.name !== 'node_modules') {
      const found = findFile(full, name);
      if (found) return found;
    }
  }
  return undefined;
}

/** Picks `login` in a searchable vscode-single-select: open it, type, take the first match. */
async function pick(frame, selector, login) {
  const select = frame.locator(selector);
  await select.click();
  await frame.locator(`${selector} input`).first().fill(login);
  await frame.locator(`${selector} .option`, { hasText: login }).first().click();
}

test(
  'Verantwortlichen ändern: fill the form on the demo store, preview, apply, undo',
  { timeout: 240000 },
  async (t) => {
    const host = await launchHost({ extensionDevelopmentPath: root, log: (s) => t.diagnostic(s) });
    try {
      const { page } = host;
      const shot = (name) => page.screenshot({ path: path.join(shots, `responsibility-${name}.png`) });

      await page.click('.activitybar a[aria-label*="iX-Haus"]', { timeout: 30000 });
      await page.locator('.statusbar-item', { hasText: 'iX-Haus: Sign in' }).first().waitFor({ timeout: 60000 });
      await signIn(page);

      // the previous responsible: the active staff member holding the most assignments in the demo store
      const file = findFile(host.work, 'ixhaus-demo.sqlite');
      assert.ok(file, 'the demo store was created');
      const db = new Database(file, { readonly: true, fileMustExist: true });
      const from = db
        .prepare(
          "SELECT u.login, count(*) AS n FROM responsibilities r JOIN users u ON u.id = r.user_id WHERE u.active = 1 AND u.login NOT IN ('admin', 'haupt') GROUP BY u.id ORDER BY n DESC, u.id LIMIT 1",
        )
        .get();
      const open = db
        .prepare(
          "SELECT count(*) AS n FROM responsibilities r JOIN users u ON u.id = r.user_id LEFT JOIN meldungen m ON r.module = 'meldungen' AND m.id = r.record_id LEFT JOIN auftraege a ON r.module = 'auftraege' AND a.id = r.record_id WHERE u.login = ? AND coalesce(m.closed, a.closed, 0) = 0",
        )
        .get(from.login);
      db.close();

      await runCommand(page, 'iX-Haus: Change Responsible Person (Verantwortlichen ändern)…');
      const frame = webviewFrame(page);
      await frame.locator('#from').waitFor({ timeout: 30000 });
      await shot('01-form');

      await pick(frame, '#from', from.login);
      await pick(frame, '#to', 'haupt');
      await frame.locator('#role-deputy').click(); // off …
      await frame.locator('#role-deputy').click(); // … and on again: both roles
      await shot('02-filled');

      await frame.locator('#preview').click();
      const total = frame.locator('#preview-total');
      await total.waitFor({ timeout: 20000 });
      assert.match(await total.innerText(), new RegExp(`^${open.n} assignments from ${from.login} to haupt`));
      await frame.locator('#records tbody tr').first().waitFor({ timeout: 10000 });
      await shot('03-preview');
      if (open.n > 50) {
        await frame.locator('#next-page').click();
        await frame
          .locator('#page-info', { hasText: `Records 51–${Math.min(100, open.n)} of ${open.n}` })
          .waitFor({ timeout: 10000 });
        await frame.locator('#prev-page').click();
        await frame.locator('#page-info', { hasText: `Records 1–50 of ${open.n}` }).waitFor({ timeout: 10000 });
      }

      await frame.locator('#apply').click();
      await frame.locator('#confirm-text', { hasText: `Transfer ${open.n} assignments` }).waitFor({ timeout: 10000 });
      await shot('04-confirm');
      await frame.locator('#confirm-yes').click();
      const result = frame.locator('#result-text');
      await result.waitFor({ timeout: 20000 });
      assert.match(
        await result.innerText(),
        new RegExp(`transferred ${open.n} assignments from ${from.login} to haupt`),
      );
      await frame.locator('#history tbody tr').first().waitFor({ timeout: 10000 });
      await shot('05-applied');

      await frame.locator('#undo-result').click();
      const undone = frame.locator('#undo-text');
      await undone.waitFor({ timeout: 20000 });
      assert.match(await undone.innerText(), new RegExp(`undone: ${open.n} assignments restored`));
      await frame.locator('#history tbody tr', { hasText: 'undone' }).first().waitFor({ timeout: 10000 });
      await shot('06-undone');

      // a window reload restores the panel (serializer) and its draft (setState); it asks for a sign-in first
      await runCommand(page, 'Developer: Reload Window');
      await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
      const restored = webviewFrame(page);
      await restored.locator('#blocked', { hasText: 'Sign in first' }).waitFor({ timeout: 60000 });
      await shot('07-restored-before-sign-in');
      await signIn(page, 'admin', 'demo', { waitForStatus: false });
      await restored.locator('#from').waitFor({ timeout: 30000 });
      assert.equal(
        await restored.locator('#from').evaluate((el) => el.value),
        from.login,
        'the draft survived the reload',
      );
      assert.equal(await restored.locator('#to').evaluate((el) => el.value), 'haupt');
      await restored.locator('#history tbody tr', { hasText: 'undone' }).first().waitFor({ timeout: 10000 });
      await shot('08-restored-signed-in');
    } catch (error) {
      await host.page.screenshot({ path: path.join(shots, 'responsibility-failure.png') }).catch(() => {});
      throw error;
    } finally {
      await host.close({ rm: true });
    }
  },
);
