/**
 * The scheduler monitor inside VS Code (issue 7 §6): while an administrator is signed in and the store is writable,
 * every 5 minutes (and on demand, "Check Scheduler Now") it runs the core monitor — "not started when due" and
 * "blocked" — and sends one alert per incident to both scheduler recipients with the SMTP settings and the secrets
 * from secret storage. The same core function backs `ixhaus-admin scheduler check` for machines without VS Code.
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs/promises';
import { createSender } from '../../core/mail/sender';
import type { SenderOptions } from '../../core/mail/sender';
import { loadMailSettings } from '../../core/mail/mailStore';
import { monitorScheduler } from '../../core/scheduler/scheduler';
import type { MonitorOutcome } from '../../core/scheduler/scheduler';
import { isAdmin } from '../../core/users/rights';
import { scriptedArgs } from '../scriptedArgs';
import type { Services } from '../services';

/** Interval of the background check in ms (5 minutes — the monitor's grace time). */
export const SCHEDULER_CHECK_INTERVAL_MS = 5 * 60_000;

/**
 * One run of the monitor for the open store. Returns undefined when it cannot run here (no store, read-only, not an
 * administrator). Send failures leave the incident un-alerted for the next run (core) and are logged.
 */
export async function checkSchedulerOnce(services: Services, now: Date = new Date(), senderOptions: SenderOptions = {}): Promise<MonitorOutcome | undefined> {
  const store = services.storeHost.store;
  const actor = services.session.actor;
  if (!store || store.readOnly || !actor || !isAdmin(actor)) return undefined;
  const settings = loadMailSettings(store);
  const send = settings ? createSender(settings, await services.mail.read(store), senderOptions) : async () => undefined;
  const outcome = await monitorScheduler(store, settings, { now }, send);
  if (store.dirty) await store.save();
  for (const i of outcome.alerted) services.logger.info(`[scheduler] alert sent: job ${i.jobName} ${i.kind} (${i.at})`);
  if (outcome.notAlertedReason && outcome.incidents.length > 0) services.logger.warn(`[scheduler] ${outcome.incidents.length} incident(s) not alerted: ${outcome.notAlertedReason}`);
  services.views['ixhaus.scheduler']?.refresh();
  return outcome;
}

/** Starts the background check; the returned disposable stops it. */
export function startSchedulerMonitor(services: Services): vscode.Disposable {
  let running = false;
  const tick = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      await checkSchedulerOnce(services);
    } catch (error) {
      services.logger.warn(`[scheduler] check failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), SCHEDULER_CHECK_INTERVAL_MS);
  return new vscode.Disposable(() => clearInterval(timer));
}

/** "Check Scheduler Now" (administrators): one run, the outcome as a message. Argument `{ caFile }` (test extension mode only): a test server's CA. */
export async function checkSchedulerCommand(services: Services, args?: unknown): Promise<MonitorOutcome | undefined> {
  args = scriptedArgs(services.context, args);
  const caFile = typeof args === 'object' && args !== null && typeof (args as { caFile?: unknown }).caFile === 'string' ? (args as { caFile: string }).caFile : undefined;
  const outcome = await checkSchedulerOnce(services, new Date(), caFile ? { ca: await fs.readFile(caFile) } : {});
  if (!outcome) {
    void vscode.window.showWarningMessage(vscode.l10n.t('The scheduler check needs an administrator signed in and the store open for writing.'));
    return undefined;
  }
  const text =
    outcome.incidents.length === 0
      ? vscode.l10n.t('Scheduler: every job started when due and none runs past its maximum.')
      : outcome.notAlertedReason
        ? vscode.l10n.t('Scheduler: {0} incident(s), not alerted: enter the scheduler recipients and the sender in the SMTP settings.', outcome.incidents.length)
        : vscode.l10n.t('Scheduler: {0} incident(s); {1} alert(s) sent now to the scheduler recipients.', outcome.incidents.length, outcome.alerted.length);
  void vscode.window.showInformationMessage(text);
  return outcome;
}
