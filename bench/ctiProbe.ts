/** `npx tsx bench/ctiProbe.ts [--parties N]`: only the CTI metrics, on a fresh demo store of N parties (default 100,000). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateDemoData } from '../src/core/demo/demoData';
import { Store } from '../src/core/store/database';
import { lookupLatency, ringToAlert } from './ctiBench';

async function main(): Promise<void> {
  const i = process.argv.indexOf('--parties');
  const parties = i > 0 ? Number(process.argv[i + 1]) : 100_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-cti-bench-'));
  try {
    const file = path.join(dir, 'store.sqlite');
    const sizes = {
      persons: Math.round(parties * 0.68),
      creditors: Math.round(parties * 0.11),
      owners: parties - Math.round(parties * 0.68) - Math.round(parties * 0.11),
    };
    const t = performance.now();
    const store = await Store.create(file, { populate: async (s) => void (await generateDemoData(s, { sizes })) });
    const numbers = Number(store.scalar('SELECT count(*) FROM phone_numbers'));
    await store.close();
    console.log(
      `demo store of ${parties} parties (${numbers} numbers): ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const lookup = await lookupLatency(file, 20_000);
    console.log(
      `caller lookup: p50 ${lookup.p50.toFixed(1)} µs, p99 ${(lookup.p99 / 1000).toFixed(3)} ms (${lookup.matched}/${lookup.n} matched)`,
    );
    const ring = await ringToAlert(file, 1000);
    console.log(
      `RING → alert: p50 ${ring.p50.toFixed(2)} ms, p95 ${ring.p95.toFixed(2)} ms, max ${ring.max.toFixed(2)} ms (${ring.calls} calls)`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
