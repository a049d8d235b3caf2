/**
 * The whole "Verbindung testen" / "OAuth2-Verbindung testen" course shared by the extension and the CLI
 * (issue 7 §4–§5): for OAuth first the token (pre-flight audience/roles check, C07) and the secret expiry from
 * Graph (a Graph refusal is reported, the rest still runs), then the SMTP steps. With a store, a read expiry
 * updates "Gültig bis".
 */
import { describeError } from '../errors';
import type { Logger } from '../log';
import type { AsyncStore } from '../store/asyncStore';
import type { MailSettings } from '../../shared/mail/settings';
import { runConnectionTest } from './connectionTest';
import type { MailCredentials, MailTimeouts } from './connectionTest';
import type { ConnectionTestReport } from './stepReport';
import { updateSecretValidUntil } from './mailStore';
import { HttpsClient, OAuthError, acquireSmtpToken } from './oauth';
import { readSecretExpiry } from './secretExpiry';
import type { SecretExpiry } from './secretExpiry';

/** Secrets for one test run, from secret storage or environment variables — never from the store. */
export interface MailSecrets {
  readonly password?: string;
  readonly clientSecret?: string;
}

/** Input of {@link testMailSettings}. */
export interface MailTestInput {
  readonly settings: MailSettings;
  readonly secrets: MailSecrets;
  readonly to: string;
  readonly ca?: string | Buffer;
  /** store to update "Gültig bis" in (optional) */
  readonly store?: AsyncStore;
  /** Graph host (default graph.microsoft.com; tests) */
  readonly graphHost?: string;
  /** HTTP client for Entra/Graph (default: Node https with `ca`) */
  readonly http?: HttpsClient;
  readonly implicitTlsPort?: number;
  readonly timeouts?: Partial<MailTimeouts>;
  readonly logger?: Logger;
  readonly now?: Date;
}

/** Result: the SMTP report (steps skipped when the token failed), and for OAuth the token and expiry outcome. */
export interface MailTestResult {
  readonly ok: boolean;
  readonly smtp: ConnectionTestReport;
  readonly oauth?: {
    readonly ok: boolean;
    readonly error?: { code: string; template: string; args: readonly (string | number)[]; message: string };
  };
  readonly expiry?: SecretExpiry;
}

const SKIPPED: ConnectionTestReport['steps'] = (['TCP', 'TLS', 'AUTH', 'MAIL FROM', 'RCPT TO', 'DATA'] as const).map(
  (step) => ({ step, status: 'skipped' as const, reply: '' }),
);

/**
 * Runs the connection test for Basic or OAuth settings.
 * @throws MailError / HeaderInjectionError for an invalid test recipient (before any network)
 */
export async function testMailSettings(input: MailTestInput): Promise<MailTestResult> {
  const { settings } = input;
  const common = {
    settings,
    to: input.to,
    ca: input.ca,
    implicitTlsPort: input.implicitTlsPort,
    timeouts: input.timeouts,
    logger: input.logger,
    ...(input.now ? { now: () => input.now!.getTime() } : {}),
  };
  if (settings.authType === 'basic') {
    const credentials: MailCredentials | undefined =
      settings.user !== ''
        ? { kind: 'password', user: settings.user, password: input.secrets.password ?? '' }
        : undefined;
    const smtp = await runConnectionTest({ ...common, ...(credentials ? { credentials } : {}) });
    return { ok: smtp.ok, smtp };
  }
  const http = input.http ?? new HttpsClient(input.ca ? { ca: input.ca } : {});
  const clientSecret = input.secrets.clientSecret ?? '';
  let expiry: SecretExpiry | undefined;
  try {
    expiry = await readSecretExpiry({
      settings,
      clientSecret,
      http,
      ...(input.graphHost ? { graphHost: input.graphHost } : {}),
      ...(input.now ? { now: input.now } : {}),
    });
    if (expiry.status === 'known' && input.store && !input.store.readOnly)
      await updateSecretValidUntil(input.store, expiry.validUntil);
  } catch (error) {
    // the token error itself is reported below by the SMTP token step
    input.logger?.warn(`[mail] secret expiry not read: ${describeError(error)}`);
  }
  let token: string;
  try {
    token = (await acquireSmtpToken({ settings, clientSecret, http })).token;
  } catch (error) {
    const e = error instanceof OAuthError ? error : new OAuthError('E_OAUTH_FAILED', '{0}', [describeError(error)]);
    return {
      ok: false,
      smtp: { ok: false, tlsMode: 'starttls', steps: SKIPPED, durationMs: 0 },
      oauth: { ok: false, error: { code: e.code, template: e.template, args: e.args, message: e.message } },
      ...(expiry ? { expiry } : {}),
    };
  }
  const smtp = await runConnectionTest({
    ...common,
    credentials: { kind: 'xoauth2', user: settings.user, accessToken: token },
  });
  return { ok: smtp.ok, smtp, oauth: { ok: true }, ...(expiry ? { expiry } : {}) };
}
