#!/usr/bin/env node
// Runs mocha INSIDE a real VS Code extension host: node run-exthost-tests.mjs <extensionDir> <testsModule> [workspace]
// Prints the plain closing line "N passed, N failed"; exit 1 on any failure or timeout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchHost } from './host.mjs';

const [ext, tests, ws] = process.argv.slice(2);
if (!ext || !tests) { console.error('usage: run-exthost-tests.mjs <extensionDir> <testsModule> [workspace]'); process.exit(2); }
const timeoutMs = +(process.env.VSCODE_HOST_TIMEOUT_MS || 300000);
const resultsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'exthost-results-'));
const results = path.join(resultsDir, 'results.json');
const host = await launchHost({ extensionDevelopmentPath: ext, extensionTestsPath: tests, workspace: ws,
  env: { VSCODE_HOST_TEST_RESULTS: results, ...(process.env.IXHAUS_HOST_ENV ? JSON.parse(process.env.IXHAUS_HOST_ENV) : {}) },
  log: (s) => console.log(s) });
let code;
try {
  code = await Promise.race([host.exited, new Promise((r) => setTimeout(() => r('timeout'), timeoutMs))]);
  if (code === 'timeout') {
    await host.page.screenshot({ path: path.join(host.work, 'timeout.png') }).catch(() => {});
    console.log(`[host] no result after ${timeoutMs} ms, screenshot in ${host.work}`);
    code = 124;
  }
  console.log(`[host] extension host exited with ${code} after ${Date.now() - host.t0} ms`);
} finally {
  await host.close({ rm: code === 0 && !process.env.VSCODE_HOST_KEEP });
}
if (fs.existsSync(results)) {
  const r = JSON.parse(fs.readFileSync(results, 'utf8'));
  for (const f of r.failed) console.log(`not ok - ${f.title}: ${f.err}`);
  console.log(`${r.passed.length} passed, ${r.failed.length} failed`);
  if (r.failed.length) code ||= 1;
} else {
  console.log('[host] the extension host wrote no results');
  code ||= 1;
}
fs.rmSync(resultsDir, { recursive: true, force: true });
process.exit(code === 0 ? 0 : 1);
