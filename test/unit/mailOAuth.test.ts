import { strict as assert } from 'node:assert';
import {
  HttpsClient,
  OAuthError,
  acquireSmtpToken,
  authorityUrl,
  checkSmtpToken,
  secretLooksLikeId,
} from '../../src/core/mail/oauth';
import { runConnectionTest } from '../../src/core/mail/connectionTest';
import { expiryFromCredentials, readSecretExpiry } from '../../src/core/mail/secretExpiry';
import { validateMailSettings } from '../../src/shared/mail/validate';
import type { MailSettings } from '../../src/shared/mail/settings';
import { CLIENT_ID, GOOD_SECRET, OBJECT_ID, TENANT, startEntraPeer } from '../peers/entraPeer';
import type { EntraPeer, EntraScript } from '../peers/entraPeer';
import { startSmtpPeer } from '../peers/smtpPeer';

const MAILBOX = 'verwaltung@ixhaus.example';

function oauthSettings(peer: EntraPeer, overrides: Record<string, unknown> = {}): MailSettings {
  const { settings, issues } = validateMailSettings({
    authType: 'oauth',
    host: '127.0.0.1',
    port: 2587,
    user: MAILBOX,
    from: MAILBOX,
    clientId: CLIENT_ID,
    objectId: OBJECT_ID,
    tenant: TENANT,
    authorityHost: peer.host,
    ...overrides,
  });
  assert.ok(settings, JSON.stringify(issues));
  return settings;
}

/** An HttpsClient that records every URL, to prove nothing leaves 127.0.0.1. */
class RecordingClient extends HttpsClient {
  readonly urls: string[] = [];
  override sendGetRequestAsync<T>(
    url: string,
    ...rest: Parameters<HttpsClient['sendGetRequestAsync']> extends [string, ...infer R] ? R : never
  ) {
    this.urls.push(url);
    return super.sendGetRequestAsync<T>(url, ...rest);
  }
  override sendPostRequestAsync<T>(
    url: string,
    ...rest: Parameters<HttpsClient['sendPostRequestAsync']> extends [string, ...infer R] ? R : never
  ) {
    this.urls.push(url);
    return super.sendPostRequestAsync<T>(url, ...rest);
  }
  override getJson(url: string, token: string) {
    this.urls.push(url);
    return super.getJson(url, token);
  }
}

async function withEntra(
  script: EntraScript,
  body: (peer: EntraPeer, http: RecordingClient) => Promise<void>,
): Promise<void> {
  const peer = await startEntraPeer(script);
  const http = new RecordingClient({ ca: peer.ca, timeoutMs: 5000 });
  try {
    await body(peer, http);
    assert.ok(http.urls.length > 0);
    for (const url of http.urls) assert.equal(new URL(url).hostname, '127.0.0.1', `request left 127.0.0.1: ${url}`);
  } finally {
    await peer.close();
  }
}

function rejectsWith(promise: Promise<unknown>, code: string, text: RegExp): Promise<void> {
  return assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof OAuthError, String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, text);
    return true;
  });
}

describe('mail: OAuth 2.0 against a local Entra/Graph endpoint (msal-node)', () => {
  it('gets an Exchange token by client credentials with knownAuthorities, never leaving 127.0.0.1, then sends via XOAUTH2', async () => {
    await withEntra({}, async (peer, http) => {
      const settings = oauthSettings(peer);
      const { token, claims } = await acquireSmtpToken({ settings, clientSecret: GOOD_SECRET, http });
      assert.deepEqual(claims.roles, ['SMTP.SendAsApp']);
      assert.ok(peer.requests.includes(`POST /${TENANT}/oauth2/v2.0/token`));
      const smtp = await startSmtpPeer({ tls: 'starttls', user: MAILBOX, accessToken: token });
      try {
        const report = await runConnectionTest({
          settings: { ...settings, port: smtp.port },
          to: 'empfaenger@example.org',
          ca: smtp.cert.cert,
          credentials: { kind: 'xoauth2', user: MAILBOX, accessToken: token },
        });
        assert.equal(report.ok, true, JSON.stringify(report.steps));
        assert.equal(smtp.log.auths[0]?.method, 'XOAUTH2');
      } finally {
        await smtp.close();
      }
    });
  });

  it('C07: a token for Graph or without SMTP.SendAsApp is refused before any SMTP, naming what is missing', async () => {
    await withEntra({ smtpClaims: { aud: 'https://graph.microsoft.com', roles: [] } }, async (peer, http) => {
      await rejectsWith(
        acquireSmtpToken({ settings: oauthSettings(peer), clientSecret: GOOD_SECRET, http }),
        'E_OAUTH_AUDIENCE',
        /"https:\/\/graph\.microsoft\.com", not for Exchange Online/,
      );
    });
    await withEntra(
      { smtpClaims: { aud: 'https://outlook.office365.com', roles: ['Mail.Send'] } },
      async (peer, http) => {
        await rejectsWith(
          acquireSmtpToken({ settings: oauthSettings(peer), clientSecret: GOOD_SECRET, http }),
          'E_OAUTH_ROLE',
          /lacks the application role SMTP\.SendAsApp \(it has: Mail\.Send\).*admin consent/,
        );
      },
    );
    assert.doesNotThrow(() =>
      checkSmtpToken(
        `e30.${Buffer.from(JSON.stringify({ aud: '00000002-0000-0ff1-ce00-000000000000', roles: ['SMTP.SendAsApp'] })).toString('base64url')}.x`,
      ),
    );
  });

  it('C11: the Secret ID instead of the value → AADSTS7000215 with the Value-column hint; a new secret is used at once', async () => {
    const secretId = '3f2b1c4d-0000-4000-8000-00000000abcd';
    assert.equal(secretLooksLikeId(secretId), true);
    assert.equal(secretLooksLikeId(GOOD_SECRET), false);
    assert.ok(
      validateMailSettings(
        { authType: 'oauth', from: MAILBOX, user: MAILBOX, clientId: CLIENT_ID, tenant: TENANT },
        { password: false, clientSecret: true, clientSecretLooksLikeId: true },
      ).issues.some((i) => i.code === 'W_MAIL_SECRET_ID'),
    );
    await withEntra({}, async (peer, http) => {
      const settings = oauthSettings(peer);
      await rejectsWith(
        acquireSmtpToken({ settings, clientSecret: secretId, http }),
        'E_OAUTH_SECRET_ID',
        /Secret ID was pasted instead of the secret Value/,
      );
      await acquireSmtpToken({ settings, clientSecret: GOOD_SECRET, http });
      assert.deepEqual(peer.secretsSeen, [secretId, GOOD_SECRET]);
    });
  });

  it('C12: AADSTS7000222 expired secret; the expiry picks the credential in use by hint (not 2299), UTC, frozen clock', async () => {
    await withEntra({ secrets: { [GOOD_SECRET]: 'expired' } }, async (peer, http) => {
      await rejectsWith(
        acquireSmtpToken({ settings: oauthSettings(peer), clientSecret: GOOD_SECRET, http }),
        'E_OAUTH_SECRET_EXPIRED',
        /has expired\. Create a new one/,
      );
    });
    const credentials = [
      { keyId: 'k1', hint: 'abC', displayName: 'ixhaus', endDateTime: '2025-03-01T10:00:00Z' },
      { keyId: 'k2', hint: 'xyZ', displayName: 'ixhaus-neu', endDateTime: '2299-12-31T00:00:00Z' },
    ];
    await withEntra({ graph: { passwordCredentials: credentials } }, async (peer, http) => {
      const expiry = await readSecretExpiry({
        settings: oauthSettings(peer),
        clientSecret: GOOD_SECRET,
        http,
        graphHost: peer.host,
        now: new Date('2025-02-20T00:00:00Z'),
      });
      assert.equal(expiry.status, 'known');
      if (expiry.status === 'known') {
        assert.equal(expiry.keyId, 'k1');
        assert.equal(expiry.validUntil, '2025-03-01');
        assert.equal(expiry.daysLeft, 9);
        assert.equal(expiry.expired, false);
      }
      assert.ok(peer.requests.includes(`GET /v1.0/applications/${OBJECT_ID}`));
    });
    const far = expiryFromCredentials(credentials, 'xyZ-other', new Date('2025-02-20T00:00:00Z'));
    assert.ok(far.status === 'known' && far.validUntil === '2299-12-31' && far.daysLeft > 100_000);
    assert.equal(expiryFromCredentials(credentials, 'qqq', new Date()).status, 'unknown');
  });

  it('C12: Graph refusing (403) gives "expiry unknown" naming Application.Read.All, never OK', async () => {
    await withEntra({ graph: 403 }, async (peer, http) => {
      const expiry = await readSecretExpiry({
        settings: oauthSettings(peer),
        clientSecret: GOOD_SECRET,
        http,
        graphHost: peer.host,
      });
      assert.equal(expiry.status, 'unknown');
      assert.ok(
        expiry.status === 'unknown' &&
          expiry.code === 'W_GRAPH_PERMISSION' &&
          /Application\.Read\.All/.test(expiry.template),
      );
    });
  });

  it('C14: an unknown tenant (AADSTS90002 from the metadata endpoint) is named even though msal-node wraps it; common and URLs are refused up front', async () => {
    await withEntra({}, async (peer, http) => {
      const typo = '72f988bf-86f1-41af-91ab-2d7cd011db48';
      await rejectsWith(
        acquireSmtpToken({ settings: oauthSettings(peer, { tenant: typo }), clientSecret: GOOD_SECRET, http }),
        'E_OAUTH_TENANT',
        new RegExp(`Tenant "${typo}" does not exist`),
      );
    });
    for (const tenant of [
      'common',
      'organizations',
      'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47',
    ]) {
      const { settings, issues } = validateMailSettings({
        authType: 'oauth',
        from: MAILBOX,
        user: MAILBOX,
        clientId: CLIENT_ID,
        tenant,
      });
      assert.equal(settings, undefined);
      assert.ok(
        issues.some((i) => i.field === 'tenant' && /^E_MAIL_TENANT_(MULTI|URL)$/.test(i.code)),
        JSON.stringify(issues),
      );
      assert.throws(() => authorityUrl({ tenant, authorityHost: 'login.microsoftonline.com' }), OAuthError);
    }
    assert.equal(
      authorityUrl({ tenant: ` ${TENANT} `, authorityHost: 'login.microsoftonline.us' }),
      `https://login.microsoftonline.us/${TENANT}`,
    );
    assert.ok(
      validateMailSettings({
        authType: 'oauth',
        from: MAILBOX,
        user: MAILBOX,
        clientId: CLIENT_ID,
        tenant: TENANT,
        authorityHost: 'login.microsoftonline.de',
      }).issues.some((i) => i.code === 'E_MAIL_AUTHORITY_DE'),
    );
  });

  it('C12: an expired "Gültig bis" is shown as such (a warning, the settings still save)', () => {
    const input = {
      authType: 'oauth',
      from: MAILBOX,
      user: MAILBOX,
      clientId: CLIENT_ID,
      tenant: TENANT,
      secretValidUntil: '2025-03-01',
    };
    const expired = validateMailSettings(input, undefined, new Date('2025-03-02T00:00:00Z'));
    assert.ok(expired.settings);
    assert.deepEqual(expired.issues.find((i) => i.code === 'W_MAIL_SECRET_EXPIRED')?.args, ['2025-03-01']);
    assert.equal(
      validateMailSettings(input, undefined, new Date('2025-02-20T00:00:00Z')).issues.some(
        (i) => i.code === 'W_MAIL_SECRET_EXPIRED',
      ),
      false,
    );
  });
});
