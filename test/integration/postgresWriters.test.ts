/**
 * Several writers on one PostgreSQL store, as real processes (issue 19 "Races with real processes"): two writer
 * processes × 100 changes of one setting, each based on the value it read → none lost (the final value counts every
 * change, the audit has a row for each, the losers of a race were refused and retried); and a transfer preview
 * applied after another admin changed one of its assignments is refused, nothing written.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { copyStore } from '../../src/core/store/copyStore';
import { Store } from '../../src/core/store/database';
import type { PostgresStore } from '../../src/core/store/postgres/postgresStore';
import { SqlJsAsyncStore } from '../../src/core/store/sqlJsAsyncStore';
import { requireSetting, settingState } from '../../src/core/settings/settingsService';
import { PlanChangedError, applyTransfer } from '../../src/core/responsibility/transferService';
import { planTransfer } from '../../src/core/responsibility/transferPlanner';
import { signIn } from '../../src/core/users/auth';
import { DEMO_ADMIN_LOGIN, DEMO_PASSWORD } from '../../src/core/demo/demoData';
import {
  APP_PASSWORD,
  APP_ROLE,
  POSTGRES_MISSING,
  postgresBinariesPresent,
  sharedPostgresCluster,
} from '../peers/postgres';
import type { PostgresCluster } from '../peers/postgres';
import { migratedDatabase, openAsApp } from '../storeBackends';
import { smallDemoStoreFile, startReadyWorker, tempDir } from '../helpers';

const KEY = 'PlusAuftragGenehmigungAbBetrag';

describe('several writers on one PostgreSQL store (real processes, real cluster)', function () {
  this.timeout(180_000);
  let cluster: PostgresCluster;
  let database: string;
  let store: PostgresStore;

  before(async function () {
    if (!postgresBinariesPresent()) {
      console.warn(POSTGRES_MISSING);
      this.skip();
    }
    cluster = await sharedPostgresCluster();
    database = await migratedDatabase(cluster);
    const { dir, cleanup } = await tempDir();
    try {
      const file = await smallDemoStoreFile(path.join(dir, 'demo.sqlite'));
      const source = new SqlJsAsyncStore(await Store.open(file, { readOnly: true }));
      store = await openAsApp(cluster, database);
      await copyStore(source, store);
      await source.close();
    } finally {
      await cleanup();
    }
  });

  after(async () => {
    await store?.close();
  });

  it('two writer processes × 100 changes of one setting: none lost', async () => {
    const def = requireSetting(KEY);
    const start = Number((await settingState(store, def)).value);
    const url = `postgres://${APP_ROLE}@127.0.0.1:${cluster.port}/${database}`;
    const worker = path.join(__dirname, '..', 'fixtures', 'pgSettingWriter.ts');
    const writers = [0, 1].map(() =>
      startReadyWorker(worker, [url, '100', KEY], { PGPASSWORD: APP_PASSWORD, IXHAUS_ADMIN_PASSWORD: DEMO_PASSWORD }),
    );
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.go();
    const results = await Promise.all(writers.map((w) => w.done));
    const reports = results.map((r) => {
      assert.equal(r.code, 0, r.err);
      return JSON.parse(r.out.split('\n').filter(Boolean).pop() ?? '{}') as { done: number; retries: number };
    });
    assert.deepEqual(
      reports.map((r) => r.done),
      [100, 100],
    );
    assert.equal(Number((await settingState(store, def)).value), start + 200, 'every change counted');
    const audited = await store.get<{ n: number }>(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'setting.set' AND entity_key LIKE ?",
      [`%/${KEY}`],
    );
    assert.equal(audited?.n, 200);
    console.log(`      two writers: 200 changes, ${reports[0]!.retries + reports[1]!.retries} refused and retried`);
  });

  /** The signed-in demo admin's preview of the largest transfer between two active users (both writers' tests). */
  async function previewLargestTransfer() {
    const admin = await signIn(store, DEMO_ADMIN_LOGIN, DEMO_PASSWORD);
    const pair = await store.get<{ from_login: string; to_login: string }>(
      `SELECT f.login AS from_login, t.login AS to_login FROM responsibilities r JOIN users f ON f.id = r.user_id
       JOIN users t ON t.id <> f.id AND t.active = 1 WHERE f.active = 1 GROUP BY f.login, t.login ORDER BY count(*) DESC, f.login, t.login LIMIT 1`,
    );
    assert.ok(pair);
    const request = {
      fromLogin: pair.from_login,
      toLogin: pair.to_login,
      modules: ['objects', 'meldungen', 'auftraege', 'technical_objects'] as const,
      roles: ['responsible', 'deputy'] as const,
      includeClosed: true,
    };
    const plan = await planTransfer(store, admin, {
      ...request,
      modules: [...request.modules],
      roles: [...request.roles],
    });
    return { admin, pair, request, plan };
  }

  it('a transfer preview applied after another admin changed one of its assignments is refused', async () => {
    const { admin, pair, request, plan } = await previewLargestTransfer();
    assert.ok(plan.total > 0);
    // another admin (another connection) moves one of the previewed assignments meanwhile
    const other = await openAsApp(cluster, database);
    try {
      await other.run('UPDATE responsibilities SET user_id = (SELECT id FROM users WHERE login = ?) WHERE id = ?', [
        pair.to_login,
        plan.assignments[0]!.id,
      ]);
    } finally {
      await other.close();
    }
    const before = await store.get<{ n: number }>('SELECT count(*) AS n FROM responsibility_batches');
    await assert.rejects(
      applyTransfer(
        store,
        admin,
        { ...request, modules: [...request.modules], roles: [...request.roles] },
        plan.fingerprint,
        plan.total,
      ),
      PlanChangedError,
    );
    assert.deepEqual(await store.get('SELECT count(*) AS n FROM responsibility_batches'), before, 'nothing written');
  });

  it('an assignment another admin changes while the apply runs (after its re-check) makes it refuse; nothing written', async () => {
    const { admin, pair, request, plan } = await previewLargestTransfer();
    assert.ok(plan.total > 1);
    const moved = plan.assignments[plan.assignments.length - 1]!.id;
    const count = async (sql: string): Promise<unknown> => (await store.get(sql))?.['n'];
    const before = {
      batches: await count('SELECT count(*) AS n FROM responsibility_batches'),
      items: await count('SELECT count(*) AS n FROM responsibility_batch_items'),
      audit: await count("SELECT count(*) AS n FROM audit_log WHERE action = 'responsible.transfer'"),
    };
    // another admin's transaction changes one previewed assignment and stays open: the apply's re-check still sees
    // the committed (unchanged) rows and passes; its UPDATE then waits for that row's lock
    const other = await openAsApp(cluster, database);
    let release: () => void = () => undefined;
    let changed: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const rowLocked = new Promise<void>((resolve) => (changed = resolve));
    const otherDone = other.transaction(async (tx) => {
      await tx.run('UPDATE responsibilities SET user_id = (SELECT id FROM users WHERE login = ?) WHERE id = ?', [
        pair.to_login,
        moved,
      ]);
      changed();
      await released;
    });
    try {
      await rowLocked;
      const applying = applyTransfer(
        store,
        admin,
        { ...request, modules: [...request.modules], roles: [...request.roles] },
        plan.fingerprint,
        plan.total,
      );
      const outcome = applying.then(
        () => 'applied',
        (error: unknown) => error,
      );
      // wait (10 s deadline) until the apply's UPDATE is blocked on the row lock, then let the other admin commit
      const deadline = Date.now() + 10_000;
      for (;;) {
        const waiting = await cluster.admin<{ n: string }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE responsibilities SET user_id = $1%'",
          database,
        );
        if (Number(waiting[0]?.n) > 0) break;
        if (Date.now() > deadline) {
          release();
          assert.fail(`the apply never waited for the row lock (it ended: ${String(await outcome)})`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      release();
      await otherDone;
      const result = await outcome;
      assert.ok(result instanceof PlanChangedError, `refused with PlanChangedError, got ${String(result)}`);
    } finally {
      release();
      await otherDone.catch(() => undefined);
      await other.close();
    }
    assert.deepEqual(
      {
        batches: await count('SELECT count(*) AS n FROM responsibility_batches'),
        items: await count('SELECT count(*) AS n FROM responsibility_batch_items'),
        audit: await count("SELECT count(*) AS n FROM audit_log WHERE action = 'responsible.transfer'"),
      },
      before,
      'nothing written',
    );
    const stillHeld = await store.get<{ n: number }>(
      'SELECT count(*) AS n FROM responsibilities WHERE user_id = (SELECT id FROM users WHERE login = ?)',
      [pair.from_login],
    );
    assert.equal(stillHeld?.n, plan.total - 1, 'every other previewed assignment still held by the previous user');
  });
});
