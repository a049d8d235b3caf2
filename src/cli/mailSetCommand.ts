/**
 * `ixhaus-admin mail set` (issue 21 "Headless set-up"): the SMTP settings of a store without VS Code — Basic or
 * OAuth (Moderne Autorisierung), the notification address and both scheduler recipients — through the core's
 * `saveMailSettings` (administrators, audited, one transaction) and the one shared validator
 * (src/shared/mail/validate.ts). Options not given keep their stored value. Invalid settings are refused as a whole:
 * every issue the validator reports is printed (naming the option to fix) and nothing is written (exit 1).
 *
 * Secrets: none are taken or stored here. The SMTP password and the OAuth client secret stay in environment
 * variables of the processes that send (`serve`, `mail test`, `scheduler check` via `--password-env` /
 * `--client-secret-env`); `--password-env` of this verb is the signing-in administrator's password, as in every
 * changing verb.
 */
import type { Command } from 'commander';
import { formatTemplate } from '../core/errors';
import { MailSettingsError } from '../core/mail/errors';
import { loadMailSettings, saveMailSettings } from '../core/mail/mailStore';
import { emptyMailSettings } from '../shared/mail/settings';
import type { MailField, MailIssue, MailSettings } from '../shared/mail/settings';
import { validateMailSettings } from '../shared/mail/validate';
import { asUser, signInOptions } from './adminCommands';
import type { SignInOptions } from './adminCommands';
import { EXIT_FAILED, fail, printJson } from './output';

interface MailSetFlags extends SignInOptions {
  auth?: string;
  host?: string;
  port?: string;
  ssl?: boolean;
  allowInsecureAuth?: boolean;
  smtpUser?: string;
  from?: string;
  clientId?: string;
  tenant?: string;
  objectId?: string;
  authorityHost?: string;
  notify?: string;
  schedulerRecipient?: string;
  schedulerRecipient2?: string;
}

/** The option that sets each field (issues name the option an operator has to change). */
const FLAG_OF: Readonly<Partial<Record<MailField, string>>> = {
  authType: '--auth',
  host: '--host',
  port: '--port',
  ssl: '--ssl/--no-ssl',
  allowInsecureAuth: '--allow-insecure-auth',
  user: '--smtp-user',
  from: '--from',
  clientId: '--client-id',
  tenant: '--tenant',
  objectId: '--object-id',
  authorityHost: '--authority-host',
  notifyAddress: '--notify',
  schedulerRecipient: '--scheduler-recipient',
  schedulerRecipient2: '--scheduler-recipient2',
};

/** One validator issue as a line: severity, the option, the English message. */
export function issueLine(issue: MailIssue): string {
  const flag = FLAG_OF[issue.field] ?? issue.field;
  return `${issue.severity === 'error' ? 'error  ' : 'warning'} ${flag}: ${formatTemplate(issue.template, issue.args)}`;
}

/** The stored settings with the given options laid over them (options not given keep the stored value). */
export function mergeMailFlags(stored: MailSettings | undefined, options: MailSetFlags): Record<string, unknown> {
  const authType = options.auth ?? stored?.authType ?? 'basic';
  const base: MailSettings = stored ?? emptyMailSettings(authType === 'oauth' ? 'oauth' : 'basic');
  const given: Record<string, unknown> = {
    authType: options.auth,
    host: options.host,
    port: options.port,
    ssl: options.ssl,
    allowInsecureAuth: options.allowInsecureAuth,
    user: options.smtpUser,
    from: options.from,
    clientId: options.clientId,
    tenant: options.tenant,
    objectId: options.objectId,
    authorityHost: options.authorityHost,
    notifyAddress: options.notify,
    schedulerRecipient: options.schedulerRecipient,
    schedulerRecipient2: options.schedulerRecipient2,
  };
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(given)) if (value !== undefined) merged[key] = value;
  return merged;
}

/**
 * The fields whose value really changed. A store without SMTP settings counts as the empty Basic form (what VS Code
 * shows for it: port 587, SSL on, the default authority host); an absent value (null, undefined) equals ''.
 */
export function changedFields(before: MailSettings | undefined, after: MailSettings): string[] {
  const base: MailSettings = before ?? emptyMailSettings('basic');
  const value = (v: unknown): unknown => (v === null || v === undefined ? '' : v);
  return (Object.keys(after) as (keyof MailSettings)[]).filter((k) => value(base[k]) !== value(after[k]));
}

/** Adds `mail set` under the `mail` command. */
export function registerMailSetCommand(mail: Command): void {
  signInOptions(
    mail
      .command('set')
      .description(
        'set the SMTP settings of the store (administrators; audited); options not given keep their stored value. Secrets are not stored: the sending processes read them from environment variables',
      ),
  )
    .option('--auth <basic|oauth>', 'authorization: basic (user + password) or oauth (Moderne Autorisierung, Entra ID)')
    .option('--host <host>', 'SMTP server (oauth default smtp.office365.com)')
    .option('--port <port>', 'port (465 means implicit TLS)')
    .option('--ssl', 'SSL erforderlich: implicit TLS on 465, STARTTLS required on any other port')
    .option('--no-ssl', 'no TLS required (not with oauth)')
    .option('--allow-insecure-auth', 'allow the password over an unencrypted connection')
    .option('--no-allow-insecure-auth', 'never send the password unencrypted')
    .option('--smtp-user <login>', 'SMTP login (oauth: the mailbox the app sends as)')
    .option('--from <address>', 'sender address')
    .option('--client-id <guid>', 'oauth: Application (client) ID of the app registration')
    .option('--tenant <id>', 'oauth: Directory (tenant) ID or verified domain')
    .option('--object-id <guid>', 'oauth: Object ID of the app registration (for the client-secret expiry)')
    .option('--authority-host <host>', 'oauth: sign-in host (national clouds; default login.microsoftonline.com)')
    .option('--notify <address>', 'oauth: notification address for client-secret expiry reminders')
    .option('--scheduler-recipient <address>', 'Scheduler E-Mailempfänger ("" clears it)')
    .option('--scheduler-recipient2 <address>', 'Weitere Scheduler E-Mailempfänger ("" clears it)')
    .exitOverride()
    .action(async (options: MailSetFlags) => {
      const json = options.json === true;
      try {
        if (options.auth !== undefined && options.auth !== 'basic' && options.auth !== 'oauth')
          throw new Error(`--auth must be basic or oauth, not "${options.auth}"`);
        const result = await asUser(options, async (store, actor) => {
          const stored = await loadMailSettings(store);
          const input = mergeMailFlags(stored, options);
          // validated here first so that every issue is shown, then again by the core inside the transaction
          const { settings, issues } = validateMailSettings(input);
          if (!settings) throw new MailSettingsError(issues);
          const saved = await saveMailSettings(store, actor, input, undefined, new Date(), stored ?? null);
          return { saved, issues, changed: changedFields(stored, saved) };
        });
        if (json) printJson({ ok: true, settings: result.saved, changed: result.changed, issues: result.issues });
        else
          process.stdout.write(
            `${[
              result.changed.length === 0
                ? 'SMTP settings unchanged'
                : `SMTP settings saved (changed: ${result.changed.join(', ')})`,
              ...result.issues.map(issueLine),
            ].join('\n')}\n`,
          );
      } catch (error) {
        if (!(error instanceof MailSettingsError)) return fail(error, json);
        // every issue, naming the option to fix; nothing was written
        if (json) printJson({ ok: false, code: error.code, message: error.message, issues: error.issues });
        process.stderr.write(
          `ixhaus-admin: the SMTP settings are invalid; nothing was saved:\n${error.issues.map((i) => `  ${issueLine(i)}`).join('\n')}\n`,
        );
        process.exitCode = EXIT_FAILED;
      }
    });
}
