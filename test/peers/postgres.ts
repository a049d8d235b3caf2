/**
 * A throw-away PostgreSQL 15 cluster from Debian's `postgresql` package for the PostgreSQL store tests (issue 19
 * "Tests and real components"): `initdb` into a temp folder, `pg_ctl start` on 127.0.0.1 and a free port with the
 * unix socket inside the temp folder, run as an unprivileged system user when the tests run as root (PostgreSQL
 * refuses to run as root): `postgres` when it exists, else `nobody`. Durability is switched off (fsync,
 * synchronous_commit, full_page_writes): a test cluster never survives a crash anyway, and it starts in about a
 * second.
 *
 * One cluster per mocha run ({@link sharedPostgresCluster}, stopped by a root `after` hook and, as a fallback, at
 * process exit), one fresh database per test ({@link PostgresCluster.freshDatabase}), created exactly as
 * docs/postgresql.md tells an administrator to, with the two documented roles.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client as PgClient } from 'pg';
import { freePort } from './sshd';

/** Debian's PostgreSQL 15 binaries (scripts/install-postgres.sh installs them when missing). */
export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

/** The documented schema-owner role (docs/postgresql.md): runs migrations, owns the tables. */
export const OWNER_ROLE = 'ixhaus_owner';
/** The documented runtime role (docs/postgresql.md): reads and writes rows, no DDL. */
export const APP_ROLE = 'ixhaus_app';
/** Test passwords of the two roles (scram-sha-256 over TCP). */
export const OWNER_PASSWORD = 'Owner-Test-2026!';
export const APP_PASSWORD = 'App-Test-2026!';
/** The cluster's superuser, reachable only over the unix socket in the temp folder (trust). */
const SUPERUSER = 'postgres';

/** True when the PostgreSQL binaries this peer needs are installed. */
export function postgresBinariesPresent(): boolean {
  return ['initdb', 'pg_ctl', 'postgres'].every((b) => fs.existsSync(path.join(POSTGRES_BIN, b)));
}

/** Why the PostgreSQL tests skip (only when the binaries are missing). */
export const POSTGRES_MISSING = `PostgreSQL 15 binaries missing in ${POSTGRES_BIN}: run scripts/install-postgres.sh (the README's set-up does)`;

/** A running cluster. */
export interface PostgresCluster {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** the folder holding the unix socket (the superuser connects there) */
  readonly socketDir: string;
  /** PEM of the test CA that signed the server certificate (subjectAltName IP:127.0.0.1); the server has ssl = on */
  readonly caFile: string;
  /** runs SQL as the superuser in `database` (default `postgres`) and returns the rows */
  admin<T extends Record<string, unknown> = Record<string, unknown>>(sql: string, database?: string): Promise<T[]>;
  /**
   * Creates a new empty database set up as docs/postgresql.md says (owner/app grants on schema `public`, default
   * privileges for tables and sequences) and returns its name.
   */
  freshDatabase(): Promise<string>;
  /** Replaces the `host` lines of pg_hba.conf (the `local` trust line stays) and reloads; `restoreHba()` undoes it. */
  setHostHba(lines: readonly string[]): Promise<void>;
  restoreHba(): Promise<void>;
  /** the server log so far (for failure messages) */
  log(): string;
  /** stops the server (fast shutdown) and removes the temp folder */
  stop(): Promise<void>;
}

/** The unprivileged user the server runs as when we are root; undefined when we are not root. */
function serverUser(): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid, name };
    } catch {
      // not there: try the next one
    }
  }
  throw new Error(
    'running as root, but neither the system user postgres nor nobody exists; create one (useradd --system postgres)',
  );
}

const DEFAULT_HOST_HBA = ['host all all 127.0.0.1/32 scram-sha-256'];

/** Starts a new cluster in a fresh temp folder. @throws when the binaries are missing or the server does not start within 30 s */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  if (!postgresBinariesPresent()) throw new Error(POSTGRES_MISSING);
  const user = serverUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-pg-'));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  if (user) {
    fs.chownSync(dir, user.uid, user.gid);
    // the server user must reach the folder (some runners make TMPDIR 0700): add o+x to the parents only
    for (let up = path.dirname(dir); up !== path.dirname(up); up = path.dirname(up)) {
      const mode = fs.statSync(up).mode & 0o7777;
      if ((mode & 0o001) === 0) fs.chmodSync(up, mode | 0o001);
    }
  }
  const asServer = {
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
    cwd: dir,
    encoding: 'utf8' as const,
    env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' },
  };
  const run = (bin: string, args: readonly string[]): void => {
    const result = spawnSync(path.join(POSTGRES_BIN, bin), args, { ...asServer, timeout: 60_000 });
    if (result.status !== 0)
      throw new Error(
        `${bin} ${args.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr}${result.stdout}`,
      );
  };
  run('initdb', [
    '-D',
    data,
    '-U',
    SUPERUSER,
    '-E',
    'UTF8',
    '--locale=C',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--no-sync',
    '--no-instructions',
  ]);
  const hbaFile = path.join(data, 'pg_hba.conf');
  const writeHba = (hostLines: readonly string[]): void =>
    fs.writeFileSync(hbaFile, ['local all all trust', ...hostLines, ''].join('\n'));
  writeHba(DEFAULT_HOST_HBA);
  const { caFile, certFile, keyFile } = makeCertificates(dir, user);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${dir}'`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=60',
    '-c shared_buffers=64MB',
    "-c password_encryption='scram-sha-256'",
    '-c ssl=on',
    `-c ssl_cert_file='${certFile}'`,
    `-c ssl_key_file='${keyFile}'`,
  ].join(' ');
  run('pg_ctl', ['start', '-w', '-t', '30', '-D', data, '-l', logFile, '-o', options]);
  const stopSync = (): void => {
    spawnSync(path.join(POSTGRES_BIN, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '10'], {
      ...asServer,
      timeout: 15_000,
    });
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopSync);

  const { Client } = await import('pg');
  const adminClients = new Map<string, PgClient>();
  const adminClient = async (database: string): Promise<PgClient> => {
    let client = adminClients.get(database);
    if (!client) {
      client = new Client({ host: dir, port, user: SUPERUSER, database });
      client.on('error', () => adminClients.delete(database)); // a terminated admin session is reopened on next use
      await client.connect();
      adminClients.set(database, client);
    }
    return client;
  };
  const admin = async <T extends Record<string, unknown>>(sql: string, database = 'postgres'): Promise<T[]> =>
    (await (await adminClient(database)).query<T>(sql)).rows;

  // the two documented roles, once per cluster (docs/postgresql.md "Set up the server")
  await admin(`CREATE ROLE ${OWNER_ROLE} LOGIN PASSWORD '${OWNER_PASSWORD}'`);
  await admin(`CREATE ROLE ${APP_ROLE} LOGIN PASSWORD '${APP_PASSWORD}'`);

  let databases = 0;
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    socketDir: dir,
    caFile,
    admin,
    freshDatabase: async () => {
      const name = `ixtest_${process.pid}_${++databases}`;
      await admin(`CREATE DATABASE ${name}`);
      for (const statement of databaseSetupStatements(name)) await admin(statement, name);
      const client = adminClients.get(name);
      adminClients.delete(name);
      await client?.end();
      return name;
    },
    setHostHba: async (lines) => {
      writeHba(lines);
      await admin('SELECT pg_reload_conf()');
      await new Promise((r) => setTimeout(r, 200)); // the postmaster rereads the file asynchronously after SIGHUP
    },
    restoreHba: async () => {
      writeHba(DEFAULT_HOST_HBA);
      await admin('SELECT pg_reload_conf()');
      await new Promise((r) => setTimeout(r, 200));
    },
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const client of adminClients.values()) await client.end().catch(() => undefined);
      adminClients.clear();
      const result = spawnSync(
        path.join(POSTGRES_BIN, 'pg_ctl'),
        ['stop', '-D', data, '-m', 'fast', '-w', '-t', '20'],
        { ...asServer, timeout: 30_000 },
      );
      if (result.status !== 0)
        spawnSync(path.join(POSTGRES_BIN, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w'], {
          ...asServer,
          timeout: 15_000,
        });
      fs.rmSync(dir, { recursive: true, force: true });
      process.removeListener('exit', stopSync);
    },
  };
}

/** A test CA and a server certificate for 127.0.0.1 made with openssl (the server reads the key as its own user, mode 0600). */
function makeCertificates(
  dir: string,
  user: { uid: number; gid: number } | undefined,
): { caFile: string; certFile: string; keyFile: string } {
  const file = (name: string): string => path.join(dir, name);
  const openssl = (args: readonly string[]): void => {
    execFileSync('openssl', args, { stdio: 'pipe' });
  };
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=ixhaus test CA',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
  ]);
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
  ]);
  fs.writeFileSync(file('server.ext'), 'subjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\n');
  openssl([
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
    '-out',
    file('server.crt'),
  ]);
  fs.chmodSync(file('server.key'), 0o600);
  if (user) {
    fs.chownSync(file('server.key'), user.uid, user.gid);
    fs.chownSync(file('server.crt'), user.uid, user.gid);
  }
  return { caFile: file('ca.pem'), certFile: file('server.crt'), keyFile: file('server.key') };
}

/**
 * The per-database statements of docs/postgresql.md "Set up the server", run as a superuser (or the database's
 * owner) in the new database. Kept here and in the documentation word for word; the runtime-role tests prove it.
 */
export function databaseSetupStatements(database: string): string[] {
  return [
    `REVOKE ALL ON DATABASE ${database} FROM PUBLIC`,
    `GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${OWNER_ROLE}, ${APP_ROLE}`,
    // PostgreSQL 15: ordinary roles no longer get CREATE on public; the schema owner role needs it for migrations
    `GRANT USAGE, CREATE ON SCHEMA public TO ${OWNER_ROLE}`,
    `GRANT USAGE ON SCHEMA public TO ${APP_ROLE}`,
    // the runtime role gets rows (no DDL, no TRUNCATE) on every table and sequence the owner creates later
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${OWNER_ROLE} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_ROLE}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${OWNER_ROLE} IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${APP_ROLE}`,
  ];
}

let shared: Promise<PostgresCluster> | undefined;

/** The one cluster of this mocha run, started on first use. */
export function sharedPostgresCluster(): Promise<PostgresCluster> {
  shared ??= startPostgresCluster();
  return shared;
}

/** Stops the shared cluster if one was started. */
export async function stopSharedPostgresCluster(): Promise<void> {
  const running = shared;
  shared = undefined;
  if (running) await (await running.catch(() => undefined))?.stop();
}

// Loaded by a spec file while mocha loads the files, a top-level `after` is a root hook: it runs once after the
// whole run, so the shared cluster lives exactly as long as the run (the exit handler is the fallback).
// pg_ctl may take up to 20 s (+ an immediate stop) under load: longer than mocha's default 20 s for a hook
if (typeof globalThis.after === 'function')
  globalThis.after(async function () {
    this.timeout(60_000);
    await stopSharedPostgresCluster();
  });
