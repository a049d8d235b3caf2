/**
 * Real SMTP peer for the mail tests: an `smtp-server` on 127.0.0.1 (free port), implicit TLS or STARTTLS with a
 * certificate made at test time (openssl), AUTH PLAIN/LOGIN/XOAUTH2, scripted per field case.
 */
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerOptions, SMTPServerSession } from 'smtp-server';

/** A self-signed certificate for localhost / 127.0.0.1, valid one day, made once per test run. */
export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
}

let cached: TestCertificate | undefined;

/** Makes (once) a self-signed EC certificate with openssl. @throws when openssl is missing (npm run setup installs it) */
export function testCertificate(): TestCertificate {
  if (cached) return cached;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-cert-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    const result = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { encoding: 'utf8' },
    );
    if (result.status !== 0)
      throw new Error(`openssl failed (install it: npm run setup): ${result.stderr || result.error?.message}`);
    cached = { key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8') };
    return cached;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A reply the script gives: `undefined` accepts; else an error line with this code and text. */
export type ScriptedReply = { code: number; text: string } | undefined;

/** What the peer does, per field case. */
export interface SmtpScript {
  /** 'implicit' = TLS from the first byte; 'starttls' = plaintext greeting, STARTTLS offered; 'plain' = no TLS at all */
  readonly tls: 'implicit' | 'starttls' | 'plain';
  readonly user?: string;
  readonly password?: string;
  /** accepted XOAUTH2 token */
  readonly accessToken?: string;
  /** accept any XOAUTH2 token whose payload names Exchange Online as audience (tokens from the Entra peer) */
  readonly acceptExchangeTokens?: boolean;
  /** overrides the AUTH outcome (called with the attempt number, from 1) */
  readonly onAuth?: (auth: SMTPServerAuthentication, attempt: number) => ScriptedReply;
  readonly onMailFrom?: (address: string) => ScriptedReply;
  readonly onRcptTo?: (address: string) => ScriptedReply;
  /** overrides the reply to the message data (after the final dot) */
  readonly onData?: (message: string) => ScriptedReply;
  readonly hideSMTPUTF8?: boolean;
}

/** What the peer saw. */
export interface SmtpLog {
  readonly auths: { method: string; username: string }[];
  readonly mailFrom: string[];
  readonly rcptTo: string[];
  readonly messages: string[];
}

/** A running peer. `close()` stops it. */
export interface SmtpPeer {
  readonly port: number;
  readonly log: SmtpLog;
  readonly cert: TestCertificate;
  close(): Promise<void>;
}

function scripted(reply: ScriptedReply): Error | undefined {
  if (!reply) return undefined;
  return Object.assign(new Error(reply.text), { responseCode: reply.code });
}

/** Starts a scripted SMTP server on 127.0.0.1 on a free port. */
export async function startSmtpPeer(script: SmtpScript): Promise<SmtpPeer> {
  const cert = testCertificate();
  const log: SmtpLog = { auths: [], mailFrom: [], rcptTo: [], messages: [] };
  let attempts = 0;
  const options: SMTPServerOptions = {
    secure: script.tls === 'implicit',
    key: cert.key,
    cert: cert.cert,
    hideSTARTTLS: script.tls === 'plain',
    disabledCommands: script.tls === 'plain' ? ['STARTTLS'] : [],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2'],
    authOptional: true,
    hideENHANCEDSTATUSCODES: true,
    hideSMTPUTF8: script.hideSMTPUTF8 === true,
    logger: false,
    onAuth(auth: SMTPServerAuthentication, _session: SMTPServerSession, callback) {
      attempts += 1;
      log.auths.push({ method: auth.method, username: auth.username ?? '' });
      const override = script.onAuth?.(auth, attempts);
      if (override) return callback(scripted(override) ?? null);
      const exchangeToken = () => {
        try {
          return (
            (
              JSON.parse(Buffer.from(auth.accessToken?.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
                aud?: string;
              }
            ).aud === 'https://outlook.office365.com'
          );
        } catch {
          return false;
        }
      };
      const ok =
        auth.method === 'XOAUTH2'
          ? (auth.accessToken === script.accessToken || (script.acceptExchangeTokens === true && exchangeToken())) &&
            auth.username === script.user
          : auth.username === script.user && auth.password === script.password;
      if (ok) return callback(null, { user: auth.username });
      return callback(Object.assign(new Error('5.7.8 Error: authentication failed'), { responseCode: 535 }));
    },
    onMailFrom(address: SMTPServerAddress, _session, callback) {
      log.mailFrom.push(address.address);
      callback(scripted(script.onMailFrom?.(address.address)) ?? null);
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      log.rcptTo.push(address.address);
      callback(scripted(script.onRcptTo?.(address.address)) ?? null);
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const message = Buffer.concat(chunks).toString('utf8');
        log.messages.push(message);
        callback(scripted(script.onData?.(message)) ?? null);
      });
    },
  };
  const server = new SMTPServer(options);
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { port, log, cert, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A TCP peer that accepted connections count and what clients sent; `close()` stops it. */
export interface SilentPeer {
  readonly port: number;
  /** connections accepted */
  readonly connections: number;
  /** bytes each connection sent, as text */
  readonly received: string[];
  close(): Promise<void>;
}

/**
 * A server that accepts TCP on 127.0.0.1 and then never answers: with `greeting`, it first sends that line (a
 * server that greets and goes silent); without, it sends nothing at all (a firewall or proxy that accepts and
 * holds the connection). Issue 17 §3.
 */
export async function startSilentPeer(options: { greeting?: string } = {}): Promise<SilentPeer> {
  const sockets = new Set<net.Socket>();
  const received: string[] = [];
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    const index = received.push('') - 1;
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => {
      received[index] += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    if (options.greeting !== undefined) socket.write(`${options.greeting}\r\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    get connections() {
      return connections;
    },
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * SMTP settings (Basic, STARTTLS) for a peer on 127.0.0.1 with both scheduler recipients — what the scheduler and
 * monitor tests save before a due job is alerted (`saveMailSettings` input).
 */
export function schedulerMailSettings(peer: Pick<SmtpPeer, 'port'>, mailbox: string): Record<string, unknown> {
  return {
    authType: 'basic',
    host: '127.0.0.1',
    port: peer.port,
    ssl: true,
    user: mailbox,
    from: mailbox,
    schedulerRecipient: 'admin1@ixhaus.example',
    schedulerRecipient2: 'admin2@ixhaus.example',
  };
}
