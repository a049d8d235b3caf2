/**
 * One cycle of the monitor (issue 21): run every check, and for every incident claim and deliver it on every
 * channel — each channel on its own, so a failing channel never stops the others, and each (incident, channel)
 * sent once across all monitors ({@link claimAlert}). Used by `ixhaus-admin serve` (every few minutes, or once with
 * `--once`); the extension's scheduler monitor can use the same function with its own channels.
 */
import { describeError } from '../errors';
import type { AsyncStore } from '../store/asyncStore';
import { claimAlert, markAlertFailed, markAlertSent, settledChannelStates } from './claims';
import type { AlertChannel } from './channels';
import { AlertDeliveryError } from './errors';
import type { AlertIncident, NamedCheck } from './incident';
import type { WebhookAttempt } from './webhookPost';

/** A structured log event of the monitor (the CLI prints each as one JSON line). Never holds a webhook URL. */
export interface MonitorEvent {
  readonly event: 'check-failed' | 'claimed' | 'skipped' | 'attempt' | 'delivered' | 'delivery-failed' | 'claim-lost';
  readonly check?: string;
  readonly incident?: string;
  readonly channel?: string;
  readonly reason?: string;
  readonly attempt?: number;
  readonly status?: number;
  readonly waitMs?: number;
}

/** Options of {@link runMonitorCycle}. */
export interface MonitorCycleOptions {
  /** the monitor's name in claims and the audit, e.g. `serve@host:4711` */
  readonly owner: string;
  /** the cycle's clock: checks, claims and the audit use it (tests pass a fixed time) */
  readonly now: Date;
  /**
   * how long a claim holds unsent (ms; default 10 minutes). It must be longer than a channel's whole delivery
   * deadline (webhooks: 60 s by default), else a slow send could be taken over and posted twice.
   */
  readonly claimTtlMs?: number;
  /** where the store is, for the messages (default: `store.location`) */
  readonly storeLabel?: string;
  readonly log?: (event: MonitorEvent) => void;
}

/** A delivery that failed in this cycle. */
export interface FailedDelivery {
  readonly incident: string;
  readonly channel: string;
  readonly reason: string;
  /** when the delivery gave up (ISO-8601 UTC, on the cycle's clock: its start plus the time elapsed since) */
  readonly at: string;
}

/** What one cycle did. */
export interface MonitorCycleOutcome {
  readonly startedAt: string;
  readonly durationMs: number;
  /** incidents the checks reported (after removing duplicate keys) */
  readonly incidents: number;
  readonly delivered: ReadonlyArray<{ readonly incident: string; readonly channel: string }>;
  readonly failed: readonly FailedDelivery[];
  /**
   * (incident, channel) pairs another monitor holds a claim on right now (it is sending them); each one is also
   * logged as a `skipped` event, so the count and the events agree
   */
  readonly skipped: number;
  /** (incident, channel) pairs delivered in an earlier cycle (not logged: they recur every cycle while reported) */
  readonly alreadySent: number;
  /** checks that threw (the others still ran); `at` as in {@link FailedDelivery} */
  readonly checkErrors: ReadonlyArray<{ readonly check: string; readonly reason: string; readonly at: string }>;
  /** the channels with at least one failed delivery in this cycle, sorted */
  readonly failedChannels: readonly string[];
}

/** The default claim lifetime (ms). */
export const DEFAULT_CLAIM_TTL_MS = 10 * 60_000;

/**
 * Runs the checks and delivers every incident once per channel.
 * @throws only the store's errors (connection lost, locked, read-only): a failing check or channel is reported in
 *         the outcome instead
 */
export async function runMonitorCycle(
  store: AsyncStore,
  checks: readonly NamedCheck[],
  channels: readonly AlertChannel[],
  options: MonitorCycleOptions,
): Promise<MonitorCycleOutcome> {
  const started = Date.now();
  const { now, owner } = options;
  const log = options.log ?? (() => undefined);
  const ttlMs = options.claimTtlMs ?? DEFAULT_CLAIM_TTL_MS;
  const storeLabel = options.storeLabel ?? store.location;
  // the time of an event on the cycle's clock (a fixed --now in tests moves on with the real time elapsed)
  const eventAt = (): string => new Date(now.getTime() + (Date.now() - started)).toISOString();
  const checkErrors: { check: string; reason: string; at: string }[] = [];
  const byKey = new Map<string, AlertIncident>();
  for (const check of checks) {
    try {
      for (const incident of await check.run(store, now))
        if (!byKey.has(incident.key)) byKey.set(incident.key, incident);
    } catch (error) {
      const reason = describeError(error);
      checkErrors.push({ check: check.name, reason, at: eventAt() });
      log({ event: 'check-failed', check: check.name, reason });
    }
  }
  const delivered: { incident: string; channel: string }[] = [];
  const failed: FailedDelivery[] = [];
  let skipped = 0;
  let alreadySent = 0;
  for (const incident of byKey.values()) {
    const settled = await settledChannelStates(store, incident.key, now);
    for (const channel of channels) {
      const state = settled.get(channel.name);
      if (state?.state === 'sent') {
        alreadySent++;
        continue;
      }
      if (state?.state === 'claimed') {
        skipped++;
        log({
          event: 'skipped',
          incident: incident.key,
          channel: channel.name,
          reason: `claimed by ${state.by} until ${state.until}`,
        });
        continue;
      }
      const claim = { incidentKey: incident.key, channel: channel.name, owner, now };
      if (!(await claimAlert(store, { ...claim, ttlMs }))) {
        skipped++;
        log({ event: 'skipped', incident: incident.key, channel: channel.name, reason: 'claimed by another monitor' });
        continue;
      }
      log({ event: 'claimed', incident: incident.key, channel: channel.name });
      const attempts: WebhookAttempt[] = [];
      try {
        await channel.deliver(incident, {
          store: storeLabel,
          sentAt: now.toISOString(),
          onAttempt: (a) => {
            attempts.push(a);
            log({
              event: 'attempt',
              incident: incident.key,
              channel: channel.name,
              attempt: a.attempt,
              reason: a.reason,
              ...(a.status !== undefined ? { status: a.status } : {}),
              ...(a.waitMs !== undefined ? { waitMs: a.waitMs } : {}),
            });
          },
        });
      } catch (error) {
        // a channel's own error names the channel; anything else is wrapped so that it does
        const reason =
          error instanceof AlertDeliveryError
            ? error.message
            : `The alert channel ${channel.name} failed: ${describeError(error)}`;
        const at = eventAt();
        failed.push({ incident: incident.key, channel: channel.name, reason, at });
        log({ event: 'delivery-failed', incident: incident.key, channel: channel.name, reason });
        // released (and audited) at the time it failed, which `--status` shows as the last attempt
        await markAlertFailed(store, { ...claim, now: new Date(at) }, reason, attempts);
        continue;
      }
      const own = await markAlertSent(store, claim, attempts);
      delivered.push({ incident: incident.key, channel: channel.name });
      log({ event: 'delivered', incident: incident.key, channel: channel.name });
      if (!own)
        log({
          event: 'claim-lost',
          incident: incident.key,
          channel: channel.name,
          reason: 'the claim expired during the send and another monitor took it; raise the claim lifetime',
        });
    }
  }
  return {
    startedAt: now.toISOString(),
    durationMs: Date.now() - started,
    incidents: byKey.size,
    delivered,
    failed,
    skipped,
    alreadySent,
    checkErrors,
    failedChannels: [...new Set(failed.map((f) => f.channel))].sort(),
  };
}
