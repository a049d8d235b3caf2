import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IxError, formatTemplate } from '../../src/core/errors';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import type { Actor } from '../../src/core/access/rights';
import { MailSettingsController, storeKeyOf } from '../../src/extension/panels/mailSettingsController';
import type { MailSecretAccess, MailSecretKind } from '../../src/extension/panels/mailSettingsController';
import { MAIL_ISSUE_TEMPLATES } from '../../src/shared/mail/messages';
import { emptyMailSettings } from '../../src/shared/mail/settings';
import { MessageEndpoint } from '../../src/shared/protocol/endpoint';
import type { Envelope } from '../../src/shared/protocol/messages';
import {
  dropDraft,
  formValuesFor,
  formValuesValidator,
  keepDraft,
  mailInitRequest,
  mailSaveRequest,
  mailTestRequest,
  readPageState,
  testFinishedNotification,
} from '../../src/shared/protocol/mailSettings';
import type { MailInitView, TestReportView } from '../../src/shared/protocol/mailSettings';
import { ValidationError } from '../../src/shared/validation/validate';
import { startSmtpPeer } from '../peers/smtpPeer';
import type { SmtpPeer } from '../peers/smtpPeer';
import { closeAfterEach, smallDemoDb } from '../helpers';

const USER = 'verwaltung@ixhaus.example';
const SECRET = 'Unit-Geheimnis-4711!';
/** the real German bundle: replies are checked as the German admin reads them */
const german = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'l10n', 'bundle.l10n.de.json'), 'utf8'),
) as Record<string, string>;
const localizeDe = (template: string, args: readonly (string | number)[]) =>
  formatTemplate(german[template] ?? template, args);

/** Secret storage for the test: a Map (VS Code's SecretStorage cannot run outside the host), keyed like MailHost. */
class MapSecrets implements MailSecretAccess {
  readonly values = new Map<string, string>();
  async read(store: AsyncStore) {
    const password = this.values.get(`${storeKeyOf(store)}/password`);
    const clientSecret = this.values.get(`${storeKeyOf(store)}/clientSecret`);
    return { ...(password ? { password } : {}), ...(clientSecret ? { clientSecret } : {}) };
  }
  async write(store: AsyncStore, kind: MailSecretKind, value: string) {
    if (value === '') this.values.delete(`${storeKeyOf(store)}/${kind}`);
    else this.values.set(`${storeKeyOf(store)}/${kind}`, value);
  }
  async presence(store: AsyncStore) {
    const s = await this.read(store);
    return { password: !!s.password, clientSecret: !!s.clientSecret };
  }
}

/**
 * A host endpoint with the controller and a page endpoint, connected like webview and host. `hide()` drops the page
 * as VS Code does with `retainContextWhenHidden: false` (messages to it are lost); `show()` loads a new page.
 */
function connect(store: AsyncStore, actor: Actor | undefined, peer?: SmtpPeer) {
  let page: MessageEndpoint | undefined;
  const secrets = new MapSecrets();
  const host = new MessageEndpoint({
    post: (m: Envelope) => void Promise.resolve().then(() => page?.receive(m)),
    describeError: (e) =>
      e instanceof IxError ? localizeDe(e.template, e.args) : String(e instanceof Error ? e.message : e),
  });
  new MailSettingsController(host, {
    store: () => store,
    actor: () => actor,
    secrets,
    localize: localizeDe,
    logger: { trace: () => {}, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    testOptions: () => (peer ? { ca: peer.cert.cert } : {}),
  });
  const notified: TestReportView[] = [];
  const show = () => {
    const p = new MessageEndpoint({
      post: (m: Envelope) => void Promise.resolve().then(() => host.receive(m)),
      timeoutMs: 30_000,
    });
    p.onNotification(testFinishedNotification, ({ report }) => notified.push(report));
    page = p;
    return p;
  };
  return { secrets, notified, show, hide: () => (page = undefined) };
}

describe('SMTP Einstellungen: protocol and page state', () => {
  it('the page state keeps one draft per store and never a secret', () => {
    const a = { storeKey: 'store-a', settings: { ...emptyMailSettings(), host: 'smtp.a.example' } };
    const b = { storeKey: 'store-b', settings: { ...emptyMailSettings(), host: 'smtp.b.example' } };
    let state = readPageState(undefined);
    state = keepDraft(
      state,
      'store-a',
      { ...a.settings, host: 'entwurf.a.example', password: 'geheim', clientSecret: 'abC8Q~x' },
      'mieter@example.org',
    );
    assert.equal(JSON.stringify(state).includes('geheim'), false);
    assert.equal(JSON.stringify(state).includes('abC8Q'), false);
    // store A shows its draft; store B shows its saved settings, not A's unsaved draft
    assert.equal(formValuesFor(state, a).values.host, 'entwurf.a.example');
    assert.equal(formValuesFor(state, a).testRecipient, 'mieter@example.org');
    assert.equal(formValuesFor(state, b).values.host, 'smtp.b.example');
    assert.equal(formValuesFor(state, b).testRecipient, '');
    // a state restored after a reload is read the same way (and an old or damaged one counts as no drafts)
    assert.equal(formValuesFor(readPageState(JSON.parse(JSON.stringify(state))), a).values.host, 'entwurf.a.example');
    assert.deepEqual(readPageState({ values: { host: 'x' } }), { drafts: {} });
    assert.deepEqual(readPageState({ drafts: { a: { values: { password: 'geheim', host: 'h' } } } }), {
      drafts: { a: { values: { host: 'h' }, testRecipient: '' } },
    });
    // after a save the saved settings are the truth again
    assert.equal(formValuesFor(dropDraft(state, 'store-a'), a).values.host, 'smtp.a.example');
  });

  it('the host refuses form values outside the settings and non-scalar values', () => {
    assert.deepEqual(formValuesValidator({ host: 'h', port: '587', ssl: true }), { host: 'h', port: '587', ssl: true });
    assert.throws(
      () => formValuesValidator({ host: 'h', password: 'x' }),
      (e: unknown) => e instanceof ValidationError && /^password: expected no such field/.test(e.message),
    );
    assert.throws(() => formValuesValidator({ host: { toString: 'x' } }), /host: expected a string/);
    assert.throws(() => formValuesValidator({ host: 'x'.repeat(2001) }), /host: expected a string of at most 2000/);
    assert.throws(() => formValuesValidator([]), ValidationError);
  });

  it('every validator message is in the list the host localizes, and in the German bundle', () => {
    // the table is used by the validator and the field parsers, which live in separate files of src/shared/mail
    const dir = path.join(__dirname, '..', '..', 'src', 'shared', 'mail');
    const source = fs
      .readdirSync(dir)
      .filter((name) => name.endsWith('.ts'))
      .map((name) => fs.readFileSync(path.join(dir, name), 'utf8'))
      .join('\n');
    const used = new Set([...source.matchAll(/MAIL_MESSAGES\.([A-Z0-9_]+)/g)].map((m) => m[1]));
    assert.equal(MAIL_ISSUE_TEMPLATES.length, used.size, 'each table entry is used');
    for (const t of MAIL_ISSUE_TEMPLATES) assert.ok(german[t], `not in the German bundle: ${t}`);
  });
});

describe('SMTP Einstellungen: host controller behind the shared endpoint (real store, real SMTP peer)', function () {
  const closing = closeAfterEach();
  this.timeout(30_000);
  let peer: SmtpPeer;
  before(async () => {
    peer = await startSmtpPeer({ tls: 'starttls', user: USER, password: SECRET });
  });
  after(async () => {
    await peer.close();
  });

  it('an invalid test recipient comes back as a localized error reply (the page can re-enable Test)', async () => {
    const { db: store, admin } = closing(await smallDemoDb());
    const c = connect(store, admin, peer);
    const page = c.show();
    await page.request(mailSaveRequest, {
      values: { authType: 'basic', host: '127.0.0.1', port: String(peer.port), ssl: true, user: USER, from: USER },
      secrets: { password: SECRET },
    });
    // German, from the bundle — not the English template, not a generic "failed"
    await assert.rejects(
      page.request(mailTestRequest, { to: 'kein empfänger' }),
      (e: Error) =>
        e.message === 'To address: „kein empfänger“ ist keine gültige E-Mail-Adresse (erwartet: name@domain).',
    );
    assert.equal(peer.log.messages.length, 0, 'nothing was sent');
    // and the host keeps answering: the next test with a valid recipient works
    const report = await page.request(mailTestRequest, { to: 'mieter@example.org' });
    assert.ok(report.ok, JSON.stringify(report));
  });

  it('a refused save is an error reply with the first issue in German, and nothing is written', async () => {
    const { db: store, admin } = closing(await smallDemoDb());
    const c = connect(store, admin);
    const page = c.show();
    await assert.rejects(
      page.request(mailSaveRequest, {
        values: { authType: 'basic', host: '127.0.0.1', port: 'abc', ssl: true, user: USER, from: USER },
        secrets: { password: SECRET },
      }),
      (e: Error) =>
        e.message ===
        german['The port must be a whole number from 1 to 65535 (usually 587 with STARTTLS or 465 with SSL).'],
    );
    assert.equal(c.secrets.values.size, 0, 'no secret stored for a refused save');
    await assert.rejects(
      page.request(mailSaveRequest, { values: { password: 'x' } as never, secrets: {} }),
      /params\.values\.password: expected no such field/,
    );
  });

  it('without an administrator the form is blocked with the reason; requests are refused', async () => {
    const { db: store, haupt } = closing(await smallDemoDb());
    const page = connect(store, haupt).show();
    const init = await page.request(mailInitRequest, {});
    assert.ok(init.blocked && init.blocked.length > 10, String(init.blocked));
    await assert.rejects(page.request(mailTestRequest, { to: 'mieter@example.org' }));
  });

  it('drafts are keyed by store: each store gets its own key, and init names it', async () => {
    const one = closing(await smallDemoDb());
    const two = closing(await smallDemoDb());
    const a = await connect(one.db, one.admin).show().request(mailInitRequest, {});
    assert.equal(a.storeKey, storeKeyOf(one.db));
    assert.match(a.storeKey, /^[0-9a-f]{16}$/, 'no path in the page state');
    // in-memory stores share ':memory:'; stores with files differ by file
    const fakeFile = (file: string) => ({ location: file }) as AsyncStore;
    assert.notEqual(storeKeyOf(fakeFile('/data/kunde-a.ixhaus')), storeKeyOf(fakeFile('/data/kunde-b.ixhaus')));
    assert.ok(two.db);
  });

  it('a test result that finishes while the panel is hidden is shown when the page loads again', async () => {
    const { db: store, admin } = closing(await smallDemoDb());
    const c = connect(store, admin, peer);
    let page = c.show();
    await page.request(mailSaveRequest, {
      values: { authType: 'basic', host: '127.0.0.1', port: String(peer.port), ssl: true, user: USER, from: USER },
      secrets: { password: SECRET },
    });
    const before = peer.log.messages.length;
    const lost = page.request(mailTestRequest, { to: 'hidden@example.org' });
    lost.catch(() => {});
    c.hide(); // the panel goes to the background: its page is destroyed, the reply will go nowhere
    for (let i = 0; i < 200 && peer.log.messages.length === before; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(peer.log.messages.length, before + 1, 'the test ran while hidden');
    await new Promise((r) => setTimeout(r, 50));
    page = c.show(); // shown again: a new page, which asks for its data
    let init: MailInitView = await page.request(mailInitRequest, {});
    for (let i = 0; i < 100 && init.testing; i++) {
      await new Promise((r) => setTimeout(r, 25));
      init = await page.request(mailInitRequest, {});
    }
    assert.equal(init.testing, false);
    assert.ok(init.report, 'the report was kept');
    assert.equal(init.report.to, 'hidden@example.org');
    assert.equal(init.report.ok, true);
    assert.deepEqual(
      init.report.lines.map((l) => l.status),
      ['ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    );
    assert.equal(JSON.stringify(init).includes(SECRET), false, 'no secret in what the page gets');
  });
});
