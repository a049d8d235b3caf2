/**
 * Child process of `npm run bench`: opens a store as the extension does (lock, header checks, checksum) and
 * reports the time and the process's peak resident memory. argv: <store file> [full] — `full` also runs
 * quick_check, as every open did before issue 15. Prints one JSON line.
 */
import { Store } from '../src/core/store/database';
import { loadSqlJs } from '../src/core/store/sqlJs';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: openProbe <store>');
  await loadSqlJs();
  const rssBefore = process.resourceUsage().maxRSS;
  const started = performance.now();
  const store = await Store.open(file, { fullCheck: process.argv[3] === 'full' });
  const openMs = performance.now() - started;
  const sizeBytes = store.facts().sizeBytes;
  await store.close({ save: false });
  process.stdout.write(
    `${JSON.stringify({ openMs, sizeBytes, peakRssMB: process.resourceUsage().maxRSS / 1024, baselineRssMB: rssBefore / 1024 })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
