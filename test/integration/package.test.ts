import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '../..');

describe('VSIX packaging (npm run package, as README and npm start use it)', function () {
  this.timeout(180_000);

  it('builds ixhaus-admin.vsix with the bundles, the wasm and the translations, and nothing else', () => {
    const vsix = path.join(root, 'ixhaus-admin.vsix');
    fs.rmSync(vsix, { force: true });
    const result = spawnSync('npm', ['run', '--silent', 'package'], { cwd: root, encoding: 'utf8' });
    assert.equal(result.status, 0, `npm run package failed:\n${result.stdout}\n${result.stderr}`);
    assert.ok(fs.statSync(vsix).size > 100_000);
    const listed = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/@vscode/vsce/vsce'), 'ls', '--no-dependencies'],
      { cwd: root, encoding: 'utf8' },
    );
    assert.equal(listed.status, 0, listed.stderr);
    const files = listed.stdout.trim().split('\n').sort();
    for (const needed of [
      'dist/extension.js',
      'dist/cli.js',
      'dist/sql-wasm.wasm',
      'l10n/bundle.l10n.de.json',
      'package.nls.de.json',
      'media/ixhaus.svg',
    ]) {
      assert.ok(files.includes(needed), `${needed} missing from the VSIX: ${files.join(', ')}`);
    }
    assert.deepEqual(
      files.filter(
        (f) => /^(src|test|node_modules|vscode-host|out)\//.test(f) || f.endsWith('.map') || f.endsWith('.ts'),
      ),
      [],
    );
  });
});
