/**
 * Entra ID (msal-node) and Microsoft Graph through a company proxy (issue 17 §4): a real HTTP CONNECT proxy on
 * 127.0.0.1 (test/peers/connectProxy.ts) records every tunnel, so the tests prove the traffic went through it.
 */
import { strict as assert } from 'node:assert';
import { testMailSettings } from '../../src/core/mail/mailTest';
import { HttpsClient, OAuthError, acquireSmtpToken } from '../../src/core/mail/oauth';
import { bypassesProxy, proxyFor, proxyFromEnv } from '../../src/core/mail/proxy';
import { validateMailSettings } from '../../src/shared/mail/validate';
import type { MailSettings } from '../../src/shared/mail/settings';
import { startConnectProxy } from '../peers/connectProxy';
import type { ConnectProxy } from '../peers/connectProxy';
import { CLIENT_ID, GOOD_SECRET, OBJECT_ID, TENANT, startEntraPeer } from '../peers/entraPeer';
import type { EntraPeer } from '../peers/entraPeer';
import { startSmtpPeer } from '../peers/smtpPeer';
import type { SmtpPeer } from '../peers/smtpPeer';

const MAILBOX = 'verwaltung@ixhaus.example';

describe('mail: Entra ID and Graph through an HTTP CONNECT proxy on 127.0.0.1', function () {
  this.timeout(20_000);
  let entra: EntraPeer;
  let smtp: SmtpPeer;
  let proxy: ConnectProxy;

  const settings = (): MailSettings => {
    const { settings: s, issues } = validateMailSettings({
      authType: 'oauth',
      host: '127.0.0.1',
      port: smtp.port,
      ssl: true,
      user: MAILBOX,
      from: MAILBOX,
      clientId: CLIENT_ID,
      objectId: OBJECT_ID,
      tenant: TENANT,
      authorityHost: entra.host,
    });
    assert.ok(s, JSON.stringify(issues));
    return s;
  };

  beforeEach(async () => {
    entra = await startEntraPeer({
      graph: {
        passwordCredentials: [
          { keyId: 'k1', hint: GOOD_SECRET.slice(0, 3), displayName: 'ixhaus', endDateTime: '2027-03-31T00:00:00Z' },
        ],
      },
    });
    smtp = await startSmtpPeer({ tls: 'starttls', user: MAILBOX, acceptExchangeTokens: true });
    proxy = await startConnectProxy();
  });
  afterEach(async () => {
    await proxy.close();
    await smtp.close();
    await entra.close();
  });

  it('the OAuth connection test tunnels the token request and the Graph call through the proxy (msal-node network module)', async () => {
    const http = new HttpsClient({ ca: entra.ca, proxy: { url: proxy.url } });
    const result = await testMailSettings({
      settings: settings(),
      secrets: { clientSecret: GOOD_SECRET },
      to: 'it@ixhaus.example',
      ca: smtp.cert.cert,
      http,
      graphHost: entra.host,
    });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.expiry?.status, 'known');
    assert.ok(proxy.tunnels.length >= 2, `tunnels: ${proxy.tunnels.join(', ')}`);
    assert.ok(
      proxy.tunnels.every((t) => t === entra.host),
      `only the Entra/Graph host was tunnelled: ${proxy.tunnels.join(', ')}`,
    );
    assert.ok(entra.requests.some((r) => r.startsWith('POST') && r.endsWith('/oauth2/v2.0/token')));
    assert.ok(entra.requests.some((r) => r.startsWith('GET /v1.0/applications/')));
  });

  it('HTTPS_PROXY from the environment is the default (CLI, service); NO_PROXY bypasses it', async () => {
    const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY };
    try {
      process.env.HTTPS_PROXY = proxy.url;
      delete process.env.NO_PROXY;
      await acquireSmtpToken({
        settings: settings(),
        clientSecret: GOOD_SECRET,
        http: new HttpsClient({ ca: entra.ca }),
      });
      const through = proxy.tunnels.length;
      assert.ok(through >= 1, 'the token request went through the proxy');
      process.env.NO_PROXY = 'localhost, 127.0.0.1';
      await acquireSmtpToken({
        settings: settings(),
        clientSecret: GOOD_SECRET,
        http: new HttpsClient({ ca: entra.ca }),
      });
      assert.equal(proxy.tunnels.length, through, 'NO_PROXY: direct');
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('VS Code http.proxyStrictSSL=false: a certificate the machine does not trust is accepted through the proxy; with true it is refused', async () => {
    await acquireSmtpToken({
      settings: settings(),
      clientSecret: GOOD_SECRET,
      http: new HttpsClient({ proxy: { url: proxy.url, strictSSL: false } }),
    });
    assert.ok(proxy.tunnels.length >= 1);
    await assert.rejects(
      acquireSmtpToken({
        settings: settings(),
        clientSecret: GOOD_SECRET,
        http: new HttpsClient({ proxy: { url: proxy.url, strictSSL: true }, timeoutMs: 5000 }),
      }),
      OAuthError,
    );
  });

  it('a proxy that does not answer is named as the cause, not "the authority could not be reached"', async () => {
    const dead = await startConnectProxy();
    const url = dead.url;
    await dead.close();
    await assert.rejects(
      acquireSmtpToken({
        settings: settings(),
        clientSecret: GOOD_SECRET,
        http: new HttpsClient({ ca: entra.ca, proxy: { url }, timeoutMs: 3000 }),
      }),
      (error: unknown) => {
        assert.ok(error instanceof OAuthError);
        assert.equal(error.code, 'E_OAUTH_PROXY');
        assert.deepEqual(error.args, [entra.host, url]);
        return true;
      },
    );
  });

  it('proxy authentication in the URL (user:pass@) is sent to the proxy', async () => {
    const authed = await startConnectProxy({ credentials: 'firma\\admin:Proxy-Pw 1' });
    try {
      const url = `http://${encodeURIComponent('firma\\admin')}:${encodeURIComponent('Proxy-Pw 1')}@127.0.0.1:${authed.port}`;
      await acquireSmtpToken({
        settings: settings(),
        clientSecret: GOOD_SECRET,
        http: new HttpsClient({ ca: entra.ca, proxy: { url } }),
      });
      assert.ok(authed.tunnels.length >= 1);
      assert.equal(authed.refused(), 0);
    } finally {
      await authed.close();
    }
  });

  it('NO_PROXY rules: *, exact host, .domain suffix, port; proxy URLs without scheme; env names', () => {
    assert.equal(bypassesProxy('login.microsoftonline.com', 443, '*'), true);
    assert.equal(bypassesProxy('login.microsoftonline.com', 443, '.microsoftonline.com'), true);
    assert.equal(bypassesProxy('login.microsoftonline.com', 443, 'microsoftonline.com'), true);
    assert.equal(bypassesProxy('login.microsoftonline.com', 443, '*.microsoftonline.com'), true);
    assert.equal(bypassesProxy('evilmicrosoftonline.com', 443, 'microsoftonline.com'), false);
    assert.equal(bypassesProxy('graph.microsoft.com', 443, 'graph.microsoft.com:8443'), false);
    assert.equal(bypassesProxy('graph.microsoft.com', 443, 'intranet.local, graph.microsoft.com:443'), true);
    assert.equal(
      proxyFor('https://login.microsoftonline.com/x', { url: 'proxy.firma.local:8080' })?.href,
      'http://proxy.firma.local:8080/',
    );
    assert.equal(proxyFor('https://login.microsoftonline.com/x', { url: '' }), undefined);
    assert.throws(
      () => proxyFor('https://login.microsoftonline.com/x', { url: 'socks5://proxy:1080' }),
      /not a URL like http:/,
    );
    assert.deepEqual(proxyFromEnv({ https_proxy: 'http://p:3128', no_proxy: '.local' }), {
      url: 'http://p:3128',
      noProxy: '.local',
    });
    assert.deepEqual(proxyFromEnv({}), {});
  });
});
