import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SqlJsStatic } from 'sql.js';
import { AREA_CODE_META_KEY } from '../../src/core/cti/phoneIndex';
import { loadSqlJs } from '../../src/core/store/sqlJs';
import { fileBackendOnly, smallDemoStoreFile, tempDir } from '../helpers';

/**
 * Issue 15 "one writer for real", with real child processes running the built CLI (dist/cli.js): pairs of
 * writers started at random offsets, and a long re-index racing a short write. Every process either saved
 * (exit 0, its change and its audit row are in the file) or said it did not (exit 1, "nothing was changed"), and
 * no change that was reported saved is lost.
 */
const root = path.join(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');
const PAIRS = Number(process.env.IXHAUS_WRITER_PAIRS ?? 50);
const LANES = 5;

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(args: readonly string[], env: Record<string, string> = {}, delayMs = 0): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    setTimeout(() => {
      const child = spawn(process.execPath, [cli, ...args], {
        env: { ...process.env, IX_PW: 'demo', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(guard);
        resolve({ code: code ?? -1, stdout, stderr });
      });
    }, delayMs);
  });
}

/** Reads values straight from the file with sql.js (no store, no lock: what is on disk). */
function readFile(
  SQL: SqlJsStatic,
  file: string,
  sql: string,
  params: Array<string | number> = [],
): Array<Array<string | number | null>> {
  const db = new SQL.Database(fs.readFileSync(file));
  try {
    const statement = db.prepare(sql);
    statement.bind(params);
    const rows: Array<Array<string | number | null>> = [];
    while (statement.step()) rows.push(statement.get() as Array<string | number | null>);
    statement.free();
    return rows;
  } finally {
    db.close();
  }
}

function settingValue(SQL: SqlJsStatic, file: string, name: string): string | undefined {
  const value = readFile(SQL, file, 'SELECT value FROM setting_values WHERE name = ? AND user_id IS NULL', [
    name,
  ])[0]?.[0];
  return value === undefined || value === null ? undefined : String(value);
}

function auditCount(SQL: SqlJsStatic, file: string, name: string, newValue: string): number {
  return Number(
    readFile(
      SQL,
      file,
      "SELECT count(*) FROM audit_log WHERE action = 'setting.set' AND entity_key LIKE ? AND new_value = ?",
      [`%${name}`, newValue],
    )[0]?.[0] ?? 0,
  );
}

const A = 'MaximaleAnzahlDerSession'; // 1 … 10
const B = 'PlusGlobalCTIreactionNummernlaenge'; // 1 … 8

describe('store: concurrent CLI writers (built dist/cli.js, real processes)', function () {
  before(function () {
    fileBackendOnly(this); // the sql.js file engine itself
  });
  this.timeout(10 * 60_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let SQL: SqlJsStatic;
  let template: string;

  before(async () => {
    if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root });
    SQL = await loadSqlJs();
    ({ dir, cleanup } = await tempDir('ixhaus-writers-'));
    template = path.join(dir, 'template.sqlite');
    await smallDemoStoreFile(template); // the run's demo store, generated once (test/helpers.ts)
  });
  after(async () => cleanup());

  /** The value of a system setting in the file; a setting at its default (3 for both) has no row. */
  const valueOf = (file: string, name: string): string => settingValue(SQL, file, name) ?? '3';
  const nextValue = (current: string, low: number, high: number, pair: number): string => {
    const span = high - low + 1;
    const first = low + (pair % span);
    return String(String(first) === current ? low + ((pair + 1) % span) : first);
  };

  it(`${PAIRS} pairs at random offsets: 0 changes lost, each process saved or said it did not`, async () => {
    const lanes = Array.from({ length: LANES }, (_, lane) => {
      const file = path.join(dir, `lane${lane}.sqlite`);
      for (const suffix of ['', '.sum']) fs.copyFileSync(template + suffix, file + suffix);
      return file;
    });
    const tally = { bothSaved: 0, refusedSaidSo: 0 };
    const laneRun = async (lane: number): Promise<void> => {
      const file = lanes[lane] ?? '';
      for (let pair = lane; pair < PAIRS; pair += LANES) {
        const beforeA = valueOf(file, A);
        const beforeB = valueOf(file, B);
        // a value differing from the current one (and from the default), so that a lost update is visible
        const valueA = nextValue(beforeA, 4, 10, pair);
        const valueB = nextValue(beforeB, 4, 8, pair);
        // every third pair, the second writer does not wait for the lock: it must say it did not save
        const impatient: Record<string, string> = pair % 3 === 2 ? { IXHAUS_LOCK_WAIT_SECONDS: '0' } : {};
        const [a, b] = await Promise.all([
          runCli(
            ['settings', 'set', '--store', file, '--user', 'admin', '--password-env', 'IX_PW', A, valueA],
            {},
            Math.random() * 150,
          ),
          runCli(
            ['settings', 'set', '--store', file, '--user', 'admin', '--password-env', 'IX_PW', B, valueB],
            impatient,
            Math.random() * 400,
          ),
        ]);
        for (const [label, outcome, name, value, before] of [
          ['A', a, A, valueA, beforeA],
          ['B', b, B, valueB, beforeB],
        ] as const) {
          const where = `pair ${pair}, writer ${label} (${name} ${before} → ${value})`;
          if (outcome.code === 0) {
            assert.equal(valueOf(file, name), value, `${where}: reported saved, so the file holds it`);
            assert.ok(auditCount(SQL, file, name, value) >= 1, `${where}: its audit row is in the file`);
          } else {
            assert.equal(outcome.code, 1, `${where}: ${outcome.stderr}`);
            assert.match(
              outcome.stderr,
              /nothing was changed|Nothing was overwritten/,
              `${where}: says it did not save: ${outcome.stderr}`,
            );
            assert.equal(valueOf(file, name), before, `${where}: refused, so the value is unchanged`);
          }
        }
        if (a.code === 0 && b.code === 0) tally.bothSaved++;
        else tally.refusedSaidSo++;
      }
    };
    await Promise.all(lanes.map((_, lane) => laneRun(lane)));
    console.log(
      `      ${PAIRS} pairs: ${tally.bothSaved} with both saved, ${tally.refusedSaidSo} with a writer that said it did not save`,
    );
    assert.ok(tally.bothSaved > PAIRS / 2, 'waiting writers run one after the other');
    for (const file of lanes) {
      const check = await runCli(['store', 'check', file]);
      assert.equal(check.code, 0, check.stderr);
    }
  });

  it('a long re-index racing short writes: the busy holder keeps its lock; the short writers wait or say they did not save', async () => {
    const file = path.join(dir, 'reindex.sqlite');
    const init = await runCli([
      'store',
      'init',
      '--demo',
      '--persons',
      '6000',
      '--creditors',
      '500',
      '--owners',
      '500',
      '--objects',
      '20',
      file,
    ]);
    assert.equal(init.code, 0, init.stderr);
    const lockFile = `${file}.lock`;
    const started = Date.now();
    const long = runCli(['cti', 'area-code', '--store', file, '--user', 'admin', '--password-env', 'IX_PW', '0211']);
    // start the short writers only once the re-index holds the lock
    while (!fs.existsSync(lockFile) && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 5));
    assert.ok(fs.existsSync(lockFile), 'the re-index took the lock');
    const before = valueOf(file, A);
    const refused = await runCli(
      ['settings', 'set', '--store', file, '--user', 'admin', '--password-env', 'IX_PW', A, before === '7' ? '8' : '7'],
      { IXHAUS_LOCK_WAIT_SECONDS: '0' },
    );
    const patient = runCli(['settings', 'set', '--store', file, '--user', 'admin', '--password-env', 'IX_PW', B, '6']);
    const [longOutcome, patientOutcome] = await Promise.all([long, patient]);
    assert.equal(longOutcome.code, 0, longOutcome.stderr);
    assert.equal(refused.code, 1, 'the writer that does not wait is refused while the re-index runs');
    assert.match(
      refused.stderr,
      /is being changed by another window or program \(process \d+ on .+\); nothing was changed/,
    );
    assert.equal(patientOutcome.code, 0, patientOutcome.stderr);
    assert.equal(
      readFile(SQL, file, 'SELECT value FROM meta WHERE key = ?', [AREA_CODE_META_KEY])[0]?.[0],
      '211',
      'the re-index is saved',
    );
    assert.equal(valueOf(file, B), '6', 'the waiting writer saved after the re-index, on top of it');
    assert.equal(valueOf(file, A), before, 'the refused writer changed nothing');
    console.log(
      `      re-index held the lock ${((Date.now() - started) / 1000).toFixed(1)} s; short writers: one refused at once, one waited and saved`,
    );
  });
});
