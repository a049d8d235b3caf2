import { SqlJsAsyncStore } from '../../src/core/store/sqlJsAsyncStore';
import { strict as assert } from 'node:assert';
import { IxError, NoStoreOpenError, SignInRequiredError } from '../../src/core/errors';
import { SftpCancelledError, SftpHostKeyChangedError, SftpTimeoutError } from '../../src/core/sftp/sftpErrors';
import { SftpNotConfiguredError } from '../../src/core/sftp/sftpSettings';
import { StoreCorruptError } from '../../src/core/store/errors';
import { requireSignedIn } from '../../src/extension/signedIn';
import { smallDemoDb } from '../helpers';

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
    const { db, admin } = await smallDemoDb();
    try {
      assert.throws(
        () => requireSignedIn({ storeHost: { db: undefined }, session: { actor: admin } }),
        NoStoreOpenError,
      );
      assert.throws(() => requireSignedIn({ storeHost: { db }, session: { actor: undefined } }), SignInRequiredError);
      // the sql.js engine of a file store comes along for the few file-only facts; a PostgreSQL store has none
      const file = db instanceof SqlJsAsyncStore ? db.syncStore : undefined;
      const pair = requireSignedIn({ storeHost: { db, store: file }, session: { actor: admin } });
      assert.equal(pair.store, db);
      assert.equal(pair.file, file);
      assert.equal(pair.actor, admin);
    } finally {
      await db.close();
    }
  });
});
