/**
 * Cause-specific hints for SMTP failures (issue 7 §4, product.md §5, field cases C01–C03, C05–C07). A reply is
 * mapped by its **enhanced status code and its text**, never by the 3-digit code alone: 550 5.7.30 is a retired
 * Basic login, not a recipient problem (C06); 535 5.7.139 is a tenant setting, not a wrong password (C03).
 */
import { msg } from '../errors';
import type { MailAuthType } from '../../shared/mail/settings';

/** Steps of the connection test, in order. */
export type MailStep = 'TCP' | 'TLS' | 'AUTH' | 'MAIL FROM' | 'RCPT TO' | 'DATA';

/** A hint: stable `id` (for tests and scripts), English template (l10n key) and arguments. */
export interface MailHint {
  readonly id: string;
  readonly template: string;
  readonly args: readonly (string | number)[];
}

/** What the classifier sees of a failure. */
export interface FailureFacts {
  readonly step: MailStep;
  readonly authType: MailAuthType;
  /** Node/nodemailer error code (ECONNREFUSED, ETLS, ETIMEDOUT, EAUTH …) */
  readonly code?: string;
  /** the server's reply line(s), if there was one */
  readonly reply?: string;
  /** the error message (used when there is no reply, e.g. OpenSSL texts) */
  readonly message?: string;
  readonly host: string;
  readonly port: number;
  /** which timeout fired (nodemailer's `timeoutType`) */
  readonly timeoutType?: string;
  /** the port that means implicit TLS (default 465; tests use their own) */
  readonly implicitTlsPort?: number;
  /** whether the server had sent its 220 greeting before the failure */
  readonly greeted?: boolean;
  /** the signed-in account (AUTH user), to name it in SendAs refusals */
  readonly user?: string;
  /** the sender address (MAIL FROM) */
  readonly from?: string;
  /** the recipient address(es) of the message */
  readonly to?: readonly string[];
}

/**
 * Hints whose fix is switching the Autorisierungstyp to Microsoft OAuth 2.0: the UI offers the jump to the OAuth
 * settings for these (C06 retired Basic login; 5.7.139 "basic authentication is disabled").
 */
export const OAUTH_FIX_HINTS: ReadonlySet<string> = new Set(['basic-auth-retired', 'basic-auth-disabled']);

/** Marker that replaces Microsoft's `[BeginDiagnosticData]…[EndDiagnosticData]` block in a short reply. */
export const DIAGNOSTIC_CUT = '[diagnostic data: see the log]';
/** Longest reply kept in a report (characters); the whole reply goes to the log. */
export const SHORT_REPLY_CHARS = 400;

/**
 * The reply as shown in a report: Microsoft's diagnostic block (often 2+ KB) cut out and the rest capped at
 * {@link SHORT_REPLY_CHARS} characters. The whole reply belongs in the log only (issue 17 §2).
 */
export function shortReply(reply: string): string {
  let text = reply.replace(/\[BeginDiagnosticData\][\s\S]*?(\[EndDiagnosticData\]|$)/g, DIAGNOSTIC_CUT);
  if (text.length > SHORT_REPLY_CHARS) text = `${text.slice(0, SHORT_REPLY_CHARS - 1)}…`;
  return text;
}

/** `<from>`/`<auth>` from "… <auth> not allowed to send as <from> …" (Exchange SendAsDenied), when present. */
function sendAsAddresses(text: string): { account?: string; sender?: string } {
  const match = /([^\s;<>]+@[^\s;<>]+)>?\s+not allowed to send as\s+<?([^\s;<>]+@[^\s;<>]+)/i.exec(text);
  return match ? { account: match[1], sender: match[2] } : {};
}

/** The domain the recipient refusal is about: from the reply (`<x@domain>`) or the message's recipient. */
function recipientDomain(f: FailureFacts): string {
  const fromReply = /<?[^\s<>@]+@([^\s<>:;,\]]+)>?/.exec(f.reply ?? '')?.[1];
  return fromReply ?? f.to?.[0]?.split('@')[1] ?? '?';
}

/** Extracts the enhanced status code (RFC 3463, `5.7.139`) from a reply, or ''. */
export function enhancedCode(reply: string): string {
  return /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply)?.[1] ?? '';
}

/** Extracts the 3-digit reply code, or 0. */
export function replyCode(reply: string): number {
  const match = /^\s*([2-5]\d\d)[ -]/.exec(reply);
  return match ? Number(match[1]) : 0;
}

interface Rule {
  readonly id: string;
  readonly when: (f: FailureFacts, enhanced: string, text: string) => boolean;
  readonly hint: (f: FailureFacts) => { template: string; args: (string | number)[] };
}

const RULES: readonly Rule[] = [
  {
    id: 'tls-wrong-version',
    when: (f, _e, t) =>
      /wrong version number|WRONG_VERSION_NUMBER|packet length too long|unknown protocol/i.test(t) ||
      (f.code === 'ETLS' && /^220[ -]/m.test(t)),
    hint: (f) => ({
      template: msg(
        'The server on port {0} answered in plain text: it expects STARTTLS, not implicit TLS. Implicit TLS ("SSL erforderlich" on port 465) is only for port 465; use port 587 with STARTTLS.',
      ),
      args: [f.port],
    }),
  },
  {
    id: 'silent-after-greeting',
    when: (f) => f.greeted === true && (f.code === 'ETIMEDOUT' || f.timeoutType !== undefined),
    hint: (f) => ({
      template: msg(
        'The server on {0} port {1} sent its greeting and then stopped answering (this is not a TLS problem): a firewall, virus scanner or SMTP proxy between here and the server probably holds the connection, or the server is overloaded. Try again later, or ask the network admin about port {1}.',
      ),
      args: [f.host, f.port],
    }),
  },
  {
    id: 'greeting-timeout',
    when: (f, _e, t) =>
      f.code === 'ETIMEDOUT' &&
      f.port === (f.implicitTlsPort ?? 465) &&
      (f.timeoutType === 'GREETING_TIMEOUT' || /greeting/i.test(t)),
    hint: (f) => ({
      template: msg(
        'No SMTP greeting on port {0}: the server probably expects implicit TLS on this port. Tick "SSL erforderlich" with port 465, or use port 587 with STARTTLS (smtp.office365.com offers only 587).',
      ),
      args: [f.port],
    }),
  },
  {
    id: 'no-greeting',
    when: (f, _e, t) => f.code === 'ETIMEDOUT' && (f.timeoutType === 'GREETING_TIMEOUT' || /greeting/i.test(t)),
    hint: (f) => ({
      template: msg(
        '{0} accepted the connection on port {1} but sent no SMTP greeting: port {1} greets in plain text on a real SMTP server, so something else answers there (a firewall or proxy that accepts and holds connections, or another service). Check the server name and port with your network admin.',
      ),
      args: [f.host, f.port],
    }),
  },
  {
    id: 'connection-refused',
    when: (f) => f.code === 'ECONNREFUSED',
    hint: (f) => ({
      template: msg(
        'Nothing accepts connections on {0} port {1}: check server name and port, and whether a firewall blocks outgoing SMTP.',
      ),
      args: [f.host, f.port],
    }),
  },
  {
    id: 'host-not-found',
    when: (f) => f.code === 'ENOTFOUND' || f.code === 'EAI_AGAIN' || f.code === 'EDNS',
    hint: (f) => ({
      template: msg('The server name {0} cannot be resolved (DNS): check the spelling of the SMTP server.'),
      args: [f.host],
    }),
  },
  {
    id: 'connect-timeout',
    when: (f) => f.code === 'ETIMEDOUT' && f.step === 'TCP',
    hint: (f) => ({
      template: msg(
        'No connection to {0} port {1} within the time limit: a firewall probably drops outgoing SMTP on this port.',
      ),
      args: [f.host, f.port],
    }),
  },
  {
    id: 'certificate-untrusted',
    when: (_f, _e, t) =>
      /self[- ]signed|unable to (get|verify)|certificate (has expired|is not yet valid)|CERT_|Hostname\/IP does not match|altnames/i.test(
        t,
      ),
    hint: (f) => ({
      template: msg(
        'The TLS certificate of {0} is not trusted or does not match the name: if your company uses its own certificate authority, trust its CA file (--ca-file); otherwise check the server name.',
      ),
      args: [f.host],
    }),
  },
  {
    id: 'starttls-missing',
    when: (f, _e, t) => f.step === 'TLS' && /STARTTLS/i.test(t),
    hint: (f) => ({
      template: msg(
        'The server on port {0} does not offer STARTTLS although "SSL erforderlich" is set; credentials are not sent unencrypted. Use the server\'s TLS port (587 or 465).',
      ),
      args: [f.port],
    }),
  },
  {
    id: 'basic-auth-disabled',
    when: (_f, e, t) =>
      !/SmtpClientAuthentication/i.test(t) &&
      (e === '5.7.139' || e === '') &&
      /basic authentication is disabled|security defaults/i.test(t),
    hint: () => ({
      template: msg(
        'Basic authentication (user name and password) is disabled for this tenant or account (security defaults or an authentication policy): switch the Autorisierungstyp to "Moderne Autorisierung (Microsoft OAuth 2.0)". Enabling SMTP AUTH does not help here.',
      ),
      args: [],
    }),
  },
  {
    id: 'smtp-auth-disabled',
    when: (_f, e, t) => e === '5.7.139' || /SmtpClientAuthentication/i.test(t),
    hint: () => ({
      template: msg(
        'Exchange Online has SMTP AUTH disabled for this tenant or mailbox (not a wrong password). An Exchange admin must enable "Authenticated SMTP" for the sender mailbox (Set-CASMailbox -SmtpClientAuthenticationDisabled $false) or tenant-wide (Set-TransportConfig -SmtpClientAuthenticationDisabled $false).',
      ),
      args: [],
    }),
  },
  {
    id: 'basic-auth-retired',
    when: (_f, e, t) => e === '5.7.30' || /Basic authentication is not supported/i.test(t),
    hint: () => ({
      template: msg(
        'Microsoft has retired Basic authentication for this mailbox: switch the Autorisierungstyp to "Moderne Autorisierung (Microsoft OAuth 2.0)". A send that still works now and then does not mean it is fixed — the retirement is rolled out gradually.',
      ),
      args: [],
    }),
  },
  {
    id: 'auth-rejected-oauth',
    when: (f, e) =>
      f.step === 'AUTH' &&
      f.authType === 'oauth' &&
      (e === '5.7.3' || e === '5.7.8' || replyCode(f.reply ?? '') === 535),
    hint: () => ({
      template: msg(
        'The token was issued by Entra ID but Exchange rejected it. Grant the application permission SMTP.SendAsApp (Office 365 Exchange Online) with admin consent, register the service principal in Exchange (New-ServicePrincipal) and give it FullAccess/SendAs on the mailbox; the user must be that mailbox.',
      ),
      args: [],
    }),
  },
  {
    id: 'auth-rejected-basic',
    when: (f, e) => f.step === 'AUTH' && (e === '5.7.3' || e === '5.7.8' || replyCode(f.reply ?? '') === 535),
    hint: () => ({
      template: msg(
        'The server rejected the login. In this order, check: the password; multi-factor authentication on the account (needs an app password or OAuth 2.0); SMTP AUTH enabled for this mailbox; conditional-access or location policies.',
      ),
      args: [],
    }),
  },
  {
    id: 'auth-insecure-refused',
    when: (_f, e, t) => e === '5.7.0' && /STARTTLS first|must issue a STARTTLS|encryption required/i.test(t),
    hint: () => ({ template: msg('The server wants STARTTLS before the login: tick "SSL erforderlich".'), args: [] }),
  },
  {
    id: 'send-as-denied',
    when: (_f, e, t) => e === '5.7.60' || e === '5.2.252' || /SendAsDenied|not allowed to send as/i.test(t),
    hint: (f) => {
      const found = sendAsAddresses(`${f.reply ?? ''}\n${f.message ?? ''}`);
      const account = found.account ?? (f.user || '?');
      const sender = found.sender ?? (f.from || '?');
      return {
        template: msg(
          'The account {0} may not send as {1} (SendAs refused). Use {0} as Absender-E-Mail, or let an Exchange admin grant the right: Add-RecipientPermission {1} -Trustee {0} -AccessRights SendAs (it can take up to an hour to apply).',
        ),
        args: [account, sender],
      };
    },
  },
  {
    id: 'sender-rejected',
    when: (f, e) => f.step === 'MAIL FROM' && (e.startsWith('5.1.') || e.startsWith('5.7.')),
    hint: () => ({
      template: msg(
        'The server refused the sender address: the Absender-E-Mail must belong to the signed-in account or a domain the server sends for.',
      ),
      args: [],
    }),
  },
  {
    id: 'recipient-domain-no-mx',
    when: (f, e, t) =>
      f.step === 'RCPT TO' &&
      (/invalid DNS MX or A\/AAAA resource record|Domain not found|DNS domain \S+ does not exist|null MX/i.test(t) ||
        e === '5.4.310' ||
        (e === '5.1.10' && /DNS/i.test(t))),
    hint: (f) => ({
      template: msg(
        "The recipient's domain {0} has no mail server (no MX or A/AAAA record in DNS): check the address for typos.",
      ),
      args: [recipientDomain(f)],
    }),
  },
  {
    id: 'recipient-unknown',
    when: (f, e) => f.step === 'RCPT TO' && (e === '5.1.1' || e === '5.1.10' || e === '5.4.1'),
    hint: () => ({
      template: msg('The recipient address does not exist at its mail server: check the test recipient.'),
      args: [],
    }),
  },
  {
    id: 'relay-denied',
    when: (f, e, t) => f.step === 'RCPT TO' && (e === '5.7.1' || e === '5.7.54' || /relay/i.test(t)),
    hint: () => ({
      template: msg(
        'The server does not relay to this recipient for this account: sign in (AUTH) or ask the mail admin to allow relaying.',
      ),
      args: [],
    }),
  },
  {
    id: 'message-too-big',
    when: (_f, e) => e === '5.3.4' || e === '5.2.3',
    hint: () => ({ template: msg('The message is larger than the server accepts.'), args: [] }),
  },
  {
    id: 'smtputf8',
    when: (_f, _e, t) => /SMTPUTF8/i.test(t),
    hint: () => ({
      template: msg(
        'An address has non-ASCII characters before the @ but the server does not offer SMTPUTF8; use an ASCII address for this server.',
      ),
      args: [],
    }),
  },
  {
    id: 'temporary',
    when: (f) => replyCode(f.reply ?? '') >= 400 && replyCode(f.reply ?? '') < 500,
    hint: () => ({
      template: msg(
        'The server reported a temporary problem (4xx): try again later; if it persists, give the reply to your mail admin.',
      ),
      args: [],
    }),
  },
  {
    id: 'connection-lost',
    when: (f) => f.code === 'ECONNECTION' || f.code === 'ESOCKET' || f.code === 'ECONNRESET',
    hint: () => ({
      template: msg('The server closed the connection unexpectedly: check server, port and "SSL erforderlich".'),
      args: [],
    }),
  },
];

/**
 * Picks the first matching cause-specific hint for a failure; falls back to a generic hint naming the step.
 * @returns a hint (never throws)
 */
export function classifyFailure(facts: FailureFacts): MailHint {
  const text = `${facts.reply ?? ''}\n${facts.message ?? ''}`;
  const enhanced = enhancedCode(facts.reply ?? '') || enhancedCode(facts.message ?? '');
  for (const rule of RULES) {
    if (rule.when(facts, enhanced, text)) {
      const { template, args } = rule.hint(facts);
      return { id: rule.id, template, args };
    }
  }
  return {
    id: 'generic',
    template: msg(
      "The step {0} failed; the server's reply is shown above — give it to your mail admin if it does not explain itself.",
    ),
    args: [facts.step],
  };
}
