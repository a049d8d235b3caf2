/**
 * A local HTTPS endpoint acting as the Entra ID token endpoint (OpenID metadata + /oauth2/v2.0/token) and as
 * Microsoft Graph (/v1.0/applications/{objectId}), on 127.0.0.1 with the test certificate. Scripted per field case.
 */
import type { ServerResponse } from 'node:http';
import * as https from 'node:https';
import { testCertificate } from './smtpPeer';

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const CLIENT_ID = '0b1f2a3c-4d5e-4f60-8a7b-9c0d1e2f3a4b';
export const OBJECT_ID = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
export const GOOD_SECRET = 'abC8Q~x7yZ1ixhausTestSecretValue0123456789';

/** What the fake answers. */
export interface EntraScript {
  /** tenants that exist (others get AADSTS90002) */
  readonly tenants?: readonly string[];
  /** secret value → outcome; unknown secrets get AADSTS7000215 */
  readonly secrets?: Readonly<Record<string, 'ok' | 'expired'>>;
  /** claims of the SMTP token (default: aud Exchange, roles [SMTP.SendAsApp]) */
  readonly smtpClaims?: Record<string, unknown>;
  /** Graph answer for the application: a passwordCredentials list, or an HTTP status to refuse with */
  readonly graph?: { passwordCredentials: object[] } | number;
}

/** A running fake. `requests` lists "METHOD path" of every request, `secretsSeen` the client secrets used. */
export interface EntraPeer {
  readonly host: string;
  readonly requests: string[];
  readonly secretsSeen: string[];
  readonly ca: string;
  close(): Promise<void>;
}

function jwt(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ typ: 'JWT', alg: 'none' })}.${part(claims)}.c2ln`;
}

function aadError(res: ServerResponse, status: number, error: string, code: number, description: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(
    JSON.stringify({
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: 00000000-0000-0000-0000-000000000000`,
      error_codes: [code],
      timestamp: '2026-11-30 01:00:00Z',
    }),
  );
}

/** Starts the fake on 127.0.0.1 (free port). */
export async function startEntraPeer(script: EntraScript = {}): Promise<EntraPeer> {
  const cert = testCertificate();
  const requests: string[] = [];
  const secretsSeen: string[] = [];
  const tenants = script.tenants ?? [TENANT];
  const secrets = script.secrets ?? { [GOOD_SECRET]: 'ok' };
  let host = '';
  const server = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', `https://${host}`);
      requests.push(`${req.method} ${url.pathname}`);
      const [, tenant, ...rest] = url.pathname.split('/');
      const tail = rest.join('/');
      if (req.method === 'GET' && tail === 'v2.0/.well-known/openid-configuration') {
        if (!tenant || !tenants.includes(tenant))
          return aadError(
            res,
            400,
            'invalid_tenant',
            90002,
            `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
          );
        const base = `https://${host}/${tenant}`;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(
          JSON.stringify({
            token_endpoint: `${base}/oauth2/v2.0/token`,
            authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
            end_session_endpoint: `${base}/oauth2/v2.0/logout`,
            issuer: `${base}/v2.0`,
            jwks_uri: `${base}/discovery/v2.0/keys`,
            token_endpoint_auth_methods_supported: ['client_secret_post'],
            response_types_supported: ['code', 'token'],
          }),
        );
      }
      if (req.method === 'POST' && tail === 'oauth2/v2.0/token') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const secret = form.get('client_secret') ?? '';
        secretsSeen.push(secret);
        const outcome = secrets[secret];
        if (outcome === undefined)
          return aadError(
            res,
            401,
            'invalid_client',
            7000215,
            `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${form.get('client_id')}'.`,
          );
        if (outcome === 'expired')
          return aadError(
            res,
            401,
            'invalid_client',
            7000222,
            `The provided client secret keys for app '${form.get('client_id')}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret.`,
          );
        const scope = form.get('scope') ?? '';
        const claims = scope.includes('outlook.office365.com')
          ? (script.smtpClaims ?? { aud: 'https://outlook.office365.com', roles: ['SMTP.SendAsApp'], tid: tenant })
          : { aud: `https://${host}`, roles: ['Application.Read.All'], tid: tenant };
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(
          JSON.stringify({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: jwt(claims) }),
        );
      }
      if (req.method === 'GET' && url.pathname.startsWith('/v1.0/applications/')) {
        const graph = script.graph ?? { passwordCredentials: [] };
        if (typeof graph === 'number') {
          res.writeHead(graph, { 'Content-Type': 'application/json' });
          return res.end(
            JSON.stringify({
              error: {
                code: 'Authorization_RequestDenied',
                message: 'Insufficient privileges to complete the operation.',
              },
            }),
          );
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify(graph));
      }
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  host = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    host,
    requests,
    secretsSeen,
    ca: cert.cert,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
