// UI test of "Stammdaten importieren" (issue 22 "VS Code"): a real VS Code 1.100.3 workbench (code-server +
// chromium); the palette runs "Import Master Data…", the file is chosen in VS Code's own file dialog, the guessed
// kind is confirmed in the quick pick, and the preview webview shows the counts and the invalid row; "Import" stays
// disabled until "Skip invalid rows" is checked, then writes. Screenshots go to test-results/ui/import-*.png (look at
// them). Run: node --test test/ui/importPreview.test.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { answerInputBox, launchHost, runCommand, webviewFrame, signIn } from '../../vscode-host/host.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'test-results', 'ui');
fs.mkdirSync(shots, { recursive: true });

test(
  'Stammdaten importieren: file dialog, kind, preview with an invalid row, skip, import',
  { timeout: 240000 },
  async (t) => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-ui-import-'));
    const file = path.join(workspace, 'personen.csv');
    // German Excel: Windows-1252, ";", CRLF, a quoted line break; row 3 has a Personennummer that is not a number
    fs.writeFileSync(
      file,
      iconv.encode(
        [
          'Pers.-Nr.;Nachname;Vorname;Telefon privat;Handy;Bemerkung intern',
          '980001;Müller;Jürgen;0351 1234567;0171/2345678;"zwei\r\nZeilen"',
          'x-12;Weiß;Anna;;;',
          '980002;Öztürk;Ömer;;;',
        ].join('\r\n'),
        'win1252',
      ),
    );
    const host = await launchHost({ extensionDevelopmentPath: root, workspace, log: (s) => t.diagnostic(s) });
    try {
      const { page } = host;
      const shot = (name) => page.screenshot({ path: path.join(shots, `import-${name}.png`) });
      await page.click('.activitybar a[aria-label*="iX-Haus"]', { timeout: 30000 });
      await page.locator('.statusbar-item', { hasText: 'iX-Haus: Sign in' }).first().waitFor({ timeout: 60000 });
      await signIn(page);

      await runCommand(page, 'iX-Haus: Import Master Data…');
      // VS Code's own (simple) file dialog: a quick input holding a path
      await page.locator('.quick-input-widget', { hasText: 'Import Master Data' }).first().waitFor({ timeout: 15000 });
      await page.waitForTimeout(500); // the dialog fills in the start folder first; the path is typed over it
      await answerInputBox(page, file);
      // the kind quick pick: the guessed kind comes first
      await page
        .locator('.quick-input-widget', { hasText: 'Kind of master data in personen.csv' })
        .first()
        .waitFor({ timeout: 20000 });
      const first = page.locator('.quick-input-list .monaco-list-row').first();
      await first.waitFor({ timeout: 20000 });
      assert.match(await first.innerText(), /Persons[\s\S]*guessed from the headers/);
      await page.keyboard.press('Enter');

      const frame = webviewFrame(page);
      await frame.locator('#counts').waitFor({ timeout: 30000 });
      assert.equal(await frame.locator('#count-new').innerText(), '2');
      assert.equal(await frame.locator('#count-invalid').innerText(), '1');
      assert.match(await frame.locator('#detected').innerText(), /Windows-1252/);
      assert.match(
        await frame.locator('#invalid tbody tr').first().innerText(),
        /^3 \(CSV line 4\)\s+A \(Pers\.-Nr\.\)\s+"x-12" is not a whole number/,
      );
      assert.match(await frame.locator('#unknown-columns').innerText(), /F Bemerkung intern/);
      assert.equal(await frame.locator('#import').getAttribute('disabled'), '');
      await shot('preview');

      await frame.locator('#skip-invalid').click();
      await frame.locator('#import:not([disabled])').waitFor({ timeout: 10000 });
      await frame.locator('#import').click();
      const result = frame.locator('#result-text');
      await result.waitFor({ timeout: 30000 });
      assert.match(await result.innerText(), /2 new, 0 changed, 1 invalid rows skipped/);
      await shot('written');

      await frame.locator('#undo').click();
      await frame.locator('#undo-text').waitFor({ timeout: 30000 });
      assert.match(await frame.locator('#undo-text').innerText(), /2 records restored/);
      await shot('undone');
    } finally {
      await host.close({ rm: true });
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  },
);
