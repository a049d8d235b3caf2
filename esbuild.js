// Builds the bundles (DESIGN.md §2): dist/extension.js (VS Code host, cjs), dist/cli.js (node, cjs, shebang),
// and one browser ESM bundle per folder under src/webviews/ with a main.ts → dist/webviews/<name>.js.
// Also copies sql.js's WebAssembly binary next to them. `node esbuild.js --production` minifies.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const pkg = require('./package.json');

/** @type {import('esbuild').BuildOptions} */
const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  define: { IXHAUS_VERSION: JSON.stringify(pkg.version) },
  // ssh2 (under ssh2-sftp-client) tries optional native add-ons inside try/catch and falls back to pure JS when
  // they are missing: keep them out of the bundle (a VSIX must not carry platform-specific binaries)
  external: ['vscode', 'cpu-features', '*.node'],
  // jsonc-parser's main (UMD) build loads its parts with a dynamic require esbuild cannot follow: bundle its ESM build
  alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' },
};

function webviewEntries() {
  const root = path.join(__dirname, 'src', 'webviews');
  if (!fs.existsSync(root)) return {};
  const entries = {};
  for (const name of fs.readdirSync(root)) {
    const main = path.join(root, name, 'main.ts');
    if (fs.existsSync(main)) entries[name] = main;
  }
  return entries;
}

async function main() {
  fs.mkdirSync(path.join(__dirname, 'dist'), { recursive: true });
  fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(__dirname, 'dist', 'sql-wasm.wasm'));
  const builds = [
    { ...nodeCommon, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', metafile: true },
    { ...nodeCommon, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  ];
  const webviews = webviewEntries();
  if (Object.keys(webviews).length > 0) {
    builds.push({
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      entryPoints: webviews,
      outdir: 'dist/webviews',
      sourcemap: !production,
      minify: production,
      logLevel: 'warning',
    });
  }
  if (process.argv.includes('--host-tests')) {
    // in-host mocha suites (test/host) → out/test/host/*.js, run inside VS Code by vscode-host/run-exthost-tests.mjs
    const hostTests = fs.readdirSync(path.join(__dirname, 'test', 'host')).filter((f) => f.endsWith('.ts'));
    builds.push({
      ...nodeCommon,
      entryPoints: hostTests.map((f) => path.join('test', 'host', f)),
      outdir: 'out/test/host',
      external: ['vscode', 'mocha', 'cpu-features', '*.node'],
      sourcemap: true,
      minify: false,
    });
  }
  if (watch) {
    for (const options of builds) await (await esbuild.context(options)).watch();
    return;
  }
  const results = await Promise.all(builds.map((options) => esbuild.build(options)));
  const meta = results[0].metafile;
  if (meta) fs.writeFileSync(path.join(__dirname, 'dist', 'extension.meta.json'), JSON.stringify(meta));
  fs.chmodSync(path.join(__dirname, 'dist', 'cli.js'), 0o755);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
