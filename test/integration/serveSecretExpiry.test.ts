/**
 * `ixhaus-admin serve`'s daily client-secret expiry check (issue 21): the built dist/cli.js against the local
 * Entra ID token endpoint + Microsoft Graph (test/peers/entraPeer.ts) and a JSON webhook receiver, both on
 * 127.0.0.1, on a file store with OAuth SMTP settings. Graph is asked at most once per UTC day and store; an alert
 * goes out once per reminder window reached (the store's windows, default 30/7/1).
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lastSecretExpiryLookup } from '../../src/core/alerts/secretExpiryAlert';
import { DEMO_ADMIN_LOGIN, DEMO_PASSWORD } from '../../src/core/demo/demoData';
import { loadMailSettings, saveMailSettings } from '../../src/core/mail/mailStore';
import { Store } from '../../src/core/store/database';
import { SqlJsAsyncStore } from '../../src/core/store/sqlJsAsyncStore';
import { signIn } from '../../src/core/users/auth';
import { runBuiltCliAsync, smallDemoStoreFile, tempDir } from '../helpers';
import { CLIENT_ID, GOOD_SECRET, OBJECT_ID, TENANT, startEntraPeer } from '../peers/entraPeer';
import type { EntraPeer } from '../peers/entraPeer';
import { testCertificate } from '../peers/smtpPeer';
import { startWebhookPeer } from '../peers/webhookPeer';
import type { WebhookPeer } from '../peers/webhookPeer';

const root = path.join(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');

const runCli = runBuiltCliAsync;

describe('CLI: serve — daily client-secret expiry through Graph (built dist/cli.js, peers on 127.0.0.1; issue 21)', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let caFile: string;
  let entra: EntraPeer;
  let hook: WebhookPeer;

  before(async () => {
    const sources = ['src/cli/serveCommand.ts', 'src/cli/serveChecks.ts', 'src/core/alerts/secretExpiryAlert.ts'];
    const stale =
      !fs.existsSync(cli) ||
      fs.statSync(cli).mtimeMs < Math.max(...sources.map((f) => fs.statSync(path.join(root, f)).mtimeMs));
    if (stale) execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root });
    ({ dir, cleanup } = await tempDir('ixhaus-serve-secret-'));
    caFile = path.join(dir, 'company-ca.pem');
    fs.writeFileSync(caFile, testCertificate().cert);
    entra = await startEntraPeer({
      graph: {
        passwordCredentials: [
          // another secret of the same app ends earlier: the one in use is picked by its hint
          { keyId: 'k0', hint: 'zzz', displayName: 'alt', endDateTime: '2027-01-15T00:00:00Z' },
          { keyId: 'k1', hint: GOOD_SECRET.slice(0, 3), displayName: 'ixhaus', endDateTime: '2027-03-31T00:00:00Z' },
        ],
      },
    });
    hook = await startWebhookPeer();
  });
  after(async () => {
    await entra.close();
    await hook.close();
    await cleanup();
  });

  async function oauthStore(name: string): Promise<string> {
    const file = path.join(dir, `${name}.sqlite`);
    const store = new SqlJsAsyncStore(await Store.open(await smallDemoStoreFile(file)));
    const admin = await signIn(store, DEMO_ADMIN_LOGIN, DEMO_PASSWORD);
    await saveMailSettings(store, admin, {
      authType: 'oauth',
      host: 'smtp.office365.com',
      port: 587,
      ssl: true,
      user: 'verwaltung@ixhaus.example',
      from: 'verwaltung@ixhaus.example',
      clientId: CLIENT_ID,
      objectId: OBJECT_ID,
      tenant: TENANT,
      authorityHost: entra.host,
    });
    await store.close();
    return file;
  }

  async function stored(file: string) {
    const store = new SqlJsAsyncStore(await Store.open(file));
    try {
      return { settings: await loadMailSettings(store), lookup: await lastSecretExpiryLookup(store) };
    } finally {
      await store.close();
    }
  }

  const graphCalls = (): number => entra.requests.filter((r) => r.includes('/v1.0/applications/')).length;
  const secretPosts = () =>
    hook.requests
      .map((r) => r.body as { kind: string; incident: string; subject: string })
      .filter((b) => b.kind === 'secret-expiry');
  const args = (file: string, now: string): string[] => [
    'serve',
    '--once',
    '--store',
    file,
    '--webhook',
    'json=IXHAUS_JSON_URL',
    '--ca-file',
    caFile,
    '--graph-host',
    entra.host,
    '--client-secret-env',
    'SVC_SECRET',
    '--now',
    now,
  ];

  it('asks Graph once a day, stores "Gültig bis" and alerts once per window reached', async () => {
    const file = await oauthStore('daily');
    const env = { IXHAUS_JSON_URL: hook.url('/hooks/ixhaus'), SVC_SECRET: GOOD_SECRET };
    const graph0 = graphCalls();
    const first = await runCli(args(file, '2027-03-25T06:00:00Z'), env);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.equal(graphCalls(), graph0 + 1);
    const after1 = await stored(file);
    assert.equal(after1.settings?.secretValidUntil, '2027-03-31');
    assert.deepEqual(after1.lookup, { at: '2027-03-25T06:00:00.000Z', result: 'known' });
    assert.deepEqual(
      secretPosts().map((p) => p.incident),
      ['secret-expiry:2027-03-31:7'],
    );
    assert.equal(secretPosts()[0]?.subject, 'iX-Haus: Client Secret der SMTP-App läuft am 31.03.2027 ab (noch 5 Tage)');
    assert.ok(!(first.stdout + first.stderr).includes(GOOD_SECRET), 'secret leaked into the log');

    // the same day: no Graph traffic, nothing posted twice
    const second = await runCli(args(file, '2027-03-25T18:00:00Z'), env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(graphCalls(), graph0 + 1);
    assert.equal(secretPosts().length, 1);

    // the next day: Graph again, the same window → no new alert; the 1-day window → one new alert
    assert.equal((await runCli(args(file, '2027-03-26T06:00:00Z'), env)).code, 0);
    assert.equal(graphCalls(), graph0 + 2);
    assert.equal(secretPosts().length, 1);
    assert.equal((await runCli(args(file, '2027-03-30T06:00:00Z'), env)).code, 0);
    assert.deepEqual(
      secretPosts().map((p) => p.incident),
      ['secret-expiry:2027-03-31:7', 'secret-expiry:2027-03-31:1'],
    );
  });

  it('a missing client secret is named (once a day, exit 1); Graph is not asked; the stored date still alerts', async () => {
    const file = await oauthStore('missing');
    const env: Record<string, string> = { IXHAUS_JSON_URL: hook.url('/hooks/ixhaus') };
    const graph0 = graphCalls();
    const posts0 = secretPosts().length;
    const run = await runCli(args(file, '2027-03-25T06:00:00Z'), env);
    assert.equal(run.code, 1, run.stdout);
    assert.match(
      run.stderr,
      /check secret-expiry-lookup failed: the OAuth client secret is not set \(environment variable SVC_SECRET, --client-secret-env\)/,
    );
    assert.equal(graphCalls(), graph0);
    assert.equal((await stored(file)).lookup?.result, 'failed');
    const again = await runCli(args(file, '2027-03-25T07:00:00Z'), env);
    assert.equal(again.code, 0, 'the failed lookup is not repeated the same day');
    assert.equal(secretPosts().length, posts0, 'no expiry date known yet: nothing to alert');
  });

  it('Graph refusing (no Application.Read.All) names the permission; Basic settings cause no Graph traffic', async () => {
    const refusing = await startEntraPeer({ graph: 403 });
    try {
      const file = await oauthStore('refused');
      const store = new SqlJsAsyncStore(await Store.open(file));
      await store.run('UPDATE mail_settings SET authority_host = ?', [refusing.host]);
      await store.close();
      const env = { IXHAUS_JSON_URL: hook.url('/hooks/ixhaus'), SVC_SECRET: GOOD_SECRET };
      const run = await runCli([...args(file, '2027-03-25T06:00:00Z'), '--graph-host', refusing.host], env);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /client-secret expiry unknown: .*Application\.Read\.All/);
      assert.equal((await stored(file)).lookup?.result, 'unknown');
    } finally {
      await refusing.close();
    }
    const basic = path.join(dir, 'basic.sqlite');
    await smallDemoStoreFile(basic);
    const graph0 = graphCalls();
    const run = await runCli(args(basic, '2027-03-25T06:00:00Z'), { IXHAUS_JSON_URL: hook.url('/hooks/ixhaus') });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(graphCalls(), graph0);
    assert.equal((await stored(basic)).lookup, undefined);
  });
});
