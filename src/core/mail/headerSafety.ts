/**
 * Header safety (issue 7 §7, field case C09): every value that ends up in a mail header — names and addresses from
 * persons, creditors and owners, subjects, reply-to, custom headers — is checked for CR, LF and NUL **before** a
 * message is built; nothing is silently stripped. Addresses are parsed; IDN domains become punycode; a non-ASCII
 * local part needs the server's SMTPUTF8 (checked by the sender, {@link requireSmtpUtf8}).
 */
import { msg } from '../errors';
import { hasLineBreak, parseAddress } from '../../shared/mail/fieldParsing';
import type { ParsedAddress } from '../../shared/mail/fieldParsing';
import { HeaderInjectionError, MailError } from './errors';

/** A mailbox with an optional display name, e.g. a person from the ERP. `field` names it in errors ("Reply-To of person 4711"). */
export interface NamedAddress {
  readonly name?: string;
  readonly address: string;
}

/** A message to compose safely. All strings are header-bound except `text`. */
export interface SafeMessageInput {
  readonly from: NamedAddress;
  readonly to: readonly NamedAddress[];
  readonly replyTo?: NamedAddress;
  readonly subject: string;
  readonly text: string;
  /** extra headers (name → value) */
  readonly headers?: Readonly<Record<string, string>>;
  /** how the record is named in errors, e.g. "person 4711" (optional) */
  readonly source?: string;
}

/** The checked message: addresses in ASCII-domain form, ready for nodemailer; `needsSmtpUtf8` when a local part is not ASCII. */
export interface SafeMessage {
  readonly from: { name: string; address: string };
  readonly to: { name: string; address: string }[];
  readonly replyTo?: { name: string; address: string };
  readonly subject: string;
  readonly text: string;
  readonly headers: Record<string, string>;
  readonly needsSmtpUtf8: boolean;
  /** the envelope addresses (from, then recipients) */
  readonly envelope: { from: string; to: string[] };
}

/** @throws HeaderInjectionError when `value` holds CR, LF or NUL; `field` is named in the message. */
export function assertHeaderSafe(field: string, value: string): void {
  if (hasLineBreak(value)) throw new HeaderInjectionError(field);
}

/** Parses an address for header use. @throws HeaderInjectionError on CR/LF/NUL, MailError when it is no address. */
export function safeAddress(field: string, value: string): ParsedAddress {
  assertHeaderSafe(field, value);
  const parsed = parseAddress(value);
  if (!parsed)
    throw new MailError('E_MAIL_ADDRESS', msg('{0}: "{1}" is not a valid e-mail address (expected name@domain).'), [
      field,
      value,
    ]);
  return parsed;
}

/**
 * Checks every header-bound value and returns the message to send.
 * @throws HeaderInjectionError naming the first field with CR/LF/NUL; MailError for an invalid address
 */
export function composeSafeMessage(input: SafeMessageInput): SafeMessage {
  const where = input.source ? ` (${input.source})` : '';
  let needsSmtpUtf8 = false;
  const named = (field: string, value: NamedAddress) => {
    assertHeaderSafe(`${field} name${where}`, value.name ?? '');
    const parsed = safeAddress(`${field} address${where}`, value.address);
    needsSmtpUtf8 ||= parsed.needsSmtpUtf8;
    return { name: value.name ?? '', address: parsed.ascii };
  };
  const from = named('From', input.from);
  const to = input.to.map((recipient) => named('To', recipient));
  if (to.length === 0)
    throw new MailError('E_MAIL_NO_RECIPIENT', msg('The message has no recipient: enter at least one e-mail address.'));
  const replyTo = input.replyTo ? named('Reply-To', input.replyTo) : undefined;
  assertHeaderSafe(`Subject${where}`, input.subject);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    assertHeaderSafe(`Header name ${JSON.stringify(name)}${where}`, name);
    if (!/^[!-9;-~]+$/.test(name))
      throw new MailError('E_MAIL_HEADER_NAME', msg('"{0}" is not a valid mail header name.'), [name]);
    assertHeaderSafe(`Header ${name}${where}`, value);
    headers[name] = value;
  }
  return {
    from,
    to,
    ...(replyTo ? { replyTo } : {}),
    subject: input.subject,
    text: input.text,
    headers,
    needsSmtpUtf8,
    envelope: { from: from.address, to: to.map((r) => r.address) },
  };
}

/** @throws MailError when the message needs SMTPUTF8 and the server did not offer it. */
export function requireSmtpUtf8(message: Pick<SafeMessage, 'needsSmtpUtf8' | 'envelope'>, serverOffers: boolean): void {
  if (message.needsSmtpUtf8 && !serverOffers) {
    throw new MailError(
      'E_MAIL_SMTPUTF8',
      msg(
        'An address has non-ASCII characters before the @ ({0}) but the server does not offer SMTPUTF8; use an ASCII address for this server.',
      ),
      [[message.envelope.from, ...message.envelope.to].join(', ')],
    );
  }
}
