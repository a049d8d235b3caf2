/**
 * The message templates of the SMTP settings validator (issue 7, issue 15): English sources and l10n keys, localized
 * by the host (also for the webview). Pure TypeScript without Node, vscode or DOM imports.
 */

/**
 * Marks an English message template for the German bundle check (same contract as core's `msg`).
 * @returns the template unchanged
 */
export function msg(template: string): string {
  return template;
}

/** Every message template the validator can report (l10n keys): the host localizes exactly these for the webview. */
export const MAIL_MESSAGES = {
  PORT_465_PLAIN: msg('Port 465 uses implicit TLS: tick "SSL erforderlich", or use port 587 with STARTTLS.'),
  ADDRESS: msg('"{0}" is not a valid e-mail address (expected name@domain).'),
  AUTHORITY: msg(
    '"{0}" is not a valid authority host: enter only the host, e.g. login.microsoftonline.com or login.microsoftonline.us.',
  ),
  AUTHORITY_DE: msg(
    'login.microsoftonline.de was the retired Microsoft Cloud Deutschland; use login.microsoftonline.com.',
  ),
  AUTHTYPE: msg('Unknown authorization type "{0}": choose Basic or Microsoft OAuth 2.0.'),
  CLIENT_ID: msg(
    'The Client Id must be the Application (client) ID of the app registration, a GUID like 00000000-0000-0000-0000-000000000000.',
  ),
  DATE: msg('"Gültig bis" must be a date like 2027-03-31.'),
  HOST_INVALID: msg(
    '"{0}" is not a valid host name: enter only the server name, e.g. smtp.example.de (no URL, no port).',
  ),
  HOST_MISSING: msg('Enter the SMTP server (host name or IP address).'),
  LINEBREAK: msg(
    'The field {0} contains a line break or NUL character; remove it (such characters could inject mail headers).',
  ),
  OAUTH_TLS: msg('Microsoft OAuth 2.0 needs an encrypted connection: tick "SSL erforderlich" (port 587, STARTTLS).'),
  OBJECT_ID: msg(
    'The Object Id must be the Object ID of the app registration (a GUID); it is needed to read the secret expiry.',
  ),
  PORT: msg('The port must be a whole number from 1 to 65535 (usually 587 with STARTTLS or 465 with SSL).'),
  REQUIRED: msg('The field {0} is required.'),
  TYPE: msg('The field {0} must be {1}, not {2}; nothing was saved.'),
  TENANT: msg('"{0}" is neither a Directory (tenant) ID (GUID) nor a domain name.'),
  TENANT_MULTI: msg(
    '"{0}" cannot be used with client credentials: enter the Directory (tenant) ID of your organisation (a GUID) or its verified domain.',
  ),
  TENANT_URL: msg(
    'Enter only the Directory (tenant) ID, not a URL: e.g. the GUID at the end of https://login.microsoftonline.com/<tenant>.',
  ),
  WARN_NO_PASSWORD: msg('No password is set for {0}.'),
  WARN_NO_SECRET: msg('No client secret is set.'),
  WARN_NO_TLS: msg(
    'Without "SSL erforderlich" the connection may be unencrypted; credentials are then not sent unless you explicitly allow it.',
  ),
  WARN_SECRET_EXPIRED: msg(
    'The client secret expired on {0}: create a new one in Entra ID → App registrations → Certificates & secrets and enter its value.',
  ),
  WARN_SECRET_ID: msg(
    'The client secret looks like the Secret ID (a GUID); paste the Value column instead (shown only once when the secret is created).',
  ),
} as const;

/** The templates of {@link MAIL_MESSAGES}, for the host to localize once (no running of the validator on samples). */
export const MAIL_ISSUE_TEMPLATES: readonly string[] = Object.values(MAIL_MESSAGES);
