/**
 * "Verbindung testen" (issue 7 §4, product.md §5): really sends a test mail and reports each step — TCP, TLS,
 * AUTH, MAIL FROM, RCPT TO, DATA — with the server's reply and a cause-specific hint ({@link classifyFailure}).
 *
 * One connection: the TCP step opens the socket itself, then nodemailer's SMTPConnection takes it over (implicit
 * TLS is started on it, or STARTTLS after EHLO). Credentials are never sent over an unencrypted connection unless
 * `allowInsecureAuth` is set. Timeouts on connect, greeting and each command. The transcript keeps server replies
 * and only the verbs of client commands, so no credential ever reaches a report or a log.
 */
import * as net from 'node:net';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import MailComposer from 'nodemailer/lib/mail-composer';
import { msg } from '../errors';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import { IMPLICIT_TLS_PORT, tlsModeOf } from '../../shared/mail/settings';
import type { MailSettings } from '../../shared/mail/settings';
import { classifyFailure, shortReply } from './classify';
import type { MailStep } from './classify';
import { composeSafeMessage, requireSmtpUtf8 } from './headerSafety';
import type { SafeMessageInput } from './headerSafety';
import { MailError } from './errors';
import { STEPS, replyTo, transcriptLogger } from './stepReport';
import type { ConnectionTestReport, StepResult, TranscriptEntry } from './stepReport';

/** How to log in: a password (Basic) or an OAuth access token (XOAUTH2 as `user`). */
export type MailCredentials =
  | {
      readonly kind: 'password';
      readonly user: string;
      readonly password: string;
      /** SASL method; default: the first the server offers */ readonly method?: 'PLAIN' | 'LOGIN';
    }
  | { readonly kind: 'xoauth2'; readonly user: string; readonly accessToken: string };

/** Timeouts in milliseconds. */
export interface MailTimeouts {
  /** TCP connect (default 10 000) */
  readonly connect: number;
  /** greeting and TLS handshake (default 10 000) */
  readonly greeting: number;
  /** each command's reply (default 30 000) */
  readonly command: number;
}

export const DEFAULT_TIMEOUTS: MailTimeouts = { connect: 10_000, greeting: 10_000, command: 30_000 };

/** Input of {@link runConnectionTest}. */
export interface ConnectionTestInput {
  readonly settings: MailSettings;
  /** undefined → no AUTH step (an open relay / IP-authorised server) */
  readonly credentials?: MailCredentials;
  /** the recipient the admin typed */
  readonly to: string;
  /** extra trusted CA certificates (PEM), e.g. a company CA (`--ca-file`) */
  readonly ca?: string | Buffer;
  /** the port that means implicit TLS (default 465); tests use their own port */
  readonly implicitTlsPort?: number;
  readonly timeouts?: Partial<MailTimeouts>;
  readonly logger?: Logger;
  /** clock for the test mail's date (default `Date.now`) */
  readonly now?: () => number;
}

type NodemailerLikeError = Error & {
  code?: string;
  response?: string;
  responseCode?: number;
  command?: string;
  timeoutType?: string;
};

/** Name of our XOAUTH2 handler (sends `AUTH XOAUTH2 …` with a ready token). */
const XOAUTH2_HANDLER = 'IXHAUS-XOAUTH2';

/**
 * Runs the connection test. Never throws for a server-side failure — that becomes a failed step with a hint;
 * throws only for bad input.
 * @throws MailError when the recipient or sender address is invalid or contains CR/LF/NUL (C09)
 */
export async function runConnectionTest(input: ConnectionTestInput): Promise<ConnectionTestReport> {
  const now = input.now ?? Date.now;
  return deliverMessage({
    ...input,
    message: {
      from: { name: 'iX-Haus plus', address: input.settings.from },
      to: [{ address: input.to }],
      subject: 'iX-Haus plus: SMTP-Verbindungstest',
      text: `Dies ist eine Testnachricht von ixhaus-admin (${new Date(now()).toISOString()}).\r\nThis is a test message from ixhaus-admin.\r\n`,
    },
  });
}

/** Input of {@link deliverMessage}: like the connection test, with any message instead of the test mail. */
export interface DeliveryInput extends Omit<ConnectionTestInput, 'to'> {
  readonly message: SafeMessageInput;
}

/**
 * Sends one message over one connection and reports each step (the engine of the connection test, reminders
 * and scheduler alerts). Server-side failures become failed steps with hints.
 * @throws HeaderInjectionError / MailError for unsafe or invalid header values (C09), before connecting
 */
export async function deliverMessage(input: DeliveryInput): Promise<ConnectionTestReport> {
  const started = Date.now();
  const { settings } = input;
  const timeouts: MailTimeouts = { ...DEFAULT_TIMEOUTS, ...input.timeouts };
  const logger = input.logger ?? silentLogger;
  const implicitPort = input.implicitTlsPort ?? IMPLICIT_TLS_PORT;
  const tlsMode = tlsModeOf(settings, implicitPort);
  const now = input.now ?? Date.now;
  const message = composeSafeMessage(input.message);

  const results: StepResult[] = [];
  const done = (report: Partial<ConnectionTestReport> = {}): ConnectionTestReport => {
    for (const step of STEPS)
      if (!results.some((r) => r.step === step)) results.push({ step, status: 'skipped', reply: '' });
    const ok =
      results.every((r) => r.status !== 'failed') && results.some((r) => r.step === 'DATA' && r.status === 'ok');
    const durationMs = Date.now() - started;
    logger.info(
      `[mail] connection test ${settings.host}:${settings.port} (${tlsMode}): ${ok ? 'ok' : 'failed'} in ${durationMs} ms`,
    );
    return { ok, tlsMode, steps: STEPS.map((s) => results.find((r) => r.step === s)!), durationMs, ...report };
  };
  let greeted = false;
  const fail = (
    step: MailStep,
    error: NodemailerLikeError | undefined,
    reply: string | undefined,
  ): ConnectionTestReport => {
    const credentialsUser = input.credentials?.user;
    const hint = classifyFailure({
      step,
      authType: settings.authType,
      code: error?.code,
      reply,
      message: error?.message,
      host: settings.host,
      port: settings.port,
      timeoutType: error?.timeoutType,
      implicitTlsPort: implicitPort,
      greeted,
      ...(credentialsUser ? { user: credentialsUser } : {}),
      from: message.envelope.from,
      to: message.envelope.to,
    });
    // the message repeats the reply ("Message failed: <reply>"): show it only when it adds something (issue 17 §2)
    const detail =
      error?.message && (!reply || !error.message.includes(reply.trim())) && error.message !== reply
        ? shortReply(error.message)
        : undefined;
    const whole = reply ?? error?.message ?? '';
    results.push({ step, status: 'failed', reply: shortReply(whole), hint, ...(detail ? { detail } : {}) });
    logger.warn(`[mail] step ${step} failed: ${hint.id} (${shortReply(whole.split('\n')[0] ?? '')})`);
    // the whole reply, Microsoft's diagnostic tail included, only in the log
    if (whole !== shortReply(whole)) logger.debug(`[mail] step ${step} whole server reply: ${whole}`);
    return done();
  };

  // TCP
  let socket: net.Socket;
  try {
    socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: settings.host, port: settings.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(Object.assign(new Error(`connect timeout after ${timeouts.connect} ms`), { code: 'ETIMEDOUT' }));
      }, timeouts.connect);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } catch (error) {
    return fail('TCP', error as NodemailerLikeError, undefined);
  }
  results.push({
    step: 'TCP',
    status: 'ok',
    reply: `${socket.remoteAddress ?? settings.host}:${socket.remotePort ?? settings.port}`,
  });

  const transcript: TranscriptEntry[] = [];
  const connection = new SMTPConnection({
    connection: socket,
    host: settings.host,
    port: settings.port,
    secure: tlsMode === 'implicit',
    requireTLS: tlsMode === 'starttls',
    ignoreTLS: false,
    opportunisticTLS: tlsMode === 'none',
    tls: {
      ...(input.ca ? { ca: input.ca } : {}),
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      servername: net.isIP(settings.host) ? undefined : settings.host,
    },
    connectionTimeout: timeouts.connect,
    greetingTimeout: timeouts.greeting,
    socketTimeout: timeouts.command,
    socketCloseTimeout: 0,
    logger: transcriptLogger(transcript),
    debug: true,
    customAuth: {
      // XOAUTH2 with a ready token: one attempt, no silent retry that would hide the server's reply (C07)
      // (registered under its own name: nodemailer replaces a plain 'XOAUTH2' without its token generator by PLAIN)
      [XOAUTH2_HANDLER]: async (ctx) => {
        const token = Buffer.from(
          `user=${ctx.auth.credentials.user}\x01auth=Bearer ${ctx.auth.credentials.pass}\x01\x01`,
          'utf8',
        ).toString('base64');
        const first = await ctx.sendCommand(`AUTH XOAUTH2 ${token}`);
        if (first.status === 235) return;
        // the server sent a JSON error challenge (334): answer empty to get the final reply
        const final = first.status === 334 ? await ctx.sendCommand('') : first;
        throw Object.assign(new Error(final.response), { response: final.response, responseCode: final.status });
      },
    },
  });
  // failures reach the step promises; this listener only keeps a late socket 'error' from becoming an uncaught one
  connection.on('error', () => undefined);
  const close = () => {
    try {
      connection.quit();
    } catch {
      /* already closed */
    }
    connection.close();
    socket.destroy();
  };

  try {
    // TLS (implicit handshake, or greeting + EHLO + STARTTLS)
    try {
      await new Promise<void>((resolve, reject) => {
        // failures before the greeting arrive as 'error'/'end' events, not always through the callback
        connection.once('error', reject);
        connection.once('end', () =>
          reject(Object.assign(new Error('Connection closed before the SMTP greeting'), { code: 'ECONNECTION' })),
        );
        connection.connect((error) => (error ? reject(error) : resolve()));
      });
      connection.removeAllListeners('end');
    } catch (error) {
      const e = error as NodemailerLikeError;
      // a plaintext greeting seen before the failure: the server spoke SMTP and then went silent (issue 17 §3)
      greeted = tlsMode !== 'implicit' && transcript.some((t) => t.from === 'server' && /^220[ -]/.test(t.text));
      return fail('TLS', e, e.response || (transcript.filter((t) => t.from === 'server').at(-1)?.text ?? undefined));
    }
    const tlsSocket = connection._socket as
      (net.Socket & { getProtocol?: () => string | null; getCipher?: () => { name: string } }) | false | null;
    const tlsText =
      connection.secure && tlsSocket && tlsSocket.getProtocol
        ? `${tlsSocket.getProtocol() ?? 'TLS'} ${tlsSocket.getCipher?.().name ?? ''}`.trim()
        : undefined;
    results.push({
      step: 'TLS',
      status: connection.secure ? 'ok' : 'skipped',
      reply: connection.secure
        ? `${tlsMode === 'implicit' ? 'implicit TLS' : 'STARTTLS'}: ${tlsText ?? ''}`
        : 'no encryption ("SSL erforderlich" is off, the server offered no STARTTLS)',
    });
    const ehlo = replyTo(transcript, 'EHLO') ?? '';

    // AUTH
    if (input.credentials) {
      if (!connection.secure && !settings.allowInsecureAuth) {
        results.push({
          step: 'AUTH',
          status: 'failed',
          reply: '',
          hint: {
            id: 'auth-insecure-blocked',
            template: msg(
              'The connection is not encrypted, so the credentials were not sent. Tick "SSL erforderlich" (recommended) or explicitly allow unencrypted login.',
            ),
            args: [],
          },
        });
        return done({ ...(tlsText ? { tls: tlsText } : {}) });
      }
      const credentials = input.credentials;
      try {
        await new Promise<void>((resolve, reject) =>
          connection.login(
            credentials.kind === 'password'
              ? {
                  user: credentials.user,
                  pass: credentials.password,
                  ...(credentials.method ? { method: credentials.method } : {}),
                }
              : { user: credentials.user, pass: credentials.accessToken, method: XOAUTH2_HANDLER },
            (error) => (error ? reject(error) : resolve()),
          ),
        );
      } catch (error) {
        const e = error as NodemailerLikeError;
        return fail('AUTH', e, e.response || replyTo(transcript, 'AUTH') || undefined);
      }
      results.push({
        step: 'AUTH',
        status: 'ok',
        reply: transcript.filter((t) => t.from === 'server').at(-1)?.text ?? '',
      });
    }

    // SMTPUTF8 only when offered
    try {
      requireSmtpUtf8(message, /[ -]SMTPUTF8\b/im.test(ehlo));
    } catch (error) {
      results.push({
        step: 'MAIL FROM',
        status: 'failed',
        reply: '',
        hint: { id: 'smtputf8', template: (error as MailError).template, args: (error as MailError).args },
      });
      return done({ ...(tlsText ? { tls: tlsText } : {}) });
    }

    // MAIL FROM, RCPT TO, DATA
    const raw = await new MailComposer({
      from: message.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      date: new Date(now()),
      headers: message.headers,
    })
      .compile()
      .build();
    try {
      await new Promise<void>((resolve, reject) =>
        connection.send(message.envelope, raw, (error, info) => {
          if (error) reject(error);
          else if (info && info.rejected.length > 0)
            reject(
              Object.assign(new Error('recipient rejected'), {
                command: 'RCPT TO',
                response: info.rejectedErrors?.[0]?.response ?? replyTo(transcript, 'RCPT TO'),
              }),
            );
          else resolve();
        }),
      );
    } catch (error) {
      const e = error as NodemailerLikeError;
      const step: MailStep =
        e.command === 'MAIL FROM'
          ? 'MAIL FROM'
          : e.command === 'RCPT TO'
            ? 'RCPT TO'
            : e.command === 'API' && /SMTPUTF8/i.test(e.message)
              ? 'MAIL FROM'
              : 'DATA';
      if (step !== 'MAIL FROM')
        results.push({ step: 'MAIL FROM', status: 'ok', reply: replyTo(transcript, 'MAIL FROM') ?? '' });
      if (step === 'DATA') results.push({ step: 'RCPT TO', status: 'ok', reply: replyTo(transcript, 'RCPT TO') ?? '' });
      return fail(step, e, e.response || undefined);
    }
    results.push({ step: 'MAIL FROM', status: 'ok', reply: replyTo(transcript, 'MAIL FROM') ?? '' });
    results.push({ step: 'RCPT TO', status: 'ok', reply: replyTo(transcript, 'RCPT TO') ?? '' });
    results.push({
      step: 'DATA',
      status: 'ok',
      reply: transcript.filter((t) => t.from === 'server').at(-1)?.text ?? '',
    });
    return done({ ...(tlsText ? { tls: tlsText } : {}) });
  } finally {
    close();
  }
}

/**
 * Sends a message (reminders, scheduler alerts) and throws when it was not accepted.
 * @throws MailError `E_MAIL_DELIVERY` naming the failed step, its reply and the hint
 */
export async function sendMail(input: DeliveryInput): Promise<ConnectionTestReport> {
  const report = await deliverMessage(input);
  if (!report.ok) {
    const step = report.steps.find((s) => s.status === 'failed');
    throw new MailError('E_MAIL_DELIVERY', msg('The mail was not sent: step {0} failed ({1}).'), [
      step?.step ?? '?',
      (step?.reply || step?.hint?.id || '').split('\n')[0] ?? '',
    ]);
  }
  return report;
}
