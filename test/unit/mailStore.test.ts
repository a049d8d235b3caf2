import { strict as assert } from 'node:assert';
import { loadMailSettings, saveMailSettings } from '../../src/core/mail/mailStore';
import { dueReminder, sendSecretReminder } from '../../src/core/mail/secretExpiry';
import type { SafeMessageInput } from '../../src/core/mail/headerSafety';
import { testMailSettings } from '../../src/core/mail/mailTest';
import { MailSettingsError } from '../../src/core/mail/errors';
import { PermissionError } from '../../src/core/errors';
import { HttpsClient } from '../../src/core/mail/oauth';
import { CLIENT_ID, GOOD_SECRET, OBJECT_ID, TENANT, startEntraPeer } from '../peers/entraPeer';
import { startSmtpPeer } from '../peers/smtpPeer';
import { closeAfterEach, smallDemoDb, tableColumns } from '../helpers';
import { scalar } from '../../src/core/store/asyncQueries';

const MAILBOX = 'verwaltung@ixhaus.example';
const oauthInput = (authorityHost = 'login.microsoftonline.com') => ({
  authType: 'oauth',
  host: 'smtp.office365.com',
  port: 587,
  ssl: true,
  user: MAILBOX,
  from: MAILBOX,
  clientId: CLIENT_ID,
  objectId: OBJECT_ID,
  tenant: TENANT,
  authorityHost,
  notifyAddress: 'it@ixhaus.example',
  secretValidUntil: '2027-03-31',
  schedulerRecipient: 'a@ixhaus.example',
  schedulerRecipient2: 'b@ixhaus.example',
});

describe('mail: settings in the store', () => {
  const closing = closeAfterEach();
  it('saves and reloads the non-secret settings (admin only, audited); invalid input changes nothing', async () => {
    const { db: store, admin, haupt } = closing(await smallDemoDb());
    await assert.rejects(() => saveMailSettings(store, haupt, oauthInput()), PermissionError);
    const saved = await saveMailSettings(store, admin, { ...oauthInput(), tenant: ` ${TENANT} ` });
    assert.equal(saved.tenant, TENANT);
    assert.deepEqual(await loadMailSettings(store), saved);
    assert.equal(await scalar(store, "SELECT count(*) FROM audit_log WHERE action = 'mail.settings'"), 1);
    await assert.rejects(
      () => saveMailSettings(store, admin, { ...oauthInput(), tenant: 'common' }),
      (e: unknown) => e instanceof MailSettingsError && e.code === 'E_MAIL_TENANT_MULTI',
    );
    assert.deepEqual(await loadMailSettings(store), saved);
    const columns = await tableColumns(store, 'mail_settings');
    assert.ok(!columns.some((c) => /password|secret$/i.test(c)), `a secret column exists: ${columns.join(', ')}`);
  });
});

describe('mail: secret-expiry reminders 30/7/1 days before, each once', () => {
  const closing = closeAfterEach();
  it('computes the due threshold in UTC', () => {
    const none = new Set<number>();
    assert.equal(dueReminder('2027-03-31', new Date('2027-02-27T00:00:00Z'), none), undefined);
    assert.equal(dueReminder('2027-03-31', new Date('2027-03-01T00:00:00Z'), none), 30);
    assert.equal(dueReminder('2027-03-31', new Date('2027-03-24T00:00:00Z'), none), 7);
    assert.equal(dueReminder('2027-03-31', new Date('2027-03-30T00:00:01Z'), none), 1);
    assert.equal(dueReminder('2027-03-31', new Date('2027-03-31T00:00:00Z'), none), undefined, 'expired: no reminder');
    assert.equal(dueReminder('2027-03-31', new Date('2027-03-24T00:00:00Z'), new Set([7])), undefined);
  });

  it('sends each reminder once to the notification address, also when runs are missed', async () => {
    const { db: store, admin } = closing(await smallDemoDb());
    const settings = await saveMailSettings(store, admin, oauthInput());
    const sent: SafeMessageInput[] = [];
    const send = async (m: SafeMessageInput) => void sent.push(m);
    const at = (iso: string) => sendSecretReminder(store, settings, new Date(iso), send);
    assert.equal((await at('2027-02-01T08:00:00Z')).sent, false);
    assert.equal((await at('2027-03-02T08:00:00Z')).daysBefore, 30);
    assert.equal((await at('2027-03-03T08:00:00Z')).sent, false);
    assert.equal(
      (await at('2027-03-30T08:00:00Z')).daysBefore,
      1,
      'the 7-day run was missed: only the 1-day reminder, no late 7-day one',
    );
    assert.equal((await at('2027-03-30T09:00:00Z')).sent, false);
    assert.equal(sent.length, 2);
    assert.deepEqual(
      sent.map((m) => m.to[0]?.address),
      ['it@ixhaus.example', 'it@ixhaus.example'],
    );
    assert.match(sent[0]!.subject, /2027-03-31/);
    assert.equal(await scalar(store, 'SELECT count(*) FROM mail_secret_reminders'), 3);
  });

  it('records nothing when sending fails, so the next run tries again', async () => {
    const { db: store, admin } = closing(await smallDemoDb());
    const settings = await saveMailSettings(store, admin, oauthInput());
    await assert.rejects(
      sendSecretReminder(store, settings, new Date('2027-03-02T08:00:00Z'), async () => {
        throw new Error('smtp down');
      }),
      /smtp down/,
    );
    assert.equal(await scalar(store, 'SELECT count(*) FROM mail_secret_reminders'), 0);
  });
});

describe('mail: the OAuth connection test course', () => {
  const closing = closeAfterEach();
  it('refuses a token without SMTP.SendAsApp before any SMTP connection; Graph still updates "Gültig bis"', async () => {
    const entra = await startEntraPeer({
      smtpClaims: { aud: 'https://outlook.office365.com', roles: [] },
      graph: {
        passwordCredentials: [{ keyId: 'k1', hint: GOOD_SECRET.slice(0, 3), endDateTime: '2028-01-15T12:00:00Z' }],
      },
    });
    const smtp = await startSmtpPeer({ tls: 'starttls' });
    let connections = 0;
    const { db: store, admin } = closing(await smallDemoDb());
    try {
      const settings = await saveMailSettings(store, admin, {
        ...oauthInput(entra.host),
        host: '127.0.0.1',
        port: smtp.port,
      });
      const result = await testMailSettings({
        settings,
        secrets: { clientSecret: GOOD_SECRET },
        to: 'x@example.org',
        ca: entra.ca,
        http: new HttpsClient({ ca: entra.ca }),
        graphHost: entra.host,
        store,
      });
      connections = smtp.log.auths.length + smtp.log.mailFrom.length;
      assert.equal(result.ok, false);
      assert.equal(result.oauth?.error?.code, 'E_OAUTH_ROLE');
      assert.ok(result.smtp.steps.every((s) => s.status === 'skipped'));
      assert.equal(connections, 0);
      assert.equal((await loadMailSettings(store))?.secretValidUntil, '2028-01-15');
    } finally {
      await entra.close();
      await smtp.close();
    }
  });
});
