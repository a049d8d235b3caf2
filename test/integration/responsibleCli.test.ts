import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SqlJsStatic } from 'sql.js';
import { Store } from '../../src/core/store/database';
import { loadSqlJs } from '../../src/core/store/sqlJs';
import { runBuiltCli, smallDemoStoreFile, tempDir } from '../helpers';

const root = path.join(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');

const run = (args: string[]): ReturnType<typeof runBuiltCli> => runBuiltCli(args, { IX_PW: 'demo' });

interface PlanJson {
  ok: boolean;
  total: number;
  counts: Array<{ module: string; role: string; count: number }>;
  warnings: Array<{ code: string; blocking: boolean; message: string }>;
  assignments: Array<{ objectNo: number; module: string }>;
  batchId?: string;
}

describe('CLI: responsible transfer, history, undo (built dist/cli.js)', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: string;
  let from: string;
  const as = (login: string): string[] => ['--store', store, '--user', login, '--password-env', 'IX_PW'];
  const transfer = (...extra: string[]): string[] => [
    'responsible',
    'transfer',
    ...as('admin'),
    '--from',
    from,
    '--to',
    'haupt',
    '--modules',
    'objekte,meldungen,aufträge,technische-objekte',
    '--include-closed',
    ...extra,
  ];

  /** Every table but the audit log, as text (read with the real sql.js, bypassing the store's lock). */
  function dataOf(file: string): string {
    const db = new SQL.Database(fs.readFileSync(file));
    try {
      const tables =
        db
          .exec(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('audit_log', 'sign_in_attempts') ORDER BY name",
          )[0]
          ?.values.map((r) => String(r[0])) ?? [];
      return JSON.stringify(tables.map((t) => db.exec(`SELECT * FROM "${t}" ORDER BY 1`)));
    } finally {
      db.close();
    }
  }
  function auditOf(file: string): Array<{ action: string }> {
    const db = new SQL.Database(fs.readFileSync(file));
    try {
      return (db.exec('SELECT action FROM audit_log ORDER BY id')[0]?.values ?? []).map((r) => ({
        action: String(r[0]),
      }));
    } finally {
      db.close();
    }
  }
  let SQL: SqlJsStatic;

  before(async () => {
    SQL = await loadSqlJs();
    if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root });
    ({ dir, cleanup } = await tempDir('ixhaus-responsible-cli-'));
    store = path.join(dir, 'store.sqlite');
    await smallDemoStoreFile(store); // the run's demo store, generated once (test/helpers.ts)
    const s = await Store.open(store, { readOnly: true });
    from = String(
      s.scalar(
        'SELECT u.login FROM responsibilities r JOIN users u ON u.id = r.user_id WHERE u.active = 1 GROUP BY u.id ORDER BY count(*) DESC, u.id LIMIT 1',
      ),
    );
    await s.close();
  });
  after(async () => cleanup());

  it('previews with --dry-run (nothing changes), transfers, lists the batch and undoes it once', () => {
    const before = dataOf(store);
    const dry = run([...transfer('--dry-run', '--json')]);
    assert.equal(dry.code, 0, dry.stderr);
    const plan = JSON.parse(dry.stdout) as PlanJson;
    assert.ok(plan.total > 0);
    assert.equal(plan.counts.length, 8);
    // the only change of a dry run is the audit row of its sign-in (issue 15: every CLI sign-in is audited)
    assert.deepEqual(dataOf(store), before, 'a dry run changes no data');
    assert.equal(auditOf(store).at(-1)?.action, 'sign-in');
    const text = run(transfer('--dry-run', '--limit', '1'));
    assert.match(text.stdout, new RegExp(`${from} → haupt: ${plan.total} assignment`));
    assert.match(text.stdout, /dry run: nothing was changed/);

    const done = run(transfer('--json'));
    assert.equal(done.code, 0, done.stderr);
    const result = JSON.parse(done.stdout) as PlanJson;
    assert.equal(result.total, plan.total);
    assert.match(result.batchId ?? '', /^\d{8}-\d{6}-[0-9a-f]{4}$/);

    const history = run(['responsible', 'history', ...as('admin')]);
    assert.equal(history.code, 0, history.stderr);
    assert.match(
      history.stdout,
      new RegExp(`${result.batchId} .* by admin  ${from} → haupt  ${plan.total} \\(Objekte`),
    );

    const again = JSON.parse(run([...transfer('--dry-run', '--json')]).stdout) as PlanJson;
    assert.equal(again.total, 0);
    assert.deepEqual(
      again.warnings.map((w) => w.code),
      ['nothing-matches'],
    );
    const nothing = run(transfer());
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /Nothing to transfer/);

    const undo = run(['responsible', 'undo', ...as('admin'), result.batchId ?? '']);
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(undo.stdout, new RegExp(`${plan.total} assignment\\(s\\) restored`));
    const twice = run(['responsible', 'undo', ...as('admin'), result.batchId ?? '']);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /already undone/);
    assert.match(
      run(['responsible', 'history', ...as('admin')]).stdout,
      /undone .* by admin: \d+ restored, 0 changed since/,
    );
  });

  it('refuses bad input with exit 1 (core) or 2 (usage) and a clear message', () => {
    const cases: Array<[string[], number, RegExp]> = [
      [
        ['responsible', 'transfer', ...as('admin'), '--from', from, '--to', from, '--modules', 'objects'],
        1,
        /are both/,
      ],
      [
        ['responsible', 'transfer', ...as('admin'), '--from', 'niemand', '--to', 'haupt', '--modules', 'objects'],
        1,
        /There is no user "niemand"/,
      ],
      [
        [
          'responsible',
          'transfer',
          ...as('admin'),
          '--from',
          from,
          '--to',
          'haupt',
          '--modules',
          'objects',
          '--objects',
          '1001,99999',
        ],
        1,
        /no object with the number 99999/,
      ],
      [
        ['responsible', 'transfer', ...as('admin'), '--from', from, '--to', 'haupt', '--modules', 'kreditoren'],
        2,
        /not a module/,
      ],
      [
        [
          'responsible',
          'transfer',
          ...as('admin'),
          '--from',
          from,
          '--to',
          'haupt',
          '--modules',
          'objects',
          '--team',
          'Team Nirgendwo',
        ],
        1,
        /no team "Team Nirgendwo"/,
      ],
      [
        ['responsible', 'transfer', ...as('haupt'), '--from', from, '--to', 'haupt', '--modules', 'objects'],
        1,
        /not allowed to change responsibles/,
      ],
      [['responsible', 'history', ...as('haupt')], 1, /not allowed/],
      [['responsible', 'undo', ...as('admin'), 'gibt-es-nicht'], 1, /no transfer batch "gibt-es-nicht"/],
    ];
    for (const [args, code, message] of cases) {
      const r = run(args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
  });

  it('a preview the apply would refuse (same user) ends with exit 1; a real run lists --limit records', () => {
    const same = run([
      'responsible',
      'transfer',
      ...as('admin'),
      '--from',
      'haupt',
      '--to',
      'haupt',
      '--modules',
      'meldungen',
      '--dry-run',
    ]);
    assert.equal(same.code, 1);
    assert.match(same.stdout, /error: /);
  });

  it('refuses when the license has no Komfortpaket', async () => {
    const s = await Store.open(store);
    s.run("DELETE FROM license_modules WHERE code = 'KOMFORT'");
    await s.close();
    const r = run(transfer('--dry-run'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /needs a valid Komfortpaket/);
  });
});
