// UI test (issue 20, Kundensysteme), added and edited through the UI: two systems of one customer — "Müller Produktion" (a demo
// store file, kind Produktion) and "Müller Test" (a PostgreSQL store on a real PostgreSQL 15 cluster on 127.0.0.1,
// test/peers/postgres.ts, with only an administrator, kind Test). The window starts on the system migrated from
// ixhaus.store.path, which is edited into the Produktion system; the status bar says so on the error background; switching from the status bar's quick pick
// asks for the server's password once, opens the other store and the views change; back on Produktion the sign-in
// is still there (it belongs to the system), and a module unlock asks first, naming system and customer.
// Screenshots in test-results/ui/systems-*.png (look at them).
// Run: node --test test/ui/systems.test.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/cjs/api';
import { answerInputBox, launchHost, runCommand, signIn } from '../../vscode-host/host.mjs';

// the TypeScript peer is loaded as CommonJS through tsx (as in postgresStore.test.mjs)
register();
const tsRequire = createRequire(import.meta.url);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'test-results', 'ui');
fs.mkdirSync(shots, { recursive: true });
const cli = (args, env = {}) =>
  execFileSync(process.execPath, [path.join(root, 'dist/cli.js'), ...args], {
    stdio: 'ignore',
    env: { ...process.env, ...env },
  });

test(
  'Kundensysteme: switch between two systems from the status bar; Produktion asks first',
  { timeout: 240000 },
  async (t) => {
    const peer = tsRequire('../peers/postgres.ts');
    if (!peer.postgresBinariesPresent()) return t.skip(peer.POSTGRES_MISSING);
    const cluster = await peer.startPostgresCluster();
    t.after(() => cluster.stop());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-ui-systems-'));
    const prod = path.join(dir, 'mueller-prod.sqlite');
    cli(['store', 'init', '--demo', '--persons', '10', '--creditors', '3', '--owners', '3', '--objects', '3', prod]);
    const database = await cluster.freshDatabase();
    const tls = `sslmode=verify-full&sslrootcert=${cluster.caFile}`;
    // the schema owner creates the schema and the administrator; the window works as the runtime role
    cli(
      [
        'store',
        'init',
        '--admin',
        'chef',
        '--password-env',
        'UI_PW',
        '--store-password-env',
        'UI_OWNER_PW',
        `postgres://${peer.OWNER_ROLE}@127.0.0.1:${cluster.port}/${database}?${tls}`,
      ],
      { UI_PW: 'geheim-1', UI_OWNER_PW: peer.OWNER_PASSWORD },
    );
    const testStore = `postgres://${peer.APP_ROLE}@127.0.0.1:${cluster.port}/${database}?${tls}`;
    const host = await launchHost({
      extensionDevelopmentPath: root,
      // no systems yet: the store of ixhaus.store.path becomes one (kind Test) on the first start
      settings: { 'ixhaus.store.path': prod },
      log: (s) => t.diagnostic(s),
    });
    try {
      const { page } = host;
      const shot = (name) => page.screenshot({ path: path.join(shots, `systems-${name}.png`) });
      await page.click('.activitybar a[aria-label*="iX-Haus"]', { timeout: 30000 });
      await page.locator('.statusbar-item', { hasText: 'mueller-prod · Test' }).first().waitFor({ timeout: 60000 });
      /** Answers the questions of "Add System…" / "Edit System…" (name, customer, store, kind, colour). */
      const answerSystem = async (title, { name, customer, store, kind, colour }) => {
        await answerInputBox(page, name, 'Name of the system');
        await answerInputBox(page, customer, 'Customer (groups the systems');
        await answerInputBox(page, store, 'Store: a file path or postgres://');
        await answerPick(kind, 'Kind of the system');
        await answerPick(colour, 'Colour of the system');
      };
      /** Types into the quick pick whose placeholder starts with `placeholder` and takes the first match. */
      const answerPick = async (text, placeholder) => {
        const input = page.locator(`.quick-input-widget input.input[placeholder^="${placeholder}"]`);
        await input.waitFor({ state: 'visible', timeout: 15000 });
        await input.fill(text);
        await page
          .locator('.quick-input-list .monaco-list-row.focused', { hasText: text })
          .first()
          .waitFor({ timeout: 10000 });
        await page.keyboard.press('Enter');
      };
      // edit the migrated system: it is the customer's production system
      await runCommand(page, 'iX-Haus: Edit System…');
      await answerPick('mueller-prod', 'Search by system');
      const customer = 'Müller Hausverwaltung';
      await answerSystem('Edit System', {
        name: 'Müller Produktion',
        customer,
        store: prod,
        kind: 'Produktion',
        colour: 'Red',
      });
      // add the test system on the PostgreSQL server (the password is asked for when it is opened)
      await runCommand(page, 'iX-Haus: Add System…');
      await answerSystem('Add System', {
        name: 'Müller Test',
        customer,
        store: testStore,
        kind: 'Test',
        colour: 'Green',
      });
      const systemItem = page.locator('.statusbar-item', { hasText: 'Müller Produktion · Produktion' }).first();
      await systemItem.waitFor({ timeout: 60000 });
      // the Systeme view: the customer with both systems, the active one marked
      await page.locator('.monaco-list-row', { hasText: 'Müller Hausverwaltung' }).first().waitFor({ timeout: 20000 });
      await page.locator('.monaco-list-row', { hasText: 'Produktion · active' }).first().waitFor({ timeout: 20000 });
      // Produktion: the theme's error background (VS Code allows only error and warning backgrounds)
      const background = await systemItem.evaluate(
        (el) => el.ownerDocument.defaultView.getComputedStyle(el).backgroundColor,
      );
      assert.notEqual(background, 'rgba(0, 0, 0, 0)', 'the Produktion item has a background');
      await signIn(page, 'admin', 'demo');
      await page.locator('.monaco-list-row', { hasText: 'DEMO-0001' }).first().waitFor({ timeout: 20000 });
      await shot('01-produktion');

      // switch from the status bar: quick pick with search
      await systemItem.click();
      const input = page.locator('.quick-input-widget input.input');
      await input.waitFor({ state: 'visible', timeout: 15000 });
      await input.fill('Test');
      await page
        .locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Müller Test' })
        .first()
        .waitFor({ timeout: 15000 });
      await shot('02-quick-pick');
      await page.keyboard.press('Enter');
      // the server's password, asked once and kept in secret storage for this system
      await answerInputBox(page, peer.APP_PASSWORD, `Password of role ${peer.APP_ROLE}`);
      await page.locator('.statusbar-item', { hasText: 'Müller Test · Test' }).first().waitFor({ timeout: 30000 });
      // the views changed: not signed in (the sign-in belongs to the other system), and this store has no license
      await page
        .locator('.welcome-view-content', { hasText: 'Sign in with your iX-Haus login' })
        .first()
        .waitFor({ timeout: 20000 });
      await signIn(page, 'chef', 'geheim-1');
      await page
        .locator('.welcome-view-content', { hasText: 'No license is installed in this store' })
        .first()
        .waitFor({ timeout: 20000 });
      assert.equal(await page.locator('.monaco-list-row', { hasText: 'DEMO-0001' }).count(), 0);
      const testBackground = await page
        .locator('.statusbar-item', { hasText: 'Müller Test · Test' })
        .first()
        .evaluate((el) => el.ownerDocument.defaultView.getComputedStyle(el).backgroundColor);
      assert.notEqual(testBackground, background, 'Test is not shown like Produktion');
      await shot('03-test');

      // back to Produktion (status bar), then a module unlock asks first, naming system and customer
      await page.locator('.statusbar-item', { hasText: 'Müller Test · Test' }).first().click();
      await input.waitFor({ state: 'visible', timeout: 15000 });
      await input.fill('Produktion');
      await page
        .locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Müller Produktion' })
        .first()
        .waitFor({ timeout: 15000 });
      await page.keyboard.press('Enter');
      await systemItem.waitFor({ timeout: 30000 });
      // the sign-in of Produktion is still there: no prompt, the license view shows the demo license again
      await page.locator('.statusbar-item', { hasText: 'admin' }).first().waitFor({ timeout: 20000 });
      await page.locator('.monaco-list-row', { hasText: 'DEMO-0001' }).first().waitFor({ timeout: 20000 });
      const pane = page.locator('.pane', { hasText: 'Modules & Users' });
      const cti = pane.locator('.monaco-list-row', { hasText: 'CTI' }).first();
      await cti.waitFor({ timeout: 20000 });
      // the row's inline action "Unlock Module for User…" (the tree may re-render under the pointer after the
      // sign-in came back: hover and click again until the quick pick is there)
      const unlockPick = page.locator('.quick-input-widget', { hasText: 'Unlock CTI for' }).first();
      for (let attempt = 1; ; attempt++) {
        const row = pane.locator('.monaco-list-row', { hasText: 'CTI' }).first();
        await row.hover();
        await row
          .locator('.action-label[aria-label^="Unlock Module for User"]')
          .first()
          .click({ timeout: 10000 })
          .catch(() => {});
        try {
          await unlockPick.waitFor({ state: 'visible', timeout: 5000 });
          break;
        } catch (error) {
          if (attempt === 3) throw error;
        }
      }
      await page.keyboard.press('Enter');
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 15000 });
      const text = await dialog.innerText();
      assert.match(text, /on the Produktion system Müller Produktion of Müller Hausverwaltung\?/);
      await shot('04-produktion-confirmation');
      await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached', timeout: 10000 });
    } catch (error) {
      await host.page.screenshot({ path: path.join(shots, 'systems-failed.png') }).catch(() => {});
      throw error;
    } finally {
      await host.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
