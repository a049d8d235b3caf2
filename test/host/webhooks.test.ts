/**
 * Alert webhooks in a real VS Code host (issue 21 "… VS Code from secret storage"): an administrator sets a Teams
 * Workflows URL and a JSON URL (scripted through the command, as the quick picks and password box would), the URLs
 * are kept only in secret storage (per system), a test alert reaches the Teams peer, and the window's scheduler check
 * posts a due job's incident once to each webhook — a failing webhook does not stop the other, and its failure names
 * the channel, never the URL. Peers: HTTP servers on 127.0.0.1 (test/peers/webhookPeer.ts).
 *
 * Run alone: IXHAUS_HOST_ENV='{"IXHAUS_HOST_FILES":"webhooks"}' npm run test:host
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { createJob } from '../../src/core/scheduler/scheduler';
import type { WebhookAttempt } from '../../src/core/alerts/webhookPost';
import type { IxHausApi } from '../../src/extension/extension';
import type { WindowMonitorOutcome } from '../../src/extension/mail/schedulerMonitor';
import { requireSignedIn } from '../../src/extension/signedIn';
import { WEBHOOK_SIGNATURE, startWebhookPeer } from '../peers/webhookPeer';
import type { WebhookPeer } from '../peers/webhookPeer';

const EXTENSION_ID = 'ixhaus-admin.ixhaus-admin';

/** The hour (0–23) in Europe/Berlin `hoursAgo` hours before now (the scheduler's cron is Berlin time). */
function berlinHour(hoursAgo: number): number {
  const at = new Date(Date.now() - hoursAgo * 3_600_000);
  return Number(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', hourCycle: 'h23' }).format(at),
  );
}

function filesBelow(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesBelow(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('Alert webhooks (Teams, JSON) from a VS Code window', function () {
  this.timeout(60_000);
  let api: IxHausApi;
  let teams: WebhookPeer;
  let json: WebhookPeer;

  before(async () => {
    api = await vscode.extensions.getExtension<IxHausApi>(EXTENSION_ID)!.activate();
    await api.ready;
    await vscode.commands.executeCommand('ixhaus.session.signIn', { login: 'admin', password: 'demo' });
    teams = await startWebhookPeer();
    json = await startWebhookPeer();
  });
  after(async () => {
    const store = api.services.storeHost.db;
    if (store) for (const kind of ['teams', 'json'] as const) await api.services.alertWebhooks.write(store, kind, '');
    await teams?.close();
    await json?.close();
    await vscode.commands.executeCommand('ixhaus.session.signOut');
  });

  it('keeps the URLs only in secret storage (per system); a wrong URL is refused; a test alert reaches Teams', async () => {
    const { store } = requireSignedIn(api.services);
    await vscode.commands.executeCommand('ixhaus.alerts.configureWebhooks', { kind: 'teams', url: teams.url() });
    await vscode.commands.executeCommand('ixhaus.alerts.configureWebhooks', {
      kind: 'json',
      url: json.url('/hooks/ixhaus'),
    });
    const key = api.services.alertWebhooks.key(store, 'teams');
    // the active system's secret (issue 20), else the store's
    const active = api.services.systems.active;
    assert.equal(
      key,
      active ? `ixhaus.system/${active.id}/alerts.teamsWebhook` : `ixhaus.alerts.teams:${store.location}`,
    );
    assert.equal(await api.services.context.secrets.get(key), teams.url());
    // a plain-http URL to another host is refused (the command shows the error); the kept URL stays
    await vscode.commands.executeCommand('ixhaus.alerts.configureWebhooks', {
      kind: 'teams',
      url: 'http://teams.example.com/hook',
    });
    assert.equal(await api.services.context.secrets.get(key), teams.url());

    const attempts = await vscode.commands.executeCommand<WebhookAttempt[] | undefined>(
      'ixhaus.alerts.configureWebhooks',
      { kind: 'teams', test: true },
    );
    assert.equal(attempts?.at(-1)?.status, 202);
    assert.equal(teams.requests.length, 1);
    const card = JSON.stringify(teams.requests[0]?.body);
    assert.match(card, /"type":"AdaptiveCard"/);
    assert.match(card, /Testbenachrichtigung/);
    assert.equal(json.requests.length, 0, 'the test went to Teams only');
  });

  it('the scheduler check posts a due job once to each webhook; a failing webhook does not stop the other', async () => {
    const { store, actor } = requireSignedIn(api.services);
    const due = (name: string): Promise<{ id: number }> =>
      createJob(
        store,
        actor,
        { name, group: 'Buchhaltung', cron: `0 ${berlinHour(3)} * * *`, maxRunMinutes: 60 },
        new Date(Date.now() - 30 * 3_600_000),
      );
    const job = await due('Webhook-Sollstellung');
    const teamsBefore = teams.requests.length;
    const first = await vscode.commands.executeCommand<WindowMonitorOutcome>('ixhaus.scheduler.check');
    const mine = (outcome: WindowMonitorOutcome | undefined, id: number): string[] =>
      (outcome?.webhooks?.delivered ?? [])
        .filter((d) => d.incident.startsWith(`scheduler:not-started:${id}:`))
        .map((d) => d.channel)
        .sort();
    assert.deepEqual(mine(first, job.id), ['json', 'teams']);
    const posted = teams.requests
      .slice(teamsBefore)
      .filter((r) => JSON.stringify(r.body).includes('Webhook-Sollstellung'));
    assert.equal(posted.length, 1);
    const body = json.requests.map(
      (r) => r.body as { kind: string; incident: string; store: string; text: string; incidentAt: string },
    );
    const jobPost = body.find((b) => b.incident.startsWith(`scheduler:not-started:${job.id}:`));
    assert.equal(jobPost?.kind, 'scheduler');
    // German local time in the text, ISO UTC in incidentAt and the key (issue 21 trial)
    assert.match(jobPost?.text ?? '', /wurde zum Termin \d\d\.\d\d\.\d{4} \d\d:\d\d Uhr nicht gestartet/);
    assert.equal(jobPost?.incident, `scheduler:not-started:${job.id}:${jobPost?.incidentAt}`);
    assert.equal(jobPost?.store, api.services.storeHost.location?.redacted);

    // again: claimed and sent, nothing posted twice
    const requestsBefore = teams.requests.length + json.requests.length;
    const again = await vscode.commands.executeCommand<WindowMonitorOutcome>('ixhaus.scheduler.check');
    assert.deepEqual(mine(again, job.id), []);
    assert.equal(teams.requests.length + json.requests.length, requestsBefore);

    // the JSON receiver fails: Teams still gets the next incident; the failure names the channel, not the URL
    json.script([], { status: 500 });
    const second = await due('Webhook-Mahnlauf');
    const third = await vscode.commands.executeCommand<WindowMonitorOutcome>('ixhaus.scheduler.check');
    assert.deepEqual(mine(third, second.id), ['teams']);
    assert.deepEqual(third?.webhooks?.failedChannels, ['json']);
    const reason = third?.webhooks?.failed.find((f) => f.incident.includes(`:${second.id}:`))?.reason ?? '';
    assert.match(reason, /The alert channel json failed: HTTP 500/);
    assert.ok(!reason.includes(WEBHOOK_SIGNATURE) && !reason.includes('/hooks/ixhaus'), reason);
    json.script([], { status: 202 });
  });

  it('never writes a webhook URL into the settings or the logs of this window', () => {
    const logsDir = path.dirname(path.dirname(api.services.context.logUri.fsPath));
    for (const file of filesBelow(logsDir)) {
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(!text.includes(WEBHOOK_SIGNATURE), `webhook signature in ${file}`);
      assert.ok(!text.includes('/workflows/4711abcdef/'), `webhook path in ${file}`);
    }
    assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('ixhaus')).includes(WEBHOOK_SIGNATURE));
  });
});
