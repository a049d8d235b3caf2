import { strict as assert } from 'node:assert';
import { listJournal } from '../../src/core/cti/callJournal';
import { ctiGate, sameLine } from '../../src/core/cti/ctiLine';
import { CtiSession } from '../../src/core/cti/ctiSession';
import type { CallAlert } from '../../src/core/cti/ctiSession';
import { writePhoneNumber } from '../../src/core/cti/phoneIndex';
import { CtiSimulator } from '../../src/core/cti/simulator';
import { silentLogger } from '../../src/core/log';
import { setSetting } from '../../src/core/settings/settingsService';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import { setOwnCtiLine } from '../../src/core/users/userService';
import type { Actor } from '../../src/core/access/rights';
import { smallDemoDb } from '../helpers';
import { insertId } from '../../src/core/store/asyncQueries';

describe('cti session with the simulator (product.md §7, issue 9 §3, §4, §6)', function () {
  this.timeout(30_000);
  let store: AsyncStore;
  let admin: Actor;
  let haupt: Actor;

  beforeEach(async () => {
    ({ db: store, admin, haupt } = await smallDemoDb());
    const person = await insertId(
      store,
      "INSERT INTO persons (person_no, first_name, last_name) VALUES (990001, 'Erika', 'Mustermann') RETURNING id",
    );
    await store.transaction((tx) =>
      writePhoneNumber(tx, { origin: 'person', partyId: person, field: 'mobile', raw: '0171 6783154' }),
    );
  });
  afterEach(async () => store.close());

  it("is gated by PlusGlobalCTIKopplungAktiv and the user's line", async () => {
    await setSetting(store, admin, 'PlusGlobalCTIKopplungAktiv', '0');
    assert.deepEqual(await ctiGate(store, haupt.id), { active: false, line: undefined, reason: 'off' });
    await setSetting(store, admin, 'PlusGlobalCTIKopplungAktiv', '1');
    assert.equal((await ctiGate(store, haupt.id)).reason, 'no-line');
    await setOwnCtiLine(store, haupt, haupt.login, 'SIM/1');
    assert.deepEqual(await ctiGate(store, haupt.id), { active: true, line: 'SIM/1', reason: undefined });
    assert.ok(
      sameLine('PJSIP/201', '201') &&
        sameLine('SIM/1', 'sim/1') &&
        !sameLine('PJSIP/202', '201') &&
        !sameLine(undefined, '201'),
    );
  });

  it('alerts once per call on ringing, or on answering when PlusGlobalCTIReactionAbhebebHoerer is on; updates on a late caller id', async () => {
    const sim = new CtiSimulator(['SIM/1', 'SIM/2']);
    const session = await CtiSession.create(store, sim, {
      log: silentLogger,
      line: 'SIM/1',
      userId: haupt.id,
      blockedCallMs: 0,
    });
    const alerts: CallAlert[] = [];
    session.onAlert((a) => alerts.push(a));
    const a = sim.ring('0171/6783154');
    sim.ring('0301234567', 'SIM/2'); // not our line
    sim.answer(a);
    sim.hangUp(a, 30);
    await session.settled();
    assert.deepEqual(
      alerts.map((x) => [x.kind, x.lookup.outcome]),
      [['new', 'matched']],
    );
    await setSetting(store, admin, 'PlusGlobalCTIReactionAbhebebHoerer', '1');
    const onAnswer = await CtiSession.create(store, sim, {
      log: silentLogger,
      line: 'SIM/1',
      journal: false,
      blockedCallMs: 0,
    });
    const later: CallAlert[] = [];
    onAnswer.onAlert((x) => later.push(x));
    const b = sim.ring('');
    await onAnswer.settled();
    assert.equal(later.length, 0, 'not while ringing');
    sim.answer(b);
    await onAnswer.settled();
    assert.deepEqual(
      later.map((x) => x.lookup.outcome),
      ['suppressed'],
    );
    await session.stop();
    await onAnswer.stop();
  });

  it('journals calls; a missed call stays open until it is called back; dialing adds the outside-line prefix', async () => {
    await setSetting(store, admin, 'PlusGlobalCTIVorwahlExternAnrufe', '0');
    const sim = new CtiSimulator();
    const session = await CtiSession.create(store, sim, {
      log: silentLogger,
      line: 'SIM/1',
      userId: haupt.id,
      blockedCallMs: 0,
    });
    const missed = sim.ring('+49 171 6783154');
    sim.hangUp(missed);
    sim.ring('201'); // internal
    await session.settled();
    const [, before] = await listJournal(store, { userId: haupt.id });
    assert.deepEqual(before && [before.state, before.matchName, before.open], ['missed', 'Mustermann, Erika', true]);
    const result = await session.dial('0171 6783154');
    assert.equal(result.dialString, '001716783154');
    assert.deepEqual(sim.dialed, ['001716783154']);
    const after = (await listJournal(store, { userId: haupt.id })).find((j) => j.id === before?.id);
    assert.equal(after?.open, false);
    assert.equal((await session.dial('202')).dialString, '202');
    await assert.rejects(session.dial('Zentrale'), /Cannot dial/);
  });
  it('lists the journal newest first by the instant, also across UTC offsets and with a limit', async () => {
    // local-time text order differs from instant order: 09:30+02:00 (07:30Z) is older than 08:45+01:00 (07:45Z)
    const rows: Array<[string, string]> = [
      ['a', '2024-03-31T09:30:00+02:00'],
      ['b', '2024-03-31T08:45:00+01:00'],
      ['c', '2024-03-31T07:40:00Z'],
      ['d', '2024-03-30T23:00:00-05:00'], // 2024-03-31T04:00Z
      ['e', '2024-03-31T05:00:00.000Z'],
      ['f', '2024-03-29T12:00:00+01:00'],
    ];
    for (const [callId, startedAt] of rows)
      await store.run(
        "INSERT INTO call_journal (call_id, started_at, direction, state, user_id) VALUES (?, ?, 'in', 'ended', ?)",
        [callId, startedAt, haupt.id],
      );
    const ids = async (limit?: number): Promise<Array<string | null>> =>
      (await listJournal(store, { userId: haupt.id, ...(limit === undefined ? {} : { limit }) })).map((r) => r.callId);
    assert.deepEqual(await ids(), ['b', 'c', 'a', 'e', 'd', 'f']);
    assert.deepEqual(await ids(2), ['b', 'c']);
    assert.deepEqual(await ids(4), ['b', 'c', 'a', 'e']);
    assert.deepEqual(await ids(0), []);
    assert.deepEqual(
      (await listJournal(store, { userId: admin.id })).map((r) => r.callId),
      [],
      "another user's journal",
    );
  });
});
