/**
 * SMTP Einstellungen: the settings model (issue 7 §1–§3, product.md §5, domain.md §6.1) — types, defaults and the
 * TLS mode they mean. Pure TypeScript without Node, vscode or DOM imports: the extension host, the CLI, the core and
 * the webview bundle share it. The validator is in ./validate, the field parsers in ./fieldParsing, the message
 * templates in ./messages.
 *
 * Secrets (password, client secret) are never part of {@link MailSettings}; the validator only learns whether one
 * is set ({@link SecretPresence}) and, for the client secret, whether it looks like a Secret ID (field case C11).
 */

/** Mail-Server Autorisierungstyp: Basic (SMTP AUTH with password) or Moderne Autorisierung (Microsoft OAuth 2.0). */
export type MailAuthType = 'basic' | 'oauth';

/** How the connection is encrypted: implicit TLS from the first byte, STARTTLS required, or none. */
export type TlsMode = 'implicit' | 'starttls' | 'none';

/** Default server of the OAuth mode (product.md §5). */
export const OAUTH_DEFAULT_HOST = 'smtp.office365.com';
export const OAUTH_DEFAULT_PORT = 587;
/** The port that means implicit TLS ("SSL erforderlich" on it). */
export const IMPLICIT_TLS_PORT = 465;
/** Default Entra authority host (global cloud); national clouds e.g. `login.microsoftonline.us`. */
export const DEFAULT_AUTHORITY_HOST = 'login.microsoftonline.com';

/**
 * The non-secret SMTP settings as kept in the store. Strings are trimmed; an unused field is ''.
 * `secretValidUntil` is an ISO date (`YYYY-MM-DD`, UTC) or ''.
 */
export interface MailSettings {
  readonly authType: MailAuthType;
  /** SMTP-Server (host name or IP; IDN names are kept as typed) */
  readonly host: string;
  /** Port 1–65535 (a number, also when the form delivered a string — field case C02) */
  readonly port: number;
  /** SSL erforderlich: implicit TLS on 465, STARTTLS required on any other port */
  readonly ssl: boolean;
  /** send credentials even over an unencrypted connection (explicit opt-in, off by default) */
  readonly allowInsecureAuth: boolean;
  /** Benutzername (Basic: login; OAuth: the mailbox named in XOAUTH2 `user=`) */
  readonly user: string;
  /** Absender-E-Mail */
  readonly from: string;
  /** Scheduler E-Mailempfänger */
  readonly schedulerRecipient: string;
  /** Weitere Scheduler E-Mailempfänger */
  readonly schedulerRecipient2: string;
  /** OAuth: Client Id (GUID) */
  readonly clientId: string;
  /** OAuth: Object Id of the app registration (GUID), used to read the secret expiry from Graph */
  readonly objectId: string;
  /** OAuth: Tenant (GUID or verified domain, never `common` or a URL) */
  readonly tenant: string;
  /** OAuth: Entra authority host (national clouds); default {@link DEFAULT_AUTHORITY_HOST} */
  readonly authorityHost: string;
  /** OAuth: Client Secret (Gültig bis), `YYYY-MM-DD` or '' */
  readonly secretValidUntil: string;
  /** OAuth: E-Mail für Benachrichtigung (secret-expiry reminders) */
  readonly notifyAddress: string;
}

/** Which secrets are set in secret storage (the webview only ever learns this, never the value). */
export interface SecretPresence {
  readonly password: boolean;
  readonly clientSecret: boolean;
  /** true when the stored client secret has the shape of a GUID, i.e. probably the Secret *ID* (C11) */
  readonly clientSecretLooksLikeId?: boolean;
}

/** Field names a validation issue can point at. */
export type MailField = keyof MailSettings | 'password' | 'clientSecret' | 'testRecipient';

/** One finding of {@link validateMailSettings}: `template` is the l10n key, `args` its arguments. */
export interface MailIssue {
  readonly field: MailField;
  readonly severity: 'error' | 'warning';
  readonly code: string;
  readonly template: string;
  readonly args: readonly (string | number)[];
}

/** Result of {@link validateMailSettings}: the normalised settings (when there is no error) and all findings. */
export interface MailValidation {
  readonly settings: MailSettings | undefined;
  readonly issues: readonly MailIssue[];
}

/** The TLS mode that settings mean (product.md §5): SSL on the implicit-TLS port → implicit; SSL elsewhere → STARTTLS required. */
export function tlsModeOf(settings: Pick<MailSettings, 'ssl' | 'port'>, implicitTlsPort = IMPLICIT_TLS_PORT): TlsMode {
  if (!settings.ssl) return 'none';
  return settings.port === implicitTlsPort ? 'implicit' : 'starttls';
}

/** Empty settings for a new form (Basic, port 587 with SSL erforderlich = STARTTLS). */
export function emptyMailSettings(authType: MailAuthType = 'basic'): MailSettings {
  return {
    authType,
    host: authType === 'oauth' ? OAUTH_DEFAULT_HOST : '',
    port: authType === 'oauth' ? OAUTH_DEFAULT_PORT : 587,
    ssl: true,
    allowInsecureAuth: false,
    user: '',
    from: '',
    schedulerRecipient: '',
    schedulerRecipient2: '',
    clientId: '',
    objectId: '',
    tenant: '',
    authorityHost: DEFAULT_AUTHORITY_HOST,
    secretValidUntil: '',
    notifyAddress: '',
  };
}
