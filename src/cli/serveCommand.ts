/**
 * `ixhaus-admin serve` — the round-the-clock monitor of a store (issue 21): every `--every` minutes (or once with
 * `--once`, for cron and the Windows Task Scheduler) it runs the checks and sends each incident once to every
 * configured channel (Teams Workflows webhook, generic JSON webhook, mail through the SMTP settings), claimed in the
 * store so that several monitors never send twice (src/core/alerts).
 *
 * Operations: one JSON object per line on stdout (the log; never a URL or secret); SIGTERM/SIGINT end the process
 * after the current cycle; each monitor (`--name`) writes its own health row (last cycle, next cycle, last error,
 * stopped at) to the store after each cycle and when it stops cleanly, and `serve --status` judges all of them
 * (src/core/alerts/monitorStatus.ts `assessMonitoring`). Exit codes: 0 ok; 1 when (with `--once`) an alert could not
 * be delivered — the failed channels are named on stderr — or a check or the store failed, and with `--status` when
 * anything needs an operator (no monitor watching, one overdue, a failed channel, an alert not yet delivered); 2 usage.
 * Secrets: webhook URLs and SMTP secrets only from environment variables named on the command line.
 */
import * as os from 'node:os';
import { Option } from 'commander';
import type { Command } from 'commander';
import type { AlertChannel } from '../core/alerts/channels';
import { failedAlertClaims } from '../core/alerts/claims';
import type { AlertIncident, NamedCheck } from '../core/alerts/incident';
import { StoreWatchdog } from '../core/alerts/storeWatchdog';
import { DEFAULT_CLAIM_TTL_MS, runMonitorCycle } from '../core/alerts/monitorCycle';
import type { MonitorCycleOutcome, MonitorEvent } from '../core/alerts/monitorCycle';
import {
  assessMonitoring,
  formatMonitoringHealth,
  readMonitorStatus,
  readMonitorStatuses,
  writeMonitorStatus,
} from '../core/alerts/monitorStatus';
import type { MonitorStatus } from '../core/alerts/monitorStatus';
import { describeError } from '../core/errors';
import { StoreLockedError } from '../core/store/errors';
import { parseStoreLocation } from '../core/store/location';
import type { OpenedStore } from '../core/store/openStore';
import { downMinutes, minutes, monitorName, nowFrom, webhookSpec } from './serveArguments';
import { mailChannelFor, webhookChannels } from './serveChannels';
import { defaultChecks } from './serveChecks';
import { EXIT_FAILED, collect, printJson } from './output';
import { addStoreOptions, openCliStore } from './writableStore';
import type { StoreCliOptions } from './writableStore';

/** Options of `serve`. */
export interface ServeOptions extends StoreCliOptions {
  readonly every: number;
  readonly once?: boolean;
  /** the monitor's name in the status (default `serve@<hostname>`, with `--once` `serve-once@<hostname>`) */
  readonly name?: string;
  readonly status?: boolean;
  readonly json?: boolean;
  readonly webhook?: readonly string[];
  readonly webhookCa?: string;
  readonly mail?: boolean;
  readonly mailTo?: readonly string[];
  readonly passwordEnv?: string;
  readonly clientSecretEnv?: string;
  readonly caFile?: string;
  readonly implicitTlsPort?: string;
  readonly now?: string;
  readonly claimTtlSeconds?: number;
  readonly graphHost?: string;
  /** minutes the store may be unusable before the monitor alerts about itself (default 15; 0 = at once) */
  readonly alertStoreDownAfter?: number;
  /** seconds between cycles instead of `--every` minutes (tests) */
  readonly everySeconds?: number;
}

/** What the caller can plug in (tests: their own checks; later: the checks issue 19 converts). */
export interface ServeDependencies {
  /** the checks (default: {@link defaultChecks}) */
  readonly checks?: (opened: () => OpenedStore | undefined) => readonly NamedCheck[];
  /** where JSON log lines go (default stdout) */
  readonly write?: (line: string) => void;
}

/**
 * Runs the monitor as the options say (until SIGTERM/SIGINT, or one cycle with `--once`).
 * @returns the exit code (see the module comment)
 */
export async function runServe(options: ServeOptions, deps: ServeDependencies = {}): Promise<number> {
  const write = deps.write ?? ((line: string) => void process.stdout.write(line));
  const log = (level: 'info' | 'warn' | 'error', event: string, fields: object = {}): void =>
    write(`${JSON.stringify({ at: new Date().toISOString(), level, event, ...fields })}\n`);
  if (options.status === true) return printStatus(options);
  const clock = nowFrom(options);
  const webhooks = webhookChannels(options); // configuration errors before the first cycle
  const wantsMail = options.mail === true || (options.mailTo ?? []).length > 0;
  if (webhooks.length === 0 && !wantsMail)
    throw new Error('no alert channel: give --webhook teams=VAR, --webhook json=VAR and/or --mail / --mail-to ADDRESS');
  // the claims' owner is this process; the status row belongs to the monitor's stable name (survives restarts)
  const owner = `serve@${os.hostname()}:${process.pid}`;
  const name = options.name ?? `${options.once === true ? 'serve-once' : 'serve'}@${os.hostname()}`;
  const storeLabel = parseStoreLocation(options.store).redacted;
  const channelNames = [...webhooks.map((c) => c.name), ...(wantsMail ? ['mail'] : [])];
  const everyMs = options.everySeconds !== undefined ? options.everySeconds * 1000 : options.every * 60_000;
  const watchdog = new StoreWatchdog(storeLabel, (options.alertStoreDownAfter ?? 15) * 60_000);
  /** the mail channel of the last cycle that could read the store (its settings live there) */
  let lastMail: AlertChannel | undefined;
  /** The monitor's alerts about itself go straight to the channels: the store they would be claimed in is down. */
  const sendDirect = async (incident: AlertIncident, channels: readonly AlertChannel[]): Promise<void> => {
    for (const channel of channels) {
      try {
        await channel.deliver(incident, { store: storeLabel, sentAt: clock().toISOString() });
        log('info', 'delivered', { incident: incident.key, channel: channel.name, claimed: false });
      } catch (error) {
        log('error', 'delivery-failed', {
          incident: incident.key,
          channel: channel.name,
          reason: describeError(error),
        });
      }
    }
  };
  const claimTtlMs = options.claimTtlSeconds !== undefined ? options.claimTtlSeconds * 1000 : DEFAULT_CLAIM_TTL_MS;
  const persistent = parseStoreLocation(options.store).kind === 'postgres';
  let current: OpenedStore | undefined;
  const checks = deps.checks ? deps.checks(() => current) : defaultChecks(() => current, options);
  let stopping = false;
  let stopSignal: string | undefined;
  let wake: (() => void) | undefined;
  const stop = (signal: string): void => {
    if (!stopping) log('info', 'stopping', { signal, reason: 'ends after the current cycle' });
    stopping = true;
    stopSignal ??= signal;
    wake?.();
  };
  const onTerm = (): void => stop('SIGTERM');
  const onInt = (): void => stop('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  log('info', 'start', {
    by: owner,
    name,
    store: storeLabel,
    backend: parseStoreLocation(options.store).kind === 'postgres' ? 'postgres' : 'file',
    channels: channelNames,
    checks: checks.map((c) => c.name),
    everyMinutes: options.once === true ? null : options.every,
  });
  let lastError: { text: string; at: string } | undefined;
  let exitCode = 0;
  let lastStatus: MonitorStatus | undefined;
  /** A clean stop is written to the status, so `--status` says "stopped at …" instead of waiting for OVERDUE. */
  const writeStopped = async (): Promise<void> => {
    const at = clock().toISOString();
    try {
      current ??= await openCliStore(options, 'write');
      const previous = lastStatus ?? (await readMonitorStatus(current.store, name));
      const base: MonitorStatus = previous ?? {
        name,
        mode: 'service',
        by: owner,
        store: storeLabel,
        channels: channelNames,
        everyMinutes: options.every,
        lastCycleAt: null,
        lastCycleMs: 0,
        incidents: 0,
        delivered: 0,
        failedChannels: [],
        lastError: null,
        lastErrorAt: null,
        nextCycleAt: null,
        stoppedAt: null,
        stopSignal: null,
      };
      await writeMonitorStatus(
        current.store,
        { ...base, by: owner, nextCycleAt: null, stoppedAt: at, stopSignal: stopSignal ?? 'signal' },
        clock(),
      );
    } catch (error) {
      log('error', 'status-not-written', {
        reason: `the stop could not be written to the status: ${describeError(error)}`,
      });
    }
  };
  try {
    do {
      const now = clock();
      const nextAt = options.once === true ? null : new Date(now.getTime() + everyMs).toISOString();
      let outcome: MonitorCycleOutcome | undefined;
      try {
        current ??= await openCliStore(options, 'write');
        const opened = current;
        const channels = [...webhooks];
        try {
          const mail = await mailChannelFor(options, opened);
          if (mail) channels.push(mail);
          lastMail = mail;
        } catch (error) {
          // the mail channel cannot run this cycle: the others still do, and the failure is named
          lastError = { text: `The alert channel mail cannot be used: ${describeError(error)}`, at: now.toISOString() };
          log('error', 'channel-unusable', { channel: 'mail', reason: describeError(error) });
        }
        const previous = await readMonitorStatus(opened.store, name);
        outcome = await runMonitorCycle(opened.store, checks, channels, {
          owner,
          now,
          claimTtlMs,
          log: (e: MonitorEvent) =>
            log(e.event === 'delivery-failed' || e.event === 'check-failed' ? 'error' : 'info', e.event, e),
        });
        const failedChannels = [
          ...new Set([
            ...outcome.failedChannels,
            ...(channels.length < webhooks.length + (wantsMail ? 1 : 0) ? ['mail'] : []),
          ]),
        ].sort();
        // the error's own time (when the delivery gave up / the check threw), not the cycle's start
        const firstFailure = outcome.failed[0];
        const firstCheckError = outcome.checkErrors[0];
        if (firstFailure) lastError = { text: firstFailure.reason, at: firstFailure.at };
        else if (firstCheckError)
          lastError = { text: `check ${firstCheckError.check}: ${firstCheckError.reason}`, at: firstCheckError.at };
        const status: MonitorStatus = {
          name,
          mode: options.once === true ? 'once' : 'service',
          by: owner,
          store: storeLabel,
          channels: channelNames,
          everyMinutes: options.every,
          lastCycleAt: now.toISOString(),
          lastCycleMs: outcome.durationMs,
          nextCycleAt: nextAt,
          incidents: outcome.incidents,
          delivered: outcome.delivered.length,
          failedChannels,
          lastError: lastError?.text ?? previous?.lastError ?? null,
          lastErrorAt: lastError?.at ?? previous?.lastErrorAt ?? null,
          stoppedAt: null,
          stopSignal: null,
        };
        await writeMonitorStatus(opened.store, status, now);
        lastStatus = status;
        const back = watchdog.succeeded(now);
        if (back) await sendDirect(back, channels);
        log(failedChannels.length > 0 || outcome.checkErrors.length > 0 ? 'error' : 'info', 'cycle', {
          incidents: outcome.incidents,
          delivered: outcome.delivered.length,
          skipped: outcome.skipped,
          alreadySent: outcome.alreadySent,
          failedChannels,
          checkErrors: outcome.checkErrors.length,
          durationMs: outcome.durationMs,
          nextCycleAt: nextAt,
        });
        if (options.once === true && (failedChannels.length > 0 || outcome.checkErrors.length > 0)) {
          exitCode = EXIT_FAILED;
          const parts = [
            ...(failedChannels.length > 0
              ? [`alerts could not be delivered on channel ${failedChannels.join(', ')}`]
              : []),
            ...outcome.checkErrors.map((c) => `check ${c.check} failed: ${c.reason}`),
          ];
          process.stderr.write(`ixhaus-admin: ${parts.join('; ')}\n`);
        }
      } catch (error) {
        // the store could not be used this cycle (locked by a window, connection lost): skip it, try the next
        lastError = { text: describeError(error), at: now.toISOString() };
        log('error', 'cycle-failed', { reason: lastError.text, nextCycleAt: nextAt });
        // a file held by a VS Code window is a skipped cycle by design, not an outage
        const down = error instanceof StoreLockedError ? undefined : watchdog.failed(now, lastError.text);
        if (down) await sendDirect(down, [...webhooks, ...(lastMail ? [lastMail] : [])]);
        if (options.once === true) {
          exitCode = EXIT_FAILED;
          process.stderr.write(`ixhaus-admin: the monitor cycle failed: ${lastError.text}\n`);
        }
        if (current && persistent) {
          await current.store.close().catch(() => undefined);
        }
        if (persistent) current = undefined;
      }
      if (!persistent && current) {
        // a file store is held only during the cycle: the admins' windows can write between cycles
        await current.store.close();
        current = undefined;
      }
      if (options.once === true || stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, everyMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    } while (!stopping);
    if (stopping && options.once !== true) await writeStopped();
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    if (current) await current.store.close().catch(() => undefined);
    log('info', 'stop', { exitCode });
  }
  return exitCode;
}

/**
 * `serve --status`: one line per monitor of the store and per alert not yet delivered, after a first `OK: …` /
 * `PROBLEM: …` line; exit 0 when nothing needs an operator, else 1 (for a Nagios/Icinga check: 0 OK, 1 WARNING;
 * see `assessMonitoring` for what counts).
 */
async function printStatus(options: ServeOptions): Promise<number> {
  const opened = await openCliStore(options, 'read');
  try {
    const now = nowFrom(options)();
    const health = assessMonitoring(
      await readMonitorStatuses(opened.store, now),
      await failedAlertClaims(opened.store),
      now,
    );
    if (options.json === true) printJson(health);
    else process.stdout.write(`${formatMonitoringHealth(health)}\n`);
    return health.ok ? 0 : EXIT_FAILED;
  } finally {
    await opened.store.close();
  }
}

/** Registers `serve`. */
export function registerServeCommand(program: Command, deps: ServeDependencies = {}): void {
  const command = program
    .command('serve')
    .description(
      'monitor a store around the clock: run the checks every few minutes and send each incident once to every channel (Teams, JSON webhook, mail)',
    );
  addStoreOptions(command)
    .addOption(
      new Option(
        '--every <minutes>',
        'minutes between cycles (1–1440); with --once the interval cron or the Task Scheduler runs it at (--status expects the next run within two)',
      )
        .argParser(minutes)
        .default(5),
    )
    .option(
      '--once',
      'run one cycle and exit (cron, Windows Task Scheduler); exit 1 when an alert could not be delivered',
    )
    .option(
      '--name <name>',
      "this monitor's name in --status (default serve@HOSTNAME, with --once serve-once@HOSTNAME); give each monitor of a store its own",
      monitorName,
    )
    .option(
      '--status',
      "print the health of the store's monitors (per monitor: running, stopped, overdue; last cycle, last error) and the alerts not yet delivered; exit 1 when something needs an operator",
    )
    .option('--json', 'with --status: print JSON')
    .option(
      '--webhook <kind=VAR>',
      'a webhook channel, repeatable: teams=VAR (Teams Workflows webhook) or json=VAR (generic JSON POST); the URL is read from the environment variable VAR',
      webhookSpec,
    )
    .option('--webhook-ca <pem>', 'also trust this CA certificate for the webhooks (company TLS inspection)')
    .option('--mail', 'also alert by mail to the Scheduler E-Mailempfänger of the SMTP settings in the store')
    .option('--mail-to <address>', 'alert by mail to this address instead (repeatable)', collect)
    .option('--password-env <var>', 'environment variable with the SMTP password (default IXHAUS_SMTP_PASSWORD)')
    .option(
      '--client-secret-env <var>',
      'environment variable with the OAuth client secret, for mail and the daily client-secret expiry check (default IXHAUS_SMTP_CLIENT_SECRET)',
    )
    .option('--ca-file <pem>', 'also trust this CA certificate for SMTP, Entra ID and Graph')
    .addOption(
      new Option('--implicit-tls-port <port>', 'port that means implicit TLS (tests)').default('465').hideHelp(),
    )
    .addOption(
      new Option(
        '--alert-store-down-after <minutes>',
        'alert every channel once when the store has been unusable this long (0–1440; 0 = at the first failed cycle), and once when it is back',
      )
        .argParser(downMinutes)
        .default(15),
    )
    .addOption(new Option('--now <iso>', 'evaluate at this time (tests)').hideHelp())
    .addOption(new Option('--claim-ttl-seconds <n>', 'claim lifetime (tests)').argParser(Number).hideHelp())
    .addOption(new Option('--every-seconds <n>', 'seconds between cycles (tests)').argParser(Number).hideHelp())
    .addOption(new Option('--graph-host <host>', 'Microsoft Graph host (national clouds, tests)').hideHelp())
    .exitOverride()
    .action(async (options: ServeOptions) => {
      try {
        process.exitCode = await runServe(options, deps);
      } catch (error) {
        process.stderr.write(`ixhaus-admin: ${describeError(error)}\n`);
        process.exitCode = EXIT_FAILED;
      }
    });
}
