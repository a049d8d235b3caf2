import { strict as assert } from 'node:assert';
import { draftForState, isSmtpViewMessage } from '../../src/shared/mail/protocol';

describe('mail: webview protocol', () => {
  it('the webview state (draft) never holds a secret', () => {
    const state = draftForState({ host: 'smtp.example.de', password: 'geheim', clientSecret: 'abC8Q~x', user: 'u' }, { testRecipient: 'a@b.example' });
    assert.deepEqual(state, { values: { host: 'smtp.example.de', user: 'u' }, testRecipient: 'a@b.example' });
    assert.equal(JSON.stringify(state).includes('geheim'), false);
  });

  it('the host accepts only well-formed messages', () => {
    assert.equal(isSmtpViewMessage({ type: 'mail/settings/ready' }), true);
    assert.equal(isSmtpViewMessage({ type: 'mail/test/run', to: 1 }), false);
    assert.equal(isSmtpViewMessage({ type: 'mail/settings/save', values: {} }), false);
    assert.equal(isSmtpViewMessage('x'), false);
  });
});
