// Launches a real VS Code 1.100.3 (code-server 4.100.3) on 127.0.0.1 and drives it with Debian's chromium through
// playwright-core. Shared by the in-host mocha runner, the UI tests and `npm start` (../shared/host-testing.md).
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CODE_SERVER = process.env.CODE_SERVER_BIN || path.join(here, 'node_modules/.bin/code-server');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
// Without the background-networking flags chromium keeps dialling out into the closed network.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'update.mode': 'none',
  'security.workspace.trust.enabled': false, 'workbench.enableExperiments': false,
};

/** Fails loudly when the host is not installed: host tests are never silently skipped. */
export function assertHostInstalled() {
  const missing = [];
  if (!fs.existsSync(CODE_SERVER)) missing.push(`code-server (${CODE_SERVER})`);
  if (!fs.existsSync(CHROMIUM)) missing.push(`chromium (${CHROMIUM})`);
  if (missing.length) throw new Error(`VS Code host not installed: ${missing.join(', ')} missing. Run: bash scripts/install-vscode-host.sh`);
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
  });
}

/**
 * Starts code-server in its own process group with a private user-data dir, extensions dir and temp dirs.
 * o: { port, settings, env, extensionsDir, workDir, args (extra code-server flags, e.g. ['--locale', 'de']), log }. Returns { port, work, process, close }.
 */
export async function startCodeServer(o = {}) {
  assertHostInstalled();
  const t0 = Date.now();
  const log = o.log || ((s) => process.stderr.write(s + '\n'));
  const work = o.workDir || fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-host-'));
  fs.mkdirSync(path.join(work, 'ud/User'), { recursive: true });
  fs.writeFileSync(path.join(work, 'ud/User/settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...(o.settings || {}) }, null, 1));
  const port = o.port || (await freePort());
  fs.writeFileSync(path.join(work, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const extensionsDir = o.extensionsDir || path.join(work, 'ext');
  const args = ['--config', path.join(work, 'config.yaml'), '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    '--user-data-dir', path.join(work, 'ud'), '--extensions-dir', extensionsDir, ...(o.args || [])];
  // keep code-server's own files (logs, heartbeat, IPC sockets) out of $HOME and the system temp folder
  for (const d of ['tmp', 'xdg-data', 'xdg-config']) fs.mkdirSync(path.join(work, d), { recursive: true });
  const env = { ...process.env, TMPDIR: path.join(work, 'tmp'), XDG_DATA_HOME: path.join(work, 'xdg-data'),
    XDG_CONFIG_HOME: path.join(work, 'xdg-config'), ...(o.env || {}) };
  const cs = spawn(CODE_SERVER, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const csLog = fs.createWriteStream(path.join(work, 'code-server.log'));
  cs.stdout.pipe(csLog);
  cs.stderr.pipe(csLog);
  const close = async ({ rm = false } = {}) => {
    // end the whole process group (server, file watcher, pty host, extension host): TERM, then KILL after 5 s
    const alive = () => { try { process.kill(-cs.pid, 0); return true; } catch { return false; } };
    try { process.kill(-cs.pid, 'SIGTERM'); } catch { /* gone */ }
    for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
    if (alive()) try { process.kill(-cs.pid, 'SIGKILL'); } catch { /* gone */ }
    if (rm) fs.rmSync(work, { recursive: true, force: true });
  };
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`code-server did not start in 30 s, see ${work}/code-server.log`)), 30000);
      cs.stdout.on('data', (d) => { if (/HTTP server listening/.test(String(d))) { clearTimeout(timer); resolve(); } });
      cs.on('exit', (c) => { clearTimeout(timer); reject(new Error(`code-server exited with ${c}, see ${work}/code-server.log`)); });
    });
  } catch (e) { await close(); throw e; }
  log(`[host] code-server on 127.0.0.1:${port} after ${Date.now() - t0} ms (logs: ${work})`);
  return { port, work, process: cs, close, t0 };
}

/**
 * Starts code-server and opens the workbench in headless chromium.
 * o: { extensionDevelopmentPath, extensionTestsPath, workspace, env, settings, extensionsDir, log }
 * Returns { page, port, work, workspace, exited, close, t0 }; `exited` settles with the code of an extension-test run.
 */
export async function launchHost(o = {}) {
  const log = o.log || ((s) => process.stderr.write(s + '\n'));
  const server = await startCodeServer(o);
  const { port, work, t0 } = server;
  const workspace = path.resolve(o.workspace || fs.mkdtempSync(path.join(work, 'ws-')));
  let ctx;
  const close = async (opts = {}) => { await ctx?.close().catch(() => {}); await server.close(opts); };
  try {
    ctx = await chromium.launchPersistentContext(path.join(work, 'chromium'), {
      executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 900 }, args: CHROMIUM_ARGS });
    const page = ctx.pages()[0] || (await ctx.newPage());
    let resolveExit;
    const exited = new Promise((r) => { resolveExit = r; });
    // hooks the workbench calls in extension-test mode (the contract of VS Code's own browser integration tests)
    await page.exposeFunction('codeAutomationLog', (type, args) => log('[exthost] ' + util.format(...(Array.isArray(args) ? args : [args]))));
    await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
    const host = `127.0.0.1:${port}`;
    const payload = [];
    if (o.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', `vscode-remote://${host}${path.resolve(o.extensionDevelopmentPath)}`]);
    if (o.extensionTestsPath) payload.push(['extensionTestsPath', `vscode-remote://${host}${path.resolve(o.extensionTestsPath)}`]);
    payload.push(['skipWelcome', 'true']);
    await page.goto(`http://${host}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    log(`[host] workbench shown after ${Date.now() - t0} ms`);
    return { page, port, work, workspace, exited, close, t0 };
  } catch (e) { await close(); throw e; }
}

/** Command palette: F1, type the title, Enter; retries until the extension host has registered the command. */
export async function runCommand(page, title, { timeoutMs = 30000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 5000 }).catch(() => {});
    await input.fill('>' + title).catch(() => {});
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    if (await row.waitFor({ timeout: 3000 }).then(() => true, () => false)) { await page.keyboard.press('Enter'); return; }
    await page.keyboard.press('Escape');
    if (Date.now() > deadline) throw new Error(`command "${title}" not found in the palette`);
  }
}

/**
 * Types into the open input box and presses Enter. `prompt` (text of the box's prompt) makes it wait for that
 * very box: two boxes in a row reuse one widget, and typing too early fills the one that is closing.
 */
export async function answerInputBox(page, text, prompt) {
  const widget = page.locator('.quick-input-widget');
  if (prompt) await widget.filter({ hasText: prompt }).first().waitFor({ state: 'visible', timeout: 15000 });
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await input.fill(text);
  await page.keyboard.press('Enter');
}

/**
 * Signs in through the palette ("iX-Haus: Sign in", then the login and password prompts) and, unless
 * `waitForStatus` is false, waits until the status bar names the login (20 s).
 */
export async function signIn(page, login = 'admin', password = 'demo', { waitForStatus = true } = {}) {
  await runCommand(page, 'iX-Haus: Sign in', { timeoutMs: 60000 });
  await answerInputBox(page, login, 'iX-Haus login');
  await answerInputBox(page, password, `Password of ${login}`);
  if (waitForStatus) await page.locator('.statusbar-item', { hasText: login }).first().waitFor({ timeout: 20000 });
}

/** Contents of the most recently opened webview: a webview is an iframe (#active-frame) inside an iframe. */
export function webviewFrame(page) {
  return page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
}
