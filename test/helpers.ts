import * as fsSync from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { DEMO_ADMIN_LOGIN, DEMO_HAUPTBENUTZER_LOGIN, DEMO_PASSWORD, generateDemoData } from '../src/core/demo/demoData';
import { checksumPathOf } from '../src/core/store/storeChecksum';
import { Store } from '../src/core/store/database';
import { signIn } from '../src/core/users/auth';
import type { Actor } from '../src/core/access/rights';
import type { AsyncStore, StoreBackend } from '../src/core/store/asyncStore';
import { SqlJsAsyncStore } from '../src/core/store/sqlJsAsyncStore';

/** Creates a fresh temporary folder for one test and returns its path; `cleanup` removes it. */
export async function tempDir(prefix = 'ixhaus-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** The sizes of the small demo store most tests share (users, teams and the rest keep the demo's defaults). */
export const SMALL_DEMO_SIZES = { persons: 10, creditors: 3, owners: 3, objects: 3 } as const;

interface DemoTemplate {
  /** the store file, in a temp folder of this test run (removed when the process exits) */
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly admin: Actor;
  readonly haupt: Actor;
}
let demoTemplate: Promise<DemoTemplate> | undefined;

/**
 * The small demo store, generated once per test run (mocha runs all files in one process) and copied for each test:
 * generating hashes 30 demo passwords with scrypt (about 50 ms and 16 MiB each), which made "a fresh demo store per
 * test" the slow part of the suite (issue 18). The actors come from one real sign-in on that store.
 */
function smallDemoTemplate(): Promise<DemoTemplate> {
  demoTemplate ??= (async () => {
    const dir = fsSync.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-test-run-'));
    process.once('exit', () => fsSync.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'small-demo.sqlite');
    const store = new SqlJsAsyncStore(
      await Store.create(file, {
        populate: async (s) => void (await generateDemoData(s, { sizes: SMALL_DEMO_SIZES })),
      }),
    );
    let admin: Actor;
    let haupt: Actor;
    try {
      admin = await signIn(store, DEMO_ADMIN_LOGIN, DEMO_PASSWORD);
      haupt = await signIn(store, DEMO_HAUPTBENUTZER_LOGIN, DEMO_PASSWORD);
    } finally {
      await store.close();
    }
    // read after the close (which saves): the bytes, the file and its PostgreSQL copy hold the same rows
    return { file, bytes: await fs.readFile(file), admin, haupt };
  })();
  return demoTemplate;
}

/** Which backend the core tests run on: `IXHAUS_TEST_BACKEND=postgres` (a second mocha run) or the sql.js file. */
export const TEST_BACKEND: StoreBackend = process.env.IXHAUS_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

/** Skips the calling test or suite on PostgreSQL (for what only a file store has: locks, checksums, `.bak`). */
export function fileBackendOnly(context: Mocha.Context): void {
  if (TEST_BACKEND === 'postgres') context.skip();
}

/**
 * A fresh copy of the run's small demo store on the backend under test ({@link TEST_BACKEND}), as the core's
 * asynchronous store, with the admin and the Hauptbenutzer signed in. sqlite: in memory. postgres: a new database
 * cloned from the run's demo template database, opened as the documented runtime role. Close it after the test.
 */
export async function smallDemoDb(): Promise<{ db: AsyncStore; admin: Actor; haupt: Actor }> {
  const template = await smallDemoTemplate();
  if (TEST_BACKEND === 'postgres') {
    const { postgresDemoDb } = await import('./storeBackends');
    return { db: await postgresDemoDb(template.file), admin: template.admin, haupt: template.haupt };
  }
  const db = new SqlJsAsyncStore(await Store.inMemory({ image: template.bytes }));
  return { db, admin: template.admin, haupt: template.haupt };
}

/**
 * For suites whose tests open their own stores: call in the `describe` body; it closes every store handed to the
 * returned function after each test (a PostgreSQL test store holds a pool and a database until closed).
 * Usage: `const closing = closeAfterEach(); … const { db } = closing(await smallDemoDb());`
 */
export function closeAfterEach(): <T extends { readonly db: AsyncStore }>(opened: T) => T {
  const open: AsyncStore[] = [];
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close();
  });
  return (opened) => {
    open.push(opened.db);
    return opened;
  };
}

/** A fresh, empty (migrated, no users) store on the backend under test. Close it after the test. */
export async function emptyDb(): Promise<AsyncStore> {
  if (TEST_BACKEND === 'postgres') {
    const { postgresEmptyDb } = await import('./storeBackends');
    return postgresEmptyDb();
  }
  return new SqlJsAsyncStore(await Store.inMemory());
}

/**
 * `source` (a sql.js store a test generated itself, e.g. demo data for a fixed date) on the backend under test:
 * sqlite: `source` itself as the asynchronous store; postgres: a copy in a fresh empty database (`source` is closed).
 * Close the result after the test.
 */
export async function onTestBackend(source: Store): Promise<AsyncStore> {
  const file = new SqlJsAsyncStore(source);
  if (TEST_BACKEND !== 'postgres') return file;
  const [{ postgresEmptyDb }, { copyStore }] = await Promise.all([
    import('./storeBackends'),
    import('../src/core/store/copyStore'),
  ]);
  const db = await postgresEmptyDb();
  try {
    await copyStore(file, db);
  } catch (error) {
    await db.close();
    throw error;
  } finally {
    await file.close();
  }
  return db;
}

/** The column names of `table` on either backend (SQLite `pragma_table_info`, PostgreSQL `information_schema`). */
export async function tableColumns(db: AsyncStore, table: string): Promise<string[]> {
  const rows =
    db.backend === 'sqlite'
      ? await db.query<{ name: string }>('SELECT name FROM pragma_table_info(?)', [table])
      : await db.query<{ name: string }>(
          'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?',
          [table],
        );
  return rows.map((r) => r.name);
}

/** Copies the run's small demo store file (logins admin / haupt, password demo) to `file` and returns `file` (CLI tests). */
export async function smallDemoStoreFile(file: string): Promise<string> {
  const template = (await smallDemoTemplate()).file;
  await fs.copyFile(template, file);
  // the checksum file holds checksums of the bytes only (no path), so the copy opens as a saved store would
  await fs.copyFile(checksumPathOf(template), checksumPathOf(file));
  return file;
}

/** The outcome of a run of the built CLI. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI asynchronously: for tests whose peers (SMTP, webhook, Graph) live in this process and must keep
 * answering while the CLI runs.
 */
export function runBuiltCliAsync(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(__dirname, '..', 'dist', 'cli.js'), ...args],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

/**
 * A worker process (`node --import tsx SCRIPT ARGS…`) that prints `ready` once loaded and starts its work on a line
 * on stdin (`go()`), so that several workers start at the same moment; `done` resolves with its exit and output.
 */
export function startReadyWorker(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
): { ready: Promise<void>; go: () => void; done: Promise<{ code: number | null; out: string; err: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const ready = new Promise<void>((resolve) =>
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('ready\n')) resolve();
    }),
  );
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, out, err })),
  );
  return { ready, go: () => child.stdin.end('go\n'), done };
}

/** Runs the built CLI (dist/cli.js, the artifact users run) with extra environment variables. */
export function runBuiltCli(
  args: readonly string[],
  env: Record<string, string> = {},
): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(__dirname, '..', 'dist', 'cli.js'), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
