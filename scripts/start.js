#!/usr/bin/env node
// `npm start`: builds the extension, packages the VSIX and creates the demo store (demo.sqlite) when there is
// none, then says how to install and use them. (The host issue turns this into a browser-based VS Code.)
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

run(process.execPath, [path.join(root, 'node_modules/@vscode/vsce/vsce'), '--version']);
run('npm', ['run', '--silent', 'package']);
const demo = path.join(root, 'demo.sqlite');
if (!fs.existsSync(demo)) run(process.execPath, [path.join(root, 'dist/cli.js'), 'store', 'init', '--demo', demo]);
else run(process.execPath, [path.join(root, 'dist/cli.js'), 'store', 'check', demo]);

console.log(`
Ready:
  extension  ${path.join(root, 'ixhaus-admin.vsix')}
  demo store ${demo}   (login: admin / demo)

Install and use it in VS Code (1.100 or later):
  code --install-extension ${path.join(root, 'ixhaus-admin.vsix')}
  then set "ixhaus.store.path": "${demo}" in your user settings,
  or just open the iX-Haus view: without a setting the extension creates its own demo store on first start.
  Sign in with F1 → "iX-Haus: Sign in" (admin / demo).
`);
