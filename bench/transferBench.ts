/**
 * "Verantwortlichen ändern" at scale (issue 8; issue 19 "Verantwortlichen ändern 100k assignments ≤ 3 s"): an
 * in-memory demo store plus 50,000 Meldungen whose responsible and deputy are one user = 100,000 assignments. Per
 * run: preview (plan), apply (re-check, batch items, update, one audit row each, in one transaction), undo — on the
 * sql.js file backend and on a copy in a throw-away PostgreSQL cluster on 127.0.0.1 as the runtime role.
 *
 * `bench/bench.ts` uses {@link transferBenchStore}, {@link transferRuns} and {@link withPostgresCopy} for its rows;
 * standalone, `npx tsx bench/transferBench.ts [--runs N] [--profile] [--sqljs-only | --postgres-only]` prints the
 * same numbers and, with `--profile`, the time per statement (SQL text shortened) summed per phase, to see where a
 * transfer spends its time.
 */
import { generateDemoData } from '../src/core/demo/demoData';
import { Store } from '../src/core/store/database';
import { SqlJsAsyncStore } from '../src/core/store/sqlJsAsyncStore';
import type { AsyncQueryable, AsyncStore, AsyncTransaction, SqlParam, SqlRow } from '../src/core/store/asyncStore';
import type { PostgresLocation } from '../src/core/store/location';
import type { TransferModule, TransferRole } from '../src/core/responsibility/transferRequest';
import type { Actor } from '../src/core/access/rights';
import { signIn } from '../src/core/users/auth';
import { planTransfer } from '../src/core/responsibility/transferPlanner';
import { applyTransfer, undoTransfer } from '../src/core/responsibility/transferService';

/** The request every run makes: all 100,000 Meldungen assignments of one user to `haupt`. */
export interface TransferBenchRequest {
  readonly fromLogin: string;
  readonly toLogin: string;
  readonly modules: readonly TransferModule[];
  readonly roles: readonly TransferRole[];
  readonly includeClosed: boolean;
}

/** The bench store: the synchronous engine (for counting), its async adapter, the signed-in admin, the request. */
export interface TransferBenchStore {
  readonly store: Store;
  readonly db: AsyncStore;
  readonly admin: Actor;
  readonly request: TransferBenchRequest;
}

/** Builds the in-memory demo store with 100,000 extra assignments of one user (about 1 s). */
export async function transferBenchStore(): Promise<TransferBenchStore> {
  const store = await Store.inMemory();
  await generateDemoData(store, { sizes: { persons: 10, creditors: 3, owners: 3, objects: 200 } });
  const db = new SqlJsAsyncStore(store);
  const admin = await signIn(db, 'admin', 'demo');
  const from = store.get<{ id: number; login: string }>(
    "SELECT id, login FROM users WHERE active = 1 AND login NOT IN ('admin', 'haupt') ORDER BY id LIMIT 1",
  );
  if (!from) throw new Error('no demo user');
  // bulk set-up on the synchronous engine (nothing of the async adapter is running yet), like the demo generator
  store.transaction(() => {
    const objects = store.all<{ id: number }>('SELECT id FROM objects').map((r) => r.id);
    for (let i = 0; i < 50_000; i++) {
      const objectId = objects[i % objects.length] ?? 1;
      const id = store.insertId(
        "INSERT INTO meldungen (meldung_no, object_id, subject, kind, priority, status, reported_at, closed) VALUES (?, ?, ?, 'Wasserschaden', 'normal', 'offen', '2026-01-01T00:00:00Z', 0) RETURNING id",
        [900_000 + i, objectId, `Bench ${i}`],
      );
      store.run(
        "INSERT INTO responsibilities (module, object_id, record_id, user_id, role) VALUES ('meldungen', ?, ?, ?, 'responsible'), ('meldungen', ?, ?, ?, 'deputy')",
        [objectId, id, from.id, objectId, id, from.id],
      );
    }
  });
  const request: TransferBenchRequest = {
    fromLogin: from.login,
    toLogin: 'haupt',
    modules: ['meldungen'],
    roles: ['responsible', 'deputy'],
    includeClosed: true,
  };
  return { store, db, admin, request };
}

/** Times of {@link transferRuns}, ms per run. */
export interface TransferRunTimes {
  readonly plans: number[];
  readonly applies: number[];
  readonly undos: number[];
  readonly total: number;
}

/** Runs preview → apply → undo `runs` times on `db` (either backend); times in ms. */
export async function transferRuns(
  db: AsyncStore,
  admin: Actor,
  request: TransferBenchRequest,
  runs: number,
  onPhase?: (phase: 'preview' | 'apply' | 'undo') => void,
): Promise<TransferRunTimes> {
  const plans: number[] = [];
  const applies: number[] = [];
  const undos: number[] = [];
  let total = 0;
  for (let i = 0; i < runs; i++) {
    onPhase?.('preview');
    let t = performance.now();
    const plan = await planTransfer(db, admin, {
      ...request,
      modules: [...request.modules],
      roles: [...request.roles],
    });
    plans.push(performance.now() - t);
    onPhase?.('apply');
    t = performance.now();
    const result = await applyTransfer(db, admin, plan.request, plan.fingerprint, plan.total);
    applies.push(performance.now() - t);
    total = result.total;
    onPhase?.('undo');
    t = performance.now();
    await undoTransfer(db, admin, result.batchId);
    undos.push(performance.now() - t);
  }
  return { plans, applies, undos, total };
}

/**
 * Copies `source` into a new database of a throw-away PostgreSQL cluster on 127.0.0.1 and runs `body` on it as the
 * runtime role; undefined (row skipped) without the PostgreSQL binaries.
 */
export async function withPostgresCopy<T>(
  source: AsyncStore,
  body: (pg: AsyncStore) => Promise<T>,
): Promise<T | undefined> {
  const peers = await import('../test/peers/postgres');
  if (!peers.postgresBinariesPresent()) return undefined;
  const { PostgresStore } = await import('../src/core/store/postgres/postgresStore');
  const { copyStore } = await import('../src/core/store/copyStore');
  const { parseStoreLocation } = await import('../src/core/store/location');
  const cluster = await peers.startPostgresCluster();
  try {
    const database = await cluster.freshDatabase();
    const at = (user: string): PostgresLocation =>
      parseStoreLocation(`postgres://${user}@127.0.0.1:${cluster.port}/${database}`) as PostgresLocation;
    await (await PostgresStore.open(at(peers.OWNER_ROLE), { password: peers.OWNER_PASSWORD })).close();
    const pg = await PostgresStore.open(at(peers.APP_ROLE), { password: peers.APP_PASSWORD });
    try {
      await copyStore(source, pg);
      return await body(pg);
    } finally {
      await pg.close();
    }
  } finally {
    await cluster.stop();
  }
}

// ---------------------------------------------------------------- standalone: --profile

/** Per phase → statement (shortened SQL) → [calls, ms]. */
type Profile = Map<string, Map<string, [number, number]>>;

/**
 * Wraps a store so that every statement (outside and inside transactions) is timed and summed under the current
 * phase. Measurement only: a thin pass-through, the store's own behaviour is unchanged.
 */
function profiled(inner: AsyncStore, profile: Profile, phase: () => string): AsyncStore {
  const key = (sql: string): string => sql.replace(/\s+/g, ' ').trim().slice(0, 90);
  const timed = async <R>(sql: string, run: () => Promise<R>): Promise<R> => {
    const t = performance.now();
    try {
      return await run();
    } finally {
      const byStatement = profile.get(phase()) ?? new Map<string, [number, number]>();
      profile.set(phase(), byStatement);
      const entry = byStatement.get(key(sql)) ?? [0, 0];
      entry[0]++;
      entry[1] += performance.now() - t;
      byStatement.set(key(sql), entry);
    }
  };
  const wrap = <Q extends AsyncQueryable>(q: Q): AsyncQueryable => ({
    query: <R extends SqlRow = SqlRow>(sql: string, params?: readonly SqlParam[]) =>
      timed(sql, () => q.query<R>(sql, params)),
    get: <R extends SqlRow = SqlRow>(sql: string, params?: readonly SqlParam[]) =>
      timed(sql, () => q.get<R>(sql, params)),
    run: (sql: string, params?: readonly SqlParam[]) => timed(sql, () => q.run(sql, params)),
  });
  return {
    ...wrap(inner),
    backend: inner.backend,
    location: inner.location,
    readOnly: inner.readOnly,
    transaction: <T>(body: (tx: AsyncTransaction) => Promise<T>) =>
      timed('(transaction: BEGIN … COMMIT incl. body)', () =>
        inner.transaction((tx) => body({ ...wrap(tx), lock: (r: string) => timed(`lock ${r}`, () => tx.lock(r)) })),
      ),
    onDidChange: (listener) => inner.onDidChange(listener),
    schemaVersion: () => inner.schemaVersion(),
    close: () => inner.close(),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function report(label: string, times: TransferRunTimes): void {
  const fmt = (values: readonly number[]): string =>
    `median ${median(values).toFixed(0)} ms (min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)})`;
  console.log(`${label}: ${times.total.toLocaleString('en')} assignments, ${times.plans.length} runs`);
  console.log(`  preview          ${fmt(times.plans)}`);
  console.log(`  apply            ${fmt(times.applies)}`);
  console.log(`  preview + apply  ${fmt(times.plans.map((p, i) => p + (times.applies[i] ?? 0)))}`);
  console.log(`  undo             ${fmt(times.undos)}`);
}

function printProfile(profile: Profile, runs: number): void {
  for (const [phase, byStatement] of profile) {
    console.log(`  ${phase} (ms per run):`);
    for (const [sql, [calls, ms]] of [...byStatement].sort((a, b) => b[1][1] - a[1][1]))
      console.log(`    ${(ms / runs).toFixed(1).padStart(8)}  ×${String(calls / runs).padEnd(5)} ${sql}`);
  }
}

async function main(): Promise<void> {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
  const profile = process.argv.includes('--profile');
  const bench = await transferBenchStore();
  const measure = async (label: string, db: AsyncStore): Promise<void> => {
    let phase = 'set-up';
    const spent: Profile = new Map();
    const store = profile ? profiled(db, spent, () => phase) : db;
    const times = await transferRuns(store, bench.admin, bench.request, runs, (p) => (phase = p));
    report(label, times);
    if (profile) printProfile(spent, runs);
  };
  if (!process.argv.includes('--postgres-only')) await measure('sql.js', bench.db);
  if (!process.argv.includes('--sqljs-only')) {
    const done = await withPostgresCopy(bench.db, async (pg) => {
      await measure('PostgreSQL (loopback, runtime role)', pg);
      return true;
    });
    if (!done) console.log('PostgreSQL: skipped, binaries missing (scripts/install-postgres.sh)');
  }
  await bench.db.close();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
