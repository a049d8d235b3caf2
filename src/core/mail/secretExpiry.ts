/**
 * Client-secret expiry (issue 7 §5, product.md §5, field case C12): reads the app registration's
 * `passwordCredentials` from Microsoft Graph (`/v1.0/applications/{objectId}`, application permission
 * Application.Read.All), picks the credential **in use** by its `hint` (first three characters of the configured
 * value — not the earliest or latest of all), and sends reminders to the notification address at the store's
 * reminder windows (default 30, 7 and 1 days before; issue 17 §12), each once per expiry date. Dates are UTC;
 * far-future dates (2299) are handled. If Graph refuses, the expiry is "unknown" with the missing permission
 * named — never "OK".
 */
import { msg } from '../errors';
import { DEFAULT_REMINDER_DAYS, reachedWindow, reminderDays } from '../reminders/reminderWindows';
import type { AsyncStore } from '../store/asyncStore';
import type { MailSettings } from '../../shared/mail/settings';
import { HttpsClient, acquireToken } from './oauth';
import type { OAuthContext } from './oauth';
import type { SafeMessageInput } from './headerSafety';

/** One entry of Graph's `passwordCredentials`. */
export interface PasswordCredential {
  readonly keyId: string;
  readonly hint?: string | null;
  readonly displayName?: string | null;
  readonly endDateTime: string;
}

/** The expiry as far as it could be read. Known: `validUntil` is `YYYY-MM-DD` (UTC); `daysLeft` < 0 when expired. */
export type SecretExpiry =
  | {
      readonly status: 'known';
      readonly validUntil: string;
      readonly endDateTime: string;
      readonly daysLeft: number;
      readonly expired: boolean;
      readonly keyId: string;
      readonly displayName: string;
    }
  | {
      readonly status: 'unknown';
      readonly code: string;
      readonly template: string;
      readonly args: readonly (string | number)[];
    };

const DAY_MS = 86_400_000;
/** Default reminder thresholds in days before expiry (domain.md §6.1); the store's own are {@link reminderDays}. */
export const REMINDER_DAYS = DEFAULT_REMINDER_DAYS;

/** Whole days from `now` to `end` (UTC, rounded down; negative once expired). */
export function daysUntil(end: Date, now: Date): number {
  return Math.floor((end.getTime() - now.getTime()) / DAY_MS);
}

/** The credential whose `hint` matches the first three characters of the configured secret, or undefined. */
export function credentialInUse(
  credentials: readonly PasswordCredential[],
  secret: string,
): PasswordCredential | undefined {
  const prefix = secret.trim().slice(0, 3);
  return credentials.find((c) => typeof c.hint === 'string' && c.hint === prefix);
}

/** Computes the expiry of the credential in use from Graph's list. */
export function expiryFromCredentials(
  credentials: readonly PasswordCredential[],
  secret: string,
  now: Date,
): SecretExpiry {
  const inUse = credentialInUse(credentials, secret);
  if (!inUse)
    return {
      status: 'unknown',
      code: 'W_SECRET_NOT_LISTED',
      template: msg(
        'None of the {0} secrets of the app registration starts like the configured secret: it may belong to another app, or be the Secret ID instead of its value.',
      ),
      args: [credentials.length],
    };
  const end = new Date(inUse.endDateTime);
  if (Number.isNaN(end.getTime()))
    return {
      status: 'unknown',
      code: 'W_SECRET_DATE',
      template: msg('Graph returned no readable end date for the secret ({0}).'),
      args: [inUse.endDateTime],
    };
  const daysLeft = daysUntil(end, now);
  return {
    status: 'known',
    validUntil: end.toISOString().slice(0, 10),
    endDateTime: end.toISOString(),
    daysLeft,
    expired: end.getTime() <= now.getTime(),
    keyId: inUse.keyId,
    displayName: inUse.displayName ?? '',
  };
}

/** Input of {@link readSecretExpiry}. */
export interface ExpiryContext extends OAuthContext {
  /** Graph host (national clouds, tests); default graph.microsoft.com */
  readonly graphHost?: string;
  readonly now?: Date;
}

/**
 * Reads the expiry from Graph. Never throws for a Graph refusal: that becomes `status: 'unknown'` naming the cause
 * (403 → Application.Read.All missing; 404 → wrong Object Id).
 * @throws OAuthError when no Graph token can be had at all
 */
export async function readSecretExpiry(context: ExpiryContext): Promise<SecretExpiry> {
  const graphHost = context.graphHost ?? 'graph.microsoft.com';
  const objectId = context.settings.objectId.trim();
  if (objectId === '')
    return {
      status: 'unknown',
      code: 'W_NO_OBJECT_ID',
      template: msg(
        'No Object Id is set, so the secret expiry cannot be read: enter the Object ID of the app registration.',
      ),
      args: [],
    };
  const http = context.http ?? new HttpsClient();
  const token = await acquireToken({ ...context, http }, `https://${graphHost}/.default`);
  const response = await http.getJson(
    `https://${graphHost}/v1.0/applications/${encodeURIComponent(objectId)}?$select=passwordCredentials`,
    token,
  );
  if (response.status === 401 || response.status === 403)
    return {
      status: 'unknown',
      code: 'W_GRAPH_PERMISSION',
      template: msg(
        'Microsoft Graph refused to read the app registration (HTTP {0}): grant the application permission Application.Read.All (Microsoft Graph) with admin consent. Expiry unknown; the rest of the test still ran.',
      ),
      args: [response.status],
    };
  if (response.status === 404)
    return {
      status: 'unknown',
      code: 'W_GRAPH_NOT_FOUND',
      template: msg(
        'No app registration with Object Id {0}: enter the Object ID (not the Application/Client ID) of the app registration.',
      ),
      args: [objectId],
    };
  if (response.status >= 400)
    return {
      status: 'unknown',
      code: 'W_GRAPH_FAILED',
      template: msg('Microsoft Graph answered HTTP {0}; the secret expiry is unknown.'),
      args: [response.status],
    };
  const list = (response.body as { passwordCredentials?: PasswordCredential[] }).passwordCredentials ?? [];
  return expiryFromCredentials(list, context.clientSecret, context.now ?? new Date());
}

/**
 * The reminder due now (the smallest window reached and not yet sent), or undefined. Expired secrets get none.
 * @param windows reminder windows in days (the store's {@link reminderDays}; default 30/7/1)
 */
export function dueReminder(
  validUntil: string,
  now: Date,
  alreadySent: ReadonlySet<number>,
  windows: readonly number[] = REMINDER_DAYS,
): number | undefined {
  const end = new Date(`${validUntil}T00:00:00Z`);
  if (Number.isNaN(end.getTime()) || end.getTime() <= now.getTime()) return undefined;
  const smallest = reachedWindow((end.getTime() - now.getTime()) / DAY_MS, windows);
  if (smallest === undefined || alreadySent.has(smallest)) return undefined;
  return smallest;
}

/** Result of {@link sendSecretReminder}. */
export interface ReminderOutcome {
  readonly sent: boolean;
  readonly daysBefore?: number;
  readonly reason?: string;
}

/**
 * Sends the due reminder once to the notification address and records it (and every larger threshold already
 * passed, so that 30 is not sent after 7). `send` is the mail sender (tests and CLI inject it).
 * @throws whatever `send` throws (then nothing is recorded, so the next run tries again)
 */
export async function sendSecretReminder(
  store: AsyncStore,
  settings: MailSettings,
  now: Date,
  send: (message: SafeMessageInput) => Promise<unknown>,
): Promise<ReminderOutcome> {
  if (settings.authType !== 'oauth' || settings.secretValidUntil === '')
    return { sent: false, reason: 'no expiry date' };
  if (settings.notifyAddress === '') return { sent: false, reason: 'no notification address' };
  const rows = await store.query<{ days_before: number }>(
    'SELECT days_before FROM mail_secret_reminders WHERE valid_until = ?',
    [settings.secretValidUntil],
  );
  const sent = new Set(rows.map((r) => r.days_before));
  const windows = await reminderDays(store);
  const days = dueReminder(settings.secretValidUntil, now, sent, windows);
  if (days === undefined) return { sent: false, reason: 'none due' };
  await send({
    from: { name: 'iX-Haus plus', address: settings.from },
    to: [{ address: settings.notifyAddress }],
    subject: `iX-Haus plus: Client Secret läuft am ${settings.secretValidUntil} ab`,
    text: `Das Client Secret der App-Registrierung ${settings.clientId} (SMTP, Moderne Autorisierung) läuft am ${settings.secretValidUntil} ab (in höchstens ${days} Tag${days === 1 ? '' : 'en'}).\r\nLegen Sie in Entra ID → App-Registrierungen → Zertifikate & Geheimnisse ein neues Secret an und tragen Sie seinen Wert in den SMTP Einstellungen ein.\r\n`,
  });
  await store.transaction(async (tx) => {
    for (const d of windows)
      if (d >= days && !sent.has(d))
        await tx.run(
          'INSERT INTO mail_secret_reminders (valid_until, days_before, sent_at, recipient) VALUES (?, ?, ?, ?)',
          [settings.secretValidUntil, d, now.toISOString(), settings.notifyAddress],
        );
  });
  return { sent: true, daysBefore: days };
}
