/**
 * Alert webhooks in VS Code (issue 21 "Alert channels": "The service reads it from an environment variable …, VS Code
 * from secret storage"): an administrator sets the URL of a Microsoft Teams **Workflows** webhook and/or of a generic
 * JSON receiver per system; the URL lives only in VS Code's secret storage (its query is the signature) — never in
 * settings, the store, logs or messages, which name the channel instead. The window's scheduler monitor then sends
 * every incident of the monitor's checks (scheduler, license and module expiry) to each configured webhook, claimed
 * in the store like `ixhaus-admin serve` does, so a window and services on one store post each incident once.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import { jsonChannel, teamsChannel } from '../../core/alerts/channels';
import type { AlertChannel } from '../../core/alerts/channels';
import type { AlertIncident } from '../../core/alerts/incident';
import { expiryCheck } from '../../core/alerts/licenseAlert';
import { runMonitorCycle } from '../../core/alerts/monitorCycle';
import type { MonitorCycleOutcome } from '../../core/alerts/monitorCycle';
import { schedulerCheck } from '../../core/alerts/schedulerAlert';
import { parseWebhookUrl } from '../../core/alerts/webhookPost';
import type { WebhookAttempt } from '../../core/alerts/webhookPost';
import { requireAdmin } from '../../core/access/rights';
import type { Logger } from '../../core/log';
import type { AsyncStore } from '../../core/store/asyncStore';
import { localizedMessage } from '../errors';
import { scriptedArgs } from '../scriptedArgs';
import type { Services } from '../services';
import { requireSignedIn } from '../signedIn';
import { proxyFromVsCode } from './proxySettings';

/** The webhook channels VS Code can send to; the names are the channel names of claims, logs and the audit. */
export type WebhookKind = 'teams' | 'json';
export const WEBHOOK_KINDS: readonly WebhookKind[] = ['teams', 'json'];

/** The secret-storage purpose of each kind (per system, issue 20). */
const PURPOSE = { teams: 'alerts.teamsWebhook', json: 'alerts.jsonWebhook' } as const;

/** The webhook URLs of the active system in VS Code's secret storage. */
export class AlertWebhooks {
  /**
   * @param keyOf the key of a secret of the active system (issue 20: by the system's id), given today's key; by
   *              default today's key (`ixhaus.alerts.<kind>:<store location>`)
   */
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly keyOf: (purpose: (typeof PURPOSE)[WebhookKind], legacyKey: string) => string = (_p, legacy) =>
      legacy,
  ) {}

  /** Secret-storage key of the URL of `kind` for `store`. */
  key(store: AsyncStore, kind: WebhookKind): string {
    return this.keyOf(PURPOSE[kind], `ixhaus.alerts.${kind}:${store.location}`);
  }

  /** The configured URLs (absent kinds are not set). */
  async read(store: AsyncStore): Promise<Partial<Record<WebhookKind, string>>> {
    const out: Partial<Record<WebhookKind, string>> = {};
    for (const kind of WEBHOOK_KINDS) {
      const url = await this.secrets.get(this.key(store, kind));
      if (url) out[kind] = url;
    }
    return out;
  }

  /**
   * Keeps the URL of `kind` ('' removes it).
   * @throws AlertChannelConfigError (naming the channel, never the URL) when it is not an https URL
   */
  async write(store: AsyncStore, kind: WebhookKind, url: string): Promise<void> {
    if (url.trim() === '') return this.secrets.delete(this.key(store, kind));
    parseWebhookUrl(kind, url);
    await this.secrets.store(this.key(store, kind), url.trim());
  }

  /** The channels of the configured URLs, with VS Code's proxy settings and an optional extra CA (tests, TLS inspection). */
  async channels(store: AsyncStore, ca?: string | Buffer): Promise<AlertChannel[]> {
    const urls = await this.read(store);
    // the fix for a company TLS-inspection CA in VS Code: the extension host trusts NODE_EXTRA_CA_CERTS
    const caHint = 'NODE_EXTRA_CA_CERTS=FILE in the environment VS Code starts with';
    const common = { proxy: proxyFromVsCode(), caHint, ...(ca ? { ca } : {}) };
    return [
      ...(urls.teams ? [teamsChannel({ url: urls.teams, ...common })] : []),
      ...(urls.json ? [jsonChannel({ url: urls.json, ...common })] : []),
    ];
  }
}

/** This window's name in claims and the audit (the same form as the scheduler monitor's mail claims). */
export function windowMonitorOwner(): string {
  return `vscode@${os.hostname()}:${process.pid}`;
}

/**
 * One webhook cycle of the window's monitor: the scheduler and license/module expiry checks, each incident claimed
 * and posted once per configured webhook (src/core/alerts/monitorCycle.ts). Undefined when no webhook is set.
 * @throws only the store's errors; a failing webhook is in the outcome (and logged, naming the channel)
 */
export async function alertWebhooksOnce(
  store: AsyncStore,
  webhooks: Pick<AlertWebhooks, 'channels'>,
  logger: Logger,
  options: { now: Date; storeLabel: string; ca?: string | Buffer },
): Promise<MonitorCycleOutcome | undefined> {
  const channels = await webhooks.channels(store, options.ca);
  if (channels.length === 0) return undefined;
  const outcome = await runMonitorCycle(store, [schedulerCheck(), expiryCheck()], channels, {
    owner: windowMonitorOwner(),
    now: options.now,
    storeLabel: options.storeLabel,
  });
  for (const d of outcome.delivered) logger.info(`[alerts] ${d.incident} delivered on ${d.channel}`);
  for (const f of outcome.failed) logger.warn(`[alerts] ${f.incident} not delivered: ${f.reason}`);
  for (const c of outcome.checkErrors) logger.warn(`[alerts] check ${c.check} failed: ${c.reason}`);
  return outcome;
}

/** A test alert: its own key each time (never claimed), so that it always goes out. */
function testIncident(login: string, storeLabel: string, now: Date): AlertIncident {
  return {
    key: `test:${windowMonitorOwner()}:${now.toISOString()}`,
    kind: 'test',
    subject: 'iX-Haus: Testbenachrichtigung',
    text: `Testbenachrichtigung aus VS Code, gesendet von ${login}. Wenn Sie sie lesen, kommen die Benachrichtigungen des iX-Haus-Monitors für ${storeLabel} hier an.`,
    at: now.toISOString(),
    facts: [['Gesendet von', login]],
  };
}

/** Scripted arguments (test extension mode only): set or remove a URL, or send a test alert. */
interface WebhookArgs {
  readonly kind: WebhookKind;
  readonly url?: string;
  readonly test?: boolean;
  readonly caFile?: string;
}

function webhookArgs(value: unknown): WebhookArgs | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const a = value as Record<string, unknown>;
  if (a.kind !== 'teams' && a.kind !== 'json') return undefined;
  return {
    kind: a.kind,
    ...(typeof a.url === 'string' ? { url: a.url } : {}),
    ...(a.test === true ? { test: true } : {}),
    ...(typeof a.caFile === 'string' ? { caFile: a.caFile } : {}),
  };
}

function kindLabel(kind: WebhookKind): string {
  return kind === 'teams' ? vscode.l10n.t('Microsoft Teams (Workflows webhook)') : vscode.l10n.t('JSON webhook');
}

/**
 * Sends a test alert to `kind` now, with progress; the result (HTTP status) or the error naming the channel.
 * @returns the attempts, or undefined when the URL is not set
 */
async function sendTestAlert(services: Services, kind: WebhookKind, ca?: Buffer): Promise<WebhookAttempt[]> {
  const { store, actor } = requireSignedIn(services);
  const channel = (await services.alertWebhooks.channels(store, ca)).find((c) => c.name === kind);
  if (!channel) throw new Error(vscode.l10n.t('No URL is set for {0}.', kindLabel(kind)));
  const label = services.storeHost.location?.redacted ?? store.location;
  const attempts: WebhookAttempt[] = [];
  await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: vscode.l10n.t('Sending a test alert to {0}…', kindLabel(kind)),
    },
    () =>
      channel.deliver(testIncident(actor.login, label, new Date()), {
        store: label,
        sentAt: new Date().toISOString(),
        onAttempt: (a) => attempts.push(a),
      }),
  );
  const status = attempts.at(-1)?.status;
  services.logger.info(`[alerts] test alert delivered on ${kind} (HTTP ${status ?? '?'})`);
  void vscode.window.showInformationMessage(
    vscode.l10n.t('Test alert delivered to {0} (HTTP {1}). Check that it arrived.', kindLabel(kind), status ?? '?'),
  );
  return attempts;
}

/**
 * "Configure Alert Webhooks…" (administrators): per webhook kind set the URL (kept in secret storage, asked like a
 * password), send a test alert, or remove it. Scripted (tests): `{ kind, url }` sets ('' removes), `{ kind, test }`
 * sends a test alert; returns the test's attempts.
 */
export async function configureAlertWebhooksCommand(
  services: Services,
  args?: unknown,
): Promise<WebhookAttempt[] | undefined> {
  const { store, actor } = requireSignedIn(services);
  requireAdmin(actor, 'set up alert webhooks');
  const scripted = webhookArgs(scriptedArgs(services.context, args));
  if (scripted) {
    const ca = scripted.caFile
      ? Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.file(scripted.caFile)))
      : undefined;
    if (scripted.url !== undefined) await services.alertWebhooks.write(store, scripted.kind, scripted.url);
    return scripted.test ? sendTestAlert(services, scripted.kind, ca) : undefined;
  }
  const urls = await services.alertWebhooks.read(store);
  const picked = await vscode.window.showQuickPick(
    WEBHOOK_KINDS.map((webhook) => ({
      webhook,
      label: kindLabel(webhook),
      description: urls[webhook] ? vscode.l10n.t('set') : vscode.l10n.t('not set'),
      detail:
        webhook === 'teams'
          ? vscode.l10n.t('Power Automate "When a Teams webhook request is received": an Adaptive Card per alert')
          : vscode.l10n.t(
              'A JSON POST { kind, incident, subject, text, at, store } per alert (ticket system, own script)',
            ),
    })),
    { title: vscode.l10n.t('Alert Webhooks of this system') },
  );
  if (!picked) return undefined;
  const kind = picked.webhook;
  const setUrl = vscode.l10n.t('Set URL…');
  const test = vscode.l10n.t('Send Test Alert');
  const remove = vscode.l10n.t('Remove URL');
  const action = urls[kind]
    ? await vscode.window.showQuickPick([setUrl, test, remove], { title: kindLabel(kind) })
    : setUrl;
  if (action === test) return sendTestAlert(services, kind);
  if (action === remove) {
    await services.alertWebhooks.write(store, kind, '');
    void vscode.window.showInformationMessage(vscode.l10n.t('The URL of {0} was removed.', kindLabel(kind)));
    return undefined;
  }
  if (action !== setUrl) return undefined;
  const url = await vscode.window.showInputBox({
    title: kindLabel(kind),
    prompt: vscode.l10n.t(
      "Paste the webhook URL. It is kept in VS Code's secret storage for this system only (its query is a signature) and is never shown again.",
    ),
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => {
      try {
        parseWebhookUrl(kind, value);
        return undefined;
      } catch (error) {
        return localizedMessage(error);
      }
    },
  });
  if (url === undefined) return undefined;
  await services.alertWebhooks.write(store, kind, url);
  services.logger.info(`[alerts] webhook ${kind} set for ${services.storeHost.location?.redacted ?? store.location}`);
  const sendNow = vscode.l10n.t('Send Test Alert');
  const choice = await vscode.window.showInformationMessage(
    vscode.l10n.t(
      'Saved. While an administrator is signed in here, scheduler incidents and license/module expiry reminders also go to {0}.',
      kindLabel(kind),
    ),
    sendNow,
  );
  return choice === sendNow ? sendTestAlert(services, kind) : undefined;
}
