import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { createJob } from '../../src/core/scheduler/scheduler';
import type { IxHausApi } from '../../src/extension/extension';
import { startSmtpPeer } from '../peers/smtpPeer';
import type { SmtpPeer } from '../peers/smtpPeer';

const EXTENSION_ID = 'ixhaus-admin.ixhaus-admin';
const USER = 'verwaltung@ixhaus.example';
const SECRET = 'Host-Test-Geheimnis-93f1!';

function filesBelow(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesBelow(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('SMTP Einstellungen and Scheduler in a real VS Code host', () => {
  let api: IxHausApi;
  let peer: SmtpPeer;
  let caFile: string;

  before(async () => {
    api = (await vscode.extensions.getExtension<IxHausApi>(EXTENSION_ID)!.activate());
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
    const store = api.services.storeHost.store!;
    await vscode.commands.executeCommand('ixhaus.mail.editSettings', { settings: { authType: 'basic', host: '127.0.0.1', port: String(peer.port), ssl: true, user: USER, from: USER, schedulerRecipient: 'admin1@ixhaus.example', schedulerRecipient2: 'admin2@ixhaus.example' } });
    await vscode.commands.executeCommand('ixhaus.mail.setSecret', { kind: 'password', value: SECRET });
    assert.equal(await api.services.context.secrets.get(api.services.mail.key(store, 'password')), SECRET);
    await vscode.commands.executeCommand('ixhaus.mail.testConnection', { to: 'mieter@example.org', caFile });
    const result = api.services.mail.lastResult;
    assert.ok(result?.ok, JSON.stringify(result?.smtp.steps));
    assert.deepEqual(result.smtp.steps.map((s) => s.status), ['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    assert.equal(peer.log.messages.length, 1);
    console.log(`SMTP connection test in the host: ${result.smtp.durationMs} ms (${result.smtp.tlsMode}, ${result.smtp.tls ?? ''})`);

    // the secret never leaves secret storage: not in the store file, not in any log of this window
    await store.save();
    assert.ok(store.file);
    assert.equal(fs.readFileSync(store.file).includes(Buffer.from(SECRET)), false, 'secret found in the store file');
    const logsDir = path.dirname(path.dirname(api.services.context.logUri.fsPath));
    const logs = filesBelow(logsDir);
    assert.ok(logs.length > 0, `no log files under ${logsDir}`);
    for (const file of logs) assert.equal(fs.readFileSync(file).includes(Buffer.from(SECRET)), false, `secret found in ${file}`);
  });

  it('a wrong password is reported at AUTH with the hint, not as a crash', async () => {
    const store = api.services.storeHost.store!;
    await vscode.commands.executeCommand('ixhaus.mail.setSecret', { kind: 'password', value: 'falsch' });
    await vscode.commands.executeCommand('ixhaus.mail.testConnection', { to: 'mieter@example.org', caFile });
    const failed = api.services.mail.lastResult?.smtp.steps.find((s) => s.status === 'failed');
    assert.equal(failed?.step, 'AUTH');
    assert.equal(failed?.hint?.id, 'auth-rejected-basic');
    await api.services.mail.write(store, 'password', '');
  });

  it('lists scheduler jobs with their state in the Scheduler view', async () => {
    const store = api.services.storeHost.store!;
    createJob(store, api.services.session.actor!, { name: 'Personenlastschriften', group: 'Buchhaltung', cron: '0 2 * * *', maxRunMinutes: 30 }, new Date(Date.now() - 3 * 86_400_000));
    createJob(store, api.services.session.actor!, { name: 'Alt-Daten markieren', group: 'Weitere Aufgaben', cron: '0 3 * * 0', maxRunMinutes: 60, enabled: false });
    await store.save();
    api.services.refreshViews();
    const groups = await api.views['ixhaus.scheduler'].getChildren();
    const label = (item: vscode.TreeItem) => (typeof item.label === 'string' ? item.label : (item.label?.label ?? ''));
    assert.deepEqual(groups.map((g) => label(g.treeItem())), ['Buchhaltung', 'Weitere Aufgaben']);
    const job = groups[0]!.children!()[0]!.treeItem();
    assert.equal(label(job), 'Personenlastschriften');
    assert.match(String(job.description), /0 2 \* \* \*/);
    assert.match(String(job.contextValue), /;not-started;/);
    assert.match(label(groups[1]!.children!()[0]!.treeItem()), /Alt-Daten markieren \(/);
  });
});
