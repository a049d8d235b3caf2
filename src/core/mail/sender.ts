/**
 * A mail sender for reminders and scheduler alerts (issue 7 §5–§6) with the configured SMTP settings: Basic with
 * the password, or OAuth with a fresh XOAUTH2 token (checked before use, C07). Secrets come from the caller
 * (secret storage or environment), never from the store.
 */
import { msg } from '../errors';
import type { MailSettings } from '../../shared/mail/settings';
import { sendMail } from './connectionTest';
import type { MailCredentials, MailTimeouts } from './connectionTest';
import { MailError } from './errors';
import type { SafeMessageInput } from './headerSafety';
import type { MailSecrets } from './mailTest';
import { HttpsClient, acquireSmtpToken } from './oauth';

/** Options of {@link createSender}. */
export interface SenderOptions {
  readonly ca?: string | Buffer;
  readonly http?: HttpsClient;
  readonly implicitTlsPort?: number;
  readonly timeouts?: Partial<MailTimeouts>;
}

/**
 * Returns `send(message)`, which delivers one message or throws.
 * @throws (from send) MailError `E_MAIL_DELIVERY`, OAuthError, HeaderInjectionError
 */
export function createSender(
  settings: MailSettings,
  secrets: MailSecrets,
  options: SenderOptions = {},
): (message: SafeMessageInput) => Promise<void> {
  let token: string | undefined;
  return async (message) => {
    let credentials: MailCredentials | undefined;
    if (settings.authType === 'oauth') {
      if (!secrets.clientSecret)
        throw new MailError(
          'E_OAUTH_NO_SECRET',
          msg('No client secret is set: enter the secret value of the app registration.'),
        );
      token ??= (
        await acquireSmtpToken({
          settings,
          clientSecret: secrets.clientSecret,
          http: options.http ?? new HttpsClient(options.ca ? { ca: options.ca } : {}),
        })
      ).token;
      credentials = { kind: 'xoauth2', user: settings.user, accessToken: token };
    } else if (settings.user !== '') {
      credentials = { kind: 'password', user: settings.user, password: secrets.password ?? '' };
    }
    await sendMail({
      settings,
      message,
      ...(credentials ? { credentials } : {}),
      ca: options.ca,
      implicitTlsPort: options.implicitTlsPort,
      timeouts: options.timeouts,
    });
  };
}
