import { SqlJsAsyncStore } from '../../src/core/store/sqlJsAsyncStore';
import { strict as assert } from 'node:assert';
import { IxError, NoStoreOpenError, SignInRequiredError } from '../../src/core/errors';
import { SftpCancelledError, SftpHostKeyChangedError, SftpTimeoutError } from '../../src/core/sftp/sftpErrors';
import { SftpNotConfiguredError } from '../../src/core/sftp/sftpSettings';
import { StoreCorruptError } from '../../src/core/store/errors';
import { requireSignedIn } from '../../src/extension/signedIn';
import { smallDemoStore } from '../helpers';

describe('errors carry what the user can do about them', () => {
  it('each kind suggests its own actions (the extension shows them as buttons; nothing matches message strings)', () => {
    assert.deepEqual(new SignInRequiredError().suggestedActions, ['signIn']);
    assert.deepEqual(new NoStoreOpenError().suggestedActions, ['createDemoStore', 'openStore']);
    assert.deepEqual(new SftpTimeoutError('connect', 'sftp.example:22', 5000).suggestedActions, ['sftpSettings']);
    assert.deepEqual(
      new SftpHostKeyChangedError('sftp.example:22', 'SHA256:alt', 'SHA256:neu', 'ssh-ed25519').suggestedActions,
      ['retrustHostKey'],
    );
    assert.deepEqual(new SftpCancelledError('list').suggestedActions, []);
    assert.deepEqual(new SftpNotConfiguredError().suggestedActions, ['sftpSettings']);
    const damaged = new StoreCorruptError('/daten/kunde.sqlite', 'page 3');
    assert.deepEqual(damaged.suggestedActions, [], 'no backup: nothing to restore');
    damaged.backupFile = '/daten/kunde.sqlite.bak';
    assert.deepEqual(damaged.suggestedActions, ['restoreBackup']);
    assert.deepEqual(new IxError('E_X', 'x').suggestedActions, []);
  });

  it('the one sign-in guard: no store, then no user, then the pair', async () => {
    const { store, admin } = await smallDemoStore();
    assert.throws(
      () => requireSignedIn({ storeHost: { store: undefined }, session: { actor: admin } }),
      NoStoreOpenError,
    );
    assert.throws(() => requireSignedIn({ storeHost: { store }, session: { actor: undefined } }), SignInRequiredError);
    const db = new SqlJsAsyncStore(store);
    const pair = requireSignedIn({ storeHost: { store, db }, session: { actor: admin } });
    assert.equal(pair.store, store);
    assert.equal(pair.db, db);
    assert.equal(pair.actor, admin);
  });
});
