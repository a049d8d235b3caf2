import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMAND_IDS, VIEW_IDS } from '../../src/extension/ids';

const root = path.join(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  engines: { vscode: string };
  devDependencies: Record<string, string>;
  contributes: {
    commands: Array<{ command: string; category?: string; icon?: string }>;
    views: Record<string, Array<{ id: string }>>;
  };
};

describe('package.json manifest', () => {
  it('contributes exactly the commands of ids.ts, each with category iX-Haus and an icon', () => {
    assert.deepEqual(pkg.contributes.commands.map((c) => c.command).sort(), [...COMMAND_IDS].sort());
    for (const c of pkg.contributes.commands) {
      assert.equal(c.category, 'iX-Haus', c.command);
      assert.match(c.icon ?? '', /^\$\([a-z-]+\)$/, c.command);
    }
    const table = fs.readFileSync(path.join(root, 'src/extension/commands/registerCommands.ts'), 'utf8');
    for (const id of COMMAND_IDS) assert.ok(table.includes(`'${id}'`), `${id} has no handler in the command table`);
  });

  it('contributes the three views of ids.ts in the iX-Haus container', () => {
    assert.deepEqual(
      pkg.contributes.views.ixhaus?.map((v) => v.id),
      [...VIEW_IDS],
    );
  });

  it('targets at most VS Code 1.100 (the test host) with matching @types/vscode', () => {
    const engine = /^\^1\.(\d+)\.\d+$/.exec(pkg.engines.vscode);
    assert.ok(engine, pkg.engines.vscode);
    assert.ok(Number(engine[1]) <= 100, 'a newer engine makes the 1.100 host refuse the extension silently');
    assert.equal(pkg.devDependencies['@types/vscode'], `1.${engine[1]}.0`);
  });
});
