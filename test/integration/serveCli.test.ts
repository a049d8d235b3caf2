/**
 * `ixhaus-admin serve` as operators run it (issue 21): the built dist/cli.js as separate processes against real
 * peers on 127.0.0.1 — an HTTP server as the Teams Workflows webhook and as the JSON receiver, smtp-server for mail —
 * on a file store with a due scheduler job.
 */
import { SqlJsAsyncStore } from '../../src/core/store/sqlJsAsyncStore';
import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { DEMO_ADMIN_LOGIN, DEMO_PASSWORD } from '../../src/core/demo/demoData';
import { saveMailSettings } from '../../src/core/mail/mailStore';
import { createJob } from '../../src/core/scheduler/scheduler';
import { Store } from '../../src/core/store/database';
import { signIn } from '../../src/core/users/auth';
import { runBuiltCliAsync, smallDemoStoreFile, tempDir } from '../helpers';
import { schedulerMailSettings, startSmtpPeer, testCertificate } from '../peers/smtpPeer';
import type { SmtpPeer } from '../peers/smtpPeer';
import { WEBHOOK_SIGNATURE, startWebhookPeer } from '../peers/webhookPeer';
import type { WebhookPeer } from '../peers/webhookPeer';

const root = path.join(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');
const MAILBOX = 'verwaltung@ixhaus.example';
const PASSWORD = 'Sehr-Geheim-4711!';
const NOW = '2026-11-02T03:00:00Z';
const LATER = '2026-11-02T03:20:00Z'; // after the default claim lifetime of 10 minutes

const runCli = runBuiltCliAsync;

function logLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function assertNoSecret(text: string, url: string): void {
  assert.ok(!text.includes(WEBHOOK_SIGNATURE), `signature leaked: ${text}`);
  assert.ok(!text.includes(new URL(url).pathname), `path leaked: ${text}`);
  assert.ok(!text.includes(PASSWORD), 'password leaked');
}

describe('CLI: serve (built dist/cli.js, real peers on 127.0.0.1; issue 21)', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let caFile: string;
  let smtp: SmtpPeer;
  let teams: WebhookPeer;
  let json: WebhookPeer;
  let env: Record<string, string>;

  before(async () => {
    const stale =
      !fs.existsSync(cli) ||
      fs.statSync(cli).mtimeMs <
        Math.max(
          ...[
            'cli/serveCommand.ts',
            'cli/serveChecks.ts',
            ...fs.readdirSync(path.join(root, 'src/core/alerts')).map((f) => `core/alerts/${f}`),
          ].map((f) => fs.statSync(path.join(root, 'src', f)).mtimeMs),
        );
    if (stale) execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root });
    ({ dir, cleanup } = await tempDir('ixhaus-serve-cli-'));
    caFile = path.join(dir, 'company-ca.pem');
    fs.writeFileSync(caFile, testCertificate().cert);
    smtp = await startSmtpPeer({ tls: 'starttls', user: MAILBOX, password: PASSWORD });
  });
  after(async () => {
    await smtp.close();
    await cleanup();
  });
  beforeEach(async () => {
    teams = await startWebhookPeer();
    json = await startWebhookPeer();
    env = { IXHAUS_TEAMS_URL: teams.url(), IXHAUS_JSON_URL: json.url('/hooks/ixhaus'), IXHAUS_SMTP_PASSWORD: PASSWORD };
  });
  afterEach(async () => {
    await teams.close();
    await json.close();
  });

  /** A store with SMTP settings (both scheduler recipients) and one job due at 02:00 Berlin that never started. */
  async function storeWithDueJob(name: string, cron = '0 2 * * *'): Promise<string> {
    const file = path.join(dir, `${name}.sqlite`);
    const store = new SqlJsAsyncStore(await Store.open(await smallDemoStoreFile(file)));
    const admin = await signIn(store, DEMO_ADMIN_LOGIN, DEMO_PASSWORD);
    await saveMailSettings(store, admin, schedulerMailSettings(smtp, MAILBOX));
    await createJob(
      store,
      admin,
      { name: 'Sollstellung', group: 'Buchhaltung', cron, maxRunMinutes: 60 },
      new Date('2026-11-01T12:00:00Z'),
    );
    await store.close();
    return file;
  }

  const serveArgs = (file: string, now = NOW): string[] => [
    'serve',
    '--once',
    '--store',
    file,
    '--webhook',
    'teams=IXHAUS_TEAMS_URL',
    '--webhook',
    'json=IXHAUS_JSON_URL',
    '--mail',
    '--ca-file',
    caFile,
    '--now',
    now,
  ];

  it('a due job is alerted once through Teams, JSON and mail; the next run sends nothing; --status is healthy', async () => {
    const file = await storeWithDueJob('once');
    const mails = smtp.log.messages.length;
    const first = await runCli(serveArgs(file), env);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const lines = logLines(first.stdout);
    assert.deepEqual(
      lines.filter((l) => l.event === 'delivered').map((l) => l.channel),
      ['teams', 'json', 'mail'],
    );
    assert.equal(lines.at(-1)?.event, 'stop');
    // the start line names the store, so that two services in one journal can be told apart
    assert.equal(lines[0]?.event, 'start');
    assert.equal(lines[0]?.store, file);
    assert.match(String(lines[0]?.name), /^serve-once@/);
    assert.equal(teams.requests.length, 1);
    assert.equal(json.requests.length, 1);
    assert.equal(smtp.log.messages.length, mails + 1);
    assert.match(smtp.log.messages.at(-1) ?? '', /Sollstellung/);
    const body = json.requests[0]?.body as { kind: string; incident: string; subject: string };
    assert.equal(body.kind, 'scheduler');
    assert.equal(body.incident, 'scheduler:not-started:1:2026-11-02T01:00:00.000Z');
    assert.equal(body.subject, 'iX-Scheduler: Aufgabe "Sollstellung" nicht gestartet');
    assertNoSecret(first.stdout + first.stderr, teams.url());

    const second = await runCli(serveArgs(file, LATER), env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(teams.requests.length + json.requests.length, 2);
    assert.equal(smtp.log.messages.length, mails + 1);

    const status = await runCli(['serve', '--status', '--store', file, '--now', LATER]);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.match(status.stdout, /^OK: watched by serve-once@\S+\n/);
    assert.match(
      status.stdout,
      /^serve-once@\S+ \(--once, channels teams, json, mail\): scheduled — last cycle 2026-11-02T03:20:00\.000Z \(serve@.+, \d+ ms, 1 incidents, 0 delivered\), last error: none$/m,
    );
  });

  it('a job due every 5 minutes that stays dead is alerted once, not every cycle; times in German local time', async () => {
    const file = await storeWithDueJob('dead', '*/5 * * * *');
    const mails = smtp.log.messages.length;
    // six cycles over half an hour (the trial: ~12 alerts an hour on every channel before)
    for (const now of ['02:10', '02:15', '02:20', '02:25', '02:30', '02:35']) {
      const run = await runCli(serveArgs(file, `2026-11-02T${now}:00Z`), env);
      assert.equal(run.code, 0, run.stderr + run.stdout);
    }
    assert.equal(teams.requests.length, 1, 'one Teams post');
    assert.equal(json.requests.length, 1, 'one JSON post');
    assert.equal(smtp.log.messages.length, mails + 1, 'one mail');
    const body = json.requests[0]?.body as { incident: string; text: string; incidentAt: string };
    // the job never ran: the incident starts at its first due time at or after its creation (12:00 UTC on 1 Nov)
    assert.equal(body.incident, 'scheduler:not-started:1:2026-11-01T12:00:00.000Z');
    assert.equal(body.incidentAt, '2026-11-01T12:00:00.000Z');
    assert.match(
      body.text,
      /wurde zum Termin 01\.11\.2026 13:00 Uhr nicht gestartet und ist seitdem nicht gelaufen \(169 Termine versäumt, zuletzt 02\.11\.2026 03:00 Uhr\)/,
    );
    assert.doesNotMatch(body.text, /T\d\d:\d\d:\d\d/, 'no ISO time in the text');
    // quoted-printable: soft line breaks removed
    assert.match((smtp.log.messages.at(-1) ?? '').replace(/=\r\n/g, ''), /01\.11\.2026 13:00 Uhr/);
  });

  it('license and module expiry reminders go to every channel once: Teams, JSON and mail', async () => {
    const file = await storeWithDueJob('expiry');
    const store = new SqlJsAsyncStore(await Store.open(file, { readOnly: true }));
    const ends = async (sql: string): Promise<string> => String((await store.get<{ d: string }>(sql))?.d);
    const moduleEnd = await ends("SELECT valid_until AS d FROM license_modules WHERE code = 'SCHEDULER'");
    const licenseEnd = await ends('SELECT valid_until AS d FROM licenses');
    await store.close();
    const daysBefore = (day: string, days: number): string =>
      new Date(Date.parse(`${day.slice(0, 10)}T12:00:00Z`) - days * 86_400_000).toISOString();
    const expiryPosts = (): Array<{ kind: string; incident: string; subject: string }> =>
      json.requests
        .map((r) => r.body as { kind: string; incident: string; subject: string })
        .filter((b) => b.kind.endsWith('-expiry'));
    const teamsExpiry = (): number =>
      teams.requests.filter((r) => JSON.stringify(r.body).includes(' endet am ')).length;
    const expiryMails = (): number => smtp.log.messages.filter((m) => /DEMO-0001/.test(m)).length;

    // 5 days before the Scheduler module ends: the 7-day reminder of the module
    const first = await runCli(serveArgs(file, daysBefore(moduleEnd, 5)), env);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.deepEqual(
      expiryPosts().map((b) => [b.kind, b.incident]),
      [['module-expiry', `expiry:DEMO-0001:SCHEDULER:${moduleEnd}:7`]],
    );
    assert.match(
      expiryPosts()[0]?.subject ?? '',
      /^iX-Haus: Modul .+ \(SCHEDULER\) endet am \d\d\.\d\d\.\d{4} \(noch 5 Tage\)$/,
    );
    assert.equal(teamsExpiry(), 1);
    assert.equal(expiryMails(), 1);
    // the same reminder found again later the same day is the same incident: not sent again
    const again = await runCli(serveArgs(file, daysBefore(moduleEnd, 4.9)), env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(expiryPosts().length, 1);
    assert.equal(expiryMails(), 1);

    // 20 days before the license ends: the 30-day reminder of the license, through every channel
    const license = await runCli(serveArgs(file, daysBefore(licenseEnd, 20)), env);
    assert.equal(license.code, 0, license.stderr);
    assert.deepEqual(
      expiryPosts().map((b) => b.incident),
      [`expiry:DEMO-0001:SCHEDULER:${moduleEnd}:7`, `expiry:DEMO-0001:-:${licenseEnd}:30`],
    );
    assert.equal(expiryPosts()[1]?.kind, 'license-expiry');
    assert.equal(teamsExpiry(), 2);
    assert.equal(expiryMails(), 2);
  });

  it('two serve --once processes on one store → one delivery per incident and channel', async () => {
    const file = await storeWithDueJob('two');
    const mails = smtp.log.messages.length;
    const [a, b] = await Promise.all([runCli(serveArgs(file), env), runCli(serveArgs(file), env)]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(teams.requests.length, 1);
    assert.equal(json.requests.length, 1);
    assert.equal(smtp.log.messages.length, mails + 1);
    const delivered = [...logLines(a.stdout), ...logLines(b.stdout)].filter((l) => l.event === 'delivered');
    assert.equal(delivered.length, 3);
  });

  it('one channel failing: the others deliver, exit 1 names the failed channel, --status says so; the next run sends only it', async () => {
    const file = await storeWithDueJob('failing');
    json.script([], { status: 500 });
    const mails = smtp.log.messages.length;
    const first = await runCli(serveArgs(file), env);
    assert.equal(first.code, 1);
    assert.match(first.stderr, /alerts could not be delivered on channel json/);
    assert.equal(teams.requests.length, 1);
    assert.equal(smtp.log.messages.length, mails + 1);
    assert.ok(json.requests.length >= 2, 'retried');
    assertNoSecret(first.stdout + first.stderr, json.url('/hooks/ixhaus'));

    const status = await runCli(['serve', '--status', '--store', file, '--now', NOW]);
    assert.equal(status.code, 1);
    assert.match(status.stdout, /FAILED channels: json/);
    assert.match(
      status.stdout,
      /not yet delivered: scheduler:not-started:1:2026-11-02T01:00:00\.000Z on json \(\d+ attempts, last failed 2026-11-02T03:00:0\d\.\d{3}Z\): The alert channel json failed: HTTP 500/,
    );
    assertNoSecret(status.stdout, json.url('/hooks/ixhaus'));
    // the last error's time is when the delivery gave up (after the retry), not the cycle's start
    const lastErrorAt = /last error: (\S+) The alert channel json/.exec(status.stdout)?.[1] ?? '';
    assert.ok(Date.parse(lastErrorAt) > Date.parse(NOW), lastErrorAt);

    // the alert is still pending, and no monitor sends on json any more (the cron job was removed): said and exit 1
    const hoursLater = await runCli(['serve', '--status', '--store', file, '--now', '2026-11-02T06:00:00Z']);
    assert.equal(hoursLater.code, 1);
    assert.match(hoursLater.stdout, /^PROBLEM: no monitor is watching this store; 1 alert not yet delivered/);
    assert.match(
      hoursLater.stdout,
      /on json .*— no monitor watching this store sends on channel json any more \(last attempt 2 hours ago\)/,
    );
    const json1 = await runCli(['serve', '--status', '--json', '--store', file, '--now', NOW]);
    assert.equal(json1.code, 1);
    const parsed = JSON.parse(json1.stdout) as { ok: boolean; pending: string[]; monitors: Array<{ state: string }> };
    assert.equal(parsed.ok, false);
    assert.equal(parsed.pending.length, 1);
    assert.equal(parsed.monitors[0]?.state, 'scheduled');

    json.script([], { status: 202 });
    const before = json.requests.length;
    const second = await runCli(serveArgs(file, LATER), env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(json.requests.length, before + 1);
    assert.equal(teams.requests.length, 1);
    assert.equal(smtp.log.messages.length, mails + 1);
  });

  it('kill -9 between claim and send: the claim holds until it expires, then the restarted monitor sends it once', async () => {
    const file = await storeWithDueJob('killed');
    // a receiver that accepts the connection and never answers: the test kills the monitor when it connects, i.e.
    // after the claim was committed and before any answer — the alert counts as not sent
    let connected: () => void = () => undefined;
    const connectedOnce = new Promise<void>((resolve) => (connected = resolve));
    const blackHole = net.createServer((socket) => {
      socket.on('error', () => undefined);
      connected();
    });
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', r));
    const holePort = (blackHole.address() as net.AddressInfo).port;
    try {
      const child = spawn(
        process.execPath,
        [cli, 'serve', '--once', '--store', file, '--webhook', 'teams=IXHAUS_TEAMS_URL', '--now', NOW],
        {
          env: { ...process.env, IXHAUS_TEAMS_URL: `http://127.0.0.1:${holePort}/hook?${WEBHOOK_SIGNATURE}` },
          stdio: 'pipe',
        },
      );
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      );
      await connectedOnce;
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');
    } finally {
      blackHole.close();
    }
    const teamsOnly = (now: string): string[] => [
      'serve',
      '--once',
      '--store',
      file,
      '--webhook',
      'teams=IXHAUS_TEAMS_URL',
      '--now',
      now,
    ];
    // restarted within the claim's lifetime: the dead monitor's claim still holds, nothing is sent
    const early = await runCli(teamsOnly('2026-11-02T03:05:00Z'), env);
    assert.equal(early.code, 0, early.stderr);
    assert.equal(teams.requests.length, 0);
    assert.equal(logLines(early.stdout).find((l) => l.event === 'cycle')?.skipped, 1);
    assert.deepEqual(
      logLines(early.stdout)
        .filter((l) => l.event === 'skipped')
        .map((l) => l.channel),
      ['teams'],
      'each skipped pair is logged',
    );
    // after it expired: sent, once
    const late = await runCli(teamsOnly(LATER), env);
    assert.equal(late.code, 0, late.stderr);
    assert.equal(teams.requests.length, 1);
    const again = await runCli(teamsOnly('2026-11-02T03:40:00Z'), env);
    assert.equal(again.code, 0);
    assert.equal(teams.requests.length, 1);
  });

  it('configuration errors name the variable, never a URL; SIGTERM ends a running monitor after its cycle', async () => {
    const file = await storeWithDueJob('config');
    const missing = await runCli(['serve', '--once', '--store', file, '--webhook', 'teams=NOT_SET_HERE']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /NOT_SET_HERE \(--webhook teams=NOT_SET_HERE\) is not set/);
    const insecure = await runCli(['serve', '--once', '--store', file, '--webhook', 'json=HOOK'], {
      HOOK: `http://alerts.example.com/x?${WEBHOOK_SIGNATURE}`,
    });
    assert.equal(insecure.code, 1);
    assert.match(insecure.stderr, /The alert channel json cannot be used: the webhook URL must start with https:\/\//);
    assert.ok(!insecure.stderr.includes(WEBHOOK_SIGNATURE));
    const usage = await runCli(['serve', '--store', file, '--webhook', 'slack=X']);
    assert.equal(usage.code, 2);

    const child = spawn(
      process.execPath,
      [cli, 'serve', '--store', file, '--every', '60', '--webhook', 'teams=IXHAUS_TEAMS_URL', '--now', NOW],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`no cycle within 30 s: ${out}`)), 30_000);
      const poll = setInterval(() => {
        if (out.includes('"event":"cycle"')) {
          clearInterval(poll);
          clearTimeout(deadline);
          resolve();
        }
      }, 50);
    });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 0);
    const events = logLines(out).map((l) => l.event);
    assert.deepEqual(events.slice(-2), ['stopping', 'stop']);
    assert.equal(teams.requests.length, 1);

    // after a clean stop --status says so at once (not "next cycle" until OVERDUE): nobody watches → exit 1
    const stopped = await runCli(['serve', '--status', '--store', file, '--now', NOW]);
    assert.equal(stopped.code, 1, stopped.stdout);
    assert.match(stopped.stdout, /^PROBLEM: no monitor is watching this store$/m);
    assert.match(
      stopped.stdout,
      /^serve@\S+ \(service, channels teams\): stopped at 2026-11-02T03:00:00\.000Z \(SIGTERM\) — last cycle /m,
    );

    // a --once run keeps its own row: the service's row is not replaced, both are listed; the store is watched again
    const once = await runCli(
      ['serve', '--once', '--name', 'nachtlauf', '--store', file, '--webhook', 'teams=IXHAUS_TEAMS_URL', '--now', NOW],
      env,
    );
    assert.equal(once.code, 0, once.stderr);
    const both = await runCli(['serve', '--status', '--store', file, '--now', NOW]);
    assert.equal(both.code, 0, both.stdout);
    assert.match(both.stdout, /^OK: watched by nachtlauf$/m);
    assert.match(both.stdout, /^nachtlauf \(--once, channels teams\): scheduled — /m);
    assert.match(
      both.stdout,
      /^serve@\S+ \(service, channels teams\): stopped at 2026-11-02T03:00:00\.000Z \(SIGTERM\)/m,
    );
    // a week later neither is listed any more
    const weekLater = await runCli(['serve', '--status', '--store', file, '--now', '2026-11-09T03:01:00Z']);
    assert.equal(weekLater.code, 1);
    assert.equal(weekLater.stdout.trim(), 'PROBLEM: no monitor has run on this store in the last 7 days');
    const badName = await runCli(['serve', '--once', '--name', 'a b', '--store', file]);
    assert.equal(badName.code, 2);
  });
});
