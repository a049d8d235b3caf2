// UI test of a PostgreSQL store in two VS Code windows (issue 19): a real PostgreSQL 15 cluster on 127.0.0.1 (TLS,
// test/peers/postgres.ts), `ixhaus.store.path` set to its URL. Window 1 asks for the password once (input box) and
// keeps it in secret storage; window 2 connects without asking. Both name the store in the status bar, Store Info
// counts what another connection wrote, both show "Reconnecting to host:port…" while their notification connection
// is cut and clear it when back, and a changed server password is asked for again through "Change Password…".
// Two administrators edit at once (issue 19 "Done when"): each window signs in, both look at one system setting;
// window 2 starts an edit, window 1 changes the setting first, window 2's save is refused naming the current value,
// and each window's Settings view shows the other's change without a reload.
// Screenshots go to test-results/ui/pg-*.png (look at them). Run: node --test test/ui/postgresStore.test.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { register } from 'tsx/cjs/api';
import { answerInputBox, launchHost, runCommand, signIn } from '../../vscode-host/host.mjs';

// the TypeScript peer and store are loaded as CommonJS through tsx (globally registered: a namespaced tsx require
// changes __filename, and sql.js's wasm would not be found beside it)
register();
const tsRequire = createRequire(import.meta.url);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'test-results', 'ui');
fs.mkdirSync(shots, { recursive: true });

/** Waits until the extension's log of extension host `exthost` says `count` times that a PostgreSQL store opened. */
async function openedInLog(work, exthost, count) {
  const logs = path.join(work, 'ud', 'logs');
  for (let waited = 0; waited < 20000; waited += 200) {
    const opened = fs
      .readdirSync(logs)
      .map((session) => path.join(logs, session, exthost, 'ixhaus-admin.ixhaus-admin', 'iX-Haus.log'))
      .filter((file) => fs.existsSync(file))
      .flatMap((file) => fs.readFileSync(file, 'utf8').split('\n'))
      .filter((line) => /\[store\] opened postgres:\/\/\S+$/.test(line)).length;
    if (opened >= count) return;
    await sleep(200);
  }
  throw new Error(`the store was not opened ${count} times in ${exthost} within 20 s`);
}

const SETTING = 'MaximaleAnzahlDerSession';

/** Palette "Edit Setting…" → the setting {@link SETTING} → waits for its input box (showing `shown`). */
async function startEdit(page, shown) {
  await runCommand(page, 'iX-Haus: Edit Setting…');
  await answerInputBox(page, SETTING, 'Choose a setting');
  const input = page.locator('.quick-input-widget input.input');
  await page
    .locator('.quick-input-widget', { hasText: 'Maximum sessions per user' })
    .first()
    .waitFor({ timeout: 15000 });
  for (let waited = 0; (await input.inputValue()) !== shown; waited += 100) {
    if (waited > 10000) throw new Error(`the edit box shows ${await input.inputValue()}, not ${shown}`);
    await sleep(100);
  }
  return input;
}

/** Drags the side bar's edge 300 px to the right, so that the screenshots show whole rows (name = value). */
async function widenSideBar(page) {
  const box = await page.locator('.part.sidebar').boundingBox();
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width + 1, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width + 300, y, { steps: 5 });
  await page.mouse.up();
}

/** The Settings view's row of {@link SETTING} with `value` (the view is filtered to it). */
function settingRow(page, value) {
  return page
    .locator('.pane', { hasText: 'System Settings' })
    .locator('.monaco-list-row', { hasText: `${SETTING} = ${value}` })
    .first();
}

test(
  'PostgreSQL store in two windows: password once, status bar, Store Info, two admins edit at once, reconnect, Change Password…',
  { timeout: 300000 },
  async (t) => {
    const peer = tsRequire('../peers/postgres.ts');
    if (!peer.postgresBinariesPresent()) return t.skip(peer.POSTGRES_MISSING);
    const { PostgresStore } = tsRequire('../../src/core/store/postgres/postgresStore.ts');
    const { parseStoreLocation } = tsRequire('../../src/core/store/location.ts');
    const cluster = await peer.startPostgresCluster();
    let other;
    let host;
    try {
      const database = await cluster.freshDatabase();
      const tls = `sslmode=verify-full&sslrootcert=${cluster.caFile}`;
      other = await PostgresStore.open(
        parseStoreLocation(`postgres://${peer.OWNER_ROLE}@127.0.0.1:${cluster.port}/${database}?${tls}`),
        { password: peer.OWNER_PASSWORD },
      );
      await other.run("INSERT INTO objects (object_no, name, city) VALUES (101, 'Lindenhof', 'Essen')");
      const { createFirstAdmin } = tsRequire('../../src/core/users/bootstrap.ts');
      const { hashPassword } = tsRequire('../../src/core/users/password.ts');
      const ADMIN_PASSWORD = 'Verwalter-2026';
      await createFirstAdmin(other, 'admin', ADMIN_PASSWORD);
      // a second administrator of the team
      await other.run(
        "INSERT INTO users (login, short_code, last_name, first_name, rights_class, role, password_hash) VALUES ('chef', 'CHEF', 'Krause', 'Petra', 'S', 'Administrator', ?)",
        [await hashPassword(ADMIN_PASSWORD)],
      );
      const url = `postgres://${peer.APP_ROLE}@127.0.0.1:${cluster.port}/${database}?${tls}`;
      const server = `127.0.0.1:${cluster.port}`;
      const storeLabel = `${database}@127.0.0.1`;

      host = await launchHost({
        extensionDevelopmentPath: root,
        settings: { 'ixhaus.store.path': url },
        log: (s) => t.diagnostic(s),
      });
      const one = host.page;
      const shot = (page, name) => page.screenshot({ path: path.join(shots, `pg-${name}.png`) });
      const statusItem = (page, text) => page.locator('.statusbar-item', { hasText: text }).first();

      // window 1: the configured URL has no password yet: asked once, then connected
      await answerInputBox(one, peer.APP_PASSWORD, `Password of role ${peer.APP_ROLE}`);
      await statusItem(one, storeLabel).waitFor({ timeout: 30000 });
      await one.click('.activitybar a[aria-label*="iX-Haus"]', { timeout: 30000 });
      await shot(one, '01-window1-connected');

      // window 2: same server, password from secret storage, no prompt
      const two = await one.context().newPage();
      await two.goto(one.url());
      await two.waitForSelector('.monaco-workbench', { timeout: 60000 });
      await statusItem(two, storeLabel).waitFor({ timeout: 60000 });
      assert.equal(
        await two.locator('.quick-input-widget', { hasText: 'Password of role' }).isVisible(),
        false,
        'window 2 asked for the password again',
      );

      // Store Info in window 2 counts a row another connection wrote just now
      await other.run("INSERT INTO objects (object_no, name, city) VALUES (102, 'Am Markt 4', 'Bochum')");
      await runCommand(two, 'iX-Haus: Show Store Information');
      await two
        .locator('.notification-toast', { hasText: 'PostgreSQL store' })
        .filter({ hasText: '2 objects' })
        .first()
        .waitFor({ timeout: 20000 });
      // the connect progress is gone once connected (a lingering one would mean a second connect)
      await two
        .locator('.notification-toast', { hasText: 'Connecting to the PostgreSQL store' })
        .first()
        .waitFor({ state: 'hidden', timeout: 10000 });
      await shot(two, '02-window2-store-info');

      // two administrators edit at once: each signed in, the Settings view of each filtered to one setting
      await signIn(one, 'admin', ADMIN_PASSWORD);
      await signIn(two, 'chef', ADMIN_PASSWORD);
      for (const page of [one, two]) {
        await widenSideBar(page);
        await runCommand(page, 'iX-Haus: Search System Settings…');
        await answerInputBox(page, SETTING, 'Bereich, Abschnitt');
        await settingRow(page, 3).waitFor({ timeout: 20000 });
      }
      // window 2 opens the edit (based on 3) …
      const twoInput = await startEdit(two, '3');
      // … window 1 saves 5 first; window 2's view shows it without a reload, although its edit box is still open
      await startEdit(one, '3');
      await answerInputBox(one, '5');
      await settingRow(one, 5).waitFor({ timeout: 20000 });
      await settingRow(two, 5).waitFor({ timeout: 5000 });
      // window 2 saves 6 on top of the 3 it saw: refused, naming the current value; nothing was overwritten
      await twoInput.fill('6');
      await two.keyboard.press('Enter');
      const refusal = two.locator('.notification-toast', { hasText: 'changed by someone else meanwhile' }).first();
      await refusal.waitFor({ timeout: 20000 });
      assert.match(await refusal.innerText(), /is now: 5\. Nothing was saved/);
      await sleep(800); // the toast fades in
      await shot(two, '03-window2-changed-meanwhile');
      assert.equal(
        (await other.get('SELECT value FROM setting_values WHERE name = ? AND user_id IS NULL', [SETTING]))?.value,
        '5',
      );
      // window 2 makes its change again from the message ("Edit Again…": the box shows 5 now): saved, and window 1's
      // view shows 6 without a reload
      await refusal.locator('.monaco-button', { hasText: 'Edit Again' }).first().click();
      await two
        .locator('.quick-input-widget', { hasText: 'Maximum sessions per user' })
        .first()
        .waitFor({ timeout: 15000 });
      for (let waited = 0; (await twoInput.inputValue()) !== '5'; waited += 100) {
        if (waited > 10000) throw new Error(`"Edit Again…" shows ${await twoInput.inputValue()}, not 5`);
        await sleep(100);
      }
      await answerInputBox(two, '6');
      await settingRow(two, 6).waitFor({ timeout: 20000 });
      await settingRow(one, 6).waitFor({ timeout: 5000 });
      await shot(one, '04-window1-sees-window2');

      // cut both windows' notification connections: both show "Reconnecting to …", then clear it
      await cluster.admin(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${peer.APP_ROLE}' AND query LIKE 'LISTEN%'`,
      );
      const reconnecting = `Reconnecting to ${server}`;
      await Promise.all([
        statusItem(one, reconnecting).waitFor({ timeout: 10000 }),
        statusItem(two, reconnecting).waitFor({ timeout: 10000 }),
      ]);
      await shot(one, '05-window1-reconnecting');
      await Promise.all([
        statusItem(one, reconnecting).waitFor({ state: 'hidden', timeout: 15000 }),
        statusItem(two, reconnecting).waitFor({ state: 'hidden', timeout: 15000 }),
      ]);

      // the administrator changes the role's password: reopening refuses the stored one and offers "Change Password…"
      const NEW_PASSWORD = 'App-Neu-2026!';
      await cluster.admin(`ALTER ROLE ${peer.APP_ROLE} PASSWORD '${NEW_PASSWORD}'`);
      await runCommand(one, 'iX-Haus: Open Store…');
      await one.locator('.quick-input-list .monaco-list-row', { hasText: 'Connect to PostgreSQL' }).first().click();
      await answerInputBox(one, url, 'Store URL postgres://');
      const refused = one.locator('.notification-toast', { hasText: 'refused the password' }).first();
      await refused.waitFor({ timeout: 20000 });
      await shot(one, '06-window1-password-refused');
      await refused.locator('a.monaco-button, .monaco-button', { hasText: 'Change Password' }).first().click();
      await answerInputBox(one, NEW_PASSWORD, 'The server refused the password');
      // the old connection stays open until the new one is up: wait until window 1's log says it opened again
      await openedInLog(host.work, 'exthost1', 2);
      await statusItem(one, storeLabel).waitFor({ timeout: 30000 });
      await runCommand(one, 'iX-Haus: Show Store Information');
      await one.locator('.notification-toast', { hasText: 'PostgreSQL store' }).first().waitFor({ timeout: 20000 });
      await shot(one, '07-window1-reconnected-new-password');
    } finally {
      await host?.close({ rm: !process.env.VSCODE_HOST_KEEP });
      await other?.close();
      await cluster.stop();
    }
  },
);
