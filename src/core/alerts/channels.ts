/**
 * The alert channels of the monitor (issue 21 "Alert channels"): Microsoft Teams through a Workflows webhook, a
 * generic JSON POST, and mail through the existing SMTP sender (src/core/mail/sender.ts `createSender`, the same
 * one `scheduler check` and the extension's monitor use). Every channel delivers one incident or throws an error
 * that names the channel, never a webhook URL.
 */
import type { SafeMessageInput } from '../mail/headerSafety';
import type { ProxyConfig } from '../mail/proxy';
import { AlertDeliveryError } from './errors';
import type { AlertIncident } from './incident';
import { teamsMessage } from './teamsCard';
import { parseWebhookUrl, postWebhook } from './webhookPost';
import type { WebhookAttempt, WebhookPostOptions, WebhookTarget } from './webhookPost';

/** What a channel did for one incident (every attempt, for the audit). */
export interface ChannelDelivery {
  readonly attempts: readonly WebhookAttempt[];
}

/** The context of one delivery. */
export interface DeliveryContext {
  /** where the store is (file path or URL without password) */
  readonly store: string;
  /** when the monitor sends (ISO-8601 UTC), the `at` of the JSON POST */
  readonly sentAt: string;
  /** called after each attempt (the audit collects them) */
  readonly onAttempt?: (attempt: WebhookAttempt) => void;
}

/** One alert channel. */
export interface AlertChannel {
  /** how the channel is named in logs, errors, claims and the audit: `teams`, `json`, `mail` or a variable name */
  readonly name: string;
  /**
   * Delivers one incident.
   * @throws AlertDeliveryError naming the channel; AlertChannelConfigError for a wrong configuration
   */
  deliver(incident: AlertIncident, context: DeliveryContext): Promise<ChannelDelivery>;
}

/** How a webhook channel is set up. */
export interface WebhookChannelOptions {
  /** the channel's name (default `teams` / `json`); the CLI passes `teams` or `json` */
  readonly name?: string;
  readonly url: string;
  readonly ca?: string | Buffer;
  readonly proxy?: ProxyConfig;
  /** how a certificate error names the way to trust a company CA (default `--webhook-ca FILE`) */
  readonly caHint?: string;
  /** DNS lookup of the connection (tests: a mock that fails like an unreachable DNS server) */
  readonly lookup?: WebhookTarget['lookup'];
  /** deadlines and retries (see {@link postWebhook}) */
  readonly post?: Omit<WebhookPostOptions, 'headers' | 'onAttempt'>;
}

/** The `Idempotency-Key` of a webhook request (draft-ietf-httpapi-idempotency-key-header): the same for every retry. */
export function idempotencyKey(incident: AlertIncident, channel: string): string {
  return `${channel}:${incident.key}`;
}

function webhookChannel(
  defaultName: string,
  options: WebhookChannelOptions,
  body: (incident: AlertIncident, context: DeliveryContext) => unknown,
): AlertChannel {
  const name = options.name ?? defaultName;
  parseWebhookUrl(name, options.url); // a wrong URL is reported when the channel is set up, not at the first alert
  return {
    name,
    async deliver(incident, context) {
      const result = await postWebhook(
        {
          channel: name,
          url: options.url,
          ...(options.ca ? { ca: options.ca } : {}),
          ...(options.proxy ? { proxy: options.proxy } : {}),
          ...(options.caHint !== undefined ? { caHint: options.caHint } : {}),
          ...(options.lookup ? { lookup: options.lookup } : {}),
        },
        body(incident, context),
        {
          ...options.post,
          headers: { 'Idempotency-Key': idempotencyKey(incident, name) },
          ...(context.onAttempt ? { onAttempt: context.onAttempt } : {}),
        },
      );
      return { attempts: result.attempts };
    },
  };
}

/**
 * Microsoft Teams through a Power Automate Workflows webhook: posts the Adaptive Card message of {@link teamsMessage}.
 * @throws AlertChannelConfigError when the URL is not https (naming the channel)
 */
export function teamsChannel(options: WebhookChannelOptions): AlertChannel {
  return webhookChannel('teams', options, (incident, context) => teamsMessage(incident, context.store));
}

/** The body of the generic JSON POST. */
export interface JsonAlertBody {
  readonly kind: AlertIncident['kind'];
  /** the incident key (stable; the same on every retry and from every monitor) */
  readonly incident: string;
  readonly subject: string;
  readonly text: string;
  /** when the monitor sent it (ISO-8601 UTC); the incident's own time is in `text` and `incidentAt` */
  readonly at: string;
  readonly incidentAt: string;
  /** the store (file path or URL without password) */
  readonly store: string;
}

/**
 * A generic JSON POST of {@link JsonAlertBody} (for a ticket system, a chat relay, an own script).
 * @throws AlertChannelConfigError when the URL is not https (naming the channel)
 */
export function jsonChannel(options: WebhookChannelOptions): AlertChannel {
  return webhookChannel('json', options, (incident, context): JsonAlertBody => ({
    kind: incident.kind,
    incident: incident.key,
    subject: incident.subject,
    text: incident.text,
    at: context.sentAt,
    incidentAt: incident.at,
    store: context.store,
  }));
}

/** How the mail channel is set up. */
export interface MailChannelOptions {
  /** default `mail` */
  readonly name?: string;
  /** the sender address (the SMTP settings' "Absender") */
  readonly from: string;
  /** the recipients (e.g. both scheduler recipients, or `serve --mail-to`) */
  readonly to: readonly string[];
  /** the SMTP sender: `createSender(settings, secrets, …)` of src/core/mail/sender.ts */
  readonly send: (message: SafeMessageInput) => Promise<unknown>;
}

/**
 * Mail through the configured SMTP settings: one message per incident to all recipients. The sender (nodemailer with
 * the settings' deadlines) is not retried here: a failed mail is tried again in the next cycle.
 * @throws (from deliver) AlertDeliveryError naming the channel, with the sender's reason
 */
export function mailChannel(options: MailChannelOptions): AlertChannel {
  const name = options.name ?? 'mail';
  return {
    name,
    async deliver(incident, context) {
      const started = Date.now();
      try {
        await options.send({
          from: { name: 'iX-Haus plus Überwachung', address: options.from },
          to: options.to.map((address) => ({ address })),
          subject: incident.subject,
          text: `${incident.text.replace(/\r?\n/g, '\r\n')}\r\n\r\nVorfall: ${incident.key}\r\nDatenbank: ${context.store}\r\n`,
          headers: { 'X-IXHaus-Incident': incident.key },
          source: `alert ${incident.key}`,
        });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        const attempt: WebhookAttempt = { attempt: 1, outcome: 'network', reason, durationMs: Date.now() - started };
        context.onAttempt?.(attempt);
        throw new AlertDeliveryError(name, reason, { attempts: 1, retryable: true });
      }
      const attempt: WebhookAttempt = {
        attempt: 1,
        outcome: 'delivered',
        reason: 'accepted by the SMTP server',
        durationMs: Date.now() - started,
      };
      context.onAttempt?.(attempt);
      return { attempts: [attempt] };
    },
  };
}
