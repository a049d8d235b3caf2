/**
 * The headless set-up of issue 21 as operators run it: `mail set` and `scheduler job add|edit|list|remove` with the
 * built dist/cli.js on a file store (the demo store; admin/haupt, password from an environment variable).
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadMailSettings } from '../../src/core/mail/mailStore';
import { Store } from '../../src/core/store/database';
import { SqlJsAsyncStore } from '../../src/core/store/sqlJsAsyncStore';
import { runBuiltCli, smallDemoStoreFile, tempDir } from '../helpers';

const root = path.join(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');
const run = (args: string[]): ReturnType<typeof runBuiltCli> => runBuiltCli(args, { IX_PW: 'demo' });

async function readStore<T>(file: string, body: (store: SqlJsAsyncStore) => Promise<T>): Promise<T> {
  const store = new SqlJsAsyncStore(await Store.open(file));
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

describe('CLI: headless set-up — mail set, scheduler job add|edit|list|remove (built dist/cli.js; issue 21)', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: string;
  const as = (login: string): string[] => ['--store', store, '--user', login, '--password-env', 'IX_PW'];

  before(async () => {
    const sources = ['mailSetCommand.ts', 'schedulerJobCommands.ts', 'mailCommands.ts'];
    const stale =
      !fs.existsSync(cli) ||
      fs.statSync(cli).mtimeMs < Math.max(...sources.map((f) => fs.statSync(path.join(root, 'src/cli', f)).mtimeMs));
    if (stale) execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root });
    ({ dir, cleanup } = await tempDir('ixhaus-headless-cli-'));
    store = path.join(dir, 'store.sqlite');
    await smallDemoStoreFile(store);
  });
  after(async () => cleanup());

  it('mail set: Basic, then OAuth with only the changed options; stored values kept; audited; no secret taken', async () => {
    const basic = run([
      'mail',
      'set',
      ...as('admin'),
      '--host',
      'mail.hausverwaltung.example',
      '--port',
      '587',
      '--ssl',
      '--smtp-user',
      'verwaltung',
      '--from',
      'verwaltung@hausverwaltung.example',
      '--scheduler-recipient',
      'it@hausverwaltung.example',
    ]);
    assert.equal(basic.code, 0, basic.stderr);
    // only what really changed: a store without settings is the empty Basic form (port 587, SSL on, default
    // authority host), so neither the given default port nor the OAuth fields are reported
    assert.match(basic.stdout, /SMTP settings saved \(changed: host, user, from, schedulerRecipient\)/);
    const oauth = runBuiltCli(
      [
        'mail',
        'set',
        ...as('admin'),
        '--json',
        '--auth',
        'oauth',
        '--host',
        'smtp.office365.com',
        '--smtp-user',
        'verwaltung@hausverwaltung.example',
        '--client-id',
        '0b1f2a3c-4d5e-4f60-8a7b-9c0d1e2f3a4b',
        '--tenant',
        'hausverwaltung.example',
        '--object-id',
        '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b',
        '--notify',
        'it@hausverwaltung.example',
        '--scheduler-recipient2',
        'bereitschaft@hausverwaltung.example',
      ],
      { IX_PW: 'demo' },
    );
    assert.equal(oauth.code, 0, oauth.stderr);
    const result = JSON.parse(oauth.stdout) as { ok: boolean; settings: Record<string, unknown>; changed: string[] };
    assert.equal(result.ok, true);
    assert.equal(result.settings.authType, 'oauth');
    assert.equal(result.settings.port, 587, 'the port was kept');
    assert.equal(result.settings.from, 'verwaltung@hausverwaltung.example', 'the sender was kept');
    assert.equal(result.settings.schedulerRecipient, 'it@hausverwaltung.example', 'recipient 1 was kept');
    assert.ok(!result.changed.includes('from'));
    const saved = await readStore(store, async (s) => ({
      settings: await loadMailSettings(s),
      audit: await s.query<{ action: string; user_id: number }>(
        "SELECT action, user_id FROM audit_log WHERE action = 'mail.settings' ORDER BY id",
      ),
    }));
    assert.equal(saved.settings?.schedulerRecipient2, 'bereitschaft@hausverwaltung.example');
    assert.equal(saved.settings?.tenant, 'hausverwaltung.example');
    assert.equal(saved.audit.length, 2, 'both saves audited');
  });

  it('mail set: every validator issue is printed naming the option, exit 1, nothing written; non-admins refused', async () => {
    const before = await readStore(store, loadMailSettings);
    const bad = run([
      'mail',
      'set',
      ...as('admin'),
      '--scheduler-recipient',
      'kein-at-zeichen',
      '--client-id',
      'not-a-guid',
      '--port',
      '70000',
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /the SMTP settings are invalid; nothing was saved/);
    assert.match(bad.stderr, /error {3}--scheduler-recipient: .*kein-at-zeichen/);
    assert.match(bad.stderr, /error {3}--client-id: /);
    assert.match(bad.stderr, /error {3}--port: /);
    const json = run(['mail', 'set', ...as('admin'), '--json', '--auth', 'oauth', '--no-ssl']);
    assert.equal(json.code, 1);
    const refused = JSON.parse(json.stdout) as { ok: boolean; issues: Array<{ field: string; code: string }> };
    assert.equal(refused.ok, false);
    assert.ok(
      refused.issues.some((i) => i.code === 'E_MAIL_OAUTH_TLS'),
      json.stdout,
    );
    assert.deepEqual(await readStore(store, loadMailSettings), before, 'nothing was written');
    const haupt = run(['mail', 'set', ...as('haupt'), '--from', 'x@hausverwaltung.example']);
    assert.equal(haupt.code, 1);
    assert.match(haupt.stderr, /not allowed/);
    assert.equal(run(['mail', 'set', ...as('admin'), '--auth', 'ntlm']).code, 1);
  });

  it('scheduler job add/list/edit/remove: admins only, cron validated and explained, audited', async () => {
    const add = run([
      'scheduler',
      'job',
      'add',
      ...as('admin'),
      '--name',
      'Sollstellung',
      '--group',
      'buchhaltung',
      '--cron',
      '0 2 * * *',
      '--max-run-minutes',
      '90',
    ]);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /Sollstellung\s+Buchhaltung\s+0 2 \* \* \*\s+max 90 min/);
    // just added: no due time yet (issue 21 trial: the state and its next due time, Europe/Berlin)
    assert.match(
      run(['scheduler', 'job', 'list', '--store', store]).stdout,
      /Sollstellung .*max 90 min {2}not yet due, next \d\d\.\d\d\.\d{4} \d\d:\d\d/,
    );
    const badCron = run([
      'scheduler',
      'job',
      'add',
      ...as('admin'),
      '--name',
      'Export',
      '--cron',
      '0 2 * *',
      '--max-run-minutes',
      '30',
    ]);
    assert.equal(badCron.code, 1);
    assert.match(badCron.stderr, /not a schedule with 5 fields \(minute hour day month weekday\)/);
    assert.match(
      run(['scheduler', 'job', 'add', ...as('admin'), '--name', 'X', '--cron', '61 2 * * *', '--max-run-minutes', '5'])
        .stderr,
      /"61 2 \* \* \*" is not a valid schedule/,
    );
    assert.match(
      run(['scheduler', 'job', 'add', ...as('admin'), '--name', 'X', '--cron', '0 2 * * *', '--max-run-minutes', '0'])
        .stderr,
      /1 to 10080 minutes/,
    );
    assert.match(
      run([
        'scheduler',
        'job',
        'add',
        ...as('admin'),
        '--name',
        'Sollstellung',
        '--cron',
        '0 3 * * *',
        '--max-run-minutes',
        '5',
      ]).stderr,
      /already exists/,
    );
    assert.match(
      run(['scheduler', 'job', 'add', ...as('haupt'), '--name', 'Y', '--cron', '0 3 * * *', '--max-run-minutes', '5'])
        .stderr,
      /not allowed/,
    );
    const edit = run([
      'scheduler',
      'job',
      'edit',
      ...as('admin'),
      'Sollstellung',
      '--cron',
      '30 1 * * 1-5',
      '--disable',
    ]);
    assert.equal(edit.code, 0, edit.stderr);
    const list = JSON.parse(run(['scheduler', 'job', 'list', '--store', store, '--json']).stdout) as {
      jobs: Array<{ id: number; name: string; group: string; cron: string; maxRunMinutes: number; enabled: boolean }>;
    };
    const job = list.jobs.find((j) => j.name === 'Sollstellung');
    assert.deepEqual(job && { group: job.group, cron: job.cron, max: job.maxRunMinutes, enabled: job.enabled }, {
      group: 'Buchhaltung',
      cron: '30 1 * * 1-5',
      max: 90,
      enabled: false,
    });
    assert.match(run(['scheduler', 'job', 'list', '--store', store]).stdout, /Sollstellung .*\(disabled\)/);
    assert.equal(run(['scheduler', 'job', 'remove', ...as('haupt'), 'Sollstellung']).code, 1);
    const removed = run(['scheduler', 'job', 'remove', ...as('admin'), String(job?.id)]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /job removed: Sollstellung/);
    assert.match(
      run(['scheduler', 'job', 'remove', ...as('admin'), 'Sollstellung']).stderr,
      /no scheduler job "Sollstellung"/,
    );
    const audit = await readStore(store, (s) =>
      s.query<{ action: string }>("SELECT action FROM audit_log WHERE entity = 'scheduler_jobs' ORDER BY id"),
    );
    assert.deepEqual(
      audit.map((a) => a.action),
      ['scheduler.job.add', 'scheduler.job.update', 'scheduler.job.remove'],
    );
  });
});
