/**
 * `npm run bench`: speed figures, printed as a table and written to bench/results.json (median of repeated runs;
 * never asserted in tests). This first part covers the store at the default demo size and the license path;
 * the benchmarks issue widens it (1M parties, lookup vs better-sqlite3, activation in the host).
 */
import { execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEMO_LICENSE_KEY, demoLicensePayload, generateDemoData } from '../src/core/demo/demoData';
import { DEMO_KID, demoPrivateKey } from '../src/core/license/demoVendorKey';
import { issueLicenseFile, licenseKeyFileText } from '../src/core/license/licenseIssuer';
import { buildTrustedKeys, diffLicenses, installedPayload, verifyForStore } from '../src/core/license/licenseService';
import { Store } from '../src/core/store/database';
import { loadSqlJs } from '../src/core/store/sqlJs';

interface Metric { name: string; unit: string; min: number; median: number; max: number; runs: number; goal?: string }

async function measure(name: string, unit: string, runs: number, body: () => Promise<number> | number, goal?: string): Promise<Metric> {
  const values: number[] = [];
  for (let i = 0; i < runs; i++) values.push(await body());
  values.sort((a, b) => a - b);
  return { name, unit, min: values[0] ?? NaN, median: values[Math.floor(values.length / 2)] ?? NaN, max: values[values.length - 1] ?? NaN, runs, ...(goal ? { goal } : {}) };
}

async function timed(body: () => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  await body();
  return performance.now() - t;
}

async function main(): Promise<void> {
  await loadSqlJs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-bench-'));
  const metrics: Metric[] = [];
  try {
    const file = path.join(dir, 'demo.sqlite');
    const t0 = performance.now();
    const created = await Store.create(file);
    await generateDemoData(created);
    await created.save();
    const demoMs = performance.now() - t0;
    const mb = created.facts().sizeBytes / 1048576;
    await created.close();
    metrics.push({ name: 'demo store: create default demo', unit: 'ms', min: demoMs, median: demoMs, max: demoMs, runs: 1 });

    metrics.push(await measure(`store: open (${mb.toFixed(1)} MB, incl. quick_check + lock)`, 'ms/MB', 7, async () => {
      let store: Store | undefined;
      const ms = await timed(async () => (store = await Store.open(file)));
      await store?.close();
      return ms / mb;
    }, '≤ 1 ms/MB'));

    const store = await Store.open(file);
    metrics.push(await measure(`store: atomic save (${mb.toFixed(1)} MB)`, 'ms/MB', 9, async () => {
      store.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('bench', ?)", [String(Math.random())]);
      return (await timed(() => store.save())) / mb;
    }, '≤ 2 ms/MB'));

    const trusted = buildTrustedKeys().keys;
    const now = new Date();
    const licenseFile = issueLicenseFile({ ...demoLicensePayload(now), serial: 2 }, { kid: DEMO_KID, privateKey: demoPrivateKey() }, DEMO_LICENSE_KEY);
    const keyText = licenseKeyFileText(DEMO_LICENSE_KEY);
    metrics.push(await measure('license: verify + decrypt + diff (11 modules)', 'ms', 200, () =>
      timed(() => {
        const verified = verifyForStore(store, licenseFile, keyText, trusted, now);
        diffLicenses(installedPayload(store, verified.payload.licenseNo)?.payload, verified.payload);
      }), '≤ 5 ms'));
    await store.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const commit = (() => { try { return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim(); } catch { return 'unknown'; } })();
  const result = { date: new Date().toISOString(), commit, node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', memoryGiB: Math.round(os.totalmem() / 2 ** 30), metrics };
  fs.writeFileSync(path.join(__dirname, 'results.json'), JSON.stringify(result, null, 2) + '\n');
  const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
  console.log(`node ${process.version}, ${result.cpus} cores (${result.cpuModel}), commit ${commit}\n`);
  console.log(`${'metric'.padEnd(58)} ${'median'.padStart(9)} ${'min'.padStart(9)} ${'max'.padStart(9)}  unit   goal`);
  for (const m of metrics) console.log(`${m.name.padEnd(58)} ${fmt(m.median).padStart(9)} ${fmt(m.min).padStart(9)} ${fmt(m.max).padStart(9)}  ${m.unit.padEnd(6)} ${m.goal ?? ''}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
