/**
 * Microsoft OAuth 2.0 for SMTP (issue 7 §3, product.md §5, field cases C07, C11, C12, C14): msal-node client
 * credentials with the fixed scope `https://outlook.office365.com/.default`, a pre-flight check of the token's
 * audience and roles before any SMTP is spoken, and cause-specific messages for the AADSTS errors seen in the field.
 *
 * The authority is built by us as `https://<authorityHost>/<tenant>` (never from a pasted URL); the authority
 * host is configurable (national clouds) and listed in `knownAuthorities`, so msal-node does no instance
 * discovery elsewhere. HTTP goes through {@link HttpsClient} (Node https, optional extra CA, timeouts, the company
 * proxy by CONNECT — issue 17 §4), which
 * also keeps the last error body so that errors msal-node wraps (endpoint resolution, C14) can still be named.
 * A new msal client is built for every acquisition, so a changed secret is used at once (C11).
 */
import * as https from 'node:https';
import { ConfidentialClientApplication } from '@azure/msal-node';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { msg } from '../errors';
import { isGuid, tenantProblem } from '../../shared/mail/fieldParsing';
import type { MailSettings } from '../../shared/mail/settings';
import { MailError } from './errors';
import { proxyAgent, proxyFor, proxyFromEnv, proxyLabel } from './proxy';
import type { ProxyConfig } from './proxy';

/** Scope of the SMTP token: fixed, not user-editable (C07). */
export const SMTP_SCOPE = 'https://outlook.office365.com/.default';
/** Accepted audiences of an Exchange Online token. */
export const EXCHANGE_AUDIENCES = [
  'https://outlook.office365.com',
  'https://outlook.office365.com/',
  '00000002-0000-0ff1-ce00-000000000000',
];
/** The application role SMTP XOAUTH2 with client credentials needs. */
export const SMTP_ROLE = 'SMTP.SendAsApp';

/** An OAuth failure with a stable `code`; `aadsts` is the AADSTS number when the server sent one. */
export class OAuthError extends MailError {
  readonly aadsts: number | undefined;
  constructor(code: string, template: string, args: readonly (string | number)[], aadsts?: number, cause?: unknown) {
    super(code, template, args, cause === undefined ? undefined : { cause });
    this.aadsts = aadsts;
  }
}

/**
 * msal-node network module over Node https. `ca` adds trusted certificates (company CA, tests); `timeoutMs`
 * bounds every request. The body of the last non-2xx response is kept in `lastErrorBody` for classification.
 */
export class HttpsClient implements INetworkModule {
  lastErrorBody = '';
  /** the proxy (without credentials) the last request went through, '' when direct */
  lastProxy = '';
  private readonly proxy: ProxyConfig;
  /**
   * @param options.proxy the company proxy (issue 17 §4); default: from the environment (HTTPS_PROXY, NO_PROXY)
   */
  constructor(private readonly options: { ca?: string | Buffer; timeoutMs?: number; proxy?: ProxyConfig } = {}) {
    this.proxy = options.proxy ?? proxyFromEnv();
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.request<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.request<T>('POST', url, options);
  }

  /** Plain JSON GET with a bearer token (Graph). */
  getJson(url: string, token: string): Promise<NetworkResponse<unknown>> {
    return this.request('GET', url, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
  }

  private request<T>(
    method: string,
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    const timeoutMs = timeout ?? this.options.timeoutMs ?? 15_000;
    let proxy: URL | undefined;
    try {
      proxy = proxyFor(url, this.proxy);
    } catch (error) {
      return Promise.reject(error);
    }
    this.lastProxy = proxy ? proxyLabel(proxy) : '';
    return new Promise((resolve, reject) => {
      const body = options?.body;
      const tls = {
        ...(this.options.ca ? { ca: this.options.ca } : {}),
        ...(this.proxy.strictSSL === false ? { rejectUnauthorized: false } : {}),
      };
      const req = https.request(
        url,
        {
          method,
          headers: {
            ...options?.headers,
            ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}),
          },
          ...tls,
          ...(proxy ? { agent: proxyAgent(proxy) } : {}),
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 400) this.lastErrorBody = text;
            let parsed: unknown = text;
            try {
              parsed = text === '' ? {} : JSON.parse(text);
            } catch {
              /* not JSON: keep the text */
            }
            const headers: Record<string, string> = {};
            for (const [key, value] of Object.entries(res.headers)) if (typeof value === 'string') headers[key] = value;
            resolve({ headers, body: parsed as T, status });
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(
          Object.assign(new Error(`no answer from ${new URL(url).host} within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }),
        ),
      );
      req.on('error', (error: Error) =>
        reject(proxy ? Object.assign(error, { message: `${error.message} (via proxy ${proxyLabel(proxy)})` }) : error),
      );
      if (body !== undefined) req.write(body);
      req.end();
    });
  }
}

/** Input of {@link acquireSmtpToken} and {@link readSecretExpiry}. */
export interface OAuthContext {
  readonly settings: Pick<MailSettings, 'clientId' | 'tenant' | 'authorityHost' | 'objectId'>;
  readonly clientSecret: string;
  /** network module (default: a new {@link HttpsClient}) */
  readonly http?: HttpsClient;
}

/** The authority URL `https://<host>/<tenant>`. @throws OAuthError for a `common`/URL/invalid tenant (C14) */
export function authorityUrl(settings: Pick<MailSettings, 'tenant' | 'authorityHost'>): string {
  const problem = tenantProblem(settings.tenant);
  if (problem) throw new OAuthError(problem.code, problem.template, problem.args);
  return `https://${settings.authorityHost}/${settings.tenant.trim()}`;
}

/** Pre-flight warning for the client secret (C11): a GUID is the Secret ID, not its value. */
export function secretLooksLikeId(secret: string): boolean {
  return isGuid(secret);
}

/** Decoded claims of an access token (no signature check — only to name what is missing, C07). */
export interface TokenClaims {
  readonly aud?: string;
  readonly roles?: string[];
  readonly scp?: string;
  readonly tid?: string;
  readonly appid?: string;
}

/** Decodes a JWT's payload. @throws OAuthError when it is not a JWT */
export function decodeTokenClaims(token: string): TokenClaims {
  const payload = token.split('.')[1];
  try {
    if (!payload) throw new Error('no payload');
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
  } catch (error) {
    throw new OAuthError(
      'E_OAUTH_TOKEN_FORMAT',
      msg('The token from Entra ID is not a JWT, so its audience and roles cannot be checked.'),
      [],
      undefined,
      error,
    );
  }
}

/**
 * Checks a token before SMTP (C07): audience Exchange Online and role SMTP.SendAsApp.
 * @throws OAuthError `E_OAUTH_AUDIENCE` naming the wrong audience, or `E_OAUTH_ROLE` naming the missing role
 */
export function checkSmtpToken(token: string): TokenClaims {
  const claims = decodeTokenClaims(token);
  if (!claims.aud || !EXCHANGE_AUDIENCES.includes(claims.aud)) {
    throw new OAuthError(
      'E_OAUTH_AUDIENCE',
      msg(
        'The token is for "{0}", not for Exchange Online (https://outlook.office365.com): the scope must be https://outlook.office365.com/.default.',
      ),
      [claims.aud ?? '(none)'],
    );
  }
  if (!claims.roles?.includes(SMTP_ROLE)) {
    throw new OAuthError(
      'E_OAUTH_ROLE',
      msg(
        'The token lacks the application role SMTP.SendAsApp (it has: {0}). In Entra ID → App registrations → API permissions add Office 365 Exchange Online → Application permissions → SMTP.SendAsApp and grant admin consent.',
      ),
      [claims.roles?.length ? claims.roles.join(', ') : 'none'],
    );
  }
  return claims;
}

function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as {
      errorCode?: string;
      errorMessage?: string;
      subError?: string;
      message?: string;
      cause?: unknown;
    };
    parts.push(e.errorCode ?? '', e.subError ?? '', e.errorMessage ?? '', e.message ?? '');
    current = e.cause;
  }
  return parts.join('\n');
}

/**
 * Maps an msal-node failure to a cause-specific OAuthError (C11, C12, C14): walks the error chain (errorCode,
 * subError, nested message) and the last error body the network module saw.
 */
export function classifyOAuthError(
  error: unknown,
  context: { tenant: string; authorityHost: string; lastErrorBody?: string; proxy?: string },
): OAuthError {
  const text = `${errorText(error)}\n${context.lastErrorBody ?? ''}`;
  const aadsts = Number(/AADSTS(\d+)/.exec(text)?.[1] ?? /"error_codes"\s*:\s*\[\s*(\d+)/.exec(text)?.[1] ?? NaN);
  const code = Number.isNaN(aadsts) ? undefined : aadsts;
  if (code === 7000215)
    return new OAuthError(
      'E_OAUTH_SECRET_ID',
      msg(
        'AADSTS7000215: the client secret is wrong — this usually means the Secret ID was pasted instead of the secret Value. Paste the Value column (shown only once at creation); if it is lost, create a new secret.',
      ),
      [],
      code,
      error,
    );
  if (code === 7000222)
    return new OAuthError(
      'E_OAUTH_SECRET_EXPIRED',
      msg(
        'AADSTS7000222: the client secret has expired. Create a new one in Entra ID → App registrations → Certificates & secrets and paste its value.',
      ),
      [],
      code,
      error,
    );
  if (code === 90002 || /invalid_tenant/.test(text))
    return new OAuthError(
      'E_OAUTH_TENANT',
      msg(
        'Tenant "{0}" does not exist in the Microsoft cloud at {1}: check the Directory (tenant) ID, and the authority host for national clouds.',
      ),
      [context.tenant, context.authorityHost],
      code,
      error,
    );
  if (code === 700016 || /unauthorized_client/.test(text))
    return new OAuthError(
      'E_OAUTH_CLIENT',
      msg(
        'The application (Client Id) was not found in tenant "{0}": check the Application (client) ID and the tenant.',
      ),
      [context.tenant],
      code,
      error,
    );
  if (/missing_tenant_id/.test(text))
    return new OAuthError(
      'E_MAIL_TENANT_MULTI',
      msg(
        '"{0}" cannot be used with client credentials: enter the Directory (tenant) ID of your organisation (a GUID) or its verified domain.',
      ),
      [context.tenant],
      code,
      error,
    );
  if (
    context.proxy &&
    /endpoints_resolution_error|openid_config_error|ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|network_error|proxy/i.test(
      text,
    )
  )
    return new OAuthError(
      'E_OAUTH_PROXY',
      msg(
        'The authority {0} could not be reached through the proxy {1}: check the proxy address (HTTPS_PROXY, or the VS Code setting http.proxy) and that the proxy allows CONNECT to {0}:443.',
      ),
      [context.authorityHost, context.proxy],
      code,
      error,
    );
  if (/endpoints_resolution_error|openid_config_error|ECONNREFUSED|ENOTFOUND|ETIMEDOUT|network_error/.test(text))
    return new OAuthError(
      'E_OAUTH_AUTHORITY',
      msg(
        'The authority {0} could not be reached or did not describe tenant "{1}": check the authority host and the network.',
      ),
      [context.authorityHost, context.tenant],
      code,
      error,
    );
  if (code !== undefined)
    return new OAuthError(
      'E_OAUTH_AADSTS',
      msg(
        'Entra ID refused the token request with AADSTS{0}; look the code up at https://login.microsoftonline.com/error?code={0}.',
      ),
      [code],
      code,
      error,
    );
  return new OAuthError(
    'E_OAUTH_FAILED',
    msg('The token request failed: {0}'),
    [(error as Error)?.message ?? String(error)],
    code,
    error,
  );
}

/**
 * Gets a token by client credentials for `scope` (a new msal client each call, so a changed secret takes effect).
 * @throws OAuthError (settings problems, AADSTS errors, unreachable authority)
 */
export async function acquireToken(context: OAuthContext, scope: string): Promise<string> {
  const { settings } = context;
  const authority = authorityUrl(settings);
  if (!isGuid(settings.clientId))
    throw new OAuthError(
      'E_MAIL_CLIENT_ID',
      msg(
        'The Client Id must be the Application (client) ID of the app registration, a GUID like 00000000-0000-0000-0000-000000000000.',
      ),
      [],
    );
  if (context.clientSecret.trim() === '')
    throw new OAuthError(
      'E_OAUTH_NO_SECRET',
      msg('No client secret is set: enter the secret value of the app registration.'),
      [],
    );
  const http = context.http ?? new HttpsClient();
  const app = new ConfidentialClientApplication({
    auth: {
      clientId: settings.clientId,
      authority,
      clientSecret: context.clientSecret,
      knownAuthorities: [settings.authorityHost],
    },
    system: { networkClient: http },
  });
  try {
    const result = await app.acquireTokenByClientCredential({ scopes: [scope], skipCache: true });
    if (!result?.accessToken) throw new Error('empty token response');
    return result.accessToken;
  } catch (error) {
    throw classifyOAuthError(error, {
      tenant: settings.tenant,
      authorityHost: settings.authorityHost,
      lastErrorBody: http.lastErrorBody,
      ...(http.lastProxy ? { proxy: http.lastProxy } : {}),
    });
  }
}

/** Gets the SMTP token and checks audience and roles before any SMTP (C07). @throws OAuthError */
export async function acquireSmtpToken(context: OAuthContext): Promise<{ token: string; claims: TokenClaims }> {
  const token = await acquireToken(context, SMTP_SCOPE);
  return { token, claims: checkSmtpToken(token) };
}
