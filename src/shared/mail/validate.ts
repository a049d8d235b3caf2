/**
 * The one validator of SMTP settings used by the host, the CLI, the core and the webview (issue 7 §1–§3, issue 15,
 * product.md §5, domain.md §6.1). Pure TypeScript without Node, vscode or DOM imports, so that the webview bundle can
 * run the same checks live.
 */
import { MAIL_MESSAGES, msg } from './messages';
import { HOST_NAME, domainToAscii, hasLineBreak, isGuid, parseAddress, tenantProblem } from './fieldParsing';
import {
  DEFAULT_AUTHORITY_HOST,
  IMPLICIT_TLS_PORT,
  OAUTH_DEFAULT_HOST,
  OAUTH_DEFAULT_PORT,
  emptyMailSettings,
} from './settings';
import type { MailAuthType, MailField, MailIssue, MailValidation, SecretPresence } from './settings';

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
