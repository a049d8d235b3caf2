import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '../..');

describe('set-up: npm run setup (scripts/setup.sh) and .ci/run (issue 18)', function () {
  this.timeout(120_000);

  it('is idempotent: on a set-up machine it installs nothing and says so in one line; --check agrees', () => {
    // npm test runs the script first (pretest), so here everything is in place and a second run must be a no-op
    const again = spawnSync('bash', [path.join(root, 'scripts/setup.sh')], { cwd: root, encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    assert.match(
      again.stdout,
      /^setup: ready: node v\d+.*, sshd, java .*, OpenSSL .*, PostgreSQL 15\.\d+, code-server 4\.100\.3\n$/,
    );
    const check = spawnSync('bash', [path.join(root, 'scripts/setup.sh'), '--check'], { cwd: root, encoding: 'utf8' });
    assert.deepEqual([check.status, check.stdout], [0, 'setup: everything needed is installed\n']);
  });

  it('is what npm test runs first and what .ci/run runs before npm test', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.equal(manifest.scripts.setup, 'bash scripts/setup.sh');
    assert.equal(manifest.scripts.pretest, 'bash scripts/setup.sh');
    const ci = fs
      .readFileSync(path.join(root, '.ci/run'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    assert.deepEqual(
      ci.filter((l) => l.startsWith('npm ')),
      ['npm run setup', 'npm test'],
      '.ci/run is a thin wrapper over the README commands',
    );
  });
});
