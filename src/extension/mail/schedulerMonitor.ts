/**
 * The scheduler monitor inside VS Code (issue 7 §6): while an administrator is signed in and the store is writable,
 * every 5 minutes (and on demand, "Check Scheduler Now") it runs the core monitor — "not started when due" and
 * "blocked" — and sends one alert per incident to both scheduler recipients with the SMTP settings and the secrets
 * from secret storage. The same core function backs `ixhaus-admin scheduler check` for machines without VS Code.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import * as fs from 'node:fs/promises';
import { createSender } from '../../core/mail/sender';
import { vscodeHttpsClient } from './proxySettings';
import type { SenderOptions } from '../../core/mail/sender';
import { loadMailSettings } from '../../core/mail/mailStore';
import { headerSafeJobName, monitorScheduler } from '../../core/scheduler/schedulerMonitor';
import type { MonitorOutcome } from '../../core/scheduler/schedulerMonitor';
import { SerialLifecycle } from '../../core/serialLifecycle';
import { isAdmin } from '../../core/access/rights';
import { scriptedArgs } from '../scriptedArgs';
import type { MonitorCycleOutcome } from '../../core/alerts/monitorCycle';
import { alertWebhooksOnce } from './alertWebhooks';
import type { AlertWebhooks } from './alertWebhooks';
import type { Services } from '../services';

/** Interval of the background check in ms (5 minutes — the monitor's grace time). */
export const SCHEDULER_CHECK_INTERVAL_MS = 5 * 60_000;

/** What the monitor needs (a narrow slice of the extension's services). */
export interface SchedulerMonitorDeps {
  readonly storeHost: Pick<Services['storeHost'], 'db' | 'onDidChangeStore'>;
  readonly session: Pick<Services['session'], 'actor' | 'onDidChange'>;
  readonly mail: Pick<Services['mail'], 'read'>;
  readonly logger: Services['logger'];
  /** re-reads the Scheduler view */
  readonly refreshView: () => void;
  /** the alert webhooks of the active system (issue 21); absent: mail only */
  readonly webhooks?: Pick<AlertWebhooks, 'channels'>;
  /** how the store is named in alerts (URL without password); default the store's location */
  readonly storeLabel?: () => string | undefined;
}

/** What one run of the window's monitor did: the alert mails, and the webhook cycle when a webhook is set. */
export interface WindowMonitorOutcome extends MonitorOutcome {
  readonly webhooks?: MonitorCycleOutcome;
}

/**
 * One run of the monitor for the open store. Returns undefined when it cannot run here (no store, read-only, not an
 * administrator). Send failures leave the incident un-alerted for the next run (core) and are logged.
 */
export async function checkSchedulerOnce(
  deps: SchedulerMonitorDeps,
  now: Date = new Date(),
  senderOptions: SenderOptions = {},
): Promise<WindowMonitorOutcome | undefined> {
  const store = deps.storeHost.db;
  const actor = deps.session.actor;
  if (!store || store.readOnly || !actor || !isAdmin(actor)) return undefined;
  const settings = await loadMailSettings(store);
  const send = settings
    ? createSender(settings, await deps.mail.read(store), {
        http: vscodeHttpsClient(senderOptions.ca),
        ...senderOptions,
      })
    : async () => undefined;
  // claimed before sending: other windows and `ixhaus-admin serve --mail` on this store send each incident once
  const owner = `vscode@${os.hostname()}:${process.pid}`;
  const outcome = await monitorScheduler(store, settings, { now, owner }, send);
  for (const i of outcome.alerted)
    deps.logger.info(`[scheduler] alert sent: job ${headerSafeJobName(i.jobName)} ${i.kind} (${i.at})`);
  for (const r of outcome.invalidRecipients)
    deps.logger.warn(`[scheduler] invalid scheduler recipient ${JSON.stringify(r)}: correct it in the SMTP settings`);
  for (const f of outcome.failed)
    deps.logger.warn(
      `[scheduler] alert not sent: job ${headerSafeJobName(f.incident.jobName)} ${f.incident.kind}: ${f.reason}`,
    );
  if (outcome.notAlertedReason && outcome.incidents.length > 0)
    deps.logger.warn(`[scheduler] ${outcome.incidents.length} incident(s) not alerted: ${outcome.notAlertedReason}`);
  // the webhooks: every incident of the monitor's checks, claimed per channel like `serve` does (issue 21)
  const webhooks = deps.webhooks
    ? await alertWebhooksOnce(store, deps.webhooks, deps.logger, {
        now,
        storeLabel: deps.storeLabel?.() ?? store.location,
        ...(senderOptions.ca ? { ca: senderOptions.ca } : {}),
      })
    : undefined;
  deps.refreshView();
  return webhooks ? { ...outcome, webhooks } : outcome;
}

/**
 * The background check: runs while an administrator is signed in to a writable store, every
 * {@link SCHEDULER_CHECK_INTERVAL_MS}. Start and stop go through a {@link SerialLifecycle}, so a sign-in and a
 * store switch in quick succession never leave two timers, and a stop waits for a check in flight.
 */
export class SchedulerMonitor implements vscode.Disposable {
  private timer: ReturnType<typeof setInterval> | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private checking = false;
  private readonly lifecycle = new SerialLifecycle({
    start: () => {
      this.timer = setInterval(() => void this.tick(), SCHEDULER_CHECK_INTERVAL_MS);
    },
    stop: async () => {
      clearInterval(this.timer);
      this.timer = undefined;
      await this.inFlight;
    },
  });
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly deps: SchedulerMonitorDeps) {
    this.subscriptions = [
      deps.session.onDidChange(() => void this.update()),
      deps.storeHost.onDidChangeStore(() => void this.update()),
    ];
    void this.update();
  }

  /** True while the background check is scheduled. */
  get isRunning(): boolean {
    return this.lifecycle.isRunning;
  }

  /** Starts or stops the background check for the current store and user (serialised). */
  update(): Promise<void> {
    const store = this.deps.storeHost.db;
    const actor = this.deps.session.actor;
    return store && !store.readOnly && actor && isAdmin(actor) ? this.lifecycle.start() : this.lifecycle.stop();
  }

  /** One background check; skipped while the previous one still runs (a slow SMTP server must not pile them up). */
  private tick(): Promise<void> {
    if (this.checking) return this.inFlight;
    this.checking = true;
    this.inFlight = (async () => {
      try {
        await checkSchedulerOnce(this.deps);
      } catch (error) {
        this.deps.logger.warn(`[scheduler] check failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        this.checking = false;
      }
    })();
    return this.inFlight;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    void this.lifecycle.stop();
  }
}

/** "Check Scheduler Now" (administrators): one run, the outcome as a message. Argument `{ caFile }` (test extension mode only): a test server's CA. */
export async function checkSchedulerCommand(
  services: Services,
  args?: unknown,
): Promise<WindowMonitorOutcome | undefined> {
  args = scriptedArgs(services.context, args);
  const caFile =
    typeof args === 'object' && args !== null && typeof (args as { caFile?: unknown }).caFile === 'string'
      ? (args as { caFile: string }).caFile
      : undefined;
  const outcome = await checkSchedulerOnce(
    schedulerDeps(services),
    new Date(),
    caFile ? { ca: await fs.readFile(caFile) } : {},
  );
  if (!outcome) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('The scheduler check needs an administrator signed in and the store open for writing.'),
    );
    return undefined;
  }
  const text =
    outcome.incidents.length === 0
      ? vscode.l10n.t('Scheduler: every job started when due and none runs past its maximum.')
      : outcome.notAlertedReason && outcome.invalidRecipients.length === 0
        ? vscode.l10n.t(
            'Scheduler: {0} incident(s), not alerted: enter the scheduler recipients and the sender in the SMTP settings.',
            outcome.incidents.length,
          )
        : vscode.l10n.t(
            'Scheduler: {0} incident(s); {1} alert(s) sent now to the scheduler recipients.',
            outcome.incidents.length,
            outcome.alerted.length,
          );
  // an alert that was due and did not reach every recipient is a warning with its cause (issue 17 §11)
  const problems = [
    ...outcome.invalidRecipients.map((r) =>
      vscode.l10n.t(
        '"{0}" is not a valid e-mail address (Scheduler E-Mailempfänger): correct it in the SMTP settings.',
        r,
      ),
    ),
    ...(outcome.failed.length > 0
      ? [vscode.l10n.t('{0} alert(s) could not be sent: {1}', outcome.failed.length, outcome.failed[0]?.reason ?? '')]
      : []),
  ];
  const hooks = outcome.webhooks;
  if (hooks && hooks.failedChannels.length > 0)
    problems.push(
      vscode.l10n.t(
        'Webhook alerts could not be delivered on {0}: {1}',
        hooks.failedChannels.join(', '),
        hooks.failed[0]?.reason ?? '',
      ),
    );
  const hookText =
    hooks && hooks.delivered.length > 0
      ? ` ${vscode.l10n.t('{0} webhook alert(s) delivered.', hooks.delivered.length)}`
      : '';
  if (problems.length > 0) void vscode.window.showWarningMessage(`${text}${hookText} ${problems.join(' ')}`);
  else void vscode.window.showInformationMessage(`${text}${hookText}`);
  return outcome;
}

/** The monitor's slice of the services. */
export function schedulerDeps(services: Services): SchedulerMonitorDeps {
  return {
    storeHost: services.storeHost,
    session: services.session,
    mail: services.mail,
    logger: services.logger,
    refreshView: () => services.views['ixhaus.scheduler'].refresh(),
    webhooks: services.alertWebhooks,
    storeLabel: () => services.storeHost.location?.redacted,
  };
}
