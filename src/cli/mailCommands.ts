/**
 * `ixhaus-admin mail test|secret-expiry` and `ixhaus-admin scheduler check` (issue 7 §8). Settings come from the
 * store (`--store`) or from flags; secrets only from environment variables (never from the store or a flag value).
 * `mail test` exits 1 when the test mail was not accepted; `scheduler check` exits 1 when an alert that was due
 * could not be sent to every scheduler recipient (issue 17 §11).
 */
import * as fs from 'node:fs';
import { Option } from 'commander';
import type { Command } from 'commander';
import { formatTemplate } from '../core/errors';
import type { Logger } from '../core/log';
import { formatReport } from '../core/mail/stepReport';
import { MailSettingsError } from '../core/mail/errors';
import { loadMailSettings, updateSecretValidUntil } from '../core/mail/mailStore';
import { testMailSettings } from '../core/mail/mailTest';
import type { MailSecrets, MailTestResult } from '../core/mail/mailTest';
import { HttpsClient } from '../core/mail/oauth';
import { readSecretExpiry, sendSecretReminder } from '../core/mail/secretExpiry';
import { createSender } from '../core/mail/sender';
import { jobStates } from '../core/scheduler/incidents';
import { headerSafeJobName, monitorScheduler } from '../core/scheduler/schedulerMonitor';
import { reminderDays, setReminderDays } from '../core/reminders/reminderWindows';
import type { AsyncQueryable } from '../core/store/asyncStore';
import { validateMailSettings } from '../shared/mail/validate';
import type { MailSettings } from '../shared/mail/settings';
import { asUser, signInOptions } from './adminCommands';
import type { SignInOptions } from './adminCommands';
import { EXIT_FAILED, runVerb, envValue } from './output';
import type { VerbResult } from './output';
import { addStoreOptions, withCliStore } from './writableStore';
import { registerMailSetCommand } from './mailSetCommand';
import { registerSchedulerJobCommands, stateDetail } from './schedulerJobCommands';
import { germanTime } from '../core/scheduler/germanTime';
import type { StoreCliOptions } from './writableStore';

interface MailFlags extends Partial<StoreCliOptions> {
  to: string;
  host?: string;
  port?: string;
  ssl?: boolean;
  allowInsecureAuth?: boolean;
  user?: string;
  from?: string;
  passwordEnv?: string;
  clientSecretEnv?: string;
  caFile?: string;
  implicitTlsPort?: string;
  graphHost?: string;
  now?: string;
  json?: boolean;
  verbose?: boolean;
}

/**
 * The CLI's log is stderr, with --verbose only (the report already names each failure); it then holds the whole
 * server replies (Microsoft's diagnostic tail included), which the report shows shortened (issue 17 §2).
 */
function stderrLogger(verbose: boolean): Logger {
  const write =
    (level: string) =>
    (m: string): void =>
      void process.stderr.write(`${level} ${m}\n`);
  const off = (): void => undefined;
  return {
    trace: off,
    debug: verbose ? write('debug') : off,
    info: verbose ? write('info') : off,
    warn: verbose ? write('warn') : off,
    error: write('error'),
  };
}

const DEFAULT_PASSWORD_ENV = 'IXHAUS_SMTP_PASSWORD';
const DEFAULT_CLIENT_SECRET_ENV = 'IXHAUS_SMTP_CLIENT_SECRET';

const english = (template: string, args: readonly (string | number)[]) => formatTemplate(template, args);

function secretsFrom(options: MailFlags): MailSecrets {
  // a variable named explicitly must exist (the defaults may be absent: then the test says what is missing)
  for (const [flag, name] of [
    ['--password-env', options.passwordEnv],
    ['--client-secret-env', options.clientSecretEnv],
  ] as const) {
    if (name !== undefined) envValue(name, flag);
  }
  const password = process.env[options.passwordEnv ?? DEFAULT_PASSWORD_ENV];
  const clientSecret = process.env[options.clientSecretEnv ?? DEFAULT_CLIENT_SECRET_ENV];
  return { ...(password !== undefined ? { password } : {}), ...(clientSecret !== undefined ? { clientSecret } : {}) };
}

function caFrom(options: MailFlags): Buffer | undefined {
  if (!options.caFile) return undefined;
  try {
    return fs.readFileSync(options.caFile);
  } catch (error) {
    throw new Error(`cannot read the CA file ${options.caFile}: ${(error as Error).message}`);
  }
}

function nowFrom(options: { now?: string }): Date {
  if (!options.now) return new Date();
  const date = new Date(options.now);
  if (Number.isNaN(date.getTime())) throw new Error(`--now ${options.now} is not an ISO date/time`);
  return date;
}

function settingsFromFlags(options: MailFlags): MailSettings {
  if (!options.host) throw new Error('give --store STORE, or the settings as flags (at least --host and --from)');
  const { settings, issues } = validateMailSettings({
    authType: 'basic',
    host: options.host,
    port: options.port ?? (options.ssl ? '587' : '25'),
    ssl: options.ssl === true,
    allowInsecureAuth: options.allowInsecureAuth === true,
    user: options.user ?? '',
    from: options.from ?? '',
  });
  if (!settings) throw new MailSettingsError(issues);
  return settings;
}

async function storedSettings(store: AsyncQueryable, file: string): Promise<MailSettings> {
  const stored = await loadMailSettings(store);
  if (!stored)
    throw new Error(
      `${file} has no SMTP settings yet: save them in VS Code ("SMTP Einstellungen") or with \`ixhaus-admin mail set\``,
    );
  const { settings, issues } = validateMailSettings({ ...stored });
  if (!settings) throw new MailSettingsError(issues);
  return settings;
}

function resultText(result: MailTestResult): string {
  const lines: string[] = [];
  if (result.oauth && !result.oauth.ok && result.oauth.error)
    lines.push(`FAILED  OAuth token: ${result.oauth.error.message}`);
  else if (result.oauth?.ok) lines.push('ok      OAuth token: audience Exchange Online, role SMTP.SendAsApp');
  if (result.expiry)
    lines.push(
      result.expiry.status === 'known'
        ? `${result.expiry.expired ? 'EXPIRED' : 'ok     '} client secret valid until ${result.expiry.validUntil} (${result.expiry.daysLeft} days)`
        : `unknown client secret expiry: ${english(result.expiry.template, result.expiry.args)}`,
    );
  return `${lines.length ? `${lines.join('\n')}\n` : ''}${formatReport(result.smtp, english)}`;
}

/** Adds `mail …` and `scheduler …`. */
export function registerMailCommands(program: Command): void {
  const mail = program
    .command('mail')
    .description('SMTP settings: connection test, client-secret expiry')
    .exitOverride();
  registerMailSetCommand(mail);

  addStoreOptions(
    mail
      .command('test')
      .description(
        'send a real test mail and report each step (TCP, TLS, AUTH, MAIL FROM, RCPT TO, DATA) with the server reply and a hint',
      )
      .requiredOption('--to <address>', 'recipient of the test mail'),
    {
      optional: true,
      description: 'take the settings from this store (secrets from environment variables): a store file',
    },
  )
    .option('--host <host>', 'SMTP server (without --store)')
    .option('--port <port>', 'port (without --store; default 587 with --ssl, else 25)')
    .option('--ssl', 'SSL erforderlich: implicit TLS on 465, STARTTLS required on any other port')
    .option('--allow-insecure-auth', 'send the password even over an unencrypted connection')
    .option('--user <user>', 'login (without --store)')
    .option('--from <address>', 'sender (without --store)')
    .option('--password-env <var>', `environment variable holding the password (default ${DEFAULT_PASSWORD_ENV})`)
    .option(
      '--client-secret-env <var>',
      `environment variable holding the OAuth client secret (default ${DEFAULT_CLIENT_SECRET_ENV})`,
    )
    .option('--ca-file <pem>', 'also trust this CA certificate (company CA)')
    .addOption(
      new Option('--implicit-tls-port <port>', 'port that means implicit TLS (tests)').default('465').hideHelp(),
    )
    .addOption(new Option('--graph-host <host>', 'Microsoft Graph host (national clouds, tests)').hideHelp())
    .option('--verbose', 'log on stderr, with the whole server replies (the report shows them shortened)')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((options: MailFlags) =>
      runVerb(options.json === true, async (): Promise<VerbResult> => {
        const ca = caFrom(options);
        const secrets = secretsFrom(options);
        const common = {
          to: options.to,
          secrets,
          logger: stderrLogger(options.verbose === true),
          ...(ca ? { ca, http: new HttpsClient({ ca }) } : {}),
          implicitTlsPort: Number(options.implicitTlsPort ?? 465),
          ...(options.graphHost ? { graphHost: options.graphHost } : {}),
        };
        let result: MailTestResult;
        const storeText = options.store;
        if (storeText) {
          // writable when free, so that a read "Gültig bis" is kept; read-only when another window holds the file
          result = await withCliStore({ ...options, store: storeText }, 'write-if-free', async (store) =>
            testMailSettings({ ...common, settings: await storedSettings(store, storeText), store }),
          );
        } else {
          result = await testMailSettings({ ...common, settings: settingsFromFlags(options) });
        }
        if (!result.ok) process.exitCode = EXIT_FAILED;
        return {
          json: { ok: result.ok, smtp: result.smtp, oauth: result.oauth ?? null, expiry: result.expiry ?? null },
          text: resultText(result),
        };
      }),
    );

  addStoreOptions(
    mail
      .command('secret-expiry')
      .description(
        'read the OAuth client-secret expiry from Microsoft Graph, update "Gültig bis" and send the reminder due (at the reminder windows, default 30/7/1 days, each once)',
      ),
  )
    .option(
      '--client-secret-env <var>',
      `environment variable holding the client secret (default ${DEFAULT_CLIENT_SECRET_ENV})`,
    )
    .option('--ca-file <pem>', 'also trust this CA certificate')
    .option('--no-send', 'only read and show, send no reminder')
    .addOption(
      new Option('--implicit-tls-port <port>', 'port that means implicit TLS (tests)').default('465').hideHelp(),
    )
    .addOption(new Option('--graph-host <host>', 'Microsoft Graph host (national clouds, tests)').hideHelp())
    .addOption(new Option('--now <iso>', 'evaluate at this time (tests)').hideHelp())
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((options: MailFlags & StoreCliOptions & { send?: boolean }) =>
      runVerb(options.json === true, async (): Promise<VerbResult> => {
        const ca = caFrom(options);
        const secrets = secretsFrom(options);
        const now = nowFrom(options);
        return withCliStore(options, 'write-if-free', async (store): Promise<VerbResult> => {
          let settings = await storedSettings(store, options.store);
          if (settings.authType !== 'oauth')
            throw new Error('the SMTP settings use Basic authorization: there is no client secret to watch');
          const http = new HttpsClient(ca ? { ca } : {});
          const expiry = await readSecretExpiry({
            settings,
            clientSecret: secrets.clientSecret ?? '',
            http,
            now,
            ...(options.graphHost ? { graphHost: options.graphHost } : {}),
          });
          if (expiry.status === 'known') {
            await updateSecretValidUntil(store, expiry.validUntil);
            settings = { ...settings, secretValidUntil: expiry.validUntil };
          }
          const reminder =
            options.send === false
              ? { sent: false, reason: '--no-send' }
              : await sendSecretReminder(
                  store,
                  settings,
                  now,
                  createSender(settings, secrets, {
                    ...(ca ? { ca } : {}),
                    http,
                    implicitTlsPort: Number(options.implicitTlsPort ?? 465),
                  }),
                );
          const line =
            expiry.status === 'known'
              ? `client secret valid until ${expiry.validUntil}: ${expiry.expired ? 'EXPIRED' : `${expiry.daysLeft} days left`}`
              : `client secret expiry unknown: ${english(expiry.template, expiry.args)}`;
          const reminderLine = reminder.sent
            ? `reminder (${reminder.daysBefore} days) sent to ${settings.notifyAddress}`
            : `no reminder sent (${reminder.reason})`;
          return { json: { expiry, reminder }, text: `${line}\n${reminderLine}\n` };
        });
      }),
    );

  // issue 17 §12: the reminder windows of license, module and client-secret expiry reminders (store-wide, admins)
  const reminders = program
    .command('reminders')
    .description('reminder windows: days before an end date when license, module and client-secret reminders go out')
    .exitOverride();
  addStoreOptions(reminders.command('show').description("the store's reminder windows (default 30, 7, 1)"))
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((options: StoreCliOptions & { json?: boolean }) =>
      runVerb(options.json === true, () =>
        withCliStore(options, 'read', async (store): Promise<VerbResult> => {
          const days = await reminderDays(store);
          return { json: { days }, text: `reminders ${days.join(', ')} days before the end date\n` };
        }),
      ),
    );
  signInOptions(
    reminders
      .command('set')
      .description('set the reminder windows for the whole store (administrators; audited)')
      .argument('<days...>', 'whole days 1–365, e.g. 60 14 3'),
  )
    .exitOverride()
    .action((days: string[], options: SignInOptions) =>
      runVerb(options.json === true, () =>
        asUser(options, async (store, actor) => {
          const before = await reminderDays(store);
          const after = await setReminderDays(store, actor, days.join(' '));
          return {
            json: { before, days: after },
            text: `reminder windows: ${before.join(', ')} → ${after.join(', ')} days\n`,
          };
        }),
      ),
    );

  const scheduler = program.command('scheduler').description('scheduler jobs and failure alerts').exitOverride();
  registerSchedulerJobCommands(scheduler);
  addStoreOptions(
    scheduler
      .command('check')
      .description(
        'list the jobs with their state and alert "not started when due" / "blocked" once per incident to both scheduler recipients',
      ),
  )
    .option('--password-env <var>', `environment variable holding the SMTP password (default ${DEFAULT_PASSWORD_ENV})`)
    .option(
      '--client-secret-env <var>',
      `environment variable holding the OAuth client secret (default ${DEFAULT_CLIENT_SECRET_ENV})`,
    )
    .option('--ca-file <pem>', 'also trust this CA certificate')
    .option('--dry-run', 'show incidents, send and record nothing')
    .addOption(
      new Option('--implicit-tls-port <port>', 'port that means implicit TLS (tests)').default('465').hideHelp(),
    )
    .addOption(new Option('--now <iso>', 'evaluate at this time (tests)').hideHelp())
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((options: MailFlags & StoreCliOptions & { dryRun?: boolean }) =>
      runVerb(options.json === true, async (): Promise<VerbResult> => {
        const now = nowFrom(options);
        return withCliStore(options, options.dryRun ? 'read' : 'write-if-free', async (store): Promise<VerbResult> => {
          const states = await jobStates(store, { now });
          const lines = states.map(
            (s) =>
              `${s.state.padEnd(12)} ${headerSafeJobName(s.job.name).padEnd(32)} ${s.job.cron.padEnd(16)} max ${s.job.maxRunMinutes} min, ${stateDetail(s)}`,
          );
          if (options.dryRun) return { json: { jobs: states, alerted: [] }, text: `${lines.join('\n')}\n` };
          // the settings as stored: one invalid field (e.g. a recipient) must not hide the others (issue 17 §11)
          const settings = await loadMailSettings(store);
          const ca = caFrom(options);
          const send = settings
            ? createSender(settings, secretsFrom(options), {
                ...(ca ? { ca } : {}),
                implicitTlsPort: Number(options.implicitTlsPort ?? 465),
              })
            : async () => undefined;
          const outcome = await monitorScheduler(store, settings, { now }, send);
          for (const a of outcome.alerted)
            lines.push(
              `alert sent: ${headerSafeJobName(a.jobName)} ${a.kind} since ${germanTime(a.at, { uhr: false })}`,
            );
          for (const r of outcome.invalidRecipients)
            lines.push(
              `invalid scheduler recipient: ${JSON.stringify(r)} is not a valid e-mail address; correct it in the SMTP settings`,
            );
          for (const f of outcome.failed)
            lines.push(
              `alert NOT sent: ${headerSafeJobName(f.incident.jobName)} ${f.incident.kind} since ${germanTime(f.incident.at, { uhr: false })}: ${f.reason}`,
            );
          if (outcome.notAlertedReason) lines.push(`alerts not sent: ${outcome.notAlertedReason}`);
          // cron must notice: any alert that was due and did not reach every recipient fails the run
          if (outcome.alertsMissed) process.exitCode = EXIT_FAILED;
          return {
            json: {
              jobs: states,
              incidents: outcome.incidents,
              alerted: outcome.alerted,
              failed: outcome.failed,
              invalidRecipients: outcome.invalidRecipients,
              notAlertedReason: outcome.notAlertedReason ?? null,
              alertsMissed: outcome.alertsMissed,
            },
            text: `${lines.join('\n')}\n`,
          };
        });
      }),
    );
}
