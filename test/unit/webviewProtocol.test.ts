import { strict as assert } from 'node:assert';
import { TRANSFER_MODULES, TRANSFER_ROLES } from '../../src/core/responsibility/transferRequest';
import { buildWebviewHtml, contentSecurityPolicy, createNonce } from '../../src/extension/webview/webviewHtml';
import { MessageEndpoint } from '../../src/shared/protocol/endpoint';
import type { Envelope } from '../../src/shared/protocol/messages';
import {
  PROTOCOL_MODULES,
  PROTOCOL_ROLES,
  applyRequest,
  draftValidator,
  previewRequest,
} from '../../src/shared/protocol/responsibility';
import { ValidationError } from '../../src/shared/validation/validate';

const draft = {
  fromLogin: 'mmuster',
  toLogin: 'haupt',
  scope: 'all',
  objectNos: [],
  team: '',
  modules: ['objects'],
  roles: ['responsible'],
  includeClosed: false,
};

describe('webview plumbing: protocol, validators, HTML shell', () => {
  it('the protocol names the same modules and roles as core', () => {
    assert.deepEqual([...PROTOCOL_MODULES], [...TRANSFER_MODULES]);
    assert.deepEqual([...PROTOCOL_ROLES], [...TRANSFER_ROLES]);
  });

  it('the draft validator accepts a good draft and names the path of every bad field', () => {
    assert.deepEqual(draftValidator(draft), draft);
    const bad: Array<[object, RegExp]> = [
      [{ ...draft, modules: ['objects', 'kreditoren'] }, /^modules\[1\]: expected one of objects, meldungen/],
      [{ ...draft, objectNos: [1001, 0] }, /^objectNos\[1\]: expected a whole number from 1/],
      [{ ...draft, objectNos: ['1001'] }, /^objectNos\[0\]/],
      [{ ...draft, fromLogin: 'viel-zu-lang' }, /^fromLogin: expected a string of at most 8/],
      [{ ...draft, scope: 'some' }, /^scope: expected one of all, objects/],
      [{ ...draft, includeClosed: 'yes' }, /^includeClosed: expected true or false/],
      [{ ...draft, extra: 1 }, /^extra: expected no such field/],
      [{ ...draft, toLogin: undefined }, /^toLogin: expected a string/],
    ];
    for (const [value, message] of bad)
      assert.throws(
        () => draftValidator(value),
        (e: unknown) => e instanceof ValidationError && message.test(e.message),
        JSON.stringify(value),
      );
    assert.throws(() => draftValidator(null), ValidationError);
    assert.throws(() => draftValidator([draft]), ValidationError);
  });

  it('an endpoint hands only validated params to handlers and answers bad ones with an error reply', async () => {
    const replies: Envelope[] = [];
    const invalid: string[] = [];
    const host = new MessageEndpoint({ post: (m) => replies.push(m), onInvalid: (p) => invalid.push(p) });
    let seen: unknown;
    host.onRequest(previewRequest, (d) => {
      seen = d;
      return { from: d.fromLogin } as never;
    });
    await host.receive({ kind: 'request', id: 1, method: previewRequest.method, params: draft });
    await host.receive({
      kind: 'request',
      id: 2,
      method: previewRequest.method,
      params: { ...draft, roles: ['boss'] },
    });
    await host.receive({ kind: 'request', id: 3, method: 'responsibility/nope', params: {} });
    await host.receive({ kind: 'nonsense' });
    await host.receive('not even an object');
    assert.deepEqual(seen, draft);
    assert.deepEqual(replies[0], { kind: 'reply', id: 1, ok: true, result: { from: 'mmuster' } });
    assert.match(
      String((replies[1] as { error?: string }).error),
      /params\.roles\[0\]: expected one of responsible, deputy/,
    );
    assert.deepEqual([replies[2]?.kind, (replies[2] as { ok?: boolean }).ok], ['reply', false]);
    assert.equal(replies.length, 3);
    assert.equal(invalid.length, 4);
  });

  it('request/reply round trip between two endpoints, errors carried as text', async () => {
    const sides: { page?: MessageEndpoint } = {};
    const host = new MessageEndpoint({
      post: (m) => void sides.page?.receive(m),
      describeError: (e) => `localized: ${(e as Error).message}`,
    });
    const page = new MessageEndpoint({ post: (m) => void host.receive(m) });
    sides.page = page;
    host.onRequest(applyRequest, ({ fingerprint }) => {
      if (fingerprint === 'stale') throw new Error('changed');
      return { batchId: 'b1' } as never;
    });
    assert.deepEqual(await page.request(applyRequest, { fingerprint: 'abc' }), { batchId: 'b1' });
    await assert.rejects(page.request(applyRequest, { fingerprint: 'stale' }), /localized: changed/);
  });

  it('builds a page with a strict CSP, a fresh nonce and the strings as inert JSON', () => {
    const nonce = createNonce();
    assert.notEqual(nonce, createNonce());
    const html = buildWebviewHtml({
      title: 'Verantwortlichen ändern',
      scriptUri: 'https://file+.vscode-resource/dist/webviews/responsibility.js',
      cspSource: 'https://file+.vscode-resource',
      nonce,
      lang: 'de',
      strings: { evil: '</script><script>alert(1)</script>' },
    });
    const csp = contentSecurityPolicy('https://file+.vscode-resource', nonce);
    assert.match(
      csp,
      /^default-src 'none'; script-src 'nonce-[^']+'; style-src https:\/\/file\+\.vscode-resource 'nonce-/,
    );
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'));
    assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${csp}">`));
    assert.ok(
      html.includes(
        `<script type="module" nonce="${nonce}" src="https://file+.vscode-resource/dist/webviews/responsibility.js">`,
      ),
    );
    assert.equal(html.match(/<script/g)?.length, 2, 'only the boot JSON and the module script');
    assert.ok(!html.includes('</script><script>alert'), 'strings cannot close the boot block');
    const boot = /<script id="ix-boot" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    assert.equal(
      (JSON.parse(boot) as { strings: { evil: string } }).strings.evil,
      '</script><script>alert(1)</script>',
    );
    assert.throws(
      () =>
        buildWebviewHtml({
          title: 't',
          scriptUri: 's',
          cspSource: 'c',
          nonce: "x' 'unsafe-inline",
          lang: 'de',
          strings: {},
        }),
      /base64/,
    );
  });
});
