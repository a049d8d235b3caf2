import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { build } from 'esbuild';
import { Store } from '../../src/core/store/database';
import { locateSqlWasm } from '../../src/core/store/sqlJs';
import { generationRows, GENERATION_ROWS } from '../fixtures/saveGeneration';
import { fileBackendOnly, tempDir } from '../helpers';

const TRIALS = Number(process.env.IXHAUS_KILL_TRIALS ?? 200);

/**
 * Reads the generation held by the store file (open verifies the file against its checksum file, so a file and
 * checksum that disagree after a kill fail here) and checks every row belongs to that same generation.
 */
async function verifiedGeneration(file: string): Promise<number> {
  const store = await Store.open(file, { readOnly: true });
  try {
    const generation = Number(store.scalar("SELECT value FROM meta WHERE key = 'generation'") ?? 0);
    if (generation > 0) {
      const expected = generationRows(generation);
      const rows = store.all<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key LIKE 'row%'");
      assert.equal(rows.length, GENERATION_ROWS, 'all rows of one generation are present');
      for (const row of rows)
        assert.equal(
          row.value,
          expected[Number(row.key.slice(3))],
          `row ${row.key} belongs to generation ${generation}`,
        );
    }
    return generation;
  } finally {
    await store.close();
  }
}

describe(`store: SIGKILL during save, ${TRIALS} trials`, function () {
  before(function () {
    fileBackendOnly(this); // the sql.js file engine itself
  });
  this.timeout(15 * 60_000);

  it('the file always opens with either the old or the new content', async () => {
    const { dir, cleanup } = await tempDir('ixhaus-kill-');
    try {
      const worker = path.join(dir, 'saveWorker.js');
      await build({
        entryPoints: [path.join(__dirname, '../fixtures/saveWorker.ts')],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        outfile: worker,
        logLevel: 'silent',
      });
      const wasm = locateSqlWasm();
      const file = path.join(dir, 'kill.sqlite');
      await (await Store.create(file)).close();
      let acknowledged = 0;
      const takeoverMs: number[] = [];
      const outcomes = { old: 0, new: 0, tempFileLeft: 0 };
      for (let trial = 0; trial < TRIALS; trial++) {
        const child = spawn(process.execPath, [worker, file, wasm], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        let lastSaved = acknowledged;
        let buffered = '';
        // kill at a uniformly random moment of the second save cycle: the first cycle's length is the scale
        let readyAt = 0;
        let killed = false;
        const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline);
            buffered = buffered.slice(newline + 1);
            const [word, value] = line.split(' ');
            if (word === 'ready') readyAt = Date.now();
            if (word === 'saved') {
              lastSaved = Number(value);
              if (!killed) {
                killed = true;
                const cycleMs = Date.now() - readyAt;
                setTimeout(() => child.kill('SIGKILL'), Math.random() * cycleMs * 1.1);
              }
            }
          }
        });
        const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(guard);
        assert.equal(stderr, '', `worker failed in trial ${trial}`);
        const generation = await verifiedGeneration(file);
        // the file holds the last acknowledged generation or the one whose save was cut off
        assert.ok(
          generation === lastSaved || generation === lastSaved + 1,
          `trial ${trial}: file has generation ${generation}, last acknowledged ${lastSaved}`,
        );
        if (generation === lastSaved) outcomes.old++;
        else outcomes.new++;
        if ((await fs.readdir(dir)).some((e) => e.endsWith('.tmp'))) outcomes.tempFileLeft++;
        acknowledged = generation;
        // the killed worker's lock is still there: the next writer must take it at once (its holder is dead)
        const lockLeft = await fs.access(`${file}.lock`).then(
          () => true,
          () => false,
        );
        const lockStarted = performance.now();
        const next = await Store.open(file);
        const lockMs = performance.now() - lockStarted;
        assert.equal(next.readOnly, false, `trial ${trial}: the next writer gets the lock of the killed one`);
        await next.close({ save: false });
        if (lockLeft) takeoverMs.push(lockMs);
      }
      takeoverMs.sort((a, b) => a - b);
      console.log(
        `      outcomes over ${TRIALS} kills: ${JSON.stringify(outcomes)}, final generation ${acknowledged}; a dead writer's lock taken over ${takeoverMs.length}× in ≤ ${Math.round(takeoverMs[takeoverMs.length - 1] ?? 0)} ms (open included)`,
      );
      assert.ok((takeoverMs[takeoverMs.length - 1] ?? 0) < 1000, "a new writer gets a killed writer's lock in < 1 s");
      assert.ok(takeoverMs.length > TRIALS / 2, 'most kills leave the lock behind (the test exercises the take-over)');
      const leftovers = (await fs.readdir(dir)).filter((e) => e.endsWith('.tmp'));
      const reopened = await Store.open(file);
      assert.deepEqual(
        (await fs.readdir(dir)).filter((e) => e.endsWith('.tmp')),
        [],
        `temp files ${leftovers.join(', ')} are removed by the next writer`,
      );
      await reopened.close();
    } finally {
      await cleanup();
    }
  });
});
