import { strict as assert } from 'node:assert';
import { PermissionError } from '../../src/core/errors';
import { planTransfer } from '../../src/core/responsibility/transferPlanner';
import {
  TransferModuleNotLicensedError,
  UnknownObjectError,
  UnknownTeamError,
} from '../../src/core/responsibility/transferErrors';
import { KomfortpaketMissingError, TransferInputError } from '../../src/core/responsibility/transferRequest';
import type { TransferModule, TransferRequest } from '../../src/core/responsibility/transferRequest';
import {
  BatchAlreadyUndoneError,
  NothingToTransferError,
  PlanChangedError,
  SameUserError,
  TargetInactiveError,
  UnknownBatchError,
  applyTransfer,
  describeCounts,
  transferHistory,
  undoTransfer,
} from '../../src/core/responsibility/transferService';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import type { Actor } from '../../src/core/access/rights';
import { UnknownUserError } from '../../src/core/users/userService';
import { smallDemoDb } from '../helpers';
import { scalar } from '../../src/core/store/asyncQueries';

const ALL: TransferModule[] = ['objects', 'meldungen', 'auftraege', 'technical_objects'];

describe('responsibility transfer (Verantwortlichen ändern)', function () {
  this.timeout(30_000);
  let store: AsyncStore;
  let admin: Actor;
  let haupt: Actor;
  let from: string;

  beforeEach(async () => {
    ({ db: store, admin, haupt } = await smallDemoDb());
    // the active staff member holding the most assignments
    from = String(
      await scalar(
        store,
        'SELECT u.login FROM responsibilities r JOIN users u ON u.id = r.user_id WHERE u.active = 1 GROUP BY u.id ORDER BY count(*) DESC, u.id LIMIT 1',
      ),
    );
  });
  afterEach(async () => store.close());

  const request = (extra: Partial<TransferRequest> = {}): TransferRequest => ({
    fromLogin: from,
    toLogin: 'haupt',
    modules: ALL,
    roles: ['responsible', 'deputy'],
    includeClosed: true,
    ...extra,
  });
  const held = async (login: string): Promise<number> =>
    Number(
      await scalar(
        store,
        'SELECT count(*) FROM responsibilities r JOIN users u ON u.id = r.user_id WHERE u.login = ?',
        [login],
      ),
    );
  const snapshot = async (): Promise<string> =>
    JSON.stringify(await store.query('SELECT id, user_id FROM responsibilities ORDER BY id'));

  it('plans counts per module and role and the affected records, without changing anything', async () => {
    const before = await snapshot();
    const plan = await planTransfer(store, admin, request());
    assert.equal(plan.total, await held(from));
    assert.equal(plan.counts.length, 8, 'every module × role, zeros included');
    assert.equal(
      plan.counts.reduce((s, c) => s + c.count, 0),
      plan.total,
    );
    assert.equal(plan.assignments.length, plan.total);
    const sorted = [...plan.assignments].sort((a, b) => a.objectNo - b.objectNo);
    assert.deepEqual(
      plan.assignments.map((a) => a.objectNo),
      sorted.map((a) => a.objectNo),
    );
    assert.ok(plan.assignments.every((a) => a.objectNo >= 1001 && a.label !== ''));
    assert.deepEqual(plan.warnings, []);
    assert.match(plan.fingerprint, /^[0-9a-f]{64}$/);
    assert.equal(await snapshot(), before);
  });

  it('open records only leaves closed Meldungen and Aufträge out; objects and technical objects always count', async () => {
    // make sure the previous user holds at least one closed Meldung
    await store.run(
      "UPDATE meldungen SET closed = 1, status = 'erledigt' WHERE id = (SELECT record_id FROM responsibilities r JOIN users u ON u.id = r.user_id WHERE u.login = ? AND r.module = 'meldungen' LIMIT 1)",
      [from],
    );
    const all = await planTransfer(store, admin, request());
    const open = await planTransfer(store, admin, request({ includeClosed: false }));
    const closed = all.assignments.filter((a) => a.closed).length;
    assert.ok(closed > 0);
    assert.equal(open.total, all.total - closed);
    assert.ok(open.assignments.every((a) => !a.closed));
    assert.ok(
      all.assignments.filter((a) => a.closed).every((a) => a.module === 'meldungen' || a.module === 'auftraege'),
    );
  });

  it('limits the scope to chosen objects, a team, modules and roles', async () => {
    const all = await planTransfer(store, admin, request());
    const objectNo = all.assignments[0]?.objectNo ?? 1001;
    const one = await planTransfer(store, admin, request({ objectNos: [objectNo] }));
    assert.ok(one.total > 0 && one.assignments.every((a) => a.objectNo === objectNo));
    const team = String(
      await scalar(store, 'SELECT t.name FROM teams t JOIN objects o ON o.team_id = t.id WHERE o.object_no = ?', [
        objectNo,
      ]),
    );
    const byTeam = await planTransfer(store, admin, request({ team }));
    assert.ok(byTeam.assignments.some((a) => a.objectNo === objectNo));
    const teamIds = new Set(
      (
        await store.query<{ object_no: number }>(
          'SELECT o.object_no FROM objects o JOIN teams t ON t.id = o.team_id WHERE t.name = ?',
          [team],
        )
      ).map((r) => r.object_no),
    );
    assert.ok(byTeam.assignments.every((a) => teamIds.has(a.objectNo)));
    const meldungen = await planTransfer(store, admin, request({ modules: ['meldungen'], roles: ['deputy'] }));
    assert.ok(meldungen.assignments.every((a) => a.module === 'meldungen' && a.role === 'deputy'));
    assert.deepEqual(
      meldungen.counts.map((c) => [c.module, c.role]),
      [['meldungen', 'deputy']],
    );
  });

  it('applies in one transaction with a batch id and one audit row per changed assignment', async () => {
    const total = await held(from);
    const plan = await planTransfer(store, admin, request());
    const result = await applyTransfer(
      store,
      admin,
      plan.request,
      plan.fingerprint,
      plan.total,
      new Date('2026-11-30T01:00:00Z'),
    );
    assert.match(result.batchId, /^20261130-010000-[0-9a-f]{4}$/);
    assert.equal(result.total, total);
    assert.equal(await held(from), 0);
    const audit = await store.query<{ old_value: string; new_value: string; action: string; entity_key: string }>(
      'SELECT old_value, new_value, action, entity_key FROM audit_log WHERE batch_id = ?',
      [result.batchId],
    );
    assert.equal(audit.length, total);
    assert.ok(
      audit.every(
        (a) =>
          a.action === 'responsible.transfer' &&
          a.old_value === from &&
          a.new_value === 'haupt' &&
          /^[a-z_]+:\d+:(\d+|-):(responsible|deputy)$/.test(a.entity_key),
      ),
    );
    const [batch] = await transferHistory(store, admin);
    assert.equal(batch?.batchId, result.batchId);
    assert.deepEqual(
      [batch?.from, batch?.to, batch?.by, batch?.total, batch?.undoneAt],
      [from, 'haupt', 'admin', total, null],
    );
    assert.match(describeCounts(batch?.counts ?? []), /Objekte: \d+ responsible/);
  });

  it('applies only the chosen objects (or module and role); batch counts and total as the preview', async () => {
    const all = await planTransfer(store, admin, request());
    const inObjects = [...new Set(all.assignments.map((a) => a.objectNo))];
    assert.ok(inObjects.length >= 2, 'the demo user holds assignments in several objects');
    const objectNos = inObjects.slice(0, inObjects.length - 1); // all but one object
    const plan = await planTransfer(store, admin, request({ objectNos }));
    assert.ok(plan.total > 0 && plan.total < all.total);
    const before = await held(from);
    const result = await applyTransfer(store, admin, plan.request, plan.fingerprint, plan.total);
    assert.equal(result.total, plan.total);
    assert.deepEqual(result.counts, plan.counts);
    assert.equal(await held(from), before - plan.total, 'only the chosen objects moved');
    const moved = await store.query<{ object_no: number }>(
      'SELECT DISTINCT o.object_no FROM responsibility_batch_items i JOIN objects o ON o.id = i.object_id WHERE i.batch_id = ? ORDER BY o.object_no',
      [result.batchId],
    );
    assert.deepEqual(
      moved.map((r) => r.object_no),
      [...new Set(plan.assignments.map((a) => a.objectNo))].sort((a, b) => a - b),
    );
    const [batch] = await transferHistory(store, admin);
    assert.deepEqual([batch?.total, batch?.counts], [plan.total, plan.counts]);
    assert.equal(
      Number(await scalar(store, 'SELECT count(*) FROM audit_log WHERE batch_id = ?', [result.batchId])),
      plan.total,
    );
    // one module and role of what is left
    const rest = await planTransfer(store, admin, request({ modules: ['meldungen'], roles: ['responsible'] }));
    if (rest.total > 0) {
      const applied = await applyTransfer(store, admin, rest.request, rest.fingerprint, rest.total);
      assert.equal(applied.total, rest.total);
      assert.deepEqual(applied.counts, rest.counts);
    }
  });

  it('refuses when the assignments changed between preview and apply; nothing is written', async () => {
    const plan = await planTransfer(store, admin, request());
    const someId = plan.assignments[0]?.id;
    await store.run('UPDATE responsibilities SET user_id = (SELECT id FROM users WHERE login = ?) WHERE id = ?', [
      'admin',
      someId ?? 0,
    ]);
    const before = await snapshot();
    const audits = Number(await scalar(store, 'SELECT count(*) FROM audit_log'));
    await assert.rejects(
      () => applyTransfer(store, admin, plan.request, plan.fingerprint, plan.total),
      (e: unknown) =>
        e instanceof PlanChangedError &&
        /preview again/.test(e.message) &&
        e.message.includes(`(${plan.total} then, ${plan.total - 1} now)`),
    );
    assert.equal(await snapshot(), before);
    assert.equal(Number(await scalar(store, 'SELECT count(*) FROM audit_log')), audits);
    assert.equal(Number(await scalar(store, 'SELECT count(*) FROM responsibility_batches')), 0);
  });

  it('from = to: a blocking warning in the preview, refused on apply', async () => {
    const plan = await planTransfer(store, admin, request({ toLogin: from }));
    assert.deepEqual(
      plan.warnings.map((w) => [w.code, w.blocking]),
      [['same-user', true]],
    );
    await assert.rejects(() => applyTransfer(store, admin, plan.request, plan.fingerprint, plan.total), SameUserError);
  });

  it('unknown users are refused; a deactivated target is a blocking warning and refused on apply', async () => {
    await assert.rejects(() => planTransfer(store, admin, request({ fromLogin: 'niemand' })), UnknownUserError);
    await assert.rejects(() => planTransfer(store, admin, request({ toLogin: 'niemand' })), UnknownUserError);
    const inactive = String(await scalar(store, 'SELECT login FROM users WHERE active = 0 LIMIT 1'));
    const plan = await planTransfer(store, admin, request({ toLogin: inactive }));
    assert.ok(plan.warnings.some((w) => w.code === 'target-inactive' && w.blocking));
    const before = await snapshot();
    await assert.rejects(
      () => applyTransfer(store, admin, plan.request, plan.fingerprint, plan.total),
      TargetInactiveError,
    );
    assert.equal(await snapshot(), before);
  });

  it('warns (without blocking) when the target is uncoupled or lacks access to a module', async () => {
    const target = String(
      await scalar(
        store,
        "SELECT login FROM users WHERE active = 1 AND login NOT IN ('admin', 'haupt') AND id NOT IN (SELECT user_id FROM user_modules WHERE module_code = 'TECHOBJ') LIMIT 1",
      ),
    );
    await store.run('UPDATE users SET coupled = 0 WHERE login = ?', [target]);
    const plan = await planTransfer(store, admin, request({ toLogin: target }));
    assert.ok(plan.warnings.some((w) => w.code === 'target-uncoupled' && !w.blocking));
    assert.ok(
      plan.warnings.some((w) => w.code === 'target-no-access' && !w.blocking && w.args.includes('Technische Objekte')),
    );
    if (target !== from)
      assert.equal((await applyTransfer(store, admin, plan.request, plan.fingerprint, plan.total)).total, plan.total);
  });

  it('warns (without blocking) when the new user would be both responsible and deputy of a record', async () => {
    const record = await store.get<{ module: string; object_id: number; record_id: number | null; role: string }>(
      'SELECT r.module, r.object_id, r.record_id, r.role FROM responsibilities r JOIN users u ON u.id = r.user_id WHERE u.login = ? AND r.module = ? LIMIT 1',
      [from, 'objects'],
    );
    assert.ok(record);
    const other = record.role === 'responsible' ? 'deputy' : 'responsible';
    await store.run("DELETE FROM responsibilities WHERE module = 'objects' AND object_id = ? AND role = ?", [
      record.object_id,
      other,
    ]);
    const plain = await planTransfer(store, admin, request({ modules: ['objects'] }));
    assert.ok(!plain.warnings.some((w) => w.code === 'both-roles'));
    await store.run(
      "INSERT INTO responsibilities (module, object_id, record_id, user_id, role) VALUES ('objects', ?, NULL, (SELECT id FROM users WHERE login = 'haupt'), ?)",
      [record.object_id, other],
    );
    const plan = await planTransfer(store, admin, request({ modules: ['objects'] }));
    const warning = plan.warnings.find((w) => w.code === 'both-roles');
    assert.deepEqual([warning?.blocking, warning?.args[0], warning?.args[1]], [false, 1, 'haupt']);
  });

  it('nothing matches: a blocking warning, refused on apply', async () => {
    const idle = String(
      await scalar(
        store,
        "SELECT login FROM users WHERE active = 1 AND id NOT IN (SELECT user_id FROM responsibilities) AND login <> 'haupt' LIMIT 1",
      ),
    );
    const plan = await planTransfer(store, admin, request({ fromLogin: idle }));
    assert.equal(plan.total, 0);
    assert.deepEqual(
      plan.warnings.map((w) => w.code),
      ['nothing-matches'],
    );
    await assert.rejects(
      () => applyTransfer(store, admin, plan.request, plan.fingerprint, plan.total),
      NothingToTransferError,
    );
  });

  it('refuses a module the license does not contain, no Komfortpaket, and non-admins', async () => {
    await store.run("DELETE FROM license_modules WHERE code = 'TECHOBJ'");
    await assert.rejects(
      () => planTransfer(store, admin, request()),
      (e: unknown) => e instanceof TransferModuleNotLicensedError && e.message.includes('Technische Objekte (TECHOBJ)'),
    );
    assert.equal((await planTransfer(store, admin, request({ modules: ['objects'] }))).request.modules.length, 1);
    await assert.rejects(() => planTransfer(store, haupt, request({ modules: ['objects'] })), PermissionError);
    await assert.rejects(() => transferHistory(store, haupt), PermissionError);
    await assert.rejects(() => undoTransfer(store, haupt, 'x'), PermissionError);
    await store.run("DELETE FROM license_modules WHERE code = 'KOMFORT'");
    await assert.rejects(() => planTransfer(store, admin, request({ modules: ['objects'] })), KomfortpaketMissingError);
    await assert.rejects(
      () => applyTransfer(store, admin, request({ modules: ['objects'] }), 'x', 0),
      KomfortpaketMissingError,
    );
  });

  it('an expired Komfortpaket counts as missing', async () => {
    await store.run("UPDATE license_modules SET valid_until = '2020-01-01' WHERE code = 'KOMFORT'");
    await assert.rejects(() => planTransfer(store, admin, request()), KomfortpaketMissingError);
  });

  it('refuses unknown object numbers and teams, and malformed requests', async () => {
    await assert.rejects(
      () => planTransfer(store, admin, request({ objectNos: [1001, 999999] })),
      (e: unknown) => e instanceof UnknownObjectError && e.message.includes('999999') && !e.message.includes('1001'),
    );
    await assert.rejects(() => planTransfer(store, admin, request({ team: 'Team Nirgendwo' })), UnknownTeamError);
    await assert.rejects(() => planTransfer(store, admin, request({ modules: [] })), TransferInputError);
    await assert.rejects(() => planTransfer(store, admin, request({ roles: [] })), TransferInputError);
    await assert.rejects(
      () => planTransfer(store, admin, request({ modules: ['kreditoren' as TransferModule] })),
      /not a module with responsibles/,
    );
    await assert.rejects(() => planTransfer(store, admin, request({ objectNos: [0] })), /not an Objektnummer/);
    await assert.rejects(() => planTransfer(store, admin, request({ fromLogin: ' ' })), TransferInputError);
  });

  it('undo restores the batch once; unknown batches and a second undo are refused', async () => {
    const before = await snapshot();
    const plan = await planTransfer(store, admin, request());
    const { batchId } = await applyTransfer(store, admin, plan.request, plan.fingerprint, plan.total);
    await assert.rejects(() => undoTransfer(store, admin, 'gibt-es-nicht'), UnknownBatchError);
    const undo = await undoTransfer(store, admin, batchId);
    assert.deepEqual([undo.restored, undo.skipped.length], [plan.total, 0]);
    assert.equal(await snapshot(), before);
    assert.equal(
      Number(
        await scalar(store, "SELECT count(*) FROM audit_log WHERE batch_id = ? AND action = 'responsible.undo'", [
          batchId,
        ]),
      ),
      plan.total,
    );
    await assert.rejects(() => undoTransfer(store, admin, batchId), BatchAlreadyUndoneError);
    const [batch] = await transferHistory(store, admin);
    assert.deepEqual([batch?.undoneBy, batch?.undoRestored, batch?.undoSkipped], ['admin', plan.total, 0]);
  });

  it('undo after partial changes restores the rest and reports what changed since', async () => {
    const plan = await planTransfer(store, admin, request());
    assert.ok(plan.total >= 3);
    const { batchId } = await applyTransfer(store, admin, plan.request, plan.fingerprint, plan.total);
    const [moved, deleted] = plan.assignments;
    await store.run("UPDATE responsibilities SET user_id = (SELECT id FROM users WHERE login = 'admin') WHERE id = ?", [
      moved?.id ?? 0,
    ]);
    await store.run('DELETE FROM responsibilities WHERE id = ?', [deleted?.id ?? 0]);
    const undo = await undoTransfer(store, admin, batchId);
    assert.equal(undo.restored, plan.total - 2);
    assert.deepEqual(undo.skipped.map((s) => s.nowHeldBy).sort(), ['admin', null].sort());
    assert.equal(await held(from), plan.total - 2);
    assert.equal(
      String(
        await scalar(store, 'SELECT u.login FROM responsibilities r JOIN users u ON u.id = r.user_id WHERE r.id = ?', [
          moved?.id ?? 0,
        ]),
      ),
      'admin',
    );
  });
});
