import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBuiltCliAsync, smallDemoStoreFile, tempDir } from '../helpers';
import { DEMO_ADMIN_LOGIN, DEMO_PASSWORD } from '../../src/core/demo/demoData';
import { Store } from '../../src/core/store/database';
import { SqlJsAsyncStore } from '../../src/core/store/sqlJsAsyncStore';
import { signIn } from '../../src/core/users/auth';
import { saveMailSettings } from '../../src/core/mail/mailStore';
import { createJob } from '../../src/core/scheduler/scheduler';
import { CLIENT_ID, GOOD_SECRET, OBJECT_ID, TENANT, startEntraPeer } from '../peers/entraPeer';
import type { EntraPeer } from '../peers/entraPeer';
import { schedulerMailSettings, startSmtpPeer, testCertificate } from '../peers/smtpPeer';
import type { SmtpPeer } from '../peers/smtpPeer';

const root = path.join(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');
const MAILBOX = 'verwaltung@ixhaus.example';
const PASSWORD = 'Sehr-Geheim-4711!';

const runCli = runBuiltCliAsync;

describe('CLI: mail test, mail secret-expiry, scheduler check (built dist/cli.js, real peers on 127.0.0.1)', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let caFile: string;
  let smtp: SmtpPeer;
  /** The flags of a Basic-auth `mail test` against this suite's SMTP server, the password from the named variable. */
  const basicFlags = (passwordEnv: string): string[] => [
    '--to',
    'mieter@example.org',
    '--host',
    '127.0.0.1',
    '--port',
    String(smtp.port),
    '--ssl',
    '--user',
    MAILBOX,
    '--password-env',
    passwordEnv,
    '--from',
    MAILBOX,
  ];
  let entra: EntraPeer;

  before(async () => {
    if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root });
    ({ dir, cleanup } = await tempDir('ixhaus-mail-cli-'));
    caFile = path.join(dir, 'company-ca.pem');
    fs.writeFileSync(caFile, testCertificate().cert);
    smtp = await startSmtpPeer({ tls: 'starttls', user: MAILBOX, password: PASSWORD, acceptExchangeTokens: true });
    entra = await startEntraPeer({
      graph: {
        passwordCredentials: [
          { keyId: 'k1', hint: GOOD_SECRET.slice(0, 3), displayName: 'ixhaus', endDateTime: '2027-03-31T00:00:00Z' },
        ],
      },
    });
  });
  after(async () => {
    await smtp.close();
    await entra.close();
    await cleanup();
  });

  async function storeWith(name: string, input: Record<string, unknown>): Promise<string> {
    const file = path.join(dir, `${name}.sqlite`);
    const store = new SqlJsAsyncStore(await Store.open(await smallDemoStoreFile(file)));
    const admin = await signIn(store, DEMO_ADMIN_LOGIN, DEMO_PASSWORD);
    await saveMailSettings(store, admin, input);
    await createJob(
      store,
      admin,
      { name: 'Sollstellung', group: 'Buchhaltung', cron: '0 2 * * *', maxRunMinutes: 60 },
      new Date('2026-11-01T12:00:00Z'),
    );
    await store.close();
    return file;
  }

  it('mail test from flags: sends over STARTTLS with the company CA and prints every step', async () => {
    const result = await runCli(['mail', 'test', ...basicFlags('SMTP_PW'), '--ca-file', caFile], { SMTP_PW: PASSWORD });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    for (const step of ['TCP', 'TLS', 'AUTH', 'MAIL FROM', 'RCPT TO', 'DATA'])
      assert.match(result.stdout, new RegExp(`^ok\\s+${step}`, 'm'));
    assert.match(result.stdout, /test mail sent \(starttls, \d+ ms\)/);
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(PASSWORD));
  });

  it('mail test: a wrong password fails at AUTH with exit 1 and the hint, as JSON too; without the CA the certificate is named', async () => {
    const wrong = await runCli(['mail', 'test', '--json', ...basicFlags('SMTP_PW'), '--ca-file', caFile], {
      SMTP_PW: 'falsch',
    });
    assert.equal(wrong.code, 1);
    const json = JSON.parse(wrong.stdout) as {
      ok: boolean;
      smtp: { steps: Array<{ step: string; status: string; hint?: { id: string } }> };
    };
    assert.equal(json.ok, false);
    assert.deepEqual(json.smtp.steps.find((s) => s.status === 'failed')?.hint?.id, 'auth-rejected-basic');
    const noCa = await runCli(['mail', 'test', ...basicFlags('SMTP_PW')], { SMTP_PW: PASSWORD });
    assert.equal(noCa.code, 1);
    assert.match(noCa.stdout, /FAILED\s+TLS/);
    assert.match(noCa.stdout, /--ca-file/);
    const usage = await runCli(['mail', 'test', '--to', 'x@example.org']);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /--store STORE, or the settings as flags/);
    const unset = await runCli(['mail', 'test', ...basicFlags('NOT_SET_HERE')]);
    assert.equal(unset.code, 1);
    assert.match(unset.stderr, /the environment variable NOT_SET_HERE \(--password-env\) is not set/);
  });

  it('mail test --store with OAuth: token, Graph expiry ("Gültig bis" updated), XOAUTH2; the secret is in neither the store file nor the output', async () => {
    const file = await storeWith('oauth', {
      authType: 'oauth',
      host: '127.0.0.1',
      port: smtp.port,
      ssl: true,
      user: MAILBOX,
      from: MAILBOX,
      clientId: CLIENT_ID,
      objectId: OBJECT_ID,
      tenant: TENANT,
      authorityHost: entra.host,
      notifyAddress: 'it@ixhaus.example',
      schedulerRecipient: 'admin1@ixhaus.example',
      schedulerRecipient2: 'admin2@ixhaus.example',
    });
    const before = smtp.log.auths.length;
    const result = await runCli(
      ['mail', 'test', '--store', file, '--to', 'mieter@example.org', '--ca-file', caFile, '--graph-host', entra.host],
      { IXHAUS_SMTP_CLIENT_SECRET: GOOD_SECRET },
    );
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /OAuth token: audience Exchange Online/);
    assert.match(result.stdout, /client secret valid until 2027-03-31/);
    assert.equal(smtp.log.auths[before]?.method, 'XOAUTH2');
    const bytes = fs.readFileSync(file);
    assert.equal(bytes.includes(Buffer.from(GOOD_SECRET)), false, 'secret found in the store file');
    assert.equal(bytes.includes(Buffer.from('2027-03-31')), true, 'Gültig bis was saved');
    assert.ok(!(result.stdout + result.stderr).includes(GOOD_SECRET));
  });

  it('mail secret-expiry: reminder to the notification address once per threshold', async () => {
    const file = await storeWith('expiry', {
      authType: 'oauth',
      host: '127.0.0.1',
      port: smtp.port,
      ssl: true,
      user: MAILBOX,
      from: MAILBOX,
      clientId: CLIENT_ID,
      objectId: OBJECT_ID,
      tenant: TENANT,
      authorityHost: entra.host,
      notifyAddress: 'it@ixhaus.example',
    });
    const env = { IXHAUS_SMTP_CLIENT_SECRET: GOOD_SECRET };
    const args = [
      'mail',
      'secret-expiry',
      '--store',
      file,
      '--ca-file',
      caFile,
      '--graph-host',
      entra.host,
      '--now',
      '2027-03-25T06:00:00Z',
    ];
    const count = smtp.log.messages.length;
    const first = await runCli(args, env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /valid until 2027-03-31: 5 days left/);
    assert.match(first.stdout, /reminder \(7 days\) sent to it@ixhaus\.example/);
    assert.equal(smtp.log.messages.length, count + 1);
    assert.match(smtp.log.messages.at(-1) ?? '', /^To: it@ixhaus\.example/m);
    const second = await runCli(args, env);
    assert.match(second.stdout, /no reminder sent \(none due\)/);
    assert.equal(smtp.log.messages.length, count + 1);
  });

  it('scheduler check: one alert per incident to both recipients (Basic, password from env)', async () => {
    const file = await storeWith('scheduler', schedulerMailSettings(smtp, MAILBOX));
    const env = { IXHAUS_SMTP_PASSWORD: PASSWORD };
    const args = ['scheduler', 'check', '--store', file, '--ca-file', caFile, '--now', '2026-11-02T03:00:00Z'];
    const dry = await runCli([...args, '--dry-run']);
    assert.match(dry.stdout, /^not-started\s+Sollstellung/m);
    assert.match(dry.stdout, /not started since 02\.11\.2026 02:00 \(1 due time missed\), next 03\.11\.2026 02:00/);
    const dryJson = JSON.parse((await runCli([...args, '--dry-run', '--json'])).stdout) as {
      jobs: Array<{ state: string; lastDue?: string; notStartedSince?: string; missed?: number }>;
    };
    assert.deepEqual(dryJson.jobs[0] && { ...dryJson.jobs[0], job: undefined, nextDue: undefined }, {
      job: undefined,
      nextDue: undefined,
      state: 'not-started',
      lastDue: '2026-11-02T01:00:00.000Z',
      notStartedSince: '2026-11-02T01:00:00.000Z',
      missed: 1,
    });
    const count = smtp.log.messages.length;
    const first = await runCli(args, env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /alert sent: Sollstellung not-started since 02\.11\.2026 02:00$/m);
    assert.match(
      (smtp.log.messages.at(-1) ?? '').replace(/=\r\n/g, ''),
      /zum Termin 02\.11\.2026 02:00 Uhr nicht gestartet/,
    );
    assert.equal(smtp.log.messages.length, count + 1);
    assert.deepEqual(smtp.log.rcptTo.slice(-2), ['admin1@ixhaus.example', 'admin2@ixhaus.example']);
    const second = await runCli(args, env);
    assert.doesNotMatch(second.stdout, /alert sent/);
    assert.equal(smtp.log.messages.length, count + 1);
  });

  it('scheduler check: a job name with CR/LF/NUL written into the store does not keep the other jobs from being alerted (issue 17 §10)', async () => {
    const file = await storeWith('scheduler-crlf', {
      authType: 'basic',
      host: '127.0.0.1',
      port: smtp.port,
      ssl: true,
      user: MAILBOX,
      from: MAILBOX,
      schedulerRecipient: 'admin1@ixhaus.example',
    });
    const store = await Store.open(file);
    // written directly into the store (an import or another tool), bypassing createJob's check
    store.run(
      "INSERT INTO scheduler_jobs (name, job_group, cron, max_run_minutes, enabled, created_at) VALUES (?, 'Buchhaltung', '0 2 * * *', 30, 1, '2026-11-01T12:00:00.000Z')",
      ['Lohnlauf\r\nBcc: x@example.invalid\0'],
    );
    await store.close({ save: true });
    const count = smtp.log.messages.length;
    const result = await runCli(
      ['scheduler', 'check', '--store', file, '--ca-file', caFile, '--now', '2026-11-02T03:00:00Z'],
      { IXHAUS_SMTP_PASSWORD: PASSWORD },
    );
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /alert sent: Sollstellung not-started/);
    assert.match(result.stdout, /alert sent: Lohnlauf\\r\\nBcc: x@example\.invalid\\u0000 not-started/);
    const sent = smtp.log.messages.slice(count);
    assert.equal(sent.length, 2);
    for (const raw of sent) assert.doesNotMatch(raw, /^Bcc:/m, 'no header injected');
    // the subject is MIME-encoded: the backslash of the visible escape is =5C
    assert.ok(
      sent.some((raw) => /Aufgabe_=22Lohnlauf=5Cr\?=\r\n =\?UTF-8\?Q\?=5CnBcc/.test(raw)),
      'the bad job is alerted with its name escaped',
    );
  });

  it('scheduler check: an invalid stored recipient is named and the run exits non-zero; the valid one still gets the alert (issue 17 §11)', async () => {
    const file = await storeWith('scheduler-invalid', {
      authType: 'basic',
      host: '127.0.0.1',
      port: smtp.port,
      ssl: true,
      user: MAILBOX,
      from: MAILBOX,
      schedulerRecipient: 'admin1@ixhaus.example',
    });
    const store = await Store.open(file);
    store.run('UPDATE mail_settings SET scheduler_recipient = ? WHERE id = 1', ['admin1@ixhaus..example']);
    await store.close({ save: true });
    const args = ['scheduler', 'check', '--store', file, '--ca-file', caFile, '--now', '2026-11-02T03:00:00Z'];
    const count = smtp.log.messages.length;
    const none = await runCli(args, { IXHAUS_SMTP_PASSWORD: PASSWORD });
    assert.equal(none.code, 1, none.stdout);
    assert.match(none.stdout, /"admin1@ixhaus\.\.example" is not a valid e-mail address/);
    assert.doesNotMatch(none.stdout, /no scheduler recipients or sender configured/);
    assert.equal(smtp.log.messages.length, count);
    // with a second, valid recipient the alert goes there — and the run still fails, naming the invalid one
    const again = await Store.open(file);
    again.run('UPDATE mail_settings SET scheduler_recipient2 = ? WHERE id = 1', ['admin2@ixhaus.example']);
    await again.close({ save: true });
    const partial = await runCli([...args, '--json'], { IXHAUS_SMTP_PASSWORD: PASSWORD });
    assert.equal(partial.code, 1);
    const json = JSON.parse(partial.stdout) as {
      alerted: unknown[];
      invalidRecipients: string[];
      alertsMissed: boolean;
    };
    assert.equal(json.alerted.length, 1);
    assert.deepEqual(json.invalidRecipients, ['admin1@ixhaus..example']);
    assert.equal(json.alertsMissed, true);
    assert.deepEqual(smtp.log.rcptTo.slice(-1), ['admin2@ixhaus.example']);
  });

  it('scheduler check: a refused send exits non-zero and names the failure (cron must notice)', async () => {
    const file = await storeWith('scheduler-refused', {
      authType: 'basic',
      host: '127.0.0.1',
      port: smtp.port,
      ssl: true,
      user: MAILBOX,
      from: MAILBOX,
      schedulerRecipient: 'admin1@ixhaus.example',
    });
    const result = await runCli(
      ['scheduler', 'check', '--store', file, '--ca-file', caFile, '--now', '2026-11-02T03:00:00Z'],
      { IXHAUS_SMTP_PASSWORD: 'falsch' },
    );
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stdout, /alert NOT sent: Sollstellung not-started .*step AUTH failed/);
  });

  it("reminders set/show (admins, audited) and mail secret-expiry reminds at the store's own windows (issue 17 §12)", async () => {
    const file = await storeWith('windows', {
      authType: 'oauth',
      host: '127.0.0.1',
      port: smtp.port,
      ssl: true,
      user: MAILBOX,
      from: MAILBOX,
      clientId: CLIENT_ID,
      objectId: OBJECT_ID,
      tenant: TENANT,
      authorityHost: entra.host,
      notifyAddress: 'it@ixhaus.example',
    });
    const shown = await runCli(['reminders', 'show', '--store', file]);
    assert.match(shown.stdout, /reminders 30, 7, 1 days before the end date/);
    const bad = await runCli(
      ['reminders', 'set', '60', '0', '--store', file, '--user', DEMO_ADMIN_LOGIN, '--password-env', 'ADMIN_PW'],
      { ADMIN_PW: DEMO_PASSWORD },
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /"0" is not a reminder window: enter whole days from 1 to 365/);
    const set = await runCli(
      [
        'reminders',
        'set',
        '60',
        '14',
        '3',
        '--store',
        file,
        '--user',
        DEMO_ADMIN_LOGIN,
        '--password-env',
        'ADMIN_PW',
        '--json',
      ],
      { ADMIN_PW: DEMO_PASSWORD },
    );
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual((JSON.parse(set.stdout) as { days: number[] }).days, [60, 14, 3]);
    const env = { IXHAUS_SMTP_CLIENT_SECRET: GOOD_SECRET };
    const count = smtp.log.messages.length;
    // 2027-03-31 minus 40 days: inside the 60-day window (the default 30 would not remind yet)
    const early = await runCli(
      [
        'mail',
        'secret-expiry',
        '--store',
        file,
        '--ca-file',
        caFile,
        '--graph-host',
        entra.host,
        '--now',
        '2027-02-19T06:00:00Z',
      ],
      env,
    );
    assert.equal(early.code, 0, early.stderr);
    assert.match(early.stdout, /reminder \(60 days\) sent to it@ixhaus\.example/);
    assert.equal(smtp.log.messages.length, count + 1);
    // 5 days before: the 14-day window (7 is not a window any more)
    const late = await runCli(
      [
        'mail',
        'secret-expiry',
        '--store',
        file,
        '--ca-file',
        caFile,
        '--graph-host',
        entra.host,
        '--now',
        '2027-03-25T06:00:00Z',
      ],
      env,
    );
    assert.match(late.stdout, /reminder \(14 days\) sent/);
    const store = await Store.open(file, { readOnly: true });
    try {
      assert.deepEqual(
        store.all<{ d: number }>('SELECT days_before AS d FROM mail_secret_reminders ORDER BY d').map((r) => r.d),
        [14, 60],
      );
      assert.equal(store.scalar("SELECT new_value FROM audit_log WHERE action = 'reminders.days'"), '60,14,3');
    } finally {
      await store.close();
    }
  });
});
