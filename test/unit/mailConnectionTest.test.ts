import { strict as assert } from 'node:assert';
import nodemailer from 'nodemailer';
import { runConnectionTest } from '../../src/core/mail/connectionTest';
import type { ConnectionTestInput } from '../../src/core/mail/connectionTest';
import type { ConnectionTestReport } from '../../src/core/mail/stepReport';
import { DIAGNOSTIC_CUT, OAUTH_FIX_HINTS, classifyFailure } from '../../src/core/mail/classify';
import { composeSafeMessage } from '../../src/core/mail/headerSafety';
import { HeaderInjectionError } from '../../src/core/mail/errors';
import { validateMailSettings } from '../../src/shared/mail/validate';
import type { MailSettings } from '../../src/shared/mail/settings';
import { startSilentPeer, startSmtpPeer } from '../peers/smtpPeer';
import type { SmtpPeer, SmtpScript } from '../peers/smtpPeer';

const USER = 'verwaltung@ixhaus.example';
const PASSWORD = 'geheim-Passw0rt!';
const TOKEN = 'eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlMzY1LmNvbSJ9.sig';

function settings(port: number, overrides: Record<string, unknown> = {}): MailSettings {
  const result = validateMailSettings({
    authType: 'basic',
    host: '127.0.0.1',
    port,
    ssl: true,
    user: USER,
    from: USER,
    ...overrides,
  });
  assert.ok(result.settings, JSON.stringify(result.issues));
  return result.settings;
}

async function withPeer(script: SmtpScript, body: (peer: SmtpPeer) => Promise<void>): Promise<void> {
  const peer = await startSmtpPeer({ user: USER, password: PASSWORD, accessToken: TOKEN, ...script });
  try {
    await body(peer);
  } finally {
    await peer.close();
  }
}

function run(
  peer: SmtpPeer,
  input: Partial<ConnectionTestInput> & { settings: MailSettings },
): Promise<ConnectionTestReport> {
  return runConnectionTest({
    to: 'mieter@empfaenger.example',
    ca: peer.cert.cert,
    credentials: { kind: 'password', user: USER, password: PASSWORD },
    ...input,
  });
}

function failed(report: ConnectionTestReport) {
  const step = report.steps.find((s) => s.status === 'failed');
  assert.ok(step, `expected a failed step: ${JSON.stringify(report.steps)}`);
  return step;
}

const AUTH_DISABLED = {
  code: 535,
  text: '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [AM0PR01MB1234.eurprd01.prod.outlook.com]',
};
const GENERIC_535 = { code: 535, text: '5.7.3 Authentication unsuccessful [AM0PR01MB1234.eurprd01.prod.outlook.com]' };
const BASIC_RETIRED = { code: 550, text: '5.7.30 Basic authentication is not supported for Client Submission.' };

describe('mail: connection test against a real smtp-server on 127.0.0.1', () => {
  it('sends the test mail over STARTTLS (port ≠ 465 with SSL erforderlich) and reports every step with the reply', async () => {
    await withPeer({ tls: 'starttls' }, async (peer) => {
      const report = await run(peer, { settings: settings(peer.port) });
      assert.equal(report.ok, true, JSON.stringify(report.steps));
      assert.equal(report.tlsMode, 'starttls');
      assert.deepEqual(
        report.steps.map((s) => [s.step, s.status]),
        [
          ['TCP', 'ok'],
          ['TLS', 'ok'],
          ['AUTH', 'ok'],
          ['MAIL FROM', 'ok'],
          ['RCPT TO', 'ok'],
          ['DATA', 'ok'],
        ],
      );
      assert.match(report.steps[1]!.reply, /STARTTLS: TLSv1\.[23]/);
      assert.match(report.steps[2]!.reply, /^235/);
      assert.match(report.steps[3]!.reply, /^250/);
      assert.match(report.steps[5]!.reply, /^250/);
      assert.deepEqual(peer.log.rcptTo, ['mieter@empfaenger.example']);
      assert.match(peer.log.messages[0] ?? '', /Subject: iX-Haus plus: SMTP-Verbindungstest/);
    });
  });

  it('uses implicit TLS when SSL erforderlich is set on the implicit-TLS port, with AUTH LOGIN too', async () => {
    await withPeer({ tls: 'implicit' }, async (peer) => {
      const report = await run(peer, {
        settings: settings(peer.port),
        implicitTlsPort: peer.port,
        credentials: { kind: 'password', user: USER, password: PASSWORD, method: 'LOGIN' },
      });
      assert.equal(report.ok, true, JSON.stringify(report.steps));
      assert.equal(report.tlsMode, 'implicit');
      assert.match(report.steps[1]!.reply, /implicit TLS/);
      assert.equal(peer.log.auths[0]?.method, 'LOGIN');
    });
  });

  it('C01: implicit TLS against a plaintext (STARTTLS) port says so, not the raw OpenSSL text alone', async () => {
    await withPeer({ tls: 'starttls' }, async (peer) => {
      const report = await run(peer, { settings: settings(peer.port), implicitTlsPort: peer.port });
      const step = failed(report);
      assert.equal(step.step, 'TLS');
      assert.equal(step.hint?.id, 'tls-wrong-version');
      assert.match(step.hint!.template, /expects STARTTLS, not implicit TLS/);
      assert.deepEqual(step.hint!.args, [peer.port]);
      assert.equal(peer.log.auths.length, 0);
    });
  });

  it('C02: no SSL against an implicit-TLS port fails fast at the greeting with the implicit-TLS hint; "587" becomes 587; 465 without SSL is refused', async () => {
    await withPeer({ tls: 'implicit' }, async (peer) => {
      const report = await run(peer, {
        settings: settings(peer.port, { ssl: false, allowInsecureAuth: true }),
        implicitTlsPort: peer.port,
        timeouts: { greeting: 800 },
      });
      const step = failed(report);
      assert.equal(step.step, 'TLS');
      assert.equal(step.hint?.id, 'greeting-timeout');
      assert.match(step.hint!.template, /No SMTP greeting on port \{0\}/);
    });
    assert.equal(validateMailSettings({ host: 'smtp.example.de', port: '587', from: USER }).settings?.port, 587);
    const refused = validateMailSettings({ host: 'smtp.example.de', port: 465, ssl: false, from: USER });
    assert.equal(refused.settings, undefined);
    assert.equal(refused.issues[0]?.code, 'E_MAIL_465_PLAIN');
    assert.ok(
      validateMailSettings({ host: 'smtp.example.de', port: 'abc', from: USER }).issues.some(
        (i) => i.code === 'E_MAIL_PORT',
      ),
    );
    assert.ok(
      validateMailSettings({ host: 'smtp.example.de', port: 70000, from: USER }).issues.some(
        (i) => i.code === 'E_MAIL_PORT',
      ),
    );
  });

  it('C03: 535 5.7.139 SmtpClientAuthentication disabled → the tenant/mailbox setting, in Basic and in OAuth mode', async () => {
    await withPeer({ tls: 'starttls', onAuth: () => AUTH_DISABLED }, async (peer) => {
      const basic = failed(await run(peer, { settings: settings(peer.port) }));
      assert.equal(basic.step, 'AUTH');
      assert.equal(basic.hint?.id, 'smtp-auth-disabled');
      assert.match(basic.reply, /^535 5\.7\.139/);
      assert.match(basic.hint!.template, /not a wrong password/);
      const oauthSettings = settings(peer.port, {
        authType: 'oauth',
        clientId: '11111111-2222-3333-4444-555555555555',
        tenant: 'contoso.onmicrosoft.com',
      });
      const oauth = failed(
        await run(peer, { settings: oauthSettings, credentials: { kind: 'xoauth2', user: USER, accessToken: TOKEN } }),
      );
      assert.equal(oauth.step, 'AUTH');
      assert.equal(oauth.hint?.id, 'smtp-auth-disabled');
      assert.equal(peer.log.auths[1]?.method, 'XOAUTH2');
    });
  });

  it('C05: 535 5.7.3 → ranked causes per mode (Basic: password/MFA/SMTP AUTH; OAuth: SMTP.SendAsApp, service principal)', async () => {
    await withPeer({ tls: 'starttls', onAuth: () => GENERIC_535 }, async (peer) => {
      const basic = failed(await run(peer, { settings: settings(peer.port) }));
      assert.equal(basic.hint?.id, 'auth-rejected-basic');
      assert.match(basic.hint!.template, /password.*multi-factor.*SMTP AUTH/s);
      assert.match(basic.reply, /535 5\.7\.3 Authentication unsuccessful/);
      const oauthSettings = settings(peer.port, {
        authType: 'oauth',
        clientId: '11111111-2222-3333-4444-555555555555',
        tenant: 'contoso.onmicrosoft.com',
      });
      const oauth = failed(
        await run(peer, { settings: oauthSettings, credentials: { kind: 'xoauth2', user: USER, accessToken: TOKEN } }),
      );
      assert.equal(oauth.hint?.id, 'auth-rejected-oauth');
      assert.match(oauth.hint!.template, /SMTP\.SendAsApp.*New-ServicePrincipal/s);
    });
  });

  it('C06: 550 5.7.30 is "Basic auth retired", not a recipient error — also when every second login still passes', async () => {
    await withPeer(
      { tls: 'starttls', onAuth: (_auth, attempt) => (attempt % 2 === 1 ? BASIC_RETIRED : undefined) },
      async (peer) => {
        const first = failed(await run(peer, { settings: settings(peer.port) }));
        assert.equal(first.step, 'AUTH');
        assert.equal(first.hint?.id, 'basic-auth-retired');
        assert.match(first.hint!.template, /Moderne Autorisierung/);
        const second = await run(peer, { settings: settings(peer.port) });
        assert.equal(second.ok, true);
        const third = failed(await run(peer, { settings: settings(peer.port) }));
        assert.equal(third.hint?.id, 'basic-auth-retired');
      },
    );
    // the same 550 after RCPT TO with another enhanced code is a recipient problem: the 3-digit code alone decides nothing
    assert.equal(
      classifyFailure({ step: 'RCPT TO', authType: 'basic', reply: '550 5.1.1 User unknown', host: 'h', port: 587 }).id,
      'recipient-unknown',
    );
  });

  it('does not send credentials over an unencrypted connection unless explicitly allowed', async () => {
    await withPeer({ tls: 'plain' }, async (peer) => {
      const blocked = failed(await run(peer, { settings: settings(peer.port, { ssl: false }) }));
      assert.equal(blocked.step, 'AUTH');
      assert.equal(blocked.hint?.id, 'auth-insecure-blocked');
      assert.equal(peer.log.auths.length, 0, 'no AUTH reached the server');
      const allowed = await run(peer, { settings: settings(peer.port, { ssl: false, allowInsecureAuth: true }) });
      assert.equal(allowed.ok, true, JSON.stringify(allowed.steps));
      assert.equal(allowed.steps[1]?.status, 'skipped');
    });
  });

  it('refuses when SSL erforderlich is set but the server offers no STARTTLS', async () => {
    await withPeer({ tls: 'plain' }, async (peer) => {
      const step = failed(await run(peer, { settings: settings(peer.port) }));
      assert.equal(step.step, 'TLS');
      assert.equal(step.hint?.id, 'starttls-missing');
      assert.equal(peer.log.auths.length, 0);
    });
  });

  it('names an untrusted certificate and the --ca-file fix', async () => {
    await withPeer({ tls: 'starttls' }, async (peer) => {
      const step = failed(
        await runConnectionTest({
          settings: settings(peer.port),
          to: 'a@b.example',
          credentials: { kind: 'password', user: USER, password: PASSWORD },
        }),
      );
      assert.equal(step.step, 'TLS');
      assert.equal(step.hint?.id, 'certificate-untrusted');
    });
  });

  it('reports a refused port at the TCP step', async () => {
    const peer = await startSmtpPeer({ tls: 'starttls' });
    const port = peer.port;
    await peer.close();
    const step = failed(await runConnectionTest({ settings: settings(port), to: 'a@b.example' }));
    assert.equal(step.step, 'TCP');
    assert.equal(step.hint?.id, 'connection-refused');
  });

  it('maps RCPT TO 550 5.1.1 to an unknown recipient with the reply', async () => {
    await withPeer(
      { tls: 'starttls', onRcptTo: () => ({ code: 550, text: '5.1.1 Recipient address rejected: User unknown' }) },
      async (peer) => {
        const report = await run(peer, { settings: settings(peer.port) });
        const step = failed(report);
        assert.equal(step.step, 'RCPT TO');
        assert.equal(step.hint?.id, 'recipient-unknown');
        assert.equal(report.steps.find((s) => s.step === 'MAIL FROM')?.status, 'ok');
        assert.equal(report.steps.find((s) => s.step === 'DATA')?.status, 'skipped');
      },
    );
  });

  it('IDN domains go out as punycode; a non-ASCII local part needs SMTPUTF8 and is refused clearly when not offered', async () => {
    await withPeer({ tls: 'starttls' }, async (peer) => {
      const idn = await run(peer, { settings: settings(peer.port), to: 'info@müller-hausverwaltung.example' });
      assert.equal(idn.ok, true, JSON.stringify(idn.steps));
      assert.match(peer.log.messages[0] ?? '', /^To: info@xn--mller-hausverwaltung-pec\.example/m);
      const utf8 = await run(peer, { settings: settings(peer.port), to: 'jürgen@example.org' });
      assert.equal(utf8.ok, true, JSON.stringify(utf8.steps));
    });
    await withPeer({ tls: 'starttls', hideSMTPUTF8: true }, async (peer) => {
      const step = failed(await run(peer, { settings: settings(peer.port), to: 'jürgen@example.org' }));
      assert.equal(step.step, 'MAIL FROM');
      assert.equal(step.hint?.id, 'smtputf8');
      assert.equal(peer.log.mailFrom.length, 0);
    });
  });
});

const BASIC_DISABLED = {
  code: 535,
  text: '5.7.139 Authentication unsuccessful, basic authentication is disabled. [FR2P281CA0001.DEUP281.PROD.OUTLOOK.COM 2026-11-30T08:00:00.000Z 08DC0000AAAA0000]',
};
const SENDER = 'info@hausverwaltung.example';
/** Exchange Online's SendAs refusal as seen in the field: ~2.4 KB, most of it the diagnostic block. */
const SEND_AS_DENIED = {
  code: 554,
  text: `5.2.252 SendAsDenied; ${USER} not allowed to send as ${SENDER}; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot submit message. ${'0.35250:0A00E284, 1.36674:0A000000, 1.61250:00000000, 1.45378:02000000, 1.44866:D8010000, 1.36674:0A000000, '.repeat(24)}[EndDiagnosticData] [Hostname=AM0PR01MB1234.eurprd01.prod.outlook.com]`,
};

describe('mail: field cases of issue 17 against a real smtp-server / TCP peer on 127.0.0.1', () => {
  it('§1: 535 5.7.139 "basic authentication is disabled" → switch to OAuth (with the jump); "SmtpClientAuthentication" → enable SMTP AUTH', async () => {
    await withPeer(
      { tls: 'starttls', onAuth: (_auth, attempt) => (attempt === 1 ? BASIC_DISABLED : AUTH_DISABLED) },
      async (peer) => {
        const basicOff = failed(await run(peer, { settings: settings(peer.port) }));
        assert.equal(basicOff.step, 'AUTH');
        assert.equal(basicOff.hint?.id, 'basic-auth-disabled');
        assert.match(basicOff.hint!.template, /Moderne Autorisierung \(Microsoft OAuth 2\.0\)/);
        assert.doesNotMatch(basicOff.hint!.template, /Set-CASMailbox/);
        assert.ok(OAUTH_FIX_HINTS.has(basicOff.hint!.id), 'the UI offers the jump to the OAuth settings');
        const smtpOff = failed(await run(peer, { settings: settings(peer.port) }));
        assert.equal(smtpOff.hint?.id, 'smtp-auth-disabled');
        assert.match(smtpOff.hint!.template, /Set-CASMailbox -SmtpClientAuthenticationDisabled \$false/);
        assert.ok(!OAUTH_FIX_HINTS.has(smtpOff.hint!.id));
      },
    );
  });

  it('§2: SendAsDenied names both addresses and the Add-RecipientPermission fix; the diagnostic tail is cut from the report and kept whole in the log', async () => {
    await withPeer({ tls: 'starttls', onData: () => SEND_AS_DENIED }, async (peer) => {
      const logged: string[] = [];
      const log = (m: string) => void logged.push(m);
      const report = await run(peer, {
        settings: settings(peer.port, { from: SENDER }),
        logger: { trace: log, debug: log, info: log, warn: log, error: log },
      });
      const step = failed(report);
      assert.equal(step.step, 'DATA');
      assert.equal(step.hint?.id, 'send-as-denied');
      assert.deepEqual(step.hint!.args, [USER, SENDER]);
      assert.match(step.hint!.template, /Add-RecipientPermission \{1\} -Trustee \{0\} -AccessRights SendAs/);
      assert.ok(SEND_AS_DENIED.text.length > 2000);
      assert.match(step.reply, /^554 5\.2\.252 SendAsDenied/);
      assert.ok(step.reply.includes(DIAGNOSTIC_CUT));
      assert.doesNotMatch(step.reply, /0\.35250/);
      assert.ok(step.reply.length <= 400, `short reply: ${step.reply.length} chars`);
      assert.equal(step.detail, undefined, 'the reply is not printed a second time');
      const whole = logged.filter((l) => l.includes('0.35250:0A00E284'));
      assert.equal(whole.length, 1, 'the whole reply is in the log once');
      assert.ok(whole[0]!.includes('[EndDiagnosticData] [Hostname=AM0PR01MB1234'));
    });
  });

  it('§3: RCPT 550 "invalid DNS MX or A/AAAA resource record" names the recipient\'s domain (a typo), not an unknown user', async () => {
    await withPeer(
      {
        tls: 'starttls',
        onRcptTo: (address) => ({
          code: 550,
          text: `5.1.2 <${address}>: Recipient address rejected: Domain example-hausverwaltng.de has invalid DNS MX or A/AAAA resource record`,
        }),
      },
      async (peer) => {
        const step = failed(await run(peer, { settings: settings(peer.port), to: 'mieter@example-hausverwaltng.de' }));
        assert.equal(step.step, 'RCPT TO');
        assert.equal(step.hint?.id, 'recipient-domain-no-mx');
        assert.deepEqual(step.hint!.args, ['example-hausverwaltng.de']);
        assert.match(step.hint!.template, /no mail server.*typos/);
      },
    );
  });

  it('§3: a server that greets and then goes silent is "stopped answering after the greeting", not a TLS failure', async () => {
    const peer = await startSilentPeer({ greeting: '220 mail.hausverwaltung.example ESMTP' });
    try {
      const report = await runConnectionTest({
        settings: settings(peer.port),
        to: 'a@b.example',
        timeouts: { greeting: 1000, command: 800 },
      });
      const step = failed(report);
      assert.equal(step.step, 'TLS');
      assert.equal(step.hint?.id, 'silent-after-greeting');
      assert.match(step.hint!.template, /stopped answering \(this is not a TLS problem\)/);
      assert.match(step.reply, /^220 mail\.hausverwaltung\.example/);
      assert.match(peer.received[0] ?? '', /^EHLO /, 'the client did say EHLO');
    } finally {
      await peer.close();
    }
  });

  it('§3: no greeting at all on port 587 (not the implicit-TLS port) does not claim implicit TLS', async () => {
    const peer = await startSilentPeer();
    try {
      const report = await runConnectionTest({
        settings: settings(peer.port),
        to: 'a@b.example',
        implicitTlsPort: 465,
        timeouts: { greeting: 600 },
      });
      const step = failed(report);
      assert.equal(step.step, 'TLS');
      assert.equal(step.hint?.id, 'no-greeting');
      assert.doesNotMatch(step.hint!.template, /implicit TLS/);
      assert.deepEqual(step.hint!.args, ['127.0.0.1', peer.port]);
    } finally {
      await peer.close();
    }
    // on the implicit-TLS port itself the implicit-TLS hint stays right (C02)
    assert.equal(
      classifyFailure({
        step: 'TLS',
        authType: 'basic',
        code: 'ETIMEDOUT',
        timeoutType: 'GREETING_TIMEOUT',
        host: 'h',
        port: 465,
      }).id,
      'greeting-timeout',
    );
    assert.equal(
      classifyFailure({
        step: 'TLS',
        authType: 'basic',
        code: 'ETIMEDOUT',
        timeoutType: 'GREETING_TIMEOUT',
        host: 'h',
        port: 587,
      }).id,
      'no-greeting',
    );
  });
});

describe('mail: header safety (C09)', () => {
  const base = {
    from: { address: USER },
    to: [{ name: 'Mieter', address: 'mieter@empfaenger.example' }],
    subject: 'Nebenkosten',
    text: 'x',
  };

  it('refuses CR/LF/NUL in every header-bound value before building, naming the field and record', () => {
    const cases: [object, RegExp][] = [
      [
        { replyTo: { name: 'Mieter', address: 'a@example.invalid\r\nBcc: x@example.invalid' } },
        /^Reply-To address \(person 4711\)/,
      ],
      [{ subject: 'Nebenkosten\r\nBcc: x@example.invalid' }, /^Subject \(person 4711\)/],
      [{ to: [{ name: 'Müller\nX-Injected: 1', address: 'm@example.invalid' }] }, /^To name \(person 4711\)/],
      [{ headers: { 'X-Objekt': '4711\0' } }, /^Header X-Objekt/],
    ];
    for (const [patch, field] of cases) {
      assert.throws(
        () => composeSafeMessage({ ...base, ...patch, source: 'person 4711' }),
        (error: unknown) =>
          error instanceof HeaderInjectionError && field.test(error.field) && /line break or NUL/.test(error.message),
      );
    }
  });

  it('defence in depth: the pinned nodemailer does not turn an injected subject or address into header lines', async () => {
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
    const info = await transport.sendMail({
      from: USER,
      to: 'm@example.invalid',
      subject: 'Nebenkosten\r\nBcc: x@example.invalid',
      replyTo: { name: 'Mieter', address: 'a@example.invalid\r\nBcc: x@example.invalid' },
      text: 'x',
    });
    const raw = (info.message as Buffer).toString('utf8');
    assert.doesNotMatch(raw, /^Bcc:/m);
    assert.doesNotMatch(raw, /^X-Injected:/m);
  });
});
