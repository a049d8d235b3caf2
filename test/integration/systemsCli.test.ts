import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newSystemId, serializeSystems } from '../../src/core/systems/systems';
import { runBuiltCli, tempDir } from '../helpers';

const root = path.join(__dirname, '../..');

/** `--system NAME` instead of `--store` (issue 20), through the built CLI. */
describe('CLI --system NAME (Kundensysteme, built dist/cli.js)', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let demo: string;

  before(async () => {
    if (!fs.existsSync(path.join(root, 'dist/cli.js')))
      execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root });
    ({ dir, cleanup } = await tempDir('ixhaus-systems-cli-'));
    demo = path.join(dir, 'müller.sqlite');
    const init = runBuiltCli(['store', 'init', '--demo', '--persons', '50', demo]);
    assert.equal(init.code, 0, init.stderr);
  });
  after(async () => cleanup());

  it('opens the store of the system named in an IXHAUS_SYSTEMS file (relative paths from the file)', () => {
    const file = path.join(dir, 'systems.json');
    const list = serializeSystems([
      { id: newSystemId(), name: 'Müller Prod', customer: 'Müller', store: 'müller.sqlite', kind: 'Produktion' },
    ]);
    fs.writeFileSync(file, JSON.stringify(list));
    const byStore = runBuiltCli(['users', 'list', '--store', demo, '--json']);
    const bySystem = runBuiltCli(['users', 'list', '--system', 'müller prod', '--json'], { IXHAUS_SYSTEMS: file });
    assert.equal(bySystem.code, 0, bySystem.stderr);
    assert.deepEqual(JSON.parse(bySystem.stdout), JSON.parse(byStore.stdout));
    // stderr names where the verb works, and that it is a production system
    assert.match(bySystem.stderr, /system Müller Prod \(Produktion of Müller\): .*müller\.sqlite/);
    assert.match(bySystem.stderr, /a Produktion system: changes reach the customer's live data/);
  });

  it('reads "ixhaus.systems" from a VS Code settings.json given by --systems-file', () => {
    const settings = path.join(dir, 'settings.json');
    fs.writeFileSync(
      settings,
      `{\n  // VS Code user settings\n  "ixhaus.systems": ${JSON.stringify(
        serializeSystems([{ id: newSystemId(), name: 'Test', customer: '', store: demo, kind: 'Test' }]),
      )},\n}\n`,
    );
    const r = runBuiltCli(['users', 'list', '--system', 'Test', '--systems-file', settings, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((JSON.parse(r.stdout) as { users: unknown[] }).users.length > 0);
  });

  it('names the cause: no systems file, an unknown name, --store and --system together, neither', () => {
    const none = runBuiltCli(['users', 'list', '--system', 'X'], { IXHAUS_SYSTEMS: '' });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /--system needs the list of systems: give --systems-file FILE .* IXHAUS_SYSTEMS/);
    const file = path.join(dir, 'systems.json');
    const unknown = runBuiltCli(['users', 'list', '--system', 'Schmitt'], { IXHAUS_SYSTEMS: file });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no system named Schmitt\. Known systems: Müller Prod/);
    const both = runBuiltCli(['users', 'list', '--store', demo, '--system', 'Müller Prod'], { IXHAUS_SYSTEMS: file });
    assert.equal(both.code, 2);
    assert.match(both.stderr, /either --store or --system/);
    const neither = runBuiltCli(['users', 'list']);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /required option '--store <file\|url>' \(or --system <name>\) not specified/);
  });

  it('store info and store check take --system instead of the argument (issue 20)', () => {
    const file = path.join(dir, 'systems.json');
    const info = runBuiltCli(['store', 'info', '--system', 'Müller Prod', '--json'], { IXHAUS_SYSTEMS: file });
    assert.equal(info.code, 0, info.stderr);
    const byFile = runBuiltCli(['store', 'info', demo, '--json']);
    assert.deepEqual(JSON.parse(info.stdout), JSON.parse(byFile.stdout));
    assert.match(info.stderr, /system Müller Prod \(Produktion of Müller\): .*müller\.sqlite/);
    const check = runBuiltCli(['store', 'check', '--system', 'Müller Prod'], { IXHAUS_SYSTEMS: file });
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /^ok: .*müller\.sqlite \(schema v\d+/);
    const both = runBuiltCli(['store', 'check', demo, '--system', 'Müller Prod'], { IXHAUS_SYSTEMS: file });
    assert.equal(both.code, 2);
    assert.match(both.stderr, /either a store \(file or URL\) or --system NAME, not both/);
    const neither = runBuiltCli(['store', 'info']);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /name the store: a file, a postgres:\/\/ URL, or --system NAME/);
    const unknown = runBuiltCli(['store', 'info', '--system', 'Schmitt'], { IXHAUS_SYSTEMS: file });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no system named Schmitt/);
  });
});
