/**
 * Alert channels and exactly-once claims of the monitor (issue 21) against real peers on 127.0.0.1: an HTTP server
 * acting as the Teams Workflows webhook and the JSON receiver (test/peers/webhookPeer.ts), smtp-server for mail
 * (test/peers/smtpPeer.ts), the store on the backend under test (sql.js by default) and, for the claim race, a real
 * PostgreSQL 15 cluster (test/peers/postgres.ts).
 */
import { strict as assert } from 'node:assert';
import { cardTime } from '../../src/core/alerts/teamsCard';
import * as https from 'node:https';
import * as net from 'node:net';
import { jsonChannel, mailChannel, teamsChannel } from '../../src/core/alerts/channels';
import type { AlertChannel } from '../../src/core/alerts/channels';
import {
  claimAlert,
  failedAlertClaims,
  getAlertClaim,
  markAlertFailed,
  markAlertSent,
} from '../../src/core/alerts/claims';
import { AlertChannelConfigError, AlertDeliveryError } from '../../src/core/alerts/errors';
import type { AlertIncident, NamedCheck } from '../../src/core/alerts/incident';
import { runMonitorCycle } from '../../src/core/alerts/monitorCycle';
import type { MonitorEvent } from '../../src/core/alerts/monitorCycle';
import { postWebhook, retryAfterMs } from '../../src/core/alerts/webhookPost';
import { createSender } from '../../src/core/mail/sender';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import { parseStoreLocation } from '../../src/core/store/location';
import type { PostgresLocation } from '../../src/core/store/location';
import { PostgresStore } from '../../src/core/store/postgres/postgresStore';
import { emptyMailSettings } from '../../src/shared/mail/settings';
import { emptyDb } from '../helpers';
import {
  APP_PASSWORD,
  APP_ROLE,
  OWNER_PASSWORD,
  OWNER_ROLE,
  POSTGRES_MISSING,
  postgresBinariesPresent,
  sharedPostgresCluster,
} from '../peers/postgres';
import { startConnectProxy } from '../peers/connectProxy';
import { startSmtpPeer, testCertificate } from '../peers/smtpPeer';
import type { SmtpPeer } from '../peers/smtpPeer';
import { freePort } from '../peers/sshd';
import { WEBHOOK_SIGNATURE, startWebhookPeer } from '../peers/webhookPeer';
import type { WebhookPeer } from '../peers/webhookPeer';

const NOW = new Date('2026-11-02T03:00:00.000Z');
const MAILBOX = 'monitor@ixhaus.example';
const PASSWORD = 'Monitor-Geheim-4711!';

function incident(key: string, extra: Partial<AlertIncident> = {}): AlertIncident {
  return {
    key,
    kind: 'scheduler',
    subject: `iX-Scheduler: Aufgabe "Sollstellung" nicht gestartet (${key})`,
    text: 'Die Scheduler-Aufgabe "Sollstellung" wurde zum Termin 2026-11-02T01:00:00.000Z nicht gestartet.',
    at: '2026-11-02T01:00:00.000Z',
    facts: [['Aufgabe', 'Sollstellung']],
    ...extra,
  };
}

/** A check that reports the given incidents (the real checks are wired by the serve command). */
function testCheck(incidents: () => AlertIncident[]): NamedCheck {
  return { name: 'test', run: async () => incidents() };
}

async function auditRows(store: AsyncStore, key: string): Promise<Array<{ action: string; new_value: string }>> {
  return store.query("SELECT action, new_value FROM audit_log WHERE entity = 'alert' AND entity_key = ? ORDER BY id", [
    key,
  ]);
}

/** The URL must never be shown: not whole, not its query, not its signature. */
function assertNoUrl(text: string, url: string): void {
  const parsed = new URL(url);
  assert.ok(!text.includes(url), `the URL leaked: ${text}`);
  assert.ok(!text.includes(parsed.search), `the query leaked: ${text}`);
  assert.ok(!text.includes(WEBHOOK_SIGNATURE), `the signature leaked: ${text}`);
  assert.ok(!text.includes(parsed.pathname), `the path leaked: ${text}`);
  assert.ok(!text.includes(`${parsed.hostname}:${parsed.port}`), `host:port leaked: ${text}`);
}

describe('alerts: webhook channels against an HTTP peer on 127.0.0.1 (issue 21)', function () {
  this.timeout(30_000);
  let peer: WebhookPeer;
  beforeEach(async () => {
    peer = await startWebhookPeer();
  });
  afterEach(async () => {
    await peer.close();
  });

  it('Teams: posts an Adaptive Card in the message envelope of a Workflows webhook, with an Idempotency-Key', async () => {
    const channel = teamsChannel({ url: peer.url() });
    const result = await channel.deliver(incident('scheduler:not-started:1:2026-11-02T01:00:00.000Z'), {
      store: '/srv/ixhaus/produktion.sqlite',
      sentAt: NOW.toISOString(),
    });
    assert.equal(result.attempts.length, 1);
    assert.equal(peer.requests.length, 1);
    const request = peer.requests[0]!;
    assert.equal(request.method, 'POST');
    assert.match(String(request.headers['content-type']), /^application\/json/);
    assert.equal(request.headers['idempotency-key'], 'teams:scheduler:not-started:1:2026-11-02T01:00:00.000Z');
    const body = request.body as {
      type: string;
      attachments: Array<{ contentType: string; contentUrl: null; content: Record<string, unknown> }>;
    };
    assert.equal(body.type, 'message');
    assert.equal(body.attachments.length, 1);
    const card = body.attachments[0]!;
    assert.equal(card.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.equal(card.contentUrl, null);
    assert.equal(card.content.type, 'AdaptiveCard');
    assert.equal(card.content.version, '1.4');
    assert.equal(card.content.$schema, 'http://adaptivecards.io/schemas/adaptive-card.json');
    const cardBody = card.content.body as Array<{
      type: string;
      text?: string;
      facts?: Array<{ title: string; value: string }>;
    }>;
    assert.match(cardBody[0]?.text ?? '', /Sollstellung/);
    const facts = cardBody.find((e) => e.type === 'FactSet')?.facts ?? [];
    assert.deepEqual(
      facts.map((f) => f.title),
      ['Art', 'Zeitpunkt', 'Aufgabe', 'Vorfall', 'Datenbank'],
    );
    assert.equal(facts.find((f) => f.title === 'Datenbank')?.value, '/srv/ixhaus/produktion.sqlite');
    // the time as the administrators read it (Europe/Berlin), not ISO UTC
    assert.equal(facts.find((f) => f.title === 'Zeitpunkt')?.value, '02.11.2026 02:00 Uhr');
  });

  it('Teams: times in German local time; the date-only times of expiry reminders as a date', () => {
    assert.equal(cardTime('2026-07-01T10:15:00.000Z'), '01.07.2026 12:15 Uhr');
    assert.equal(cardTime('2027-03-31T00:00:00.000Z'), '31.03.2027');
    assert.equal(cardTime('run 12'), 'run 12');
  });

  it('Teams: the card escapes only the Markdown Adaptive Cards interpret, and every line break is a paragraph', async () => {
    const channel = teamsChannel({ url: peer.url() });
    await channel.deliver(
      incident('k1', {
        subject: 'iX-Scheduler: Aufgabe "Soll-stellung (Nr. 2)" am 2026-12-03 nicht gestartet.',
        text: 'Erste Zeile.\nZweite Zeile\r\n\n- kein Listenpunkt\n1. keine Nummer\n**nicht fett** _nicht kursiv_ [kein](link) C:\\x Datei_2',
        facts: [['Aufgabe', 'Mahn_lauf *alle*']],
      }),
      { store: '/srv/ixhaus/produktion_2.sqlite', sentAt: NOW.toISOString() },
    );
    const body = peer.requests[0]?.body as {
      attachments: Array<{
        content: { body: Array<{ type: string; text?: string; facts?: Array<{ value: string }> }> };
      }>;
    };
    const elements = body.attachments[0]?.content.body ?? [];
    // "-", ".", "(" and ")" inside a line are plain text in the TextBlock subset: no backslash that a mobile app shows
    assert.equal(elements[0]?.text, 'iX-Scheduler: Aufgabe "Soll-stellung (Nr. 2)" am 2026-12-03 nicht gestartet.');
    assert.equal(
      elements[1]?.text,
      [
        'Erste Zeile.',
        'Zweite Zeile',
        '\\- kein Listenpunkt',
        '1\\. keine Nummer',
        '\\*\\*nicht fett\\*\\* \\_nicht kursiv\\_ \\[kein\\](link) C:\\x Datei_2',
      ].join('\n\n'),
    );
    const facts = elements.find((e) => e.type === 'FactSet')?.facts ?? [];
    assert.equal(facts.length, 5, 'the FactSet stays');
    assert.ok(facts.some((f) => f.value === 'Mahn_lauf \\*alle\\*'));
    assert.ok(facts.some((f) => f.value === '/srv/ixhaus/produktion_2.sqlite'));
  });

  it('JSON: posts { kind, incident, subject, text, at, store }', async () => {
    const channel = jsonChannel({ url: peer.url('/hooks/alerts') });
    const i = incident('license-expiry:4711:2026-12-31:30', { kind: 'license-expiry' });
    await channel.deliver(i, { store: 'postgres://ixhaus_app@db:5432/ixhaus', sentAt: NOW.toISOString() });
    assert.deepEqual(peer.requests[0]?.body, {
      kind: 'license-expiry',
      incident: i.key,
      subject: i.subject,
      text: i.text,
      at: NOW.toISOString(),
      incidentAt: i.at,
      store: 'postgres://ixhaus_app@db:5432/ixhaus',
    });
  });

  it('429 with Retry-After (seconds) is honoured: the second attempt comes after the wait and delivers', async () => {
    peer.script([{ status: 429, headers: { 'Retry-After': '1' } }]);
    const result = await postWebhook({ channel: 'teams', url: peer.url() }, { x: 1 }, { backoffMs: 10 });
    assert.equal(result.status, 202);
    assert.equal(peer.requests.length, 2);
    const waited = peer.requests[1]!.at - peer.requests[0]!.at;
    assert.ok(waited >= 950, `waited only ${waited} ms for Retry-After: 1`);
    assert.deepEqual(
      result.attempts.map((a) => [a.outcome, a.status, a.waitMs]),
      [
        ['throttled', 429, 1000],
        ['delivered', 202, undefined],
      ],
    );
  });

  it('503 with Retry-After as an HTTP date is honoured; a Retry-After beyond the cap ends the call without waiting', async () => {
    const soon = new Date(Date.now() + 1500).toUTCString();
    peer.script([{ status: 503, headers: { 'Retry-After': soon } }]);
    const ok = await postWebhook({ channel: 'json', url: peer.url() }, {}, { backoffMs: 10 });
    assert.equal(ok.attempts.length, 2);
    assert.ok(peer.requests[1]!.at - peer.requests[0]!.at >= 400);

    peer.script([{ status: 429, headers: { 'Retry-After': '3600' } }]);
    const before = Date.now();
    const error = await postWebhook({ channel: 'json', url: peer.url() }, {}, { maxRetryAfterMs: 5000 }).then(
      () => assert.fail('delivered'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof AlertDeliveryError);
    assert.ok(Date.now() - before < 2000);
    assert.equal(error.retryable, true);
    assert.match(error.message, /json failed: HTTP 429, Retry-After 3600 s is longer than the 5 s/);
    assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', Date.now()), 0);
    assert.equal(retryAfterMs('soon', Date.now()), undefined);
  });

  it('another 4xx is not repeated; a 5xx is repeated with backoff up to the attempt limit', async () => {
    peer.script([{ status: 404 }]);
    const refused = await postWebhook({ channel: 'teams', url: peer.url() }, {}).catch((e: unknown) => e);
    assert.ok(refused instanceof AlertDeliveryError);
    assert.equal(peer.requests.length, 1);
    assert.equal(refused.retryable, false);
    assert.match(refused.message, /teams failed: HTTP 404: the receiver refused/);

    peer.script([], { status: 500 });
    const failed = await postWebhook(
      { channel: 'teams', url: peer.url() },
      {},
      { maxAttempts: 3, backoffMs: 20 },
    ).catch((e: unknown) => e);
    assert.ok(failed instanceof AlertDeliveryError);
    assert.equal(peer.requests.length, 4);
    assert.equal(failed.attempts, 3);
    assert.match(failed.message, /HTTP 500 after 3 attempts/);
  });

  it('no error message contains the webhook URL, its path or its query (refused connection, 4xx, bad URL)', async () => {
    const port = await freePort(); // nothing listens there
    const url = `http://127.0.0.1:${port}/workflows/secret-id/triggers/manual/paths/invoke?api-version=1&${WEBHOOK_SIGNATURE}`;
    const down = await postWebhook({ channel: 'IXHAUS_TEAMS_URL', url }, {}, { maxAttempts: 2, backoffMs: 10 }).catch(
      (e: unknown) => e,
    );
    assert.ok(down instanceof AlertDeliveryError);
    assert.match(
      down.message,
      /IXHAUS_TEAMS_URL failed: 127\.0\.0\.1 refused the connection \(ECONNREFUSED\): nothing accepts connections on that port — check the URL, a firewall, or whether a proxy is needed \(HTTPS_PROXY\) \(2 attempts\)$/,
    );
    assertNoUrl(`${down.message} ${String(down.stack)}`, url);

    peer.script([{ status: 401, body: `unauthorized ${WEBHOOK_SIGNATURE}` }]);
    const refused = await postWebhook({ channel: 'teams', url: peer.url() }, {}).catch((e: unknown) => e);
    assert.ok(refused instanceof AlertDeliveryError);
    assertNoUrl(refused.message, peer.url());

    const insecure = `http://alerts.example.com/hook?${WEBHOOK_SIGNATURE}`;
    assert.throws(
      () => teamsChannel({ url: insecure }),
      (e: unknown) =>
        e instanceof AlertChannelConfigError &&
        /teams cannot be used: the webhook URL must start with https/.test(e.message) &&
        !e.message.includes(WEBHOOK_SIGNATURE),
    );
    assert.throws(
      () => jsonChannel({ name: 'MY_HOOK', url: `not a url ${WEBHOOK_SIGNATURE}` }),
      (e: unknown) =>
        e instanceof AlertChannelConfigError && !e.message.includes(WEBHOOK_SIGNATURE) && /MY_HOOK/.test(e.message),
    );
  });

  it('network failures give one reason with its fix, naming at most the host (closed port, TLS, DNS, reset, connect deadline, proxy)', async () => {
    const fast = { maxAttempts: 1, backoffMs: 10 };
    const failure = async (target: Parameters<typeof postWebhook>[0], options = {}): Promise<string> => {
      const error = await postWebhook(target, {}, { ...fast, ...options }).catch((e: unknown) => e);
      assert.ok(error instanceof AlertDeliveryError, String(error));
      assertNoUrl(error.message, target.url);
      return error.message;
    };
    // a TLS server whose certificate no public CA signed (as behind a company TLS-inspection proxy)
    const cert = testCertificate();
    const tlsServer = https.createServer({ key: cert.key, cert: cert.cert }, (_req, res) => {
      res.writeHead(202);
      res.end();
    });
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
    const tlsPort = (tlsServer.address() as net.AddressInfo).port;
    // a TCP peer that resets every connection, and one that accepts and stays silent
    const resetting = net.createServer((socket) => socket.resetAndDestroy());
    const silent = net.createServer(() => undefined);
    for (const server of [resetting, silent]) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const proxy = await startConnectProxy({ credentials: 'monitor:proxy-pw' });
    try {
      const tlsUrl = `https://127.0.0.1:${tlsPort}/workflows/x/invoke?${WEBHOOK_SIGNATURE}`;
      assert.match(
        await failure({ channel: 'teams', url: tlsUrl }),
        /^The alert channel teams failed: the certificate of 127\.0\.0\.1 is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\): give --webhook-ca FILE for a company TLS-inspection CA \(1 attempt\)$/,
      );
      // the fix named in the message works
      const delivered = await postWebhook({ channel: 'teams', url: tlsUrl, ca: cert.cert }, {});
      assert.equal(delivered.status, 202);

      // DNS: a MOCK lookup stands in for a DNS server that does not know the name (no query leaves the machine)
      const mockDnsLookup = (code: string): NonNullable<Parameters<typeof postWebhook>[0]['lookup']> =>
        ((hostname: string, _options: unknown, callback: (error: NodeJS.ErrnoException) => void) =>
          process.nextTick(() =>
            callback(Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), { code, hostname })),
          )) as unknown as NonNullable<Parameters<typeof postWebhook>[0]['lookup']>;
      for (const code of ['ENOTFOUND', 'EAI_AGAIN'])
        assert.match(
          await failure({
            channel: 'IXHAUS_TEAMS_URL',
            url: `https://alerts.invalid/workflows/x/invoke?${WEBHOOK_SIGNATURE}`,
            lookup: mockDnsLookup(code),
          }),
          new RegExp(
            `^The alert channel IXHAUS_TEAMS_URL failed: the host name alerts\\.invalid was not found \\(DNS, ${code}\\): check the URL in the environment variable and whether a proxy is needed \\(HTTPS_PROXY, NO_PROXY\\)`,
          ),
        );

      const resetPort = (resetting.address() as net.AddressInfo).port;
      assert.match(
        await failure({ channel: 'json', url: `https://127.0.0.1:${resetPort}/hook?${WEBHOOK_SIGNATURE}` }),
        /^The alert channel json failed: 127\.0\.0\.1 closed the connection \(ECONNRESET, socket hang up\): a firewall or a TLS-inspecting proxy cut it/,
      );
      const silentPort = (silent.address() as net.AddressInfo).port;
      assert.match(
        await failure(
          { channel: 'json', url: `https://127.0.0.1:${silentPort}/hook?${WEBHOOK_SIGNATURE}` },
          { connectTimeoutMs: 300 },
        ),
        /^The alert channel json failed: no connection to 127\.0\.0\.1 within 300 ms \(connect deadline\): a firewall drops the traffic or a proxy is needed \(HTTPS_PROXY\)/,
      );

      // the company proxy refuses: without credentials (407), and for a host it does not allow (403)
      assert.match(
        await failure({ channel: 'teams', url: tlsUrl, ca: cert.cert, proxy: { url: proxy.url } }),
        /^The alert channel teams failed: the proxy 127\.0\.0\.1 asks for authentication \(HTTP 407\): put user:password into HTTPS_PROXY/,
      );
      assert.match(
        await failure({
          channel: 'teams',
          url: `https://alerts.invalid/workflows/x/invoke?${WEBHOOK_SIGNATURE}`,
          proxy: { url: `http://monitor:proxy-pw@127.0.0.1:${proxy.port}` },
        }),
        /^The alert channel teams failed: the proxy 127\.0\.0\.1 does not allow connections to alerts\.invalid \(HTTP 403\)/,
      );
      const closedProxy = await freePort();
      assert.match(
        await failure({ channel: 'teams', url: tlsUrl, proxy: { url: `http://127.0.0.1:${closedProxy}` } }),
        /^The alert channel teams failed: the proxy 127\.0\.0\.1 refused the connection \(ECONNREFUSED\).*check the proxy in HTTPS_PROXY/,
      );
      assert.deepEqual(proxy.tunnels, [`127.0.0.1:${tlsPort}`, 'alerts.invalid:443']);
    } finally {
      await proxy.close();
      for (const server of [tlsServer, resetting, silent]) server.close();
    }
  });

  it('a request that was sent but never answered is not repeated within the call (it may have arrived)', async () => {
    peer.script(['hang']);
    const error = await postWebhook(
      { channel: 'teams', url: peer.url() },
      {},
      { totalTimeoutMs: 800, backoffMs: 10 },
    ).catch((e: unknown) => e);
    assert.ok(error instanceof AlertDeliveryError);
    assert.equal(error.uncertain, true);
    assert.equal(peer.requests.length, 1);
    assert.match(error.message, /may have arrived/);
  });

  it('a server that accepts the connection but never completes it is cut at the deadline (no wait without a deadline)', async () => {
    const silent = net.createServer(() => undefined); // accepts, reads nothing, answers nothing
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const error = await postWebhook(
        { channel: 'json', url: `http://127.0.0.1:${port}/x?${WEBHOOK_SIGNATURE}` },
        {},
        { totalTimeoutMs: 700 },
      ).catch((e: unknown) => e);
      assert.ok(error instanceof AlertDeliveryError);
      assert.ok(Date.now() - started < 3000);
    } finally {
      silent.close();
    }
  });
});

/** The claim contract, on the backend under test (IXHAUS_TEST_BACKEND; sql.js by default). */
describe('alerts: exactly-once claims in the store (issue 21)', () => {
  let store: AsyncStore;
  beforeEach(async () => {
    store = await emptyDb();
  });
  afterEach(async () => {
    await store.close();
  });

  it('one claimant wins; a sent claim is never taken again; every claim and outcome is audited', async () => {
    const key = 'scheduler:blocked:run 7';
    const base = { incidentKey: key, channel: 'teams', ttlMs: 60_000, now: NOW };
    assert.equal(await claimAlert(store, { ...base, owner: 'a' }), true);
    assert.equal(await claimAlert(store, { ...base, owner: 'b' }), false);
    assert.equal(
      await claimAlert(store, { ...base, channel: 'json', owner: 'b' }),
      true,
      'each channel is claimed on its own',
    );
    const later = new Date(NOW.getTime() + 120_000);
    assert.equal(await markAlertSent(store, { incidentKey: key, channel: 'teams', owner: 'a', now: NOW }, []), true);
    assert.equal(await claimAlert(store, { ...base, owner: 'b', now: later }), false, 'sent: never again');
    const claim = await getAlertClaim(store, key, 'teams');
    assert.equal(claim?.sentAt, NOW.toISOString());
    assert.deepEqual(
      (await auditRows(store, key)).map((r) => r.action),
      ['alert.claim', 'alert.claim', 'alert.sent'],
    );
  });

  it('a claim that expired unsent (monitor killed between claim and send) is taken over once', async () => {
    const base = { incidentKey: 'k', channel: 'json', ttlMs: 60_000 };
    assert.equal(await claimAlert(store, { ...base, owner: 'dead', now: NOW }), true);
    const before = new Date(NOW.getTime() + 59_000);
    assert.equal(await claimAlert(store, { ...base, owner: 'b', now: before }), false, 'still held');
    const after = new Date(NOW.getTime() + 60_000);
    assert.equal(await claimAlert(store, { ...base, owner: 'b', now: after }), true, 'expired: taken over');
    assert.equal(await claimAlert(store, { ...base, owner: 'c', now: after }), false);
    assert.equal(
      await markAlertSent(store, { incidentKey: 'k', channel: 'json', owner: 'dead', now: after }, []),
      false,
      'the dead owner cannot mark it',
    );
    const rows = await auditRows(store, 'k');
    assert.equal(JSON.parse(rows[1]?.new_value ?? '{}').takenOverFrom, 'dead');
  });

  it('a failed claim is released at once with the reason, and retried by the next claimant', async () => {
    const base = { incidentKey: 'k2', channel: 'teams', ttlMs: 600_000, now: NOW };
    assert.equal(await claimAlert(store, { ...base, owner: 'a' }), true);
    await markAlertFailed(store, { ...base, owner: 'a' }, 'The alert channel teams failed: HTTP 500 after 4 attempts', [
      { attempt: 1, outcome: 'server-error', status: 500, reason: 'HTTP 500', durationMs: 3 },
    ]);
    const failed = await failedAlertClaims(store);
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.attempts, 1);
    assert.match(failed[0]?.lastError ?? '', /teams failed: HTTP 500/);
    assert.equal(await claimAlert(store, { ...base, owner: 'b' }), true);
    assert.deepEqual(
      (await auditRows(store, 'k2')).map((r) => r.action),
      ['alert.claim', 'alert.attempt', 'alert.failed', 'alert.claim'],
    );
  });

  it('concurrent claimants in one process: exactly one wins', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_v, i) =>
        claimAlert(store, { incidentKey: 'race', channel: 'teams', owner: `m${i}`, ttlMs: 60_000, now: NOW }),
      ),
    );
    assert.equal(results.filter(Boolean).length, 1);
  });
});

describe('alerts: one monitor cycle with Teams, JSON and mail (real peers, issue 21)', function () {
  this.timeout(30_000);
  let store: AsyncStore;
  let teams: WebhookPeer;
  let json: WebhookPeer;
  let smtp: SmtpPeer;
  let channels: AlertChannel[];
  beforeEach(async () => {
    store = await emptyDb();
    teams = await startWebhookPeer();
    json = await startWebhookPeer();
    smtp = await startSmtpPeer({ tls: 'starttls', user: MAILBOX, password: PASSWORD });
    const settings = {
      ...emptyMailSettings('basic'),
      host: '127.0.0.1',
      port: smtp.port,
      ssl: true,
      user: MAILBOX,
      from: MAILBOX,
    };
    channels = [
      teamsChannel({ url: teams.url() }),
      jsonChannel({ url: json.url('/hooks/ixhaus'), post: { backoffMs: 10, maxAttempts: 2 } }),
      mailChannel({
        from: MAILBOX,
        to: ['admin1@ixhaus.example', 'admin2@ixhaus.example'],
        send: createSender(settings, { password: PASSWORD }, { ca: smtp.cert.cert }),
      }),
    ];
  });
  afterEach(async () => {
    await store.close();
    await teams.close();
    await json.close();
    await smtp.close();
  });

  it('a due incident is alerted once through every channel; the next cycles send nothing again', async () => {
    const due = incident('scheduler:not-started:3:2026-11-02T01:00:00.000Z');
    const check = testCheck(() => [due, due]);
    const first = await runMonitorCycle(store, [check], channels, { owner: 'test@1', now: NOW });
    assert.deepEqual(first.failed, []);
    assert.equal(first.incidents, 1);
    assert.deepEqual(first.delivered.map((d) => d.channel).sort(), ['json', 'mail', 'teams']);
    assert.equal(teams.requests.length, 1);
    assert.equal(json.requests.length, 1);
    assert.equal(smtp.log.messages.length, 1);
    assert.deepEqual(smtp.log.rcptTo, ['admin1@ixhaus.example', 'admin2@ixhaus.example']);
    assert.match(smtp.log.messages[0] ?? '', /^X-IXHaus-Incident: scheduler:not-started:3:/im);
    for (let i = 1; i <= 3; i++) {
      const again = await runMonitorCycle(store, [check], channels, {
        owner: `test@${i + 1}`,
        now: new Date(NOW.getTime() + i * 300_000),
      });
      assert.equal(again.delivered.length, 0);
      assert.equal(again.alreadySent, 3);
      assert.equal(again.skipped, 0);
    }
    assert.equal(teams.requests.length + json.requests.length + smtp.log.messages.length, 3);
  });

  it('pairs another monitor is sending right now are each logged as skipped, and the count agrees', async () => {
    const due = incident('held-by-other');
    for (const channel of channels)
      assert.ok(
        await claimAlert(store, {
          incidentKey: due.key,
          channel: channel.name,
          owner: 'serve@other:1',
          ttlMs: 600_000,
          now: NOW,
        }),
      );
    const events: MonitorEvent[] = [];
    const outcome = await runMonitorCycle(store, [testCheck(() => [due])], channels, {
      owner: 'serve@here:2',
      now: new Date(NOW.getTime() + 60_000),
      log: (e) => events.push(e),
    });
    assert.equal(outcome.skipped, 3);
    assert.equal(outcome.alreadySent, 0);
    const skipped = events.filter((e) => e.event === 'skipped');
    assert.deepEqual(skipped.map((e) => e.channel).sort(), ['json', 'mail', 'teams']);
    assert.equal(skipped[0]?.reason, 'claimed by serve@other:1 until 2026-11-02T03:10:00.000Z');
    assert.equal(teams.requests.length + json.requests.length + smtp.log.messages.length, 0);
  });

  it('one channel failing: the others still deliver, the outcome names the failed one, the next cycle sends only it', async () => {
    json.script([], { status: 500 });
    const check = testCheck(() => [incident('i-1'), incident('i-2')]);
    const first = await runMonitorCycle(store, [check], channels, { owner: 'test', now: NOW });
    assert.deepEqual(first.failedChannels, ['json']);
    assert.equal(first.failed.length, 2);
    assert.match(first.failed[0]?.reason ?? '', /^The alert channel json failed: HTTP 500 after 2 attempts/);
    // the failure's time is when it gave up (after the retry's backoff), not the cycle's start
    assert.ok(Date.parse(first.failed[0]?.at ?? '') > NOW.getTime(), first.failed[0]?.at);
    for (const f of first.failed) assertNoUrl(f.reason, json.url('/hooks/ixhaus'));
    assert.equal(teams.requests.length, 2);
    assert.equal(smtp.log.messages.length, 2);

    json.script([], { status: 202 });
    const second = await runMonitorCycle(store, [check], channels, {
      owner: 'test',
      now: new Date(NOW.getTime() + 300_000),
    });
    assert.deepEqual(second.failedChannels, []);
    assert.deepEqual(
      second.delivered.map((d) => d.channel),
      ['json', 'json'],
    );
    assert.equal(teams.requests.length, 2, 'teams is not posted again');
    assert.equal(smtp.log.messages.length, 2, 'no second mail');
    const audit = await auditRows(store, 'i-1');
    assert.deepEqual(
      audit.map((r) => `${r.action}:${JSON.parse(r.new_value).channel}`),
      [
        'alert.claim:teams',
        'alert.attempt:teams',
        'alert.sent:teams',
        'alert.claim:json',
        'alert.attempt:json',
        'alert.attempt:json',
        'alert.failed:json',
        'alert.claim:mail',
        'alert.attempt:mail',
        'alert.sent:mail',
        'alert.claim:json',
        'alert.attempt:json',
        'alert.sent:json',
      ],
    );
    for (const r of audit) assertNoUrl(r.new_value, json.url('/hooks/ixhaus'));
  });

  it('a failing check does not stop the others; its error is in the outcome', async () => {
    const broken: NamedCheck = {
      name: 'broken',
      run: async () => {
        throw new Error('table missing');
      },
    };
    const outcome = await runMonitorCycle(store, [broken, testCheck(() => [incident('x')])], channels, {
      owner: 't',
      now: NOW,
    });
    assert.deepEqual(
      outcome.checkErrors.map((c) => [c.check, c.reason]),
      [['broken', 'table missing']],
    );
    assert.ok(Date.parse(outcome.checkErrors[0]?.at ?? '') >= NOW.getTime());
    assert.equal(outcome.delivered.length, 3);
  });
});

describe('alerts: claim race on a real PostgreSQL 15 (issue 21)', function () {
  this.timeout(60_000);
  it('N concurrent claimers on separate connections (separate stores) → exactly one wins, also for a take-over', async function () {
    if (!postgresBinariesPresent()) {
      console.log(`      skipped: ${POSTGRES_MISSING}`);
      this.skip();
    }
    const cluster = await sharedPostgresCluster();
    const database = await cluster.freshDatabase();
    const url = (user: string) =>
      parseStoreLocation(`postgres://${user}@127.0.0.1:${cluster.port}/${database}`) as PostgresLocation;
    await (await PostgresStore.open(url(OWNER_ROLE), { password: OWNER_PASSWORD })).close(); // the owner migrates
    const stores = await Promise.all(
      Array.from({ length: 8 }, () => PostgresStore.open(url(APP_ROLE), { password: APP_PASSWORD })),
    );
    try {
      for (let round = 0; round < 5; round++) {
        const key = `race-${round}`;
        const wins = await Promise.all(
          stores.map((s, i) =>
            claimAlert(s, { incidentKey: key, channel: 'teams', owner: `m${i}`, ttlMs: 60_000, now: NOW }),
          ),
        );
        assert.equal(wins.filter(Boolean).length, 1, `round ${round}: ${JSON.stringify(wins)}`);
        // the winner dies; after expiry all race for the take-over: again exactly one
        const later = new Date(NOW.getTime() + 61_000);
        const takeovers = await Promise.all(
          stores.map((s, i) =>
            claimAlert(s, { incidentKey: key, channel: 'teams', owner: `n${i}`, ttlMs: 60_000, now: later }),
          ),
        );
        assert.equal(takeovers.filter(Boolean).length, 1, `take-over round ${round}: ${JSON.stringify(takeovers)}`);
      }
      const claims = await stores[0]!.query("SELECT count(*) AS n FROM audit_log WHERE action = 'alert.claim'");
      assert.equal(Number(claims[0]?.n), 10);
    } finally {
      for (const s of stores) await s.close();
    }
  });
});
