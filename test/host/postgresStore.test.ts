/**
 * The extension on a PostgreSQL store in a real VS Code host (issue 19): a real PostgreSQL 15 cluster on 127.0.0.1
 * (test/peers/postgres.ts, TLS with a test CA), the database migrated by the schema-owner role, the extension
 * connected as the runtime role with the password taken from VS Code secret storage. A change committed by another
 * connection (the test's own PostgresStore, as another window or the CLI would) must reach the extension's
 * `onDidChangeData` and the view that shows the table within a second; a lost notification connection shows
 * "Reconnecting…" in the status bar and clears it when back.
 *
 * Run alone: IXHAUS_HOST_ENV='{"IXHAUS_HOST_FILES":"postgresStore"}' npm run test:host
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { StoreChange } from '../../src/core/store/storeChange';
import { parseStoreLocation } from '../../src/core/store/location';
import type { PostgresLocation } from '../../src/core/store/location';
import { PostgresStore } from '../../src/core/store/postgres/postgresStore';
import type { StoreSummary } from '../../src/core/store/storeSummary';
import type { IxHausApi } from '../../src/extension/extension';
import { createFirstAdmin } from '../../src/core/users/bootstrap';
import { signIn } from '../../src/core/users/auth';
import { saveMailSettings } from '../../src/core/mail/mailStore';
import { createJob } from '../../src/core/scheduler/scheduler';
import type { MonitorOutcome } from '../../src/core/scheduler/schedulerMonitor';
import { schedulerMailSettings, startSmtpPeer } from '../peers/smtpPeer';
import { requireSignedIn } from '../../src/extension/signedIn';
import { storePasswordKey } from '../../src/extension/storeHost';
import type { StoreConnectionState } from '../../src/extension/storeHost';
import {
  APP_PASSWORD,
  APP_ROLE,
  OWNER_PASSWORD,
  OWNER_ROLE,
  postgresBinariesPresent,
  startPostgresCluster,
} from '../peers/postgres';
import type { PostgresCluster } from '../peers/postgres';

const EXTENSION_ID = 'ixhaus-admin.ixhaus-admin';

/** Runs the built CLI (dist/cli.js of the extension under test) to its end; stdout, stderr and exit code. */
function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const root = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'dist', 'cli.js'), ...args], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The hour (0–23) in Europe/Berlin, `hoursAgo` hours before now: the scheduler's cron is Berlin time. */
function berlinHour(hoursAgo: number): number {
  const at = new Date(Date.now() - hoursAgo * 3_600_000);
  return Number(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', hourCycle: 'h23' }).format(at),
  );
}

/** Resolves with the first value `subscribe` delivers that `accept`s, or rejects after `ms`. */
function nextEvent<T>(
  subscribe: (listener: (value: T) => void) => vscode.Disposable,
  accept: (value: T) => boolean,
  ms: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`${what}: nothing within ${ms} ms`));
    }, ms);
    const subscription = subscribe((value) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve(value);
    });
  });
}

/** Polls `check` every 50 ms until it is true, for at most `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

describe('the extension on a PostgreSQL store (real cluster, real VS Code host)', function () {
  this.timeout(120_000);
  let api: IxHausApi;
  let cluster: PostgresCluster;
  let url: string;
  let location: PostgresLocation;
  /** another connection to the same database: what another window or the CLI writes through */
  let other: PostgresStore;
  let settingBefore: string | undefined;

  before(async function () {
    if (!postgresBinariesPresent()) this.skip();
    api = await vscode.extensions.getExtension<IxHausApi>(EXTENSION_ID)!.activate();
    await api.ready;
    settingBefore = vscode.workspace.getConfiguration('ixhaus').inspect<string>('store.path')?.globalValue;
    cluster = await startPostgresCluster();
    const database = await cluster.freshDatabase();
    // the schema owner migrates once (docs/postgresql.md); the extension then works as the runtime role over TLS
    const ownerLocation = parseStoreLocation(
      `postgres://${OWNER_ROLE}@127.0.0.1:${cluster.port}/${database}?sslmode=verify-full&sslrootcert=${cluster.caFile}`,
    );
    assert.equal(ownerLocation.kind, 'postgres');
    other = await PostgresStore.open(ownerLocation, { password: OWNER_PASSWORD });
    await createFirstAdmin(other, 'pgadmin', 'Pg-Admin-2026!');
    await other.transaction(async (tx) => {
      await tx.run("INSERT INTO objects (object_no, name, city) VALUES (101, 'Lindenhof', 'Essen')");
      await tx.run("INSERT INTO objects (object_no, name, city) VALUES (102, 'Am Markt 4', 'Bochum')");
      for (const [no, last] of [
        [1, 'Becker'],
        [2, 'Schulz'],
        [3, 'Yılmaz'],
      ] as const)
        await tx.run('INSERT INTO persons (person_no, last_name) VALUES (?, ?)', [no, last]);
    });
    url = `postgres://${APP_ROLE}@127.0.0.1:${cluster.port}/${database}?sslmode=verify-full&sslrootcert=${cluster.caFile}`;
    const parsed = parseStoreLocation(url);
    assert.equal(parsed.kind, 'postgres');
    location = parsed;
  });

  after(async () => {
    if (!api) return;
    // back to the demo store file, so that the host test files after this one find what they expect
    await vscode.workspace
      .getConfiguration('ixhaus')
      .update('store.path', settingBefore, vscode.ConfigurationTarget.Global);
    await api.services.storeHost.openConfigured();
    await api.services.context.secrets.delete(storePasswordKey(location));
    await other?.close();
    await cluster?.stop();
  });

  it('connects with the password from secret storage; Store Info, status bar, sign-in and a populated view', async () => {
    await api.services.context.secrets.store(storePasswordKey(location), APP_PASSWORD);
    const started = performance.now();
    await vscode.commands.executeCommand('ixhaus.store.open', { location: url });
    const host = api.services.storeHost;
    assert.equal(host.db?.backend, 'postgres', 'the PostgreSQL store is open');
    assert.equal(host.store, undefined, 'no file engine for a PostgreSQL store');
    assert.equal(host.location?.redacted, location.redacted);
    console.log(`opened ${location.redacted} in ${(performance.now() - started).toFixed(0)} ms`);

    // the setting remembers the URL, never a password
    const setting = vscode.workspace.getConfiguration('ixhaus').get<string>('store.path');
    assert.equal(setting, location.redacted);
    assert.ok(!setting.includes(APP_PASSWORD));

    const info = await vscode.commands.executeCommand<StoreSummary | undefined>('ixhaus.store.showInfo');
    assert.equal(info?.backend, 'postgres');
    assert.equal(info.location, location.redacted);
    assert.equal(info.counts.objects, 2);
    assert.equal(info.counts.persons, 3);
    assert.equal(info.readOnly, false);

    // the session status bar names the shared store
    assert.match(api.statusBars.session.text, new RegExp(`\\$\\(database\\) ${location.database}@127\\.0\\.0\\.1`));
    assert.equal(api.statusBars.connection.shown, undefined, 'no "Reconnecting…" while connected');

    // every service runs on the server store: sign in (throttling and audit in PostgreSQL) and see the Objekte view
    await vscode.commands.executeCommand('ixhaus.session.signIn', { login: 'pgadmin', password: 'Pg-Admin-2026!' });
    assert.equal(requireSignedIn(api.services).actor.login, 'pgadmin');
    const objects = await api.views['ixhaus.objects'].getChildren();
    assert.deepEqual(
      objects.map((n) => n.id),
      ['object/101', 'object/102'],
    );
  });

  it("another connection's change reaches onDidChangeData and the Objekte view within a second", async () => {
    const host = api.services.storeHost;
    // the LISTEN connection starts with the first listener; wait until it listens before writing
    await (host.db as PostgresStore).listening();
    const objectsRefreshed = nextEvent<unknown>(
      (l) => api.views['ixhaus.objects'].onDidChangeTreeData(l),
      () => true,
      1000,
      'Objekte view refresh',
    );
    let settingsRefreshed = false;
    const settingsListener = api.views['ixhaus.settings'].onDidChangeTreeData(() => (settingsRefreshed = true));
    const changed = nextEvent<StoreChange>(
      (l) => host.onDidChangeData(l),
      (c) => c.tables.has('objects'),
      1000,
      'onDidChangeData',
    );
    const written = performance.now();
    await other.run("INSERT INTO objects (object_no, name, city) VALUES (103, 'Hafenstraße 9', 'Duisburg')");
    const change = await changed;
    const latency = performance.now() - written;
    await objectsRefreshed;
    settingsListener.dispose();
    console.log(`change of another connection reached onDidChangeData after ${latency.toFixed(0)} ms`);
    // the change names its table (a reminder of the sign-in may arrive in the same coalesced event: meta)
    assert.ok(change.tables.has('objects'), [...change.tables].join(', '));
    assert.ok(![...change.tables].some((t) => t === 'setting_values'));
    assert.equal(settingsRefreshed, false, 'a view that does not show objects is not refreshed');

    // a burst of commits (an import in another process) arrives as a few coalesced changes, not one per commit
    let events = 0;
    const counter = host.onDidChangeData(() => events++);
    for (let i = 0; i < 30; i++)
      await other.run('INSERT INTO persons (person_no, last_name) VALUES (?, ?)', [100 + i, `Import ${i}`]);
    await new Promise((r) => setTimeout(r, 400));
    counter.dispose();
    console.log(`30 commits of another connection arrived as ${events} change event(s)`);
    assert.ok(events >= 1 && events < 30, `${events} events`);
    const info = await vscode.commands.executeCommand<StoreSummary | undefined>('ixhaus.store.showInfo');
    assert.equal(info?.counts.persons, 33);
  });

  it('shows "Reconnecting…" while the notification connection is lost and clears it when back', async () => {
    const host = api.services.storeHost;
    const lost = nextEvent<StoreConnectionState>(
      (l) => host.onDidChangeConnection(l),
      (s) => s.state === 'reconnecting',
      5000,
      'reconnecting',
    );
    await cluster.admin(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${APP_ROLE}' AND query LIKE 'LISTEN%'`,
    );
    const state = await lost;
    assert.equal(state.server, `127.0.0.1:${cluster.port}`);
    assert.ok(state.error, 'the tooltip names the error');
    assert.equal(api.statusBars.connection.shown?.state, 'reconnecting');
    // back within the first retry (1 s): the item goes away and the views refresh everything
    const refreshAll = nextEvent<StoreChange>(
      (l) => host.onDidChangeData(l),
      (c) => c.tables.size === 0,
      5000,
      'refresh',
    );
    const back = await until(() => api.statusBars.connection.shown === undefined, 5000, 'reconnected');
    await refreshAll;
    console.log(`notification connection back ${back} ms after "Reconnecting…" was shown`);
    // and it listens again: the next change of another connection arrives
    const changed = nextEvent<StoreChange>(
      (l) => host.onDidChangeData(l),
      (c) => c.tables.has('objects'),
      1000,
      'after',
    );
    await other.run("UPDATE objects SET city = 'Essen-Rüttenscheid' WHERE object_no = 101");
    await changed;
  });

  it('keeps the password out of the settings and the logs of this window', async () => {
    const logsDir = path.dirname(path.dirname(api.services.context.logUri.fsPath));
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : [])
        if (e.isDirectory()) walk(path.join(dir, e.name));
        else files.push(path.join(dir, e.name));
    };
    walk(logsDir);
    assert.ok(files.length > 0, `no log files under ${logsDir}`);
    for (const file of files)
      assert.equal(fs.readFileSync(file).includes(Buffer.from(APP_PASSWORD)), false, `password found in ${file}`);
    const logged = files.some((f) => fs.readFileSync(f, 'utf8').includes(location.redacted));
    assert.ok(logged, 'the store URL (without password) is logged');
  });

  it("the window's scheduler monitor and two `serve --once` processes at once: the incident is mailed once (issue 21)", async () => {
    const MAILBOX = 'verwaltung@ixhaus.example';
    const SECRET = 'Monitor-Geheimnis-2026!';
    const smtp = await startSmtpPeer({ tls: 'starttls', user: MAILBOX, password: SECRET });
    const caFile = path.join(os.tmpdir(), `ixhaus-host-monitors-ca-${process.pid}.pem`);
    fs.writeFileSync(caFile, smtp.cert.cert);
    try {
      // SMTP settings with both scheduler recipients, and a daily job due three hours ago that never started (daily:
      // all three monitors see the same due instant, whatever second each runs in)
      const admin = await signIn(other, 'pgadmin', 'Pg-Admin-2026!');
      await saveMailSettings(other, admin, schedulerMailSettings(smtp, MAILBOX));
      const job = await createJob(
        other,
        admin,
        { name: 'Sollstellung', group: 'Buchhaltung', cron: `0 ${berlinHour(3)} * * *`, maxRunMinutes: 60 },
        new Date(Date.now() - 30 * 3_600_000),
      );
      const store = api.services.storeHost.db!;
      await api.services.mail.write(store, 'password', SECRET);
      const serve = (): ReturnType<typeof runCli> =>
        runCli(
          ['serve', '--once', '--store', url, '--store-password-env', 'IXHAUS_PG_PW', '--mail', '--ca-file', caFile],
          {
            IXHAUS_PG_PW: APP_PASSWORD,
            IXHAUS_SMTP_PASSWORD: SECRET,
          },
        );
      // all three at once: the window's "Check Scheduler Now" and two services
      const [window, first, second] = await Promise.all([
        vscode.commands.executeCommand<MonitorOutcome | undefined>('ixhaus.scheduler.check', { caFile }),
        serve(),
        serve(),
      ]);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      assert.equal(second.code, 0, second.stderr + second.stdout);
      const delivered = [first, second].flatMap((r) =>
        r.stdout
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { event: string; channel?: string })
          .filter((e) => e.event === 'delivered'),
      );
      const byWindow = window?.alerted.length ?? 0;
      console.log(`delivered by the window: ${byWindow}, by the services: ${delivered.length}`);
      assert.equal(byWindow + delivered.length, 1, 'exactly one monitor sent the incident');
      const mails = smtp.log.messages.filter((m) => m.includes('Sollstellung'));
      assert.equal(mails.length, 1, 'one mail for the incident');
      const claims = await other.query<{ incident_key: string; channel: string; sent_at: string | null }>(
        'SELECT incident_key, channel, sent_at FROM alert_claims WHERE incident_key LIKE ?',
        [`scheduler:not-started:${job.id}:%`],
      );
      assert.equal(claims.length, 1);
      assert.equal(claims[0]?.channel, 'mail');
      assert.ok(claims[0]?.sent_at, 'the claim is marked sent');
      // and later runs send nothing again
      const again = await serve();
      assert.equal(again.code, 0, again.stderr);
      assert.equal(smtp.log.messages.filter((m) => m.includes('Sollstellung')).length, 1);
    } finally {
      await smtp.close();
      fs.rmSync(caFile, { force: true });
    }
  });
});
