/**
 * Parsing of the SMTP settings fields (issue 7, field cases C09, C11, C14): GUIDs, host names and IDN domains,
 * e-mail addresses and the OAuth tenant. Pure TypeScript without Node, vscode or DOM imports; the WHATWG URL parser
 * it uses exists in Node and in the webview.
 */
import { MAIL_MESSAGES } from './messages';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
/** A DNS host name in ASCII (RFC 1123 labels, at most 253 characters). */
export const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
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
