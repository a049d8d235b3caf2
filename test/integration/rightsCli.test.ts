import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { Store } from '../../src/core/store/database';
import { runBuiltCli, smallDemoStoreFile, tempDir } from '../helpers';

const run = (args: string[], password?: string): ReturnType<typeof runBuiltCli> =>
  runBuiltCli(args, password !== undefined ? { IX_PW: password } : {});

describe('CLI: rights list|set|clear (built dist/cli.js; issue 18)', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: string;
  const as = (login: string): string[] => ['--store', store, '--user', login, '--password-env', 'IX_PW'];

  before(async () => {
    ({ dir, cleanup } = await tempDir('ixhaus-rights-cli-'));
    store = await smallDemoStoreFile(path.join(dir, 'store.sqlite'));
  });
  after(async () => cleanup());

  it('sets, lists and clears a program right as an administrator, saved and audited', async () => {
    assert.match(run(['rights', 'list', '--store', store]).stdout, /no program rights stored/);
    const deny = run(['rights', 'set', 'deny', ...as('admin'), '--class', 'a', '--module', 'meldungen'], 'demo');
    assert.equal(deny.code, 0, deny.stderr);
    assert.equal(deny.stdout, 'class A, MELDUNGEN: inherit → deny\n');
    const allow = run(
      [
        'rights',
        'set',
        'allow',
        ...as('admin'),
        '--class',
        'A',
        '--module',
        'MELDUNGEN',
        '--list',
        'Meldungsliste',
        '--json',
      ],
      'demo',
    );
    assert.deepEqual(JSON.parse(allow.stdout), {
      ok: true,
      rightsClass: 'A',
      moduleCode: 'MELDUNGEN',
      list: 'Meldungsliste',
      oldSetting: 'inherit',
      newSetting: 'allow',
      changed: true,
    });
    assert.match(
      run(
        ['rights', 'set', 'allow', ...as('admin'), '--class', 'A', '--module', 'MELDUNGEN', '--list', 'Meldungsliste'],
        'demo',
      ).stdout,
      /is already allow/,
    );
    const listed = JSON.parse(run(['rights', 'list', '--store', store, '--class', 'a', '--json']).stdout) as {
      rights: Array<{ list: string; allowed: boolean }>;
    };
    assert.deepEqual(
      listed.rights.map((r) => [r.list, r.allowed]),
      [
        ['', false],
        ['Meldungsliste', true],
      ],
    );
    assert.match(
      run(['rights', 'list', '--store', store]).stdout,
      /^A {2}MELDUNGEN \(.+\) +\(whole module\) +deny\nA {2}MELDUNGEN \(.+\) +Meldungsliste +allow\n$/,
    );
    const cleared = run(['rights', 'clear', ...as('admin'), '--class', 'A', '--module', 'MELDUNGEN'], 'demo');
    assert.equal(cleared.stdout, 'class A, MELDUNGEN: deny → inherit\n');
    const s = await Store.open(store, { readOnly: true });
    try {
      assert.equal(s.scalar('SELECT count(*) FROM program_rights'), 1, 'the list right stays');
      assert.deepEqual(
        s.all("SELECT entity_key, old_value, new_value FROM audit_log WHERE action = 'rights.set' ORDER BY id"),
        [
          { entity_key: 'A/MELDUNGEN/', old_value: 'inherit', new_value: 'deny' },
          { entity_key: 'A/MELDUNGEN/Meldungsliste', old_value: 'inherit', new_value: 'allow' },
          { entity_key: 'A/MELDUNGEN/', old_value: 'deny', new_value: 'inherit' },
        ],
      );
    } finally {
      await s.close();
    }
  });

  it('refuses non-administrators, bad input and a wrong verb with exit 1 and the cause, changing nothing', async () => {
    const before = run(['rights', 'list', '--store', store, '--json']).stdout;
    const haupt = run(['rights', 'set', 'deny', ...as('haupt'), '--class', 'A', '--module', 'MELDUNGEN'], 'demo');
    assert.equal(haupt.code, 1);
    assert.match(haupt.stderr, /not allowed to change program rights/);
    const classS = run(['rights', 'set', 'deny', ...as('admin'), '--class', 'S', '--module', 'MELDUNGEN'], 'demo');
    assert.deepEqual([classS.code, /Rights class S reaches every/.test(classS.stderr)], [1, true]);
    const unknown = run(['rights', 'set', 'deny', ...as('admin'), '--class', 'A', '--module', 'RAUMBUCH'], 'demo');
    assert.deepEqual(
      [unknown.code, /RAUMBUCH is in no installed license\. Use one of: .*MELDUNGEN/.test(unknown.stderr)],
      [1, true],
    );
    const verb = run(['rights', 'set', 'maybe', ...as('admin'), '--class', 'A', '--module', 'MELDUNGEN'], 'demo');
    assert.deepEqual([verb.code, /neither allow nor deny/.test(verb.stderr)], [1, true]);
    assert.equal(
      run(['rights', 'set', 'deny', '--store', store, '--class', 'A', '--module', 'MELDUNGEN'], 'demo').code,
      2,
      'usage: --user is required',
    );
    assert.equal(run(['rights', 'list', '--store', store, '--json']).stdout, before);
  });
});
