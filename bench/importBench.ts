/**
 * Import file reading (issue 22): 100,000 persons with 1–3 phone numbers each, written by the export writers as
 * CSV (UTF-8 BOM, `;`) and XLSX, then read back through readImportFile (decode, tokenise/unzip, map, validate,
 * phone normalisation). Reports rows/s and the peak RSS sampled during the read. The store write (plan, apply,
 * phone index) is measured by {@link importWriteBench} on the file store and PostgreSQL.
 * Standalone: `npx tsx bench/importBench.ts [N] [write [pg]]`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportCsv, exportXlsx } from '../src/core/import/exportWriter';
import { readImportFile } from '../src/core/import/importReader';
import type { PersonRecord } from '../src/core/import/importRecords';
import { planImport } from '../src/core/import/plan';
import { applyImport } from '../src/core/import/importBatch';
import { AREA_CODE_META_KEY } from '../src/core/cti/phoneIndex';
import { forgetNormalizedPhoneNumbers } from '../src/core/cti/phoneNumber';
import type { Actor } from '../src/core/access/rights';
import type { AsyncStore } from '../src/core/store/asyncStore';
import { Store } from '../src/core/store/database';
import { SqlJsAsyncStore } from '../src/core/store/sqlJsAsyncStore';
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

/** Deterministic persons in the phone spellings of German offices (no faker: the bench must stay cheap). */
export function benchPersons(count: number): PersonRecord[] {
  const spellings = [
    (n: number) => `030 ${1000000 + n}`,
    (n: number) => `+49 (0)221 ${200000 + (n % 700000)}`,
    (n: number) => `0171/${2000000 + n}`,
    (n: number) => `089-${3000000 + n}`,
  ];
  return Array.from({ length: count }, (_, i) => ({
    personNo: 100000 + i,
    salutation: i % 2 ? 'Herr' : 'Frau',
    firstName: `Vorname${i % 97}`,
    lastName: `Müller-${i}`,
    company: null,
    street: `Hauptstraße ${i % 200}`,
    zip: String(10000 + (i % 89999)).padStart(5, '0'),
    city: 'Köln',
    phonePrivate: { raw: (spellings[i % 4] ?? ((n: number) => String(n)))(i), e164: undefined },
    phoneBusiness: i % 5 === 0 ? { raw: `0221 ${400000 + (i % 500000)}-12`, e164: undefined } : null,
    phoneMobile: i % 2 === 0 ? { raw: `0160 ${5000000 + i}`, e164: undefined } : null,
    fax: null,
    email: i % 4 === 0 ? null : `p${i}@example.org`,
    objectNo: 1001 + (i % 200),
  }));
}

/** Reads `file` `runs` times; returns the times (ms) and the peak RSS (MB) sampled every 20 ms. */
async function measure(file: string, runs: number): Promise<{ ms: number[]; peakMb: number; rows: number }> {
  const ms: number[] = [];
  let peak = 0;
  let rows = 0;
  for (let r = 0; r < runs; r++) {
    forgetNormalizedPhoneNumbers();
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
    const t = performance.now();
    const parsed = await readImportFile(file, { areaCode: '030' });
    ms.push(performance.now() - t);
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage.rss());
    rows = parsed.rows.length;
    if (parsed.invalidRows.length > 0) throw new Error(`bench file has ${parsed.invalidRows.length} invalid rows`);
  }
  return { ms, peakMb: peak / 1_048_576, rows };
}

/** The import read rows: CSV and XLSX of `count` persons. */
export async function importReadBench(
  dir: string,
  count: number,
  runs: number,
): Promise<Array<{ format: 'csv' | 'xlsx'; ms: number[]; rowsPerSecond: number[]; peakMb: number; fileMb: number }>> {
  const persons = benchPersons(count);
  const out = [];
  for (const format of ['csv', 'xlsx'] as const) {
    const file = path.join(dir, `persons-${count}.${format}`);
    fs.writeFileSync(file, format === 'csv' ? exportCsv('persons', persons) : await exportXlsx('persons', persons));
    const m = await measure(file, runs);
    if (m.rows !== count) throw new Error(`read ${m.rows} of ${count} rows`);
    out.push({
      format,
      ms: m.ms,
      rowsPerSecond: m.ms.map((t) => count / (t / 1000)),
      peakMb: m.peakMb,
      fileMb: fs.statSync(file).size / 1_048_576,
    });
  }
  return out;
}

if (require.main === module) {
  void (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-import-bench-'));
    try {
      const count = Number(process.argv[2] ?? 100_000);
      if (process.argv[3] === 'write') {
        for (const format of ['csv', 'xlsx'] as const) {
          const file = path.join(dir, `persons.${format}`);
          const persons = benchPersons(count);
          fs.writeFileSync(
            file,
            format === 'csv' ? exportCsv('persons', persons) : await exportXlsx('persons', persons),
          );
          const { store, actor } = await importBenchStore();
          const r = await importWriteBench(store, actor, file);
          console.log(
            `import write ${format}: ${count} persons, ${r.phones} phones: ${r.ms.toFixed(0)} ms (read ${r.readMs.toFixed(0)}, plan ${r.planMs.toFixed(0)}, apply ${r.applyMs.toFixed(0)}), peak RSS ${r.peakMb.toFixed(0)} MB`,
          );
          await store.close();
          if (process.argv[4] === 'pg') {
            const pg = await importWritePostgresBench(file);
            if (pg)
              console.log(
                `import write ${format} PostgreSQL: ${pg.ms.toFixed(0)} ms (read ${pg.readMs.toFixed(0)}, plan ${pg.planMs.toFixed(0)}, apply ${pg.applyMs.toFixed(0)}), peak RSS ${pg.peakMb.toFixed(0)} MB`,
              );
          }
        }
        return;
      }
      for (const r of await importReadBench(dir, count, 3))
        console.log(
          `${r.format}: ${r.fileMb.toFixed(1)} MB, ms ${r.ms.map((t) => t.toFixed(0)).join('/')}, rows/s ${r.rowsPerSecond.map((v) => v.toFixed(0)).join('/')}, peak RSS ${r.peakMb.toFixed(0)} MB`,
        );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  })();
}

/**
 * The import write (issue 22 "import of 100,000 persons with phone numbers (incl. index)"): `count` persons from a
 * CSV or XLSX file into `store` (which must hold the objects 1001–1200 and an administrator `actor`): read → plan →
 * apply (one transaction, phone index), timed as a whole; peak RSS sampled every 20 ms.
 */
export async function importWriteBench(
  store: AsyncStore,
  actor: Actor,
  file: string,
): Promise<{ ms: number; readMs: number; planMs: number; applyMs: number; peakMb: number; phones: number }> {
  let peak = 0;
  // cold, as a real import: nothing remembered from an earlier read of the same numbers
  forgetNormalizedPhoneNumbers();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  try {
    const t0 = performance.now();
    const parsed = await readImportFile(file, { kind: 'persons', areaCode: '030' });
    const t1 = performance.now();
    const plan = await planImport(store, actor, parsed);
    const t2 = performance.now();
    const result = await applyImport(store, actor, plan);
    const t3 = performance.now();
    if (result.counts.new !== parsed.rows.length)
      throw new Error(`wrote ${result.counts.new} of ${parsed.rows.length}`);
    peak = Math.max(peak, process.memoryUsage.rss());
    return {
      ms: t3 - t0,
      readMs: t1 - t0,
      planMs: t2 - t1,
      applyMs: t3 - t2,
      peakMb: peak / 1_048_576,
      phones: result.phonesWritten,
    };
  } finally {
    clearInterval(timer);
  }
}

/** A fresh in-memory file store with an administrator and the objects 1001–1200 (what {@link benchPersons} refers to). */
export async function importBenchStore(): Promise<{ store: AsyncStore; actor: Actor }> {
  const store = new SqlJsAsyncStore(await Store.inMemory());
  await prepareImportBenchStore(store);
  return { store, actor: BENCH_ADMIN };
}

const BENCH_ADMIN: Actor = { id: 1, login: 'admin', displayName: 'Admin', rightsClass: 'S', role: 'Administrator' };

/** Writes the administrator (id 1) and the objects 1001–1200 into an empty store. */
export async function prepareImportBenchStore(store: AsyncStore): Promise<Actor> {
  await store.transaction(async (tx) => {
    await tx.run(
      "INSERT INTO users (id, login, short_code, last_name, rights_class, role, password_hash) VALUES (1, 'admin', 'ADM', 'Admin', 'S', 'Administrator', '!')",
    );
    // the own area code, which the CLI and VS Code also pass to the reader (bench files are read with 030)
    await tx.run('INSERT INTO meta (key, value) VALUES (?, ?)', [AREA_CODE_META_KEY, '30']);
    for (let i = 0; i < 200; i++)
      await tx.run('INSERT INTO objects (object_no, name) VALUES (?, ?)', [1001 + i, `Objekt ${1001 + i}`]);
  });
  return BENCH_ADMIN;
}

/**
 * {@link importWriteBench} on PostgreSQL: a throw-away PostgreSQL 15 cluster on 127.0.0.1 (test/peers/postgres.ts),
 * the schema migrated by the schema-owner role, the store opened as the runtime role. Undefined when the PostgreSQL binaries are missing.
 */
export async function importWritePostgresBench(
  file: string,
): Promise<Awaited<ReturnType<typeof importWriteBench>> | undefined> {
  if (!postgresBinariesPresent()) return undefined;
  const cluster = await startPostgresCluster();
  try {
    const database = await cluster.freshDatabase();
    const url = (user: string): PostgresLocation =>
      parseStoreLocation(`postgres://${user}@127.0.0.1:${cluster.port}/${database}`) as PostgresLocation;
    // the schema owner migrates the new database; the import runs as the runtime role, as in production
    await (await PostgresStore.open(url(OWNER_ROLE), { password: OWNER_PASSWORD })).close();
    const store = await PostgresStore.open(url(APP_ROLE), { password: APP_PASSWORD });
    try {
      const actor = await prepareImportBenchStore(store);
      return await importWriteBench(store, actor, file);
    } finally {
      await store.close();
    }
  } finally {
    await cluster.stop();
  }
}
