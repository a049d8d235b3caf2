import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import {
  parseStoreLocation,
  postgresPassword,
  redactUnparsed,
  StoreLocationError,
} from '../../src/core/store/location';
import type { PostgresLocation } from '../../src/core/store/location';

function pgLocation(text: string, options: { caFile?: string } = {}): PostgresLocation {
  const location = parseStoreLocation(text, options);
  assert.equal(location.kind, 'postgres');
  return location as PostgresLocation;
}

function refused(text: string, code: string): StoreLocationError {
  try {
    parseStoreLocation(text);
  } catch (error) {
    assert.ok(error instanceof StoreLocationError, String(error));
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`${text} was accepted`);
}

describe('store location: file path or postgres:// URL (issue 19)', () => {
  it('a path is a file store, resolved against the base folder', () => {
    const location = parseStoreLocation('stores/demo.sqlite', { baseDir: '/srv/ixhaus' });
    assert.deepEqual(location, {
      kind: 'file',
      path: path.resolve('/srv/ixhaus/stores/demo.sqlite'),
      redacted: path.resolve('/srv/ixhaus/stores/demo.sqlite'),
    });
    assert.equal(parseStoreLocation('C:\\Stores\\demo.sqlite').kind, 'file');
  });

  it('reads user, host, port, database, sslmode and CA file of a URL', () => {
    const location = pgLocation(
      'postgres://ixhaus_app@db.example.com:6432/ixhaus?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem',
    );
    assert.equal(location.user, 'ixhaus_app');
    assert.equal(location.host, 'db.example.com');
    assert.equal(location.port, 6432);
    assert.equal(location.database, 'ixhaus');
    assert.equal(location.sslMode, 'verify-full');
    assert.equal(location.caFile, '/etc/ssl/ca.pem');
    assert.equal(
      location.redacted,
      'postgres://ixhaus_app@db.example.com:6432/ixhaus?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem',
      'shown as written (docs/postgresql.md "Naming the store"), the path readable',
    );
  });

  it('the shown URL reads back to the same location, also for a CA path with &, %, # and spaces', () => {
    for (const ca of ['/etc/ssl/ca.pem', '/tmp/a&b c/ca#1%.pem', '/srv/ca+x=y.pem']) {
      const location = pgLocation(
        `postgres://app@h:5432/d?sslmode=verify-full&application_name=ix%20t&sslrootcert=${encodeURIComponent(ca)}`,
      );
      assert.equal(location.caFile, ca);
      const again = pgLocation(location.redacted);
      assert.equal(again.caFile, ca, location.redacted);
      assert.equal(again.applicationName, 'ix t');
      assert.equal(again.redacted, location.redacted);
    }
  });

  it('defaults: port 5432, no TLS; postgresql:// and IPv6 hosts; percent-encoded names; port 80 is kept', () => {
    const a = pgLocation('postgresql://app@localhost/ixhaus');
    assert.equal(a.port, 5432);
    assert.equal(a.sslMode, 'disable');
    assert.equal(a.redacted, 'postgres://app@localhost:5432/ixhaus');
    const b = pgLocation('postgres://app@[::1]:5433/ix%20haus');
    assert.equal(b.host, '::1');
    assert.equal(b.database, 'ix haus');
    assert.equal(b.redacted, 'postgres://app@[::1]:5433/ix%20haus');
    assert.equal(pgLocation('postgres://app@h:80/d').port, 80);
  });

  it('the CA file option overrides sslrootcert and needs TLS', () => {
    assert.equal(
      pgLocation('postgres://app@h/d?sslmode=verify-full&sslrootcert=/a.pem', { caFile: '/b.pem' }).caFile,
      '/b.pem',
    );
    assert.throws(
      () => parseStoreLocation('postgres://app@h/d', { caFile: '/b.pem' }),
      (e: unknown) =>
        e instanceof StoreLocationError &&
        e.code === 'E_STORE_URL_CA_WITHOUT_TLS' &&
        /sslmode=verify-full/.test(e.message),
    );
  });

  it('refuses a password in the URL with the reason and the fix, without echoing the password', () => {
    for (const text of [
      'postgres://app:Geheim-123@db:5432/ixhaus',
      'postgres://app:@db/ixhaus',
      'postgres://app:pa/ss@word@db/ixhaus',
    ]) {
      const error = refused(text, 'E_STORE_URL_PASSWORD');
      assert.ok(!/Geheim|pa\/ss|word@/.test(error.message), error.message);
      assert.match(error.message, /--store-password-env/);
      assert.match(error.message, /PGPASSWORD/);
      assert.match(error.message, /secret storage/);
    }
    assert.equal(redactUnparsed('postgres://app:pw@db/x'), 'postgres://app:***@db/x');
  });

  it('refuses what it cannot use, each with its own code', () => {
    refused('', 'E_STORE_LOCATION_EMPTY');
    refused('mysql://app@db/ixhaus', 'E_STORE_URL_SCHEME');
    refused('postgres://db:5432/ixhaus', 'E_STORE_URL_NO_USER');
    refused('postgres://app@db:5432/', 'E_STORE_URL_NO_DATABASE');
    refused('postgres://app@db:99999/x', 'E_STORE_URL_INVALID');
    refused('postgres://app@db/x?sslmode=prefer', 'E_STORE_URL_SSLMODE');
    refused('postgres://app@db/x?password=x', 'E_STORE_URL_PARAMETER');
  });

  it('password: the variable named by --store-password-env, else PGPASSWORD, else none', () => {
    assert.equal(postgresPassword({ passwordEnv: 'IX_PG', env: { IX_PG: 'a', PGPASSWORD: 'b' } }), 'a');
    assert.equal(postgresPassword({ env: { PGPASSWORD: 'b' } }), 'b');
    assert.equal(postgresPassword({ env: {} }), undefined);
    assert.throws(
      () => postgresPassword({ passwordEnv: 'IX_PG', env: { PGPASSWORD: 'b' } }),
      (e: unknown) => e instanceof StoreLocationError && e.code === 'E_STORE_PASSWORD_ENV' && /IX_PG/.test(e.message),
    );
  });

  it('opening the store modules does not load pg (only opening a PostgreSQL store does)', () => {
    const root = path.join(__dirname, '..', '..');
    const script = [
      "require('./src/core/store/location');",
      "require('./src/core/store/sqlJsAsyncStore');",
      "require('./src/core/store/postgres/postgresStore');",
      'const loaded = Object.keys(require.cache).filter((k) => /node_modules[\\\\/]pg[\\\\/]/.test(k));',
      'console.log(JSON.stringify(loaded));',
    ].join('\n');
    const result = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout.trim().split('\n').pop() ?? 'null'), []);
  });
});
