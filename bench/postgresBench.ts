/**
 * PostgreSQL benchmark piece (issue 19 "Speed": caller lookup p99 at 1M parties ≤ 2 ms on PostgreSQL): a throw-away
 * PostgreSQL 15 cluster on 127.0.0.1 (test/peers/postgres.ts), the full schema migrated by the schema-owner role,
 * N persons with one number each and their phone_index rows (shaped as the CTI index writes them: E.164, last 8
 * digits), filled server-side with generate_series; then the parameterised lookups of src/core/cti/callerLookup.ts
 * (exact: `e164 IN (?, ?, ?)`, on a miss the `last8 = ?` fallback) through PostgresStore as the runtime role, one at
 * a time over the pool, 80 % known and 20 % unknown numbers. Normalisation is not included (it is the same JS on
 * both backends and measured by the sql.js rows).
 *
 * `bench/bench.ts` can call {@link postgresLookupLatency}; standalone: `npx tsx bench/postgresBench.ts [--rows N] [--lookups N]`.
 */
import { parseStoreLocation } from '../src/core/store/location';
import type { PostgresLocation } from '../src/core/store/location';
import { PostgresStore } from '../src/core/store/postgres/postgresStore';
import {
  APP_PASSWORD,
  APP_ROLE,
  OWNER_PASSWORD,
  OWNER_ROLE,
  postgresBinariesPresent,
  startPostgresCluster,
} from '../test/peers/postgres';

const HIT_COLUMNS = `SELECT i.phone_id, i.variant, p.person_id, p.creditor_id, p.owner_id, p.kind, p.raw,
  coalesce(pe.person_no, c.creditor_no, o.owner_no) AS party_no, coalesce(pe.first_name, o.first_name) AS first_name,
  coalesce(pe.last_name, c.name, o.last_name) AS last_name, pe.company AS company
  FROM phone_index i JOIN phone_numbers p ON p.id = i.phone_id
  LEFT JOIN persons pe ON pe.id = p.person_id LEFT JOIN creditors c ON c.id = p.creditor_id LEFT JOIN owners o ON o.id = p.owner_id`;
const EXACT_SQL = `${HIT_COLUMNS} WHERE i.e164 IN (?, ?, ?)`;
const LAST8_SQL = `${HIT_COLUMNS} WHERE i.last8 = ?`;

/** Result of {@link postgresLookupLatency}; latencies in ms. */
export interface PostgresLookupResult {
  readonly rows: number;
  readonly lookups: number;
  readonly matched: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  /** time to fill the tables and ANALYZE them (ms) */
  readonly loadMs: number;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const e164Of = (n: number): string => `+4930${String(n).padStart(9, '0')}`;

/**
 * Starts a cluster, loads `rows` parties and measures `lookups` caller lookups; stops the cluster.
 * @returns undefined when the PostgreSQL binaries are missing (the bench lists the row as skipped)
 */
export async function postgresLookupLatency(
  rows = 1_000_000,
  lookups = 20_000,
): Promise<PostgresLookupResult | undefined> {
  if (!postgresBinariesPresent()) return undefined;
  const cluster = await startPostgresCluster();
  try {
    const database = await cluster.freshDatabase();
    const url = (user: string): PostgresLocation =>
      parseStoreLocation(`postgres://${user}@127.0.0.1:${cluster.port}/${database}`) as PostgresLocation;
    const owner = await PostgresStore.open(url(OWNER_ROLE), { password: OWNER_PASSWORD, statementTimeoutMs: 0 });
    const started = performance.now();
    try {
      await owner.run(
        "INSERT INTO persons (id, person_no, first_name, last_name) SELECT g, g, 'Vorname ' || g, 'Name ' || g FROM generate_series(1, ?) g",
        [rows],
      );
      await owner.run(
        "INSERT INTO phone_numbers (id, person_id, kind, raw) SELECT g, g, 'business', '030 ' || lpad(g::text, 9, '0') FROM generate_series(1, ?) g",
        [rows],
      );
      await owner.run(
        "INSERT INTO phone_index (phone_id, variant, e164, last8, extension) SELECT g, 'main', '+4930' || lpad(g::text, 9, '0'), right(lpad(g::text, 9, '0'), 8), NULL FROM generate_series(1, ?) g",
        [rows],
      );
      await owner.run('ANALYZE persons');
      await owner.run('ANALYZE phone_numbers');
      await owner.run('ANALYZE phone_index');
    } finally {
      await owner.close();
    }
    const loadMs = performance.now() - started;
    const app = await PostgresStore.open(url(APP_ROLE), { password: APP_PASSWORD });
    try {
      const callers: string[] = [];
      for (let i = 0; i < lookups; i++)
        callers.push(
          i % 5 === 4
            ? `+4940${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`
            : e164Of(1 + Math.floor(Math.random() * rows)),
        );
      const lookup = async (e164: string): Promise<boolean> => {
        const exact = await app.query(EXACT_SQL, [e164, e164, e164]);
        if (exact.length > 0) return true;
        return (await app.query(LAST8_SQL, [e164.slice(-8)])).length > 0;
      };
      for (const c of callers.slice(0, 2000)) await lookup(c); // warm-up: plans, buffers, pool connection
      const times: number[] = [];
      let matched = 0;
      for (const c of callers) {
        const t = performance.now();
        if (await lookup(c)) matched++;
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      return {
        rows,
        lookups,
        matched,
        p50: pct(times, 50),
        p95: pct(times, 95),
        p99: pct(times, 99),
        max: times[times.length - 1] ?? NaN,
        loadMs,
      };
    } finally {
      await app.close();
    }
  } finally {
    await cluster.stop();
  }
}

if (require.main === module) {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  postgresLookupLatency(arg('--rows', 1_000_000), arg('--lookups', 20_000))
    .then((result) =>
      console.log(
        result === undefined
          ? 'skipped: PostgreSQL 15 binaries missing (scripts/install-postgres.sh)'
          : JSON.stringify(result, null, 2),
      ),
    )
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}

/** Result of {@link storeCopyToPostgres}. */
export interface StoreCopyResult {
  /** wall time of copyStore (reading, inserting in one transaction, moving sequences, verifying), ms */
  readonly ms: number;
  /** opening the source file (read + checksum), ms */
  readonly openMs: number;
  readonly rows: number;
  readonly tables: number;
  /** where copyStore's time went (CopySummary.phasesMs), ms */
  readonly phasesMs: {
    readonly copy: number;
    readonly sequences: number;
    readonly verify: number;
    readonly commit: number;
  };
}

/**
 * `store copy` of a store file into a new, migrated PostgreSQL database on a throw-away cluster on 127.0.0.1, as
 * the runtime role (issue 19 "Speed": 1M-party demo file → PostgreSQL ≤ 60 s). The same code path as the CLI verb.
 * @returns undefined when the PostgreSQL binaries are missing
 */
export async function storeCopyToPostgres(file: string): Promise<StoreCopyResult | undefined> {
  if (!postgresBinariesPresent()) return undefined;
  const { Store } = await import('../src/core/store/database');
  const { SqlJsAsyncStore } = await import('../src/core/store/sqlJsAsyncStore');
  const { copyStore } = await import('../src/core/store/copyStore');
  const cluster = await startPostgresCluster();
  try {
    const database = await cluster.freshDatabase();
    const url = (user: string): PostgresLocation =>
      parseStoreLocation(`postgres://${user}@127.0.0.1:${cluster.port}/${database}`) as PostgresLocation;
    await (await PostgresStore.open(url(OWNER_ROLE), { password: OWNER_PASSWORD })).close(); // migrate
    const opening = performance.now();
    const source = new SqlJsAsyncStore(await Store.open(file, { readOnly: true }));
    const openMs = performance.now() - opening;
    const target = await PostgresStore.open(url(APP_ROLE), { password: APP_PASSWORD });
    try {
      const summary = await copyStore(source, target);
      return { ms: summary.ms, openMs, rows: summary.rows, tables: summary.tables.length, phasesMs: summary.phasesMs };
    } finally {
      await target.close();
      await source.close();
    }
  } finally {
    await cluster.stop();
  }
}
