/**
 * SMTP Einstellungen in the extension (issue 7 §1, §4): edit the non-secret settings (a field list with live
 * validation by the shared validator; the Lit webview form replaces it once the shared webview infrastructure
 * lands), set the password / client secret in secret storage, and run "Verbindung testen" with its step report
 * in the "iX-Haus SMTP" output channel. Admin only — enforced in core (saveMailSettings) and here.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { OAUTH_FIX_HINTS } from '../../core/mail/classify';
import { formatReport } from '../../core/mail/stepReport';
import { loadMailSettings, saveMailSettings } from '../../core/mail/mailStore';
import { MailSettingsError } from '../../core/mail/errors';
import { testMailSettings } from '../../core/mail/mailTest';
import type { MailTestResult } from '../../core/mail/mailTest';
import { secretLooksLikeId } from '../../core/mail/oauth';
import {
  ReminderWindowsError,
  parseReminderDays,
  reminderDays,
  setReminderDays,
} from '../../core/reminders/reminderWindows';
import type { AsyncStore } from '../../core/store/asyncStore';
import { requireAdmin } from '../../core/access/rights';
import type { Actor } from '../../core/access/rights';
import { emptyMailSettings } from '../../shared/mail/settings';
import { parseAddress } from '../../shared/mail/fieldParsing';
import { validateMailSettings } from '../../shared/mail/validate';
import type { MailField, MailIssue } from '../../shared/mail/settings';
import type { MailSecretKind } from '../panels/mailSettingsController';
import { vscodeHttpsClient } from '../mail/proxySettings';
import { scriptedArgs } from '../scriptedArgs';
import { requireSignedIn } from '../signedIn';
import type { Services } from '../services';

function adminContext(services: Services, action: string): { store: AsyncStore; actor: Actor } {
  const c = requireSignedIn(services);
  requireAdmin(c.actor, action);
  return c;
}

const issueText = (issue: MailIssue) => vscode.l10n.t(issue.template, ...issue.args);

function fieldLabel(field: MailField): string {
  const labels: Record<string, string> = {
    authType: vscode.l10n.t('Mail-Server Autorisierungstyp'),
    host: vscode.l10n.t('SMTP server'),
    port: vscode.l10n.t('Port'),
    ssl: vscode.l10n.t('SSL required'),
    allowInsecureAuth: vscode.l10n.t('Allow login without encryption'),
    user: vscode.l10n.t('User name'),
    from: vscode.l10n.t('Sender e-mail'),
    schedulerRecipient: vscode.l10n.t('Scheduler e-mail recipient'),
    schedulerRecipient2: vscode.l10n.t('Further scheduler e-mail recipient'),
    clientId: vscode.l10n.t('Client Id'),
    objectId: vscode.l10n.t('Object Id'),
    tenant: vscode.l10n.t('Tenant'),
    authorityHost: vscode.l10n.t('Authority host'),
    secretValidUntil: vscode.l10n.t('Client Secret (valid until)'),
    notifyAddress: vscode.l10n.t('E-mail for notification'),
  };
  return labels[field] ?? field;
}

const BASIC_FIELDS: MailField[] = [
  'authType',
  'host',
  'port',
  'ssl',
  'allowInsecureAuth',
  'user',
  'from',
  'schedulerRecipient',
  'schedulerRecipient2',
];
const OAUTH_FIELDS: MailField[] = [
  'authType',
  'clientId',
  'objectId',
  'tenant',
  'authorityHost',
  'user',
  'from',
  'notifyAddress',
  'secretValidUntil',
  'host',
  'port',
  'ssl',
  'schedulerRecipient',
  'schedulerRecipient2',
];

/**
 * `ixhaus.mail.openSettings`: opens the "SMTP Einstellungen" webview (admins). In the test extension mode only,
 * `{ caFile }` names a CA the panel's connection test trusts (a test server's certificate).
 */
export function openMailSettingsCommand(services: Services, arg?: unknown): void {
  if (!adminContext(services, 'change the SMTP settings')) return;
  const panel = services.mailPanels.show();
  const caFile = (scriptedArgs(services.context, arg) as { caFile?: unknown } | undefined)?.caFile;
  if (typeof caFile === 'string') panel.testOptions = { ca: fs.readFileSync(caFile) };
}

/** `ixhaus.mail.editSettings`: with `{ settings }` saves them (API, tests); else a field list with live validation. */
export async function editMailSettingsCommand(services: Services, arg?: unknown): Promise<void> {
  const c = adminContext(services, 'change the SMTP settings');
  if (!c) return;
  const presence = await services.mail.presence(c.store);
  const given = (scriptedArgs(services.context, arg) as { settings?: Record<string, unknown> } | undefined)?.settings;
  if (given) {
    await saveMailSettings(c.store, c.actor, given, presence);
    return;
  }
  // what the form started from is what the save is based on: another admin's save meanwhile is refused (issue 19)
  const shown = (await loadMailSettings(c.store)) ?? null;
  const values: Record<string, unknown> = { ...(shown ?? emptyMailSettings()) };
  for (;;) {
    const { issues } = validateMailSettings(values, presence);
    const fields = values.authType === 'oauth' ? OAUTH_FIELDS : BASIC_FIELDS;
    const save: vscode.QuickPickItem = { label: `$(save) ${vscode.l10n.t('Save')}`, alwaysShow: true };
    const items = fields.map((field) => {
      const issue = issues.find((i) => i.field === field);
      const value = values[field];
      const shown =
        field === 'authType'
          ? value === 'oauth'
            ? vscode.l10n.t('Modern authorization (Microsoft OAuth 2.0)')
            : vscode.l10n.t('Basic authorization (SMTP)')
          : typeof value === 'boolean'
            ? value
              ? vscode.l10n.t('yes')
              : vscode.l10n.t('no')
            : String(value ?? '');
      return {
        label: fieldLabel(field),
        description: shown,
        detail: issue ? `${issue.severity === 'error' ? '$(error)' : '$(warning)'} ${issueText(issue)}` : undefined,
        field,
      };
    });
    const picked = await vscode.window.showQuickPick<vscode.QuickPickItem & { field?: MailField }>([save, ...items], {
      title: vscode.l10n.t('SMTP Einstellungen'),
      placeHolder: vscode.l10n.t('Pick a field to change, then Save'),
      matchOnDescription: true,
      ignoreFocusOut: true,
    });
    if (!picked) return;
    if (picked === save) {
      try {
        await saveMailSettings(c.store, c.actor, values, presence, new Date(), shown);
      } catch (error) {
        if (error instanceof MailSettingsError) {
          void vscode.window.showErrorMessage(vscode.l10n.t(error.template, ...error.args));
          continue;
        }
        throw error;
      }
      services.refreshViews();
      void vscode.window.showInformationMessage(
        vscode.l10n.t("SMTP settings saved. Secrets are kept in VS Code's secret storage, never in the store."),
      );
      return;
    }
    const field = picked.field!;
    if (field === 'authType') {
      const basic = vscode.l10n.t('Basic authorization (SMTP)');
      const oauth = vscode.l10n.t('Modern authorization (Microsoft OAuth 2.0)');
      const type = await vscode.window.showQuickPick([basic, oauth], { title: fieldLabel(field) });
      if (type) values.authType = type === oauth ? 'oauth' : 'basic';
      continue;
    }
    if (field === 'ssl' || field === 'allowInsecureAuth') {
      values[field] = !values[field];
      continue;
    }
    const value = await vscode.window.showInputBox({
      title: fieldLabel(field),
      value: String(values[field] ?? ''),
      prompt:
        field === 'port'
          ? vscode.l10n.t('SSL required: implicit TLS on port 465, STARTTLS required on any other port.')
          : undefined,
      validateInput: (text) => {
        const issue = validateMailSettings({ ...values, [field]: text }, presence).issues.find(
          (i) => i.field === field && i.severity === 'error',
        );
        return issue ? issueText(issue) : undefined;
      },
    });
    if (value !== undefined) values[field] = value;
  }
}

/** `ixhaus.mail.setSecret`: stores the password or client secret in secret storage (`{ kind, value }` for the API). */
export async function setMailSecretCommand(services: Services, arg?: unknown): Promise<void> {
  const c = adminContext(services, 'change the SMTP settings');
  if (!c) return;
  const given = scriptedArgs(services.context, arg) as { kind?: MailSecretKind; value?: string } | undefined;
  const oauth = (await loadMailSettings(c.store))?.authType === 'oauth';
  const kind: MailSecretKind = given?.kind ?? (oauth ? 'clientSecret' : 'password');
  let value = given?.value;
  if (value === undefined) {
    value = await vscode.window.showInputBox({
      title: kind === 'password' ? vscode.l10n.t('SMTP password') : vscode.l10n.t('Client Secret (value)'),
      password: true,
      ignoreFocusOut: true,
      prompt: vscode.l10n.t("Kept only in VS Code's secret storage. Leave empty to remove it."),
    });
    if (value === undefined) return;
    if (kind === 'clientSecret' && secretLooksLikeId(value)) {
      const keep = vscode.l10n.t('Save anyway');
      const answer = await vscode.window.showWarningMessage(
        vscode.l10n.t(
          'The client secret looks like the Secret ID (a GUID); paste the Value column instead (shown only once when the secret is created).',
        ),
        { modal: true },
        keep,
      );
      if (answer !== keep) return;
    }
  }
  await services.mail.write(c.store, kind, value);
  if (given?.value === undefined)
    void vscode.window.showInformationMessage(
      value === ''
        ? vscode.l10n.t('The secret was removed.')
        : vscode.l10n.t("The secret is saved in VS Code's secret storage."),
    );
}

function resultLines(result: MailTestResult): string {
  const t = (template: string, args: readonly (string | number)[]) => vscode.l10n.t(template, ...args);
  const lines: string[] = [];
  if (result.oauth)
    lines.push(
      result.oauth.ok
        ? vscode.l10n.t('OAuth token: ok (Exchange Online, SMTP.SendAsApp)')
        : vscode.l10n.t(
            'OAuth token: failed — {0}',
            result.oauth.error ? t(result.oauth.error.template, result.oauth.error.args) : '',
          ),
    );
  if (result.expiry)
    lines.push(
      result.expiry.status === 'known'
        ? result.expiry.expired
          ? vscode.l10n.t('Client secret EXPIRED on {0}', result.expiry.validUntil)
          : vscode.l10n.t('Client secret valid until {0} ({1} days)', result.expiry.validUntil, result.expiry.daysLeft)
        : vscode.l10n.t('Client secret expiry unknown: {0}', t(result.expiry.template, result.expiry.args)),
    );
  return `${lines.length ? `${lines.join('\n')}\n` : ''}${formatReport(result.smtp, t)}`;
}

/**
 * `ixhaus.mail.testConnection` ("Verbindung testen"): sends a real test mail to a recipient the admin types and
 * writes each step with reply and hint to the "iX-Haus SMTP" channel. `{ to, caFile?, implicitTlsPort?, graphHost? }`
 * in the test extension mode only. Returns the result (for scripted callers), undefined when cancelled.
 */
export async function testMailConnectionCommand(
  services: Services,
  arg?: unknown,
): Promise<MailTestResult | undefined> {
  const c = adminContext(services, 'test the SMTP connection');
  if (!c) return;
  const given = (scriptedArgs(services.context, arg) ?? {}) as {
    to?: string;
    caFile?: string;
    implicitTlsPort?: number;
    graphHost?: string;
  };
  const stored = await loadMailSettings(c.store);
  const { settings, issues } = validateMailSettings({ ...(stored ?? emptyMailSettings()) });
  if (!stored || !settings)
    throw new MailSettingsError(
      issues.length
        ? issues
        : [
            {
              field: 'host',
              severity: 'error',
              code: 'E_MAIL_HOST',
              template: 'Enter the SMTP server (host name or IP address).',
              args: [],
            },
          ],
    );
  const to =
    given.to ??
    (await vscode.window.showInputBox({
      title: vscode.l10n.t('Test connection: recipient'),
      prompt: vscode.l10n.t('A real test mail is sent to this address.'),
      validateInput: (text) => (parseAddress(text) ? undefined : vscode.l10n.t('Enter a valid e-mail address.')),
    }));
  if (!to) return;
  const secrets = await services.mail.read(c.store);
  const ca = given.caFile ? fs.readFileSync(given.caFile) : undefined;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Testing the SMTP connection…') },
    () =>
      testMailSettings({
        settings,
        secrets,
        to,
        store: c.store,
        logger: services.logger,
        ...(ca ? { ca } : {}),
        http: vscodeHttpsClient(ca),
        ...(given.implicitTlsPort ? { implicitTlsPort: given.implicitTlsPort } : {}),
        ...(given.graphHost ? { graphHost: given.graphHost } : {}),
      }),
  );
  writeReport(services, result, `${settings.host}:${settings.port}`, to);
  const show = vscode.l10n.t('Show report');
  // Basic auth retired (C06) or disabled for the tenant (5.7.139, issue 17 §1): offer the jump to the OAuth settings
  const toOAuth = result.smtp.steps.some((s) => s.hint !== undefined && OAUTH_FIX_HINTS.has(s.hint.id))
    ? vscode.l10n.t('Switch to OAuth 2.0…')
    : undefined;
  const message = result.ok
    ? vscode.window.showInformationMessage(
        vscode.l10n.t('Test mail sent to {0} ({1} ms).', to, result.smtp.durationMs),
        show,
      )
    : vscode.window.showErrorMessage(
        vscode.l10n.t('The SMTP connection test failed — see the step report.'),
        show,
        ...(toOAuth ? [toOAuth] : []),
      );
  void message.then((picked) => {
    if (picked === show) services.mail.output.show(true);
    if (picked !== undefined && picked === toOAuth) services.mailPanels.show();
  });
  return result;
}

/** Writes a test's step report to the "iX-Haus SMTP" channel (never a secret: steps hold server replies only). */
export function writeReport(
  services: Pick<Services, 'mail'>,
  result: MailTestResult,
  server: string,
  to: string,
): void {
  services.mail.output.appendLine(`— ${new Date().toLocaleString()} · ${server} → ${to}`);
  services.mail.output.append(resultLines(result));
}

/**
 * `ixhaus.reminders.configure` ("Set Reminder Windows…", administrators): the days before an end date when license,
 * module and client-secret reminders go out — one store-wide setting, default 30, 7, 1 (issue 17 §12). Audited in
 * core. `{ days }` (e.g. "60 14 3") skips the prompt in the test extension mode only; returns the windows now in force.
 */
export async function configureRemindersCommand(services: Services, arg?: unknown): Promise<number[] | undefined> {
  const c = adminContext(services, 'change the reminder windows');
  const given = (scriptedArgs(services.context, arg) as { days?: unknown } | undefined)?.days;
  const current = await reminderDays(c.store);
  const text =
    typeof given === 'string'
      ? given
      : await vscode.window.showInputBox({
          title: vscode.l10n.t('Reminder windows'),
          prompt: vscode.l10n.t(
            'Days before the end date when license, module and client-secret reminders go out, for every user of this store (default 30, 7, 1).',
          ),
          value: current.join(', '),
          ignoreFocusOut: true,
          validateInput: (value) => {
            try {
              parseReminderDays(value);
              return undefined;
            } catch (error) {
              return error instanceof ReminderWindowsError
                ? vscode.l10n.t(error.template, ...error.args)
                : String(error);
            }
          },
        });
  if (text === undefined) return undefined;
  const days = await setReminderDays(c.store, c.actor, text);
  services.refreshViews();
  if (typeof given !== 'string')
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Reminders now go out {0} days before the end date.', days.join(', ')),
    );
  return days;
}
