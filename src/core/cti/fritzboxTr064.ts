/**
 * Dialling on a Fritz!Box through TR-064 (cti-protocols.md "Dialing on a Fritz!Box goes through TR-064 …, digest
 * auth"): SOAP action `X_AVM-DE_DialNumber` of service `urn:dslforum-org:service:X_VoIP:1` at
 * `/upnp/control/x_voip` (port 49000). The box rings the telephone chosen under Telefonie > Wählhilfe, then
 * dials the number. HTTP digest authentication (MD5, qop=auth) as the box demands it.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { IxError, msg } from '../errors';

/** Default TR-064 port of a Fritz!Box (plain HTTP inside the home network). */
export const TR064_PORT = 49000;
const CONTROL_URL = '/upnp/control/x_voip';
const SERVICE = 'urn:dslforum-org:service:X_VoIP:1';
const ACTION = 'X_AVM-DE_DialNumber';

/** Where and as whom to dial. The password comes from secret storage or an environment variable. */
export interface Tr064Options {
  readonly host: string;
  readonly port?: number;
  readonly username: string;
  readonly password: string;
  readonly timeoutMs?: number;
}

/** TR-064 failed; the message says what to change on the box. */
export class Tr064Error extends IxError {
  constructor(template: string, args: readonly (string | number)[] = []) {
    super('E_CTI_TR064', template, args);
  }
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** Parses `Digest realm="x", nonce="y", qop="auth"` into a map. */
export function parseDigestChallenge(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.replace(/^Digest\s+/i, '').matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) {
    if (m[1]) out[m[1].toLowerCase()] = m[2] ?? m[3] ?? '';
  }
  return out;
}

/** The `Authorization: Digest …` header for one request (RFC 2617, MD5, qop=auth). */
export function digestAuthorization(
  challenge: Record<string, string>,
  method: string,
  uri: string,
  username: string,
  password: string,
  cnonce: string = randomBytes(8).toString('hex'),
): string {
  const realm = challenge.realm ?? '';
  const nonce = challenge.nonce ?? '';
  const nc = '00000001';
  const ha1 = md5(`${username}:${realm}:${password}`);
  const ha2 = md5(`${method}:${uri}`);
  const qop = (challenge.qop ?? '')
    .split(',')
    .map((q) => q.trim())
    .includes('auth')
    ? 'auth'
    : undefined;
  const response = qop ? md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
  const parts = [
    `username="${username}"`,
    `realm="${realm}"`,
    `nonce="${nonce}"`,
    `uri="${uri}"`,
    `response="${response}"`,
    'algorithm=MD5',
  ];
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
  if (challenge.opaque) parts.push(`opaque="${challenge.opaque}"`);
  return `Digest ${parts.join(', ')}`;
}

function xmlEscape(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

interface SoapTarget {
  readonly controlUrl: string;
  readonly service: string;
  readonly action: string;
}

const DIAL: SoapTarget = { controlUrl: CONTROL_URL, service: SERVICE, action: ACTION };

function post(
  options: Tr064Options,
  body: string,
  authorization?: string,
  target: SoapTarget = DIAL,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: options.host,
        port: options.port ?? TR064_PORT,
        method: 'POST',
        path: target.controlUrl,
        agent: false, // no pooled keep-alive socket: a box that restarted must not see a stale one
        timeout: options.timeoutMs ?? 10_000,
        headers: {
          'Content-Type': 'text/xml; charset="utf-8"',
          SOAPAction: `"${target.service}#${target.action}"`,
          'Content-Length': Buffer.byteLength(body),
          ...(authorization ? { Authorization: authorization } : {}),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (c: string) => {
          if (text.length < 65536) text += c; // a fault body is small; never buffer more
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Asks the Fritz!Box to dial `dialString` (already prefixed) via TR-064.
 * @throws Tr064Error — refused port (TR-064 off), wrong login, SOAP fault (e.g. Wählhilfe off), no answer
 */
export async function tr064Dial(options: Tr064Options, dialString: string): Promise<void> {
  const body = `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:${ACTION} xmlns:u="${SERVICE}"><NewX_AVM-DE_PhoneNumber>${xmlEscape(dialString)}</NewX_AVM-DE_PhoneNumber></u:${ACTION}></s:Body></s:Envelope>`;
  const where = `${options.host}:${options.port ?? TR064_PORT}`;
  try {
    let reply = await post(options, body);
    if (reply.status === 401) {
      const challenge = parseDigestChallenge(String(reply.headers['www-authenticate'] ?? ''));
      reply = await post(
        options,
        body,
        digestAuthorization(challenge, 'POST', CONTROL_URL, options.username, options.password),
      );
      if (reply.status === 401)
        throw new Tr064Error(
          msg(
            'The Fritz!Box at {0} refused the TR-064 login of "{1}". Check the user and password (a Fritz!Box user with the right "Sprachnachrichten, Faxnachrichten, FRITZ!App Fon und Anrufliste").',
          ),
          [where, options.username],
        );
    }
    if (reply.status >= 400) {
      const fault =
        /<errorDescription>([^<]*)<\/errorDescription>/.exec(reply.body)?.[1] ??
        /<faultstring>([^<]*)<\/faultstring>/.exec(reply.body)?.[1] ??
        `HTTP ${reply.status}`;
      throw new Tr064Error(
        msg(
          'The Fritz!Box at {0} did not dial: {1}. Turn on Telefonie > Anrufe > Wählhilfe and choose the telephone that rings first.',
        ),
        [where, fault],
      );
    }
  } catch (error) {
    if (error instanceof Tr064Error) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    if (code === 'ECONNREFUSED')
      throw new Tr064Error(
        msg(
          'The Fritz!Box at {0} refuses TR-064. Turn on Heimnetz > Netzwerk > Netzwerkeinstellungen > "Zugriff für Anwendungen zulassen".',
        ),
        [where],
      );
    throw new Tr064Error(
      msg('The Fritz!Box at {0} cannot be reached for dialling ({1}). Check the address and the network.'),
      [where, code],
    );
  }
}

/** The TR-064 call list (AVM "X_AVM-DE_OnTel" service, action `GetCallList`). */
const CALL_LIST: SoapTarget = {
  controlUrl: '/upnp/control/x_contact',
  service: 'urn:dslforum-org:service:X_AVM-DE_OnTel:1',
  action: 'GetCallList',
};

/**
 * One entry of the box's call list (AVM TR-064 "X_AVM-DE_OnTel", call list XML). `type`: 1 incoming answered,
 * 2 missed, 3 outgoing, 9 incoming active, 10 rejected (blocked), 11 outgoing active.
 */
export interface CallListEntry {
  readonly id: string;
  readonly type: number;
  /** the remote party (incoming: Caller, outgoing: Called); '' = suppressed */
  readonly remote: string;
  /** own number (incoming: CalledNumber/Called, outgoing: CallerNumber/Caller) */
  readonly own: string;
  /** the telephone that took or placed the call (name), and its port */
  readonly device: string;
  readonly port: string;
  /** `DD.MM.YY HH:MM` local box time */
  readonly date: string;
  /** talk time in seconds (the list states H:MM) */
  readonly durationSeconds: number;
}

function tag(block: string, name: string): string {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(block) ?? new RegExp(`<${name}\\s*/>`).exec(block);
  return (m?.[1] ?? '')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .trim();
}

/** Parses the call list XML (`<root><Call>…</Call>…</root>`); entries without Id/Type/Date are skipped. */
export function parseCallList(xml: string): CallListEntry[] {
  const out: CallListEntry[] = [];
  for (const m of xml.matchAll(/<Call>([\s\S]*?)<\/Call>/g)) {
    const block = m[1] ?? '';
    const type = Number(tag(block, 'Type'));
    const id = tag(block, 'Id');
    const date = tag(block, 'Date');
    if (!id || !Number.isInteger(type) || !/^\d{2}\.\d{2}\.\d{2} \d{2}:\d{2}$/.test(date)) continue;
    const outgoing = type === 3 || type === 11;
    const duration = /^(\d+):(\d{2})$/.exec(tag(block, 'Duration'));
    out.push({
      id,
      type,
      remote: outgoing ? tag(block, 'Called') : tag(block, 'Caller'),
      own: outgoing
        ? tag(block, 'CallerNumber') || tag(block, 'Caller')
        : tag(block, 'CalledNumber') || tag(block, 'Called'),
      device: tag(block, 'Device'),
      port: tag(block, 'Port'),
      date,
      durationSeconds: duration ? (Number(duration[1]) * 60 + Number(duration[2])) * 60 : 0,
    });
  }
  return out;
}

function get(url: URL, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, timeout: timeoutMs }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (c: string) => {
        if (text.length < 4 * 1024 * 1024) text += c; // a call list holds at most a few hundred calls
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
  });
}

/**
 * Reads the box's call list of the last `days` days through TR-064 (`GetCallList` → `NewCallListURL` → XML; AVM
 * "TR-064 X_AVM-DE_OnTel"). The list URL is only followed on the box's own host and port (never elsewhere).
 * @throws Tr064Error — TR-064 off, wrong login, no call-list right, no answer within the timeout (default 10 s)
 */
export async function tr064CallList(options: Tr064Options, days: number): Promise<CallListEntry[]> {
  const body = `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:GetCallList xmlns:u="${CALL_LIST.service}"></u:GetCallList></s:Body></s:Envelope>`;
  const port = options.port ?? TR064_PORT;
  const where = `${options.host}:${port}`;
  try {
    let reply = await post(options, body, undefined, CALL_LIST);
    if (reply.status === 401) {
      const challenge = parseDigestChallenge(String(reply.headers['www-authenticate'] ?? ''));
      reply = await post(
        options,
        body,
        digestAuthorization(challenge, 'POST', CALL_LIST.controlUrl, options.username, options.password),
        CALL_LIST,
      );
      if (reply.status === 401)
        throw new Tr064Error(
          msg(
            'The Fritz!Box at {0} refused the TR-064 login of "{1}". Check the user and password (a Fritz!Box user with the right "Sprachnachrichten, Faxnachrichten, FRITZ!App Fon und Anrufliste").',
          ),
          [where, options.username],
        );
    }
    if (reply.status >= 400) {
      const fault = /<errorDescription>([^<]*)<\/errorDescription>/.exec(reply.body)?.[1] ?? `HTTP ${reply.status}`;
      throw new Tr064Error(
        msg(
          'The Fritz!Box at {0} did not give its call list: {1}. Give the TR-064 user the right "Sprachnachrichten, Faxnachrichten, FRITZ!App Fon und Anrufliste".',
        ),
        [where, fault],
      );
    }
    const listUrl = tag(reply.body, 'NewCallListURL');
    let url: URL;
    try {
      url = new URL(listUrl);
    } catch {
      throw new Tr064Error(msg('The Fritz!Box at {0} answered GetCallList without a call-list URL.'), [where]);
    }
    if (url.hostname.replace(/^\[|\]$/g, '') !== options.host || Number(url.port || 80) !== port)
      throw new Tr064Error(msg('The Fritz!Box at {0} named a call list on another host ({1}); it is not fetched.'), [
        where,
        url.host,
      ]);
    url.searchParams.set('days', String(Math.max(1, Math.min(999, Math.ceil(days)))));
    const list = await get(url, options.timeoutMs ?? 10_000);
    if (list.status !== 200)
      throw new Tr064Error(msg('The Fritz!Box at {0} did not give its call list: {1}.'), [
        where,
        `HTTP ${list.status}`,
      ]);
    return parseCallList(list.body);
  } catch (error) {
    if (error instanceof Tr064Error) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    if (code === 'ECONNREFUSED')
      throw new Tr064Error(
        msg(
          'The Fritz!Box at {0} refuses TR-064. Turn on Heimnetz > Netzwerk > Netzwerkeinstellungen > "Zugriff für Anwendungen zulassen".',
        ),
        [where],
      );
    throw new Tr064Error(
      msg('The Fritz!Box at {0} cannot be reached for its call list ({1}). Check the address and the network.'),
      [where, code],
    );
  }
}
