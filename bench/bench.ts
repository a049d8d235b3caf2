/**
 * `npm run bench`: speed and memory of the suite, printed as a table and written to bench/results.json (machine,
 * Node, commit; each metric with min/median/max over repeated runs). Numbers, never assertions: nothing here fails
 * a build. Metrics of features that have not landed yet are listed as skipped, with the reason.
 *
 * Options: --parties N (largest store, default 1,000,000), --quick (100k instead of 1M; fewer runs),
 * --store-only (only the store open/save rows at the demo size and at N parties; results.json is then marked partial),
 * --postgres (only the PostgreSQL rows: `store copy` of the N-party demo file and the caller lookup at N parties,
 * each on a throw-away cluster on 127.0.0.1; also part of the full run; results.json is then marked partial).
 */
import { execFileSync, execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { buildSync } from 'esbuild';
import { DEMO_LICENSE_KEY, demoLicensePayload, generateDemoData } from '../src/core/demo/demoData';
import type { DemoSizes } from '../src/core/demo/demoData';
import { DEMO_KID, demoPrivateKey } from '../src/core/license/demoVendorKey';
import { issueLicenseFile, licenseKeyFileText } from '../src/core/license/licenseIssuer';
import { buildTrustedKeys, diffLicenses, installedPayload, verifyForStore } from '../src/core/license/licenseService';
import { fetchLicenses } from '../src/core/license/licenseFetch';
import { generateLicenseKey, licenseFileBaseName } from '../src/core/license/licenseIssuer';
import { DEMO_ADMIN_LOGIN, DEMO_PASSWORD } from '../src/core/demo/demoData';
import { signIn } from '../src/core/users/auth';
import { buildSearchIndex, searchSettings } from '../src/core/settings/catalog';
import { Store } from '../src/core/store/database';
import { SqlJsAsyncStore } from '../src/core/store/sqlJsAsyncStore';
import { SFTP_TEST_PASSWORD, SFTP_TEST_USER, startSshd } from '../test/peers/sshd';
import { loadSqlJs } from '../src/core/store/sqlJs';
import { writeFileAtomic } from '../src/core/store/atomicFile';
import { checksumOf } from '../src/core/store/storeChecksum';
import { mailSamples } from './mailProbe';
import { journalWrite, lookupLatency, ringToAlert } from './ctiBench';
import {
  benchPersons,
  importBenchStore,
  importReadBench,
  importWriteBench,
  importWritePostgresBench,
} from './importBench';
import { exportCsv, exportXlsx } from '../src/core/import/exportWriter';
import { monitorMemory } from './monitorBench';
import { postgresLookupLatency, storeCopyToPostgres } from './postgresBench';
import { transferBenchStore, transferRuns, withPostgresCopy } from './transferBench';

const root = path.join(__dirname, '..');
const quick = process.argv.includes('--quick');
const partiesArg = process.argv.indexOf('--parties');
const BIG = partiesArg > 0 ? Number(process.argv[partiesArg + 1]) : quick ? 100_000 : 1_000_000;
const storeOnly = process.argv.includes('--store-only');
const postgresOnly = process.argv.includes('--postgres');

interface Metric {
  name: string;
  unit: string;
  min: number | null;
  median: number | null;
  max: number | null;
  runs: number;
  goal?: string;
  note?: string;
}

const metrics: Metric[] = [];
const benchStarted = Date.now();

/** Progress on stderr, so that a slow phase is visible. */
function phase(text: string): void {
  process.stderr.write(`[bench ${((Date.now() - benchStarted) / 1000).toFixed(1)} s] ${text}\n`);
}

function stats(name: string, unit: string, values: number[], extra: Partial<Metric> = {}): Metric {
  const sorted = [...values].sort((a, b) => a - b);
  const metric = {
    name,
    unit,
    min: sorted[0] ?? null,
    median: sorted[Math.floor(sorted.length / 2)] ?? null,
    max: sorted[sorted.length - 1] ?? null,
    runs: values.length,
    ...extra,
  };
  metrics.push(metric);
  return metric;
}

function skip(name: string, reason: string, goal?: string): void {
  metrics.push({
    name,
    unit: '',
    min: null,
    median: null,
    max: null,
    runs: 0,
    note: `skipped: ${reason}`,
    ...(goal ? { goal } : {}),
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function timed(body: () => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  await body();
  return performance.now() - t;
}

/** Creates a demo store of `parties` parties split like the default demo (persons 68 %, creditors 11 %, owners 21 %). */
async function makeStore(file: string, parties: number): Promise<{ ms: number; mb: number }> {
  const sizes: Partial<DemoSizes> = {
    persons: Math.round(parties * 0.68),
    creditors: Math.round(parties * 0.11),
    owners: parties - Math.round(parties * 0.68) - Math.round(parties * 0.11),
  };
  const started = performance.now();
  const store = await Store.create(file, { populate: async (s) => void (await generateDemoData(s, { sizes })) });
  const ms = performance.now() - started;
  const mb = store.facts().sizeBytes / 1048576;
  await store.close();
  return { ms, mb };
}

/** Opens the store in a fresh process (as a new window would) `runs` times: open time and peak RSS. `full`: with quick_check, as before issue 15. */
function openInChild(
  file: string,
  runs: number,
  full = false,
): Array<{ openMs: number; sizeBytes: number; peakRssMB: number }> {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(
      process.execPath,
      [
        path.join(root, 'node_modules/tsx/dist/cli.mjs'),
        path.join(__dirname, 'openProbe.ts'),
        file,
        ...(full ? ['full'] : []),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    results.push(
      JSON.parse(out.trim().split('\n').pop() ?? '{}') as { openMs: number; sizeBytes: number; peakRssMB: number },
    );
  }
  return results;
}

async function storeMetrics(label: string, file: string, runs: number): Promise<void> {
  const opened = openInChild(file, runs);
  const mb = (opened[0]?.sizeBytes ?? 0) / 1048576;
  stats(
    `store ${label}: open (${mb.toFixed(1)} MB; lock, read, checksum, load)`,
    'ms/MB',
    opened.map((o) => o.openMs / mb),
    { goal: '≤ 2 ms/MB' },
  );
  const openedOld = openInChild(file, runs, true);
  stats(
    `store ${label}: open with quick_check (every open before issue 15)`,
    'ms/MB',
    openedOld.map((o) => o.openMs / mb),
    { note: 'now only without a checksum file, and store check --full' },
  );
  stats(
    `store ${label}: open, absolute`,
    'ms',
    opened.map((o) => o.openMs),
  );
  stats(
    `store ${label}: peak RSS of a process opening it`,
    'MB',
    opened.map((o) => o.peakRssMB),
  );
  // where open's time goes, in this process
  const SQL = await loadSqlJs();
  const parts = { read: [] as number[], checksum: [] as number[], load: [] as number[] };
  for (let i = 0; i < runs; i++) {
    let bytes = Buffer.alloc(0);
    parts.read.push((await timed(async () => void (bytes = await fs.promises.readFile(file)))) / mb);
    parts.checksum.push((await timed(() => checksumOf(bytes))) / mb);
    parts.load.push((await timed(() => new SQL.Database(bytes).close())) / mb);
  }
  stats(`store ${label}: open part: read the file`, 'ms/MB', parts.read);
  stats(`store ${label}: open part: checksum (${checksumOf(Buffer.alloc(1)).algorithm})`, 'ms/MB', parts.checksum);
  stats(`store ${label}: open part: sql.js load`, 'ms/MB', parts.load);
  const store = await Store.open(file);
  const saves: number[] = [];
  for (let i = 0; i < runs; i++) {
    store.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('bench', ?)", [String(i)]);
    saves.push((await timed(() => store.save())) / mb);
  }
  // where save's time goes: sql.js export() (copies the database out of WASM memory), and the atomic write
  const exports: number[] = [];
  const writes: number[] = [];
  const scratch = path.join(path.dirname(file), `scratch-${path.basename(file)}`);
  for (let i = 0; i < runs; i++) {
    let bytes: Uint8Array = new Uint8Array();
    exports.push((await timed(() => void (bytes = store.rawDatabaseForTests().export()))) / mb);
    writes.push((await timed(() => writeFileAtomic(scratch, bytes, { keepBackup: true }))) / mb);
  }
  await store.close();
  fs.rmSync(scratch, { force: true });
  fs.rmSync(`${scratch}.bak`, { force: true });
  stats(`store ${label}: atomic save (export, checksum, fsync, rename)`, 'ms/MB', saves, { goal: '≤ 2 ms/MB' });
  stats(`store ${label}: save part: sql.js export()`, 'ms/MB', exports);
  stats(`store ${label}: save part: write + fsync + .bak link + rename + folder fsync`, 'ms/MB', writes);
}

/**
 * The caller lookup's query shape — an indexed point query returning a party's numbers — on the same file in
 * sql.js and in better-sqlite3 (native SQLite), p50/p99 over `n` random keys, and their ratio.
 */
async function pointQueryMetrics(label: string, file: string, n: number): Promise<void> {
  const sql = 'SELECT raw, kind FROM phone_numbers WHERE person_id = ?';
  const store = await Store.open(file, { readOnly: true });
  const maxPerson = Number(store.scalar('SELECT max(id) FROM persons'));
  const keys = Array.from({ length: n }, () => 1 + Math.floor(Math.random() * maxPerson));
  const sqljs: number[] = [];
  for (const key of keys.slice(0, 2000)) store.all(sql, [key]); // warm-up: JIT tiers and page cache
  for (const key of keys) {
    const t = performance.now();
    store.all(sql, [key]);
    sqljs.push((performance.now() - t) * 1000);
  }
  await store.close();
  const native = new Database(file, { readonly: true, fileMustExist: true });
  const statement = native.prepare(sql);
  const bs3: number[] = [];
  for (const key of keys.slice(0, 2000)) statement.all(key);
  for (const key of keys) {
    const t = performance.now();
    statement.all(key);
    bs3.push((performance.now() - t) * 1000);
  }
  native.close();
  sqljs.sort((a, b) => a - b);
  bs3.sort((a, b) => a - b);
  const row = (engine: string, v: number[]): Metric =>
    stats(`point query ${label}: ${engine} p50`, 'µs', [percentile(v, 50)], {
      note: `p99 ${percentile(v, 99).toFixed(1)} µs over ${n} queries`,
    });
  row('sql.js', sqljs);
  row('better-sqlite3', bs3);
  stats(`point query ${label}: sql.js / better-sqlite3 (p99)`, '×', [percentile(sqljs, 99) / percentile(bs3, 99)], {
    goal: '≤ 3×',
  });
  stats(`point query ${label}: sql.js p99`, 'ms', [percentile(sqljs, 99) / 1000], { goal: '≤ 1 ms' });
}

/**
 * "Verantwortlichen ändern" at scale (issue 8; bench/transferBench.ts): 100,000 assignments of one user; preview,
 * apply (incl. one audit row each) and undo on sql.js and on a PostgreSQL copy. The goal counts apply including its
 * audit rows.
 */
async function transferMetrics(runs: number): Promise<void> {
  const { store, db, admin, request } = await transferBenchStore();
  const { plans, applies, undos, total } = await transferRuns(db, admin, request, runs);
  const audit = Number(store.scalar("SELECT count(*) FROM audit_log WHERE action = 'responsible.transfer'"));
  // the same store on PostgreSQL (issue 19 "Verantwortlichen ändern 100k assignments ≤ 3 s")
  const onPostgres = await withPostgresCopy(db, (pg) => transferRuns(pg, admin, request, runs));
  await db.close();
  if (onPostgres) {
    stats(
      `responsible transfer on PostgreSQL: preview + apply of ${onPostgres.total.toLocaleString('en')}`,
      'ms',
      onPostgres.plans.map((p, i) => p + (onPostgres.applies[i] ?? 0)),
      { goal: '≤ 3000 ms', note: 'loopback, the runtime role; same request as the sql.js rows' },
    );
    stats(
      `responsible transfer on PostgreSQL: undo of ${onPostgres.total.toLocaleString('en')}`,
      'ms',
      onPostgres.undos,
    );
  }
  stats(`responsible transfer: preview of ${total.toLocaleString('en')} assignments`, 'ms', plans);
  stats(`responsible transfer: apply ${total.toLocaleString('en')} assignments incl. audit rows`, 'ms', applies, {
    goal: '≤ 2000 ms',
    note: `${audit.toLocaleString('en')} audit rows over ${runs} runs`,
  });
  stats(
    `responsible transfer: preview + apply of ${total.toLocaleString('en')}`,
    'ms',
    plans.map((p, i) => p + (applies[i] ?? 0)),
  );
  stats(`responsible transfer: undo of ${total.toLocaleString('en')} assignments`, 'ms', undos);
}

/** CTI (issue 9): caller lookup p50/p99 (normalisation + index + names) and RING on the socket → alert p95. */
async function ctiMetrics(label: string, file: string): Promise<void> {
  phase(`CTI ${label}`);
  const lookup = await lookupLatency(file, 20_000);
  stats(`caller lookup ${label}: p50`, 'µs', [lookup.p50], { note: `${lookup.matched} of ${lookup.n} matched` });
  stats(`caller lookup ${label}: p99`, 'ms', [lookup.p99 / 1000], { goal: '≤ 1 ms' });
  const ring = await ringToAlert(file, quick ? 200 : 1000);
  stats(`RING line on the socket → alert (lookup done) ${label}: p95`, 'ms', [ring.p95], {
    goal: '≤ 100 ms p95',
    note: `p50 ${ring.p50.toFixed(2)} ms, max ${ring.max.toFixed(2)} ms over ${ring.calls} calls; the blocked-call hold (default 500 ms, ixhaus.cti.blockedCallMs) comes on top`,
  });
  const journal = await journalWrite(file, quick ? 200 : 1000);
  stats(
    `journal writes per call (ring, answer, hang up: insert with lookup + 2 updates) ${label}: p95`,
    'ms',
    [journal.p95],
    {
      note: `p50 ${journal.p50.toFixed(2)} ms, max ${journal.max.toFixed(2)} ms over ${journal.calls} calls; saving to disk not included`,
    },
  );
}

/** `copy 30.1 s (read + hash source, insert), verify 8.0 s, …` from CopySummary.phasesMs. */
function phasesNote(phases: { copy: number; sequences: number; verify: number; commit: number }): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  return `copy ${s(phases.copy)} (source read + hash, COPY on the server, overlapped), sequences ${s(phases.sequences)}, verify ${s(phases.verify)} (read back + hash), commit ${s(phases.commit)}`;
}

/**
 * PostgreSQL beside sql.js (issue 19 "Speed"): `store copy` of the `parties` demo file into a new database (one
 * transaction, verified) and the caller lookup p99 at `parties` on PostgreSQL (bench/postgresBench.ts).
 */
async function postgresMetrics(file: string, parties: number): Promise<void> {
  const label = `${parties.toLocaleString('en')} parties`;
  phase(`PostgreSQL: store copy ${label}`);
  const load = (): string => `load average ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores`;
  const loadBefore = load();
  const copy = await storeCopyToPostgres(file);
  if (copy === undefined) {
    skip(`store copy: ${label} demo file → PostgreSQL (loopback)`, 'PostgreSQL 15 binaries missing', '≤ 60 s');
    skip(`caller lookup ${label} on PostgreSQL: p99`, 'PostgreSQL 15 binaries missing', '≤ 2 ms');
    return;
  }
  stats(`store copy: ${label} demo file → PostgreSQL (loopback)`, 's', [copy.ms / 1000], {
    goal: '≤ 60 s',
    note: `${copy.rows.toLocaleString('en')} rows in ${copy.tables} tables, ${Math.round(copy.rows / (copy.ms / 1000)).toLocaleString('en')} rows/s, verified; ${phasesNote(copy.phasesMs)}; opening the file ${(copy.openMs / 1000).toFixed(1)} s not included; ${loadBefore} before, ${load()} after`,
  });
  phase(`PostgreSQL: caller lookup ${label}`);
  const lookup = await postgresLookupLatency(parties, quick ? 5_000 : 20_000);
  if (lookup === undefined) return;
  stats(`caller lookup ${label} on PostgreSQL: p99`, 'ms', [lookup.p99], {
    goal: '≤ 2 ms',
    note: `p50 ${lookup.p50.toFixed(2)} ms, p95 ${lookup.p95.toFixed(2)} ms, max ${lookup.max.toFixed(1)} ms; ${lookup.matched} of ${lookup.lookups} matched; loading the rows ${(lookup.loadMs / 1000).toFixed(1)} s`,
  });
}

async function activationMetrics(): Promise<void> {
  const hostBin = path.join(root, 'vscode-host/node_modules/.bin/code-server');
  if (!fs.existsSync(hostBin) || !fs.existsSync('/usr/bin/chromium')) {
    skip(
      'extension activate() in VS Code 1.100.3',
      'the VS Code host is not installed (bash scripts/install-vscode-host.sh)',
      '≤ 30 ms',
    );
    return;
  }
  buildSync({
    entryPoints: [path.join(__dirname, 'activationProbe.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['vscode'],
    outfile: path.join(root, 'out/bench/activationProbe.js'),
    logLevel: 'warning',
  });
  const { launchHost } = (await import(path.join(root, 'vscode-host/host.mjs'))) as {
    launchHost: (o: object) => Promise<{ exited: Promise<number>; close: (o?: object) => Promise<void> }>;
  };
  const activation: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-bench-act-')), 'result.json');
    const host = await launchHost({
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out/bench/activationProbe.js'),
      env: { IXHAUS_BENCH_OUT: out },
      log: () => undefined,
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([host.exited, new Promise((r) => (timer = setTimeout(r, 120_000)))]);
    } finally {
      clearTimeout(timer);
      await host.close({ rm: true });
    }
    if (fs.existsSync(out)) {
      const r = JSON.parse(fs.readFileSync(out, 'utf8')) as { activationMs: number; storeReadyMs: number };
      activation.push(r.activationMs);
      ready.push(r.storeReadyMs);
    }
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
  stats('extension activate() in VS Code 1.100.3', 'ms', activation, { goal: '≤ 30 ms' });
  stats('store ready after activation, first start (creates the demo store)', 'ms', ready);
}

/**
 * "Lizenzen abrufen" of 10 license pairs from a real OpenSSH sshd on 127.0.0.1 (test/peers/sshd.ts): connect,
 * handshake, auth, list, 20 downloads, 10 verifications + diffs. Needs /usr/sbin/sshd and root (as in CI).
 */
async function sftpFetchMetrics(dir: string, demo: string): Promise<void> {
  if (!fs.existsSync('/usr/sbin/sshd')) {
    skip('Lizenzen abrufen: 10 license pairs over SFTP', 'no /usr/sbin/sshd (apt-get install openssh-server)');
    return;
  }
  const sshdDir = fs.mkdtempSync(path.join(dir, 'sshd-'));
  const sshd = await startSshd(sshdDir);
  const store = new SqlJsAsyncStore(await Store.open(demo));
  try {
    const remote = path.join(sshd.serveDir, 'lizenzen');
    fs.mkdirSync(remote, { mode: 0o755 });
    for (let i = 0; i < 10; i++) {
      const payload = { ...demoLicensePayload(new Date()), licenseNo: `BENCH-${i}`, serial: 1 };
      const key = generateLicenseKey();
      const base = path.join(remote, licenseFileBaseName(payload));
      fs.writeFileSync(`${base}.lic`, issueLicenseFile(payload, { kid: DEMO_KID, privateKey: demoPrivateKey() }, key), {
        mode: 0o644,
      });
      fs.writeFileSync(`${base}.txt`, licenseKeyFileText(key), { mode: 0o644 });
    }
    const admin = await signIn(store, DEMO_ADMIN_LOGIN, DEMO_PASSWORD);
    const total: number[] = [];
    const connect: number[] = [];
    for (let run = 0; run < (quick ? 3 : 10); run++) {
      const result = await fetchLicenses(store, admin, {
        target: { host: '127.0.0.1', port: sshd.port, username: SFTP_TEST_USER },
        credential: { kind: 'password', password: SFTP_TEST_PASSWORD },
        knownHostKey: sshd.fingerprint,
        remoteDir: remote,
        trustedKeys: buildTrustedKeys().keys,
      });
      if (result.candidates.length !== 10) throw new Error(`expected 10 candidates, got ${result.candidates.length}`);
      total.push(result.timings.totalMs);
      connect.push(result.timings.connectMs);
    }
    stats('Lizenzen abrufen: 10 license pairs over SFTP (127.0.0.1, whole fetch)', 'ms', total);
    stats('Lizenzen abrufen: of which connect + handshake + auth', 'ms', connect);
  } finally {
    await store.close();
    await sshd.stop();
  }
}

async function main(): Promise<void> {
  await loadSqlJs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-bench-'));
  try {
    if (postgresOnly) {
      phase(`PostgreSQL only (--postgres): ${BIG} parties`);
      const big = path.join(dir, 'big.sqlite');
      const bigMade = await makeStore(big, BIG);
      stats(`demo store: generate ${BIG.toLocaleString('en')} parties`, 'ms', [bigMade.ms], {
        note: `${bigMade.mb.toFixed(1)} MB`,
      });
      await postgresMetrics(big, BIG);
    } else if (storeOnly) {
      phase('store open/save only (--store-only)');
      const demo = path.join(dir, 'demo.sqlite');
      await makeStore(demo, 7300);
      await storeMetrics('default demo', demo, 5);
      phase(`${BIG} parties`);
      const big = path.join(dir, 'big.sqlite');
      const bigMade = await makeStore(big, BIG);
      stats(`demo store: generate ${BIG.toLocaleString('en')} parties`, 'ms', [bigMade.ms], {
        note: `${bigMade.mb.toFixed(1)} MB`,
      });
      await storeMetrics(`${BIG.toLocaleString('en')} parties`, big, 3);
    } else {
      phase('bundles');
      execFileSync(process.execPath, [path.join(root, 'esbuild.js'), '--production'], { cwd: root });
      const size = (f: string): number => fs.statSync(path.join(root, f)).size / 1024;
      stats('bundle dist/extension.js (production)', 'KB', [size('dist/extension.js')], { goal: '≤ 2048 KB' });
      stats('bundle dist/cli.js (production)', 'KB', [size('dist/cli.js')]);
      stats('sql-wasm.wasm (shipped beside the bundles)', 'KB', [size('dist/sql-wasm.wasm')]);
      const webviews = fs.existsSync(path.join(root, 'dist/webviews'))
        ? fs.readdirSync(path.join(root, 'dist/webviews')).filter((f) => f.endsWith('.js'))
        : [];
      if (webviews.length === 0) skip('webview bundles', 'no webview has landed yet', '≤ 150 KB each');
      for (const w of webviews)
        stats(`bundle dist/webviews/${w}`, 'KB', [size(`dist/webviews/${w}`)], { goal: '≤ 150 KB' });

      phase('activation in VS Code');
      await activationMetrics();
      phase('default demo store');

      // --- store at the default demo size
      const demo = path.join(dir, 'demo.sqlite');
      const made = await makeStore(demo, 7300);
      stats('demo store: generate the default demo (7,300 parties)', 'ms', [made.ms]);
      await storeMetrics('default demo', demo, quick ? 3 : 7);

      phase('100k parties');
      const mid = path.join(dir, 'p100k.sqlite');
      const midMade = await makeStore(mid, 100_000);
      stats('demo store: generate 100,000 parties', 'ms', [midMade.ms], { note: `${midMade.mb.toFixed(1)} MB` });
      await pointQueryMetrics('100k parties', mid, 20_000);
      await ctiMetrics('100k parties', mid);
      phase('import: read 100,000 persons');
      for (const r of await importReadBench(dir, 100_000, quick ? 1 : 3))
        stats(
          `import read: 100,000 persons from ${r.format.toUpperCase()} (map + validate, no store write)`,
          'rows/s',
          r.rowsPerSecond,
          {
            note: `file ${r.fileMb.toFixed(1)} MB, peak RSS ${r.peakMb.toFixed(0)} MB; the store write: the import rows below`,
          },
        );
      phase('import: write 100,000 persons (file store, PostgreSQL)');
      for (const format of ['csv', 'xlsx'] as const) {
        const file = path.join(dir, `import-write-100k.${format}`);
        const persons = benchPersons(100_000);
        fs.writeFileSync(file, format === 'csv' ? exportCsv('persons', persons) : await exportXlsx('persons', persons));
        const { store: importStore, actor } = await importBenchStore();
        const w = await importWriteBench(importStore, actor, file);
        await importStore.close();
        stats(
          `import: 100,000 persons with phone numbers from ${format.toUpperCase()} into a file store (read + plan + apply, incl. index)`,
          'ms',
          [w.ms],
          {
            goal: '≤ 15,000 ms',
            note: `read ${w.readMs.toFixed(0)}, plan ${w.planMs.toFixed(0)}, apply ${w.applyMs.toFixed(0)} ms; ${w.phones} phone numbers; peak RSS ${w.peakMb.toFixed(0)} MB; in-memory store (the file save is not included)`,
          },
        );
        const pg = await importWritePostgresBench(file);
        if (pg)
          stats(
            `import: 100,000 persons with phone numbers from ${format.toUpperCase()} into PostgreSQL (read + plan + apply, incl. index)`,
            'ms',
            [pg.ms],
            {
              goal: '≤ 15,000 ms',
              note: `read ${pg.readMs.toFixed(0)}, plan ${pg.planMs.toFixed(0)}, apply ${pg.applyMs.toFixed(0)} ms; peak RSS ${pg.peakMb.toFixed(0)} MB; throw-away cluster on 127.0.0.1, runtime role`,
            },
          );
      }
      phase('monitor: 1,000 cycles in one process');
      const monitor = await monitorMemory(1000);
      stats(
        'monitor: heap after GC at cycle 100 → 1,000',
        'MB',
        [monitor.heapMbAt[100] ?? NaN, monitor.heapMbAt[1000] ?? NaN],
        {
          goal: 'flat',
          note: `external (sql.js) ${(monitor.externalMbAt[100] ?? NaN).toFixed(1)} → ${(monitor.externalMbAt[1000] ?? NaN).toFixed(1)} MB, ${monitor.delivered} deliveries, ${monitor.msPerCycle.toFixed(2)} ms/cycle`,
        },
      );
      if (BIG > 100_000) {
        phase(`${BIG} parties`);
        const big = path.join(dir, 'big.sqlite');
        const bigMade = await makeStore(big, BIG);
        stats(`demo store: generate ${BIG.toLocaleString('en')} parties`, 'ms', [bigMade.ms], {
          note: `${bigMade.mb.toFixed(1)} MB`,
        });
        await storeMetrics(`${BIG.toLocaleString('en')} parties`, big, 3);
        await pointQueryMetrics(`${BIG.toLocaleString('en')} parties`, big, 20_000);
        await ctiMetrics(`${BIG.toLocaleString('en')} parties`, big);
        await postgresMetrics(big, BIG);
      }

      phase('licenses');
      const store = new SqlJsAsyncStore(await Store.open(demo));
      const trusted = buildTrustedKeys().keys;
      const now = new Date();
      const licenseFile = issueLicenseFile(
        { ...demoLicensePayload(now), serial: 2 },
        { kid: DEMO_KID, privateKey: demoPrivateKey() },
        DEMO_LICENSE_KEY,
      );
      const keyText = licenseKeyFileText(DEMO_LICENSE_KEY);
      const license: number[] = [];
      for (let i = 0; i < 300; i++) {
        license.push(
          await timed(async () => {
            const verified = await verifyForStore(store, licenseFile, keyText, trusted, now);
            diffLicenses((await installedPayload(store, verified.payload.licenseNo))?.payload, verified.payload);
          }),
        );
      }
      await store.close();
      stats('license: verify + decrypt + diff (11 modules)', 'ms', license, { goal: '≤ 5 ms' });
      phase('Lizenzen abrufen over SFTP');
      await sftpFetchMetrics(dir, demo);

      phase('mail: connection test against a local smtp-server');
      for (const sample of await mailSamples()) stats(sample.name, sample.unit, sample.values);

      const index = buildSearchIndex('de');
      const queries = ['cti', 'Zaehler', 'mail smtp', 'PlusGlobal', '1.30', 'Sitzung', 'xyz'];
      const search: number[] = [];
      for (let i = 0; i < 7000; i++) {
        const q = queries[i % queries.length]!;
        const t0 = process.hrtime.bigint();
        searchSettings(index, q);
        search.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
      stats('settings search over the catalogue (67 settings)', 'µs', search);
      phase('responsible transfer');
      await transferMetrics(quick ? 2 : 5);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const commit = (() => {
    try {
      return execSync('git rev-parse --short HEAD', { cwd: root, encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const result = {
    date: new Date().toISOString(),
    ...(storeOnly ? { partial: 'store rows only (--store-only)' } : {}),
    ...(postgresOnly ? { partial: 'PostgreSQL rows only (--postgres)' } : {}),
    commit,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    metrics,
  };
  fs.writeFileSync(path.join(__dirname, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  const fmt = (n: number | null): string =>
    n === null ? '–' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
  console.log(
    `\nnode ${process.version}, ${result.cpus} cores (${result.cpuModel}), ${result.memoryGiB} GiB, commit ${commit}\n`,
  );
  console.log(
    `${'metric'.padEnd(66)} ${'median'.padStart(8)} ${'min'.padStart(8)} ${'max'.padStart(8)}  ${'unit'.padEnd(6)} goal / note`,
  );
  for (const m of metrics) {
    console.log(
      `${m.name.padEnd(66)} ${fmt(m.median).padStart(8)} ${fmt(m.min).padStart(8)} ${fmt(m.max).padStart(8)}  ${m.unit.padEnd(6)} ${[m.goal, m.note].filter(Boolean).join('  ')}`,
    );
  }
  console.log(`\nwritten to ${path.relative(root, path.join(__dirname, 'results.json'))}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
