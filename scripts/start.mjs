#!/usr/bin/env node
// `npm start`: builds the extension (VSIX), creates the demo store demo.sqlite when there is none, installs the
// real VS Code host if needed, and serves VS Code 1.100.3 (code-server) with the extension on 127.0.0.1.
// Prints the URL and the demo login; Ctrl-C stops code-server and all its children (the whole process group).
// Options: --port N (default: $PORT or a free port), --store FILE (default demo.sqlite).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });

run('npm', ['run', '--silent', 'package']);
const store = path.resolve(arg('--store') || path.join(root, 'demo.sqlite'));
if (!fs.existsSync(store)) run(process.execPath, [path.join(root, 'dist/cli.js'), 'store', 'init', '--demo', store]);
else run(process.execPath, [path.join(root, 'dist/cli.js'), 'store', 'check', store]);
run('bash', [path.join(root, 'scripts/install-vscode-host.sh')]);

const { CODE_SERVER, startCodeServer } = await import('../vscode-host/host.mjs');
const work = path.join(root, '.tmp', 'vscode-start');
const extensionsDir = path.join(work, 'ext');
fs.mkdirSync(extensionsDir, { recursive: true });
execFileSync(
  CODE_SERVER,
  [
    '--extensions-dir',
    extensionsDir,
    '--user-data-dir',
    path.join(work, 'ud'),
    '--force',
    '--install-extension',
    path.join(root, 'ixhaus-admin.vsix'),
  ],
  { stdio: 'ignore' },
);

const port = Number(arg('--port') || process.env.PORT || 0) || undefined;
const server = await startCodeServer({
  port,
  workDir: work,
  extensionsDir,
  settings: { 'ixhaus.store.path': store },
  log: () => {},
});
const url = `http://127.0.0.1:${server.port}/?folder=${encodeURIComponent(root)}`;
console.log(`
iX-Haus plus Administration is running in VS Code ${'1.100.3'} (code-server):

  ${url}

  store       ${store}
  demo login  admin / demo   (F1 → "iX-Haus: Sign in", or the Sign in button in the iX-Haus view)
  logs        ${path.join(work, 'code-server.log')}

Press Ctrl-C to stop.`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping code-server …');
  await server.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.process.on('exit', (code) => {
  if (!stopping) {
    console.log(`code-server exited with ${code}; see ${work}/code-server.log`);
    process.exit(1);
  }
});
