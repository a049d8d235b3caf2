/**
 * Mail benchmark (issue 7 closing note): wall time of the full connection test (TCP, TLS, AUTH, MAIL FROM,
 * RCPT TO, DATA) against a local smtp-server on 127.0.0.1, STARTTLS and implicit TLS, and of the OAuth token
 * acquisition against the local Entra peer. Numbers only; `npx tsx bench/mailProbe.ts` runs it alone.
 */
import { runConnectionTest } from '../src/core/mail/connectionTest';
import { HttpsClient, acquireSmtpToken } from '../src/core/mail/oauth';
import { validateMailSettings } from '../src/shared/mail/validate';
import { CLIENT_ID, GOOD_SECRET, TENANT, startEntraPeer } from '../test/peers/entraPeer';
import { startSmtpPeer } from '../test/peers/smtpPeer';

const USER = 'bench@ixhaus.example';
const PASSWORD = 'bench-Passw0rt';

/** One row: name, unit and the measured values. */
export interface MailSample {
  readonly name: string;
  readonly unit: string;
  readonly values: number[];
}

/** Runs each measurement `runs` times. */
export async function mailSamples(runs = 20): Promise<MailSample[]> {
  const samples: MailSample[] = [];
  for (const tls of ['starttls', 'implicit'] as const) {
    const peer = await startSmtpPeer({ tls, user: USER, password: PASSWORD });
    try {
      const settings = validateMailSettings({
        host: '127.0.0.1',
        port: peer.port,
        ssl: true,
        user: USER,
        from: USER,
      }).settings!;
      const values: number[] = [];
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        const report = await runConnectionTest({
          settings,
          to: 'empfaenger@example.org',
          ca: peer.cert.cert,
          implicitTlsPort: tls === 'implicit' ? peer.port : 465,
          credentials: { kind: 'password', user: USER, password: PASSWORD },
        });
        if (!report.ok) throw new Error(`bench connection test failed: ${JSON.stringify(report.steps)}`);
        values.push(performance.now() - started);
      }
      samples.push({ name: `mail: connection test, 6 steps, local smtp-server (${tls})`, unit: 'ms', values });
    } finally {
      await peer.close();
    }
  }
  const entra = await startEntraPeer();
  try {
    const settings = validateMailSettings({
      authType: 'oauth',
      user: USER,
      from: USER,
      clientId: CLIENT_ID,
      tenant: TENANT,
      authorityHost: entra.host,
    }).settings!;
    const values: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await acquireSmtpToken({ settings, clientSecret: GOOD_SECRET, http: new HttpsClient({ ca: entra.ca }) });
      values.push(performance.now() - started);
    }
    samples.push({ name: 'mail: OAuth token (msal-node, metadata + token, local Entra peer)', unit: 'ms', values });
  } finally {
    await entra.close();
  }
  return samples;
}

if (require.main === module) {
  mailSamples().then(
    (samples) => {
      for (const s of samples) {
        const sorted = [...s.values].sort((a, b) => a - b);
        process.stdout.write(
          `${s.name}: min ${sorted[0]!.toFixed(1)} / median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} / max ${sorted.at(-1)!.toFixed(1)} ${s.unit} (${s.values.length} runs)\n`,
        );
      }
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
