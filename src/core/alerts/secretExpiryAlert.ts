/**
 * The OAuth client-secret expiry as a check of the monitor (issue 21: "once a day the OAuth client-secret expiry
 * through Graph"; product.md §5, domain.md §6.1). Once per UTC calendar day and store — remembered in the `meta`
 * table under {@link SECRET_EXPIRY_CHECK_META_KEY}, taken under a lock so that several monitors of one store ask
 * Graph once — it reads the expiry of the secret in use ({@link readSecretExpiry}) and stores it as "Gültig bis".
 * Every cycle it then alerts from the stored date: one incident per expiry date and reminder window reached (the
 * store's {@link reminderDays}, default 30/7/1), and one when the secret has expired. The same incident found again
 * is the same claim key, so each is delivered once per channel; a failed delivery is retried in the next cycle
 * without asking Graph again.
 *
 * Kept apart from the reminder mails VS Code and `mail secret-expiry` send to the notification address
 * (`mail_secret_reminders`): those are one channel of their own, as the license reminders at sign-in are.
 */
import { formatTemplate } from '../errors';
import { loadMailSettings, updateSecretValidUntil } from '../mail/mailStore';
import type { HttpsClient } from '../mail/oauth';
import { readSecretExpiry } from '../mail/secretExpiry';
import { reachedWindow, reminderDays } from '../reminders/reminderWindows';
import type { AsyncQueryable, AsyncStore } from '../store/asyncStore';
import type { AlertIncident, NamedCheck } from './incident';

/** `meta` key of the last Graph lookup: `{ "at": ISO-8601 UTC, "result": "known" | "unknown" | "failed" }`. */
export const SECRET_EXPIRY_CHECK_META_KEY = 'secret_expiry_checked';

/** Options of {@link secretExpiryCheck}. */
export interface SecretExpiryCheckOptions {
  /** the client secret (serve: the value of the variable named by `--client-secret-env`), or undefined when unset */
  readonly clientSecret: string | undefined;
  /** where the secret comes from, for the message when it is missing (e.g. `IXHAUS_SMTP_CLIENT_SECRET`) */
  readonly clientSecretSource: string;
  /** the HTTPS client for Entra ID and Graph (company CA, proxy) */
  readonly http?: HttpsClient;
  /** Graph host (national clouds, tests); default graph.microsoft.com */
  readonly graphHost?: string;
}

/** The last Graph lookup of this store, or undefined. */
export async function lastSecretExpiryLookup(
  store: AsyncQueryable,
): Promise<{ readonly at: string; readonly result: string } | undefined> {
  const row = await store.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [
    SECRET_EXPIRY_CHECK_META_KEY,
  ]);
  if (!row) return undefined;
  try {
    const parsed = JSON.parse(row.value) as { at?: unknown; result?: unknown };
    return typeof parsed.at === 'string' ? { at: parsed.at, result: String(parsed.result ?? '') } : undefined;
  } catch {
    return undefined;
  }
}

async function rememberLookup(store: AsyncQueryable, at: Date, result: string): Promise<void> {
  await store.run(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    [SECRET_EXPIRY_CHECK_META_KEY, JSON.stringify({ at: at.toISOString(), result })],
  );
}

/**
 * Takes today's Graph lookup for this monitor when no monitor of the store took it on this UTC day yet.
 * @returns true when this monitor shall ask Graph now
 */
async function takeDailyLookup(store: AsyncStore, now: Date): Promise<boolean> {
  return store.transaction(async (tx) => {
    await tx.lock(SECRET_EXPIRY_CHECK_META_KEY);
    const last = await lastSecretExpiryLookup(tx);
    if (last && last.at.slice(0, 10) === now.toISOString().slice(0, 10)) return false;
    await rememberLookup(tx, now, 'started');
    return true;
  });
}

function germanDate(isoDate: string): string {
  const [y, m, d] = isoDate.slice(0, 10).split('-');
  return `${d}.${m}.${y}`;
}

/**
 * The alert due for a stored expiry date at `now`, or undefined: the smallest reminder window reached, or
 * "expired" once the date has come (dates are UTC days: the secret ends at 00:00 UTC of `validUntil`).
 */
export function secretExpiryIncident(
  validUntil: string,
  clientId: string,
  now: Date,
  windows: readonly number[],
): AlertIncident | undefined {
  const end = new Date(`${validUntil}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(validUntil) || Number.isNaN(end.getTime())) return undefined;
  const daysLeft = (end.getTime() - now.getTime()) / 86_400_000;
  const date = germanDate(validUntil);
  const renew =
    'Legen Sie in Entra ID → App-Registrierungen → Zertifikate & Geheimnisse ein neues Secret an und tragen Sie seinen Wert in den SMTP Einstellungen (VS Code) und beim Überwachungsdienst ein.';
  const facts: Array<readonly [string, string]> = [
    ['App-Registrierung (Client ID)', clientId],
    ['Gültig bis', date],
  ];
  if (daysLeft <= 0)
    return {
      key: `secret-expiry:${validUntil}:expired`,
      kind: 'secret-expiry',
      subject: `iX-Haus: Client Secret der SMTP-App ist am ${date} abgelaufen`,
      text: `Das Client Secret der App-Registrierung ${clientId} (SMTP, Moderne Autorisierung) ist am ${date} abgelaufen: Mails über Exchange Online können nicht mehr gesendet werden.\n${renew}`,
      at: end.toISOString(),
      facts,
    };
  const window = reachedWindow(daysLeft, windows);
  if (window === undefined) return undefined;
  const whole = Math.floor(daysLeft);
  return {
    key: `secret-expiry:${validUntil}:${window}`,
    kind: 'secret-expiry',
    subject: `iX-Haus: Client Secret der SMTP-App läuft am ${date} ab (noch ${whole} Tage)`,
    text: `Das Client Secret der App-Registrierung ${clientId} (SMTP, Moderne Autorisierung) läuft am ${date} ab, in ${whole} Tagen.\n${renew}`,
    at: end.toISOString(),
    facts: [...facts, ['Noch', `${whole} Tage`]],
  };
}

/**
 * The two checks of the client-secret expiry, in this order (the monitor runs checks one after the other):
 * `secret-expiry-lookup` asks Graph once per UTC day and store and stores "Gültig bis" — it never alerts, it throws
 * (reported by the monitor as the check's error: log, status, exit 1 of `serve --once`) when the client secret is
 * not set, no token can be had, or Graph cannot tell the expiry (cause and fix named); `secret-expiry` alerts from the
 * stored date every cycle, so a due alert still goes out on a day the lookup failed (with the date read before).
 * Stores with Basic authorization or without SMTP settings give neither Graph traffic nor incidents.
 */
export function secretExpiryChecks(options: SecretExpiryCheckOptions): NamedCheck[] {
  return [
    {
      name: 'secret-expiry-lookup',
      run: async (store, now) => {
        const settings = await loadMailSettings(store);
        if (!settings || settings.authType !== 'oauth') return [];
        if (!(await takeDailyLookup(store, now))) return [];
        try {
          if (options.clientSecret === undefined || options.clientSecret.trim() === '')
            throw new Error(
              `the OAuth client secret is not set (${options.clientSecretSource}), so its expiry cannot be read from Microsoft Graph: set the variable for the service`,
            );
          const expiry = await readSecretExpiry({
            settings,
            clientSecret: options.clientSecret,
            now,
            ...(options.http ? { http: options.http } : {}),
            ...(options.graphHost ? { graphHost: options.graphHost } : {}),
          });
          if (expiry.status !== 'known') {
            await rememberLookup(store, now, 'unknown');
            throw new Error(`client-secret expiry unknown: ${formatTemplate(expiry.template, expiry.args)}`);
          }
          await store.transaction(async (tx) => {
            await updateSecretValidUntil(tx, expiry.validUntil);
            await rememberLookup(tx, now, 'known');
          });
          return [];
        } catch (error) {
          if ((await lastSecretExpiryLookup(store))?.result === 'started') await rememberLookup(store, now, 'failed');
          throw error;
        }
      },
    },
    {
      name: 'secret-expiry',
      run: async (store, now) => {
        const settings = await loadMailSettings(store);
        if (!settings || settings.authType !== 'oauth' || settings.secretValidUntil === '') return [];
        const incident = secretExpiryIncident(
          settings.secretValidUntil,
          settings.clientId,
          now,
          await reminderDays(store),
        );
        return incident ? [incident] : [];
      },
    },
  ];
}
