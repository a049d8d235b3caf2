import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { createJob } from '../../src/core/scheduler/scheduler';
import type { MonitorOutcome } from '../../src/core/scheduler/schedulerMonitor';
import type { IxHausApi } from '../../src/extension/extension';
import type { MailTestResult } from '../../src/core/mail/mailTest';
import type { MailInitView, MailSavedView, TestReportView } from '../../src/shared/protocol/mailSettings';
import { startSmtpPeer } from '../peers/smtpPeer';
import type { SmtpPeer } from '../peers/smtpPeer';

const EXTENSION_ID = 'ixhaus-admin.ixhaus-admin';
const USER = 'verwaltung@ixhaus.example';
const SECRET = 'Host-Test-Geheimnis-93f1!';

function filesBelow(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesBelow(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('SMTP Einstellungen and Scheduler in a real VS Code host', () => {
  let api: IxHausApi;
  let peer: SmtpPeer;
  let caFile: string;

  before(async () => {
    api = await vscode.extensions.getExtension<IxHausApi>(EXTENSION_ID)!.activate();
    await api.ready;
    await vscode.commands.executeCommand('ixhaus.session.signIn', { login: 'admin', password: 'demo' });
    peer = await startSmtpPeer({ tls: 'starttls', user: USER, password: SECRET });
    caFile = path.join(os.tmpdir(), `ixhaus-host-ca-${process.pid}.pem`);
    fs.writeFileSync(caFile, peer.cert.cert);
  });
  after(async () => {
    await peer.close();
    fs.rmSync(caFile, { force: true });
    await vscode.commands.executeCommand('ixhaus.session.signOut');
  });

  it('saves the settings, keeps the password only in secret storage, and sends a real test mail step by step', async () => {
    const store = api.services.storeHost.db!;
    await vscode.commands.executeCommand('ixhaus.mail.editSettings', {
      settings: {
        authType: 'basic',
        host: '127.0.0.1',
        port: String(peer.port),
        ssl: true,
        user: USER,
        from: USER,
        schedulerRecipient: 'admin1@ixhaus.example',
        schedulerRecipient2: 'admin2@ixhaus.example',
      },
    });
    await vscode.commands.executeCommand('ixhaus.mail.setSecret', { kind: 'password', value: SECRET });
    assert.equal(await api.services.context.secrets.get(api.services.mail.key(store, 'password')), SECRET);
    const result = await vscode.commands.executeCommand<MailTestResult | undefined>('ixhaus.mail.testConnection', {
      to: 'mieter@example.org',
      caFile,
    });
    assert.ok(result?.ok, JSON.stringify(result?.smtp.steps));
    assert.deepEqual(
      result.smtp.steps.map((s) => s.status),
      ['ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    );
    assert.equal(peer.log.messages.length, 1);
    console.log(
      `SMTP connection test in the host: ${result.smtp.durationMs} ms (${result.smtp.tlsMode}, ${result.smtp.tls ?? ''})`,
    );

    // the secret never leaves secret storage: not in the store file, not in any log of this window
    assert.ok(api.services.storeHost.store!.file);
    assert.equal(
      fs.readFileSync(api.services.storeHost.store!.file).includes(Buffer.from(SECRET)),
      false,
      'secret found in the store file',
    );
    const logsDir = path.dirname(path.dirname(api.services.context.logUri.fsPath));
    const logs = filesBelow(logsDir);
    assert.ok(logs.length > 0, `no log files under ${logsDir}`);
    for (const file of logs)
      assert.equal(fs.readFileSync(file).includes(Buffer.from(SECRET)), false, `secret found in ${file}`);
  });

  it('a wrong password is reported at AUTH with the hint, not as a crash', async () => {
    const store = api.services.storeHost.db!;
    await vscode.commands.executeCommand('ixhaus.mail.setSecret', { kind: 'password', value: 'falsch' });
    const result = await vscode.commands.executeCommand<MailTestResult | undefined>('ixhaus.mail.testConnection', {
      to: 'mieter@example.org',
      caFile,
    });
    const failed = result?.smtp.steps.find((s) => s.status === 'failed');
    assert.equal(failed?.step, 'AUTH');
    assert.equal(failed?.hint?.id, 'auth-rejected-basic');
    await api.services.mail.write(store, 'password', '');
  });

  it('lists scheduler jobs with their state in the Scheduler view', async () => {
    const store = api.services.storeHost.db!;
    await createJob(
      store,
      api.services.session.actor!,
      { name: 'Personenlastschriften', group: 'Buchhaltung', cron: '0 2 * * *', maxRunMinutes: 30 },
      new Date(Date.now() - 3 * 86_400_000),
    );
    await createJob(store, api.services.session.actor!, {
      name: 'Alt-Daten markieren',
      group: 'Weitere Aufgaben',
      cron: '0 3 * * 0',
      maxRunMinutes: 60,
      enabled: false,
    });
    // due only on 1 January: no due time since it was created (issue 21 trial: "not yet due", not "not started")
    await createJob(store, api.services.session.actor!, {
      name: 'Jahresabschluss',
      group: 'Buchhaltung',
      cron: '0 0 1 1 *',
      maxRunMinutes: 60,
    });
    api.services.refreshViews();
    const groups = await api.views['ixhaus.scheduler'].getChildren();
    const label = (item: vscode.TreeItem) => (typeof item.label === 'string' ? item.label : (item.label?.label ?? ''));
    assert.deepEqual(
      groups.map((g) => label(g.treeItem())),
      ['Buchhaltung', 'Weitere Aufgaben'],
    );
    const jobs = (await groups[0]!.children!()).map((n) => n.treeItem());
    assert.deepEqual(jobs.map(label), ['Jahresabschluss', 'Personenlastschriften']);
    const job = jobs[1]!;
    assert.match(String(job.description), /^not started when due · 0 2 \* \* \*$/);
    assert.match(String(job.contextValue), /;not-started;/);
    const tooltip = job.tooltip instanceof vscode.MarkdownString ? job.tooltip.value : String(job.tooltip);
    assert.match(tooltip, /Not started since .+; due times missed: [23]/);
    assert.match(tooltip, /Last due /);
    assert.match(String(jobs[0]!.description), /^not yet due · 0 0 1 1 \*$/);
    assert.match(String(jobs[0]!.contextValue), /;not-yet-due;/);
    assert.match(label((await groups[1]!.children!())[0]!.treeItem()), /Alt-Daten markieren \(/);
  });

  it('"Check Scheduler Now" alerts the job not started when due once, to both scheduler recipients', async () => {
    const store = api.services.storeHost.db!;
    await api.services.mail.write(store, 'password', SECRET);
    const before = peer.log.messages.length;
    const outcome = await vscode.commands.executeCommand<MonitorOutcome>('ixhaus.scheduler.check', { caFile });
    assert.ok(outcome, 'the check ran');
    assert.deepEqual(
      outcome.alerted.map((i) => [i.jobName, i.kind]),
      [['Personenlastschriften', 'not-started']],
    );
    assert.equal(peer.log.messages.length, before + 1);
    assert.match(peer.log.messages.at(-1)!, /Subject: =\?UTF-8\?Q\?iX-Scheduler=3A_Aufgabe_=22Personenlasts/);
    assert.match(
      peer.log.messages.at(-1)!,
      /Die Scheduler-Aufgabe "Personenlastschriften" \(Nr\. \d+\) wurde zum Termin/,
    );
    // German local time (Europe/Berlin), not UTC ISO; one alert for the three missed nights (quoted-printable)
    const body = peer.log.messages
      .at(-1)!
      .replace(/=\r\n/g, '')
      .replace(/=C3=A4/g, 'ä');
    assert.match(
      body,
      /wurde zum Termin \d\d\.\d\d\.\d{4} \d\d:\d\d Uhr nicht gestartet und ist seitdem nicht gelaufen \([23] Termine versäumt/,
    );
    assert.doesNotMatch(body, /\d{4}-\d\d-\d\dT\d\d:/);
    assert.deepEqual(peer.log.rcptTo.slice(-2), ['admin1@ixhaus.example', 'admin2@ixhaus.example']);
    const again = await vscode.commands.executeCommand<MonitorOutcome>('ixhaus.scheduler.check', { caFile });
    assert.deepEqual(again?.alerted, [], 'one alert per incident');
    assert.equal(peer.log.messages.length, before + 1);
  });
});

describe('SMTP Einstellungen webview in a real VS Code host', () => {
  const SECRET2 = 'Webview-Geheimnis-7c2e!';
  let api: IxHausApi;
  let peer: SmtpPeer;
  let caFile: string;

  before(async () => {
    api = await vscode.extensions.getExtension<IxHausApi>(EXTENSION_ID)!.activate();
    await vscode.commands.executeCommand('ixhaus.session.signIn', { login: 'admin', password: 'demo' });
    peer = await startSmtpPeer({ tls: 'starttls', user: USER, password: SECRET2 });
    caFile = path.join(os.tmpdir(), `ixhaus-host-ca2-${process.pid}.pem`);
    fs.writeFileSync(caFile, peer.cert.cert);
  });
  after(async () => {
    api.services.mailPanels.open?.panel.dispose();
    await peer.close();
    fs.rmSync(caFile, { force: true });
    await vscode.commands.executeCommand('ixhaus.session.signOut');
  });

  it('loads under its strict CSP, saves through the host validator, answers errors as localized replies, and never gets the secret back', async () => {
    const loaded = new Promise<void>((resolve) => {
      const wait = setInterval(() => {
        const open = api.services.mailPanels.open;
        if (!open) return;
        clearInterval(wait);
        const sub = open.onDidLoadPage(() => (sub.dispose(), resolve()));
      }, 5);
    });
    await vscode.commands.executeCommand('ixhaus.mail.openSettings', { caFile });
    const panel = api.services.mailPanels.open;
    assert.ok(panel, 'panel open');
    assert.match(panel.panel.webview.html, /default-src 'none'; script-src 'nonce-[A-Za-z0-9+/=]{24}'/);
    assert.doesNotMatch(panel.panel.webview.html, /unsafe-inline/);
    await Promise.race([
      loaded,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the page never asked for its data')), 15_000)),
    ]);

    await assert.rejects(
      panel.invoke('mail/settings/save', {
        values: { authType: 'basic', host: '127.0.0.1', port: 'abc', ssl: true, user: USER, from: USER },
        secrets: {},
      }),
      /The port must be a whole number/,
    );
    const saved = (await panel.invoke('mail/settings/save', {
      values: {
        authType: 'basic',
        host: '127.0.0.1',
        port: String(peer.port),
        ssl: true,
        user: USER,
        from: USER,
        schedulerRecipient: 'admin1@ixhaus.example',
      },
      secrets: { password: SECRET2 },
    })) as MailSavedView;
    assert.equal(saved.presence.password, true);
    const store = api.services.storeHost.db!;
    assert.equal(await api.services.context.secrets.get(api.services.mail.key(store, 'password')), SECRET2);

    // an invalid recipient: a localized error reply (the page shows it and re-enables Test), no crash, nothing sent
    const sentBefore = peer.log.messages.length;
    await assert.rejects(
      panel.invoke('mail/test/run', { to: 'kein empfänger' }),
      /"kein empfänger" is not a valid e-mail address/,
    );
    assert.equal(peer.log.messages.length, sentBefore);
    const report = (await panel.invoke('mail/test/run', { to: 'mieter@example.org' })) as TestReportView;
    assert.ok(report.ok, JSON.stringify(report));

    const init = (await panel.invoke('mail/settings/init', {})) as MailInitView;
    for (const answer of [saved, report, init])
      assert.equal(JSON.stringify(answer).includes(SECRET2), false, 'secret sent to the webview');
    assert.equal(
      fs.readFileSync(api.services.storeHost.store!.file!).includes(Buffer.from(SECRET2)),
      false,
      'secret in the store file',
    );
    for (const file of filesBelow(path.dirname(path.dirname(api.services.context.logUri.fsPath))))
      assert.equal(fs.readFileSync(file).includes(Buffer.from(SECRET2)), false, `secret in ${file}`);
  });

  it('a test result that finishes while the panel is hidden is shown when the panel is shown again', async () => {
    const panel = api.services.mailPanels.open!;
    const doc = await vscode.workspace.openTextDocument(caFile);
    await vscode.window.showTextDocument(doc, {
      viewColumn: panel.panel.viewColumn ?? vscode.ViewColumn.Active,
      preview: false,
    });
    for (let i = 0; i < 100 && panel.panel.visible; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(panel.panel.visible, false, 'the panel is hidden');
    const report = (await panel.invoke('mail/test/run', { to: 'hinten@example.org' })) as TestReportView;
    assert.ok(report.ok);
    const reloaded = new Promise<void>((resolve) => {
      const sub = panel.onDidLoadPage(() => (sub.dispose(), resolve()));
    });
    panel.panel.reveal();
    await Promise.race([
      reloaded,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the page was not loaded again')), 15_000)),
    ]);
    const init = (await panel.invoke('mail/settings/init', {})) as MailInitView;
    assert.equal(init.report?.to, 'hinten@example.org', 'the result waited for the page');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await api.services.mail.write(api.services.storeHost.db!, 'password', '');
  });
});
