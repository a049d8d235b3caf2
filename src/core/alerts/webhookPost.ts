/**
 * One JSON POST to a webhook with deadlines and bounded retries (issue 21 "Throttling (429) honours Retry-After;
 * retries never post an incident twice"), over Node's http/https with the company proxy of src/core/mail/proxy.ts
 * (HTTP CONNECT tunnel, NO_PROXY honoured).
 *
 * When a request is repeated within one call (RFC 9110 §15.6.4, §10.2.3; RFC 6585 §4):
 * - 429 Too Many Requests and 503 Service Unavailable: after `Retry-After` (delay-seconds or an HTTP-date), capped by
 *   `maxRetryAfterMs` and the total deadline; without the header after the backoff. The receiver said it did not
 *   take the request, so repeating cannot post twice.
 * - other 5xx: the receiver answered with its own failure: repeated after an exponential backoff (1 s, 2 s, …).
 * - the connection could not be made (refused, DNS, TLS, connect deadline) or broke before the whole request was
 *   written: nothing can have arrived, repeated after the backoff.
 * - never repeated: 2xx (delivered — the body is not inspected: a Workflows trigger answers 202 before its flow runs,
 *   and a flow's own failure shows in its run history, not here); other 4xx (a refusal an administrator must fix);
 *   a request that was written completely but got no answer (it may have arrived: `uncertain`, left to the next
 *   cycle, which sends the same `Idempotency-Key`).
 *
 * The URL is a credential (its query holds the signature): it never appears in an error, a log line or an attempt
 * record — they name the channel. Network errors are turned into one reason with its fix ({@link networkReason}),
 * naming at most the host name (never port, path or query), because Node's own messages contain host and port.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import { proxyAgent, proxyFor } from '../mail/proxy';
import type { ProxyConfig } from '../mail/proxy';
import { AlertChannelConfigError, AlertDeliveryError } from './errors';
import { networkReason, proxyRefusalReason } from './webhookNetworkErrors';
import type { NetworkErrorContext } from './webhookNetworkErrors';

/** Where to post. `channel` is how the target is named everywhere (the URL never is). */
export interface WebhookTarget {
  /** `teams`, `json`, or the environment variable that holds the URL */
  readonly channel: string;
  /** https URL (http only for 127.0.0.1/localhost/::1: a relay on the same machine, tests) */
  readonly url: string;
  /** extra trusted CA certificates (PEM), e.g. a company TLS inspection CA */
  readonly ca?: string | Buffer;
  /** the company proxy (default: direct) */
  readonly proxy?: ProxyConfig;
  /** how a certificate error tells the reader to trust a company CA (default `--webhook-ca FILE`, the CLI option) */
  readonly caHint?: string;
  /** the DNS lookup of the connection (default Node's); tests pass a mock to simulate a DNS failure offline */
  readonly lookup?: LookupFunction;
}

/** Deadlines and retry limits (all in milliseconds). */
export interface WebhookPostOptions {
  /** until the TCP (and proxy tunnel) connection stands; default 10 000 */
  readonly connectTimeoutMs?: number;
  /** the whole call, retries and waits included; default 60 000 */
  readonly totalTimeoutMs?: number;
  /** attempts at most (first one included); default 4 */
  readonly maxAttempts?: number;
  /** the longest `Retry-After` honoured; a longer one ends the call (next cycle); default 30 000 */
  readonly maxRetryAfterMs?: number;
  /** first backoff, doubled per attempt; default 1 000 */
  readonly backoffMs?: number;
  /** extra request headers (e.g. `Idempotency-Key`) */
  readonly headers?: Readonly<Record<string, string>>;
  /** the clock (tests), default Date.now */
  readonly now?: () => number;
  /** called after every attempt (for the audit) */
  readonly onAttempt?: (attempt: WebhookAttempt) => void;
}

/** What one attempt did (no URL in it). */
export interface WebhookAttempt {
  /** 1, 2, … */
  readonly attempt: number;
  readonly outcome: 'delivered' | 'throttled' | 'server-error' | 'refused' | 'network' | 'uncertain';
  /** the HTTP status, when an answer came */
  readonly status?: number;
  /** how long the next attempt waits (ms), when there is one */
  readonly waitMs?: number;
  /** one line, e.g. `HTTP 429, Retry-After 2 s` or `ECONNREFUSED` */
  readonly reason: string;
  readonly durationMs: number;
}

/** The result of a delivered post. */
export interface WebhookResult {
  readonly status: number;
  readonly attempts: readonly WebhookAttempt[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const MAX_BODY_KEPT = 65_536;

/**
 * Parses the target URL.
 * @throws AlertChannelConfigError naming the channel (never the URL) when it is not an https URL
 */
export function parseWebhookUrl(channel: string, url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new AlertChannelConfigError(channel, 'the webhook URL is not a URL (copy it again from the Workflows app)');
  }
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname)) return parsed;
  throw new AlertChannelConfigError(
    channel,
    'the webhook URL must start with https:// (plain http only to 127.0.0.1 or localhost)',
  );
}

/**
 * `Retry-After` (RFC 9110 §10.2.3) as milliseconds from `now`: delay-seconds or an HTTP-date; undefined when absent
 * or unreadable; a date in the past gives 0.
 */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

interface RawAttempt {
  readonly status?: number;
  readonly retryAfter?: string;
  /** the error code of a failed attempt */
  readonly errorCode?: string;
  /** whether the whole request had been written when it failed */
  readonly written: boolean;
  /** the proxy's answer to CONNECT when it was not 200 (the proxy refused the tunnel) */
  readonly proxyStatus?: number;
}

function postOnce(
  url: URL,
  target: WebhookTarget,
  body: Buffer,
  headers: Readonly<Record<string, string>>,
  connectTimeoutMs: number,
  remainingMs: number,
): Promise<RawAttempt> {
  return new Promise((resolve) => {
    const proxy = proxyFor(url.href, target.proxy);
    const secure = url.protocol === 'https:';
    const options: https.RequestOptions = {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': String(body.length),
        'User-Agent': 'ixhaus-admin-monitor',
        ...headers,
      },
      ...(proxy ? { agent: proxyAgent(proxy) } : {}),
      ...(secure && target.ca ? { ca: target.ca } : {}),
      ...(secure && target.proxy?.strictSSL === false ? { rejectUnauthorized: false } : {}),
      ...(target.lookup ? { lookup: target.lookup } : {}),
    };
    let proxyStatus: number | undefined;
    let written = false;
    let settled = false;
    const finish = (result: RawAttempt): void => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(totalTimer);
      resolve(result);
    };
    const request = (secure ? https : http).request(url, options, (response) => {
      let kept = 0;
      response.on('data', (chunk: Buffer) => {
        kept += chunk.length; // the body is read to the end (keep-alive) but not kept: nothing in it decides
        if (kept > MAX_BODY_KEPT) response.destroy();
      });
      const retryAfter = response.headers['retry-after'];
      const done = (): void =>
        proxyStatus !== undefined
          ? finish({ errorCode: 'proxy refused', proxyStatus, written: false })
          : finish({ status: response.statusCode ?? 0, ...(retryAfter !== undefined ? { retryAfter } : {}), written });
      response.on('end', done);
      response.on('close', done);
      response.on('error', done);
    });
    const fail = (code: string): void => {
      request.destroy();
      finish({ errorCode: code, written });
    };
    const connectTimer = setTimeout(() => fail('connect timeout'), Math.min(connectTimeoutMs, remainingMs));
    const totalTimer = setTimeout(() => fail('no answer before the deadline'), remainingMs);
    request.on('socket', (socket) => {
      const connected = (): void => clearTimeout(connectTimer);
      if (!socket.connecting) connected();
      else socket.once(secure && !proxy ? 'secureConnect' : 'connect', connected);
    });
    request.on('finish', () => {
      written = true;
    });
    // https-proxy-agent emits the proxy's CONNECT answer; a refusal is then replayed as if the target had answered
    request.on('proxyConnect', (answer: { statusCode?: number }) => {
      if (answer.statusCode !== undefined && answer.statusCode !== 200) proxyStatus = answer.statusCode;
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      // Node's message names host and port (part of the secret URL's identity): keep only the code
      finish({ errorCode: error.code ?? error.name, written });
    });
    request.end(body);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * POSTs `payload` as JSON to the target, retrying as described in the module comment.
 * @returns the status of the delivering answer and every attempt
 * @throws AlertChannelConfigError for a URL that is not https; AlertDeliveryError naming the channel when no
 *         attempt was delivered before the attempts or the deadline ran out
 */
export async function postWebhook(
  target: WebhookTarget,
  payload: unknown,
  options: WebhookPostOptions = {},
): Promise<WebhookResult> {
  const url = parseWebhookUrl(target.channel, target.url);
  const now = options.now ?? Date.now;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const totalTimeoutMs = options.totalTimeoutMs ?? 60_000;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
  const backoffMs = options.backoffMs ?? 1000;
  const deadline = now() + totalTimeoutMs;
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  const proxy = proxyFor(url.href, target.proxy);
  const context: NetworkErrorContext = {
    host: url.hostname,
    ...(proxy ? { proxyHost: proxy.hostname } : {}),
    ...(target.caHint !== undefined ? { caHint: target.caHint } : {}),
    connectTimeoutMs,
  };
  const attempts: WebhookAttempt[] = [];
  const record = (attempt: WebhookAttempt): void => {
    attempts.push(attempt);
    options.onAttempt?.(attempt);
  };
  for (let n = 1; ; n++) {
    const started = now();
    const raw = await postOnce(
      url,
      target,
      body,
      options.headers ?? {},
      connectTimeoutMs,
      Math.max(1, deadline - started),
    );
    const durationMs = now() - started;
    const backoff = backoffMs * 2 ** (n - 1);
    const status = raw.status;
    if (status !== undefined && status >= 200 && status < 300) {
      record({ attempt: n, outcome: 'delivered', status, reason: `HTTP ${status}`, durationMs });
      return { status, attempts };
    }
    let outcome: WebhookAttempt['outcome'];
    let reason: string;
    let waitMs: number | undefined;
    let uncertain = false;
    if (status === 429 || status === 503) {
      outcome = 'throttled';
      const after = retryAfterMs(raw.retryAfter, now());
      reason = `HTTP ${status}${after !== undefined ? `, Retry-After ${Math.ceil(after / 1000)} s` : ''}`;
      if (after !== undefined && after > maxRetryAfterMs) {
        record({ attempt: n, outcome, status, reason, durationMs });
        throw new AlertDeliveryError(
          target.channel,
          `${reason} is longer than the ${Math.round(maxRetryAfterMs / 1000)} s this monitor waits; the next cycle tries again`,
          { attempts: n, httpStatus: status, retryable: true },
        );
      }
      waitMs = after ?? backoff;
    } else if (status !== undefined && status >= 500) {
      outcome = 'server-error';
      reason = `HTTP ${status}`;
      waitMs = backoff;
    } else if (status !== undefined) {
      outcome = 'refused';
      reason = `HTTP ${status}`;
    } else if (raw.proxyStatus !== undefined) {
      // the proxy refused the tunnel: a configuration an administrator must fix, not repeated
      outcome = 'refused';
      reason = proxyRefusalReason(raw.proxyStatus, context);
    } else if (raw.written) {
      outcome = 'uncertain';
      uncertain = true;
      reason =
        raw.errorCode === undefined || raw.errorCode === 'no answer before the deadline'
          ? `no answer from ${context.host} before the deadline after the request was sent (it may have arrived)`
          : `${networkReason(raw.errorCode, context)}, after the request was sent (it may have arrived)`;
    } else {
      outcome = 'network';
      reason = raw.errorCode !== undefined ? networkReason(raw.errorCode, context) : 'the connection failed';
      waitMs = backoff;
    }
    const canWait = waitMs !== undefined && n < maxAttempts && now() + waitMs < deadline;
    record({
      attempt: n,
      outcome,
      ...(status !== undefined ? { status } : {}),
      ...(canWait ? { waitMs } : {}),
      reason,
      durationMs,
    });
    if (!canWait) {
      const why =
        outcome === 'refused'
          ? raw.proxyStatus !== undefined
            ? reason
            : `${reason}: the receiver refused the alert (check the URL in the environment variable and the flow)`
          : uncertain
            ? `${reason}; not repeated now, the next cycle tries again`
            : outcome === 'network'
              ? `${reason} (${n} attempt${n > 1 ? 's' : ''})`
              : `${reason} after ${n} attempt${n > 1 ? 's' : ''}`;
      throw new AlertDeliveryError(target.channel, why, {
        attempts: n,
        ...(status !== undefined ? { httpStatus: status } : {}),
        retryable: outcome !== 'refused',
        uncertain,
      });
    }
    await sleep(waitMs ?? 0);
  }
}
