/**
 * SMTP Einstellungen: the settings model and the one validator used by the host, the CLI and the webview
 * (issue 7 §1–§3, product.md §5, domain.md §6.1). Pure TypeScript without Node or vscode imports, so that the
 * webview bundle can run the same checks live.
 *
 * Secrets (password, client secret) are never part of {@link MailSettings}; the validator only learns whether one
 * is set ({@link SecretPresence}) and, for the client secret, whether it looks like a Secret ID (field case C11).
 */

/** Marks an English message template for the German bundle check (same contract as core's `msg`). */
function msg(template: string): string {
  return template;
}

/** Every message template the validator can report (l10n keys): the host localizes exactly these for the webview. */
const MAIL_MESSAGES = {
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

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const CONTROL = /[\r\n\0]/;

/** True for a GUID `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`. */
export function isGuid(value: string): boolean {
  return GUID.test(value.trim());
}

/** True when the value holds CR, LF or NUL (field case C09). */
export function hasLineBreak(value: string): boolean {
  return CONTROL.test(value);
}

/**
 * Converts a domain to its ASCII (punycode) form; `undefined` when it is not a valid host name.
 * Uses the WHATWG URL parser, available in Node and in the webview.
 */
export function domainToAscii(domain: string): string | undefined {
  if (domain === '' || /[\s/\\?#@:[\]%]/.test(domain)) return undefined;
  let ascii: string;
  try {
    ascii = new URL(`http://${domain}`).hostname;
  } catch {
    return undefined;
  }
  if (!ascii.includes('.') || !ascii.split('.').every((label) => DOMAIN_LABEL.test(label))) return undefined;
  return ascii;
}

/** A parsed e-mail address: `ascii` has the domain in punycode; `needsSmtpUtf8` when the local part is not ASCII. */
export interface ParsedAddress {
  readonly ascii: string;
  readonly local: string;
  readonly domain: string;
  readonly needsSmtpUtf8: boolean;
}

/**
 * Parses `local@domain` (no display name). IDN domains become punycode; a non-ASCII local part is allowed but
 * marks the address as needing SMTPUTF8. Returns `undefined` for anything else (also for CR/LF/NUL).
 */
export function parseAddress(value: string): ParsedAddress | undefined {
  const text = value.trim();
  if (hasLineBreak(value) || /[\s<>(),;:"[\]\\]/.test(text)) return undefined;
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) return undefined;
  const local = text.slice(0, at);
  const domain = domainToAscii(text.slice(at + 1));
  if (!domain || local.length > 64 || local.startsWith('.') || local.endsWith('.') || local.includes('..'))
    return undefined;
  // eslint-disable-next-line no-control-regex
  const needsSmtpUtf8 = /[^\x00-\x7f]/.test(local);
  return { ascii: `${local}@${domain}`, local, domain, needsSmtpUtf8 };
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

/** Keys that are never a setting and that hostile messages use to reach prototypes (issue 15). */
const HOSTILE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** What a value is, for messages ("a list", "an object" …). */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Strict field access (issue 15): only the input's own properties count (nothing inherited), and a value of the
 * wrong type is reported as an issue naming the field — never converted with String() (which would turn `[1]`
 * into "1" and throw on `{ toString: 5 }`).
 */
class FieldReader {
  readonly typeIssues: Array<{ field: string; kind: string; expected: string }> = [];
  constructor(private readonly input: Record<string, unknown>) {}

  private raw(key: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.input, key) ? this.input[key] : undefined;
  }

  text(key: string): string {
    const value = this.raw(key);
    if (value === undefined || value === null) return '';
    if (typeof value === 'string') return value;
    this.typeIssues.push({ field: key, kind: kindOf(value), expected: 'text' });
    return '';
  }

  /** the port: a whole number, or its digits as text (form fields, C02) */
  port(key: string): string {
    const value = this.raw(key);
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    return this.text(key);
  }

  bool(key: string, fallback: boolean): boolean {
    const value = this.raw(key);
    if (value === undefined || value === null || value === '') return fallback;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true'; // HTML form controls
    this.typeIssues.push({
      field: key,
      kind: typeof value === 'string' ? `"${value.slice(0, 20)}"` : kindOf(value),
      expected: 'true or false',
    });
    return fallback;
  }
}

/**
 * Validates and normalises SMTP settings from any source (form, store row, CLI flags): strings are trimmed, the
 * port may be given as its digits (C02), every other field must have its type — text as a string, switches as
 * true/false (or "true"/"false") — and anything else (lists, objects, objects with their own `toString`) is an
 * issue naming the field, as are the keys `__proto__`, `constructor` and `prototype`; this never throws (issue 15), addresses are checked (IDN allowed, CR/LF/NUL refused — C09), the OAuth
 * tenant refuses `common`/`organizations`/`consumers` and URLs (C14), client/object ids must be GUIDs, a client
 * secret shaped like a GUID is warned about (C11), port 465 without SSL is an error (C02).
 *
 * @param input field values by {@link MailSettings} key (strings, numbers or booleans)
 * @param secrets which secrets are set; omitted → secret checks are skipped
 * @param now the clock for the "secret expired" warning (UTC dates)
 * @returns the normalised settings when no issue has severity `error`, and every issue
 */
export function validateMailSettings(
  input: Record<string, unknown>,
  secrets?: SecretPresence,
  now: Date = new Date(),
): MailValidation {
  const issues: MailIssue[] = [];
  const add = (
    field: MailField,
    code: string,
    template: string,
    args: readonly (string | number)[] = [],
    severity: 'error' | 'warning' = 'error',
  ) => issues.push({ field, severity, code, template, args });
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    add('host', 'E_MAIL_SHAPE', msg('The SMTP settings must be an object of fields, not {0}; nothing was saved.'), [
      kindOf(input),
    ]);
    return { settings: undefined, issues };
  }
  const reader = new FieldReader(input);
  const text = (_input: Record<string, unknown>, key: string): string => reader.text(key);
  const bool = (_input: Record<string, unknown>, key: string, fallback: boolean): boolean => reader.bool(key, fallback);
  for (const key of Object.keys(input)) {
    if (HOSTILE_KEYS.has(key))
      add('host', 'E_MAIL_FIELD', msg('The field "{0}" is not an SMTP setting and was refused; nothing was saved.'), [
        key,
      ]);
  }

  const rawType = text(input, 'authType').trim() || 'basic';
  const authType: MailAuthType = rawType === 'oauth' ? 'oauth' : 'basic';
  if (rawType !== 'basic' && rawType !== 'oauth') add('authType', 'E_MAIL_AUTHTYPE', MAIL_MESSAGES.AUTHTYPE, [rawType]);

  for (const key of Object.keys(emptyMailSettings())) {
    const value = Object.prototype.hasOwnProperty.call(input, key) ? input[key] : undefined;
    if (typeof value === 'string' && hasLineBreak(value))
      add(key as MailField, 'E_MAIL_LINEBREAK', MAIL_MESSAGES.LINEBREAK, [key]);
  }

  const host = text(input, 'host').trim() || (authType === 'oauth' ? OAUTH_DEFAULT_HOST : '');
  if (host === '') add('host', 'E_MAIL_HOST', MAIL_MESSAGES.HOST_MISSING);
  else if (!HOST_NAME.test(host) && !domainToAscii(host) && !/^\d{1,3}(\.\d{1,3}){3}$/.test(host))
    add('host', 'E_MAIL_HOST', MAIL_MESSAGES.HOST_INVALID, [host]);

  const portText = reader.port('port').trim() || String(authType === 'oauth' ? OAUTH_DEFAULT_PORT : '');
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) add('port', 'E_MAIL_PORT', MAIL_MESSAGES.PORT);
  const ssl = bool(input, 'ssl', true);
  const allowInsecureAuth = bool(input, 'allowInsecureAuth', false);
  if (port === IMPLICIT_TLS_PORT && !ssl) add('ssl', 'E_MAIL_465_PLAIN', MAIL_MESSAGES.PORT_465_PLAIN);
  if (!ssl && !allowInsecureAuth) add('ssl', 'W_MAIL_NO_TLS', MAIL_MESSAGES.WARN_NO_TLS, [], 'warning');
  if (authType === 'oauth' && !ssl) add('ssl', 'E_MAIL_OAUTH_TLS', MAIL_MESSAGES.OAUTH_TLS);

  const user = text(input, 'user').trim();
  const addressField = (field: MailField, value: string, required: boolean) => {
    if (value === '') {
      if (required) add(field, 'E_MAIL_REQUIRED', MAIL_MESSAGES.REQUIRED, [field]);
      return;
    }
    if (hasLineBreak(value)) return;
    if (!parseAddress(value)) add(field, 'E_MAIL_ADDRESS', MAIL_MESSAGES.ADDRESS, [value]);
  };
  const from = text(input, 'from').trim();
  addressField('from', from, true);
  const schedulerRecipient = text(input, 'schedulerRecipient').trim();
  const schedulerRecipient2 = text(input, 'schedulerRecipient2').trim();
  addressField('schedulerRecipient', schedulerRecipient, false);
  addressField('schedulerRecipient2', schedulerRecipient2, false);

  const clientId = text(input, 'clientId').trim();
  const objectId = text(input, 'objectId').trim();
  const tenant = text(input, 'tenant').trim();
  const authorityHost = (text(input, 'authorityHost').trim() || DEFAULT_AUTHORITY_HOST).toLowerCase();
  const notifyAddress = text(input, 'notifyAddress').trim();
  const secretValidUntil = text(input, 'secretValidUntil').trim();
  if (authType === 'basic') {
    if (secrets && user !== '' && !secrets.password)
      add('password', 'W_MAIL_NO_PASSWORD', MAIL_MESSAGES.WARN_NO_PASSWORD, [user], 'warning');
  } else {
    addressField('user', user, true);
    addressField('notifyAddress', notifyAddress, false);
    if (clientId === '') add('clientId', 'E_MAIL_REQUIRED', MAIL_MESSAGES.REQUIRED, ['clientId']);
    else if (!isGuid(clientId)) add('clientId', 'E_MAIL_CLIENT_ID', MAIL_MESSAGES.CLIENT_ID);
    if (objectId !== '' && !isGuid(objectId)) add('objectId', 'E_MAIL_OBJECT_ID', MAIL_MESSAGES.OBJECT_ID);
    const tenantIssue = tenantProblem(tenant);
    if (tenantIssue) add('tenant', tenantIssue.code, tenantIssue.template, tenantIssue.args);
    const authorityOk =
      /^[a-z0-9.-]+(:\d{1,5})?$/.test(authorityHost) && HOST_NAME.test(authorityHost.replace(/:\d+$/, ''));
    if (!authorityOk) add('authorityHost', 'E_MAIL_AUTHORITY', MAIL_MESSAGES.AUTHORITY, [authorityHost]);
    if (authorityHost === 'login.microsoftonline.de')
      add('authorityHost', 'E_MAIL_AUTHORITY_DE', MAIL_MESSAGES.AUTHORITY_DE);
    if (secretValidUntil !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(secretValidUntil))
      add('secretValidUntil', 'E_MAIL_DATE', MAIL_MESSAGES.DATE);
    else if (secretValidUntil !== '' && secretValidUntil <= now.toISOString().slice(0, 10))
      add(
        'secretValidUntil',
        'W_MAIL_SECRET_EXPIRED',
        MAIL_MESSAGES.WARN_SECRET_EXPIRED,
        [secretValidUntil],
        'warning',
      );
    if (secrets && !secrets.clientSecret)
      add('clientSecret', 'W_MAIL_NO_SECRET', MAIL_MESSAGES.WARN_NO_SECRET, [], 'warning');
    if (secrets?.clientSecretLooksLikeId)
      add('clientSecret', 'W_MAIL_SECRET_ID', MAIL_MESSAGES.WARN_SECRET_ID, [], 'warning');
  }

  for (const t of reader.typeIssues) {
    const field = (t.field in emptyMailSettings() ? t.field : 'host') as MailField;
    add(field, 'E_MAIL_TYPE', MAIL_MESSAGES.TYPE, [t.field, t.expected, t.kind]);
  }
  if (issues.some((issue) => issue.severity === 'error')) return { settings: undefined, issues };
  const hostAscii = domainToAscii(host) ?? host;
  return {
    settings: {
      authType,
      host: hostAscii,
      port,
      ssl,
      allowInsecureAuth,
      user,
      from,
      schedulerRecipient,
      schedulerRecipient2,
      clientId,
      objectId,
      tenant,
      authorityHost,
      secretValidUntil,
      notifyAddress,
    },
    issues,
  };
}

/**
 * Checks the OAuth tenant field (C14): required; not `common`/`organizations`/`consumers`; not a URL; a GUID or
 * a domain (e.g. contoso.onmicrosoft.com). Returns the issue or `undefined`.
 */
export function tenantProblem(tenant: string): { code: string; template: string; args: string[] } | undefined {
  const t = tenant.trim();
  if (t === '') return { code: 'E_MAIL_REQUIRED', template: MAIL_MESSAGES.REQUIRED, args: ['tenant'] };
  if (/^(common|organizations|consumers)$/i.test(t))
    return { code: 'E_MAIL_TENANT_MULTI', template: MAIL_MESSAGES.TENANT_MULTI, args: [t] };
  if (/^[a-z]+:\/\//i.test(t) || t.includes('/'))
    return { code: 'E_MAIL_TENANT_URL', template: MAIL_MESSAGES.TENANT_URL, args: [] };
  if (!isGuid(t) && !domainToAscii(t)) return { code: 'E_MAIL_TENANT', template: MAIL_MESSAGES.TENANT, args: [t] };
  return undefined;
}
