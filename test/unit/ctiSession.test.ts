import { strict as assert } from 'node:assert';
import { CtiSession, ctiGate, listJournal, sameLine } from '../../src/core/cti/ctiSession';
import type { CallAlert } from '../../src/core/cti/ctiSession';
import { writePhoneNumber } from '../../src/core/cti/phoneIndex';
import { CtiSimulator } from '../../src/core/cti/simulator';
import { silentLogger } from '../../src/core/log';
import { setSetting } from '../../src/core/settings/settingsService';
import type { Store } from '../../src/core/store/database';
import { setOwnCtiLine } from '../../src/core/users/userService';
import type { Actor } from '../../src/core/access/rights';
import { smallDemoStore } from '../helpers';

describe('cti session with the simulator (product.md §7, issue 9 §3, §4, §6)', function () {
  this.timeout(30_000);
  let store: Store;
  let admin: Actor;
  let haupt: Actor;

  beforeEach(async () => {
    ({ store, admin, haupt } = await smallDemoStore());
    const person = store.insertId(
      "INSERT INTO persons (person_no, first_name, last_name) VALUES (990001, 'Erika', 'Mustermann') RETURNING id",
    );
    writePhoneNumber(store, { origin: 'person', partyId: person, field: 'mobile', raw: '0171 6783154' });
  });
  afterEach(async () => store.close());

  it("is gated by PlusGlobalCTIKopplungAktiv and the user's line", () => {
    setSetting(store, admin, 'PlusGlobalCTIKopplungAktiv', '0');
    assert.deepEqual(ctiGate(store, haupt.id), { active: false, line: undefined, reason: 'off' });
    setSetting(store, admin, 'PlusGlobalCTIKopplungAktiv', '1');
    assert.equal(ctiGate(store, haupt.id).reason, 'no-line');
    setOwnCtiLine(store, haupt, haupt.login, 'SIM/1');
    assert.deepEqual(ctiGate(store, haupt.id), { active: true, line: 'SIM/1', reason: undefined });
    assert.ok(
      sameLine('PJSIP/201', '201') &&
        sameLine('SIM/1', 'sim/1') &&
        !sameLine('PJSIP/202', '201') &&
        !sameLine(undefined, '201'),
    );
  });

  it('alerts once per call on ringing, or on answering when PlusGlobalCTIReactionAbhebebHoerer is on; updates on a late caller id', () => {
    const sim = new CtiSimulator(['SIM/1', 'SIM/2']);
    const session = new CtiSession(store, sim, {
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
    assert.deepEqual(
      alerts.map((x) => [x.kind, x.lookup.outcome]),
      [['new', 'matched']],
    );
    setSetting(store, admin, 'PlusGlobalCTIReactionAbhebebHoerer', '1');
    const onAnswer = new CtiSession(store, sim, { log: silentLogger, line: 'SIM/1', journal: false, blockedCallMs: 0 });
    const later: CallAlert[] = [];
    onAnswer.onAlert((x) => later.push(x));
    const b = sim.ring('');
    assert.equal(later.length, 0, 'not while ringing');
    sim.answer(b);
    assert.deepEqual(
      later.map((x) => x.lookup.outcome),
      ['suppressed'],
    );
    session.stop();
    onAnswer.stop();
  });

  it('journals calls; a missed call stays open until it is called back; dialing adds the outside-line prefix', async () => {
    setSetting(store, admin, 'PlusGlobalCTIVorwahlExternAnrufe', '0');
    const sim = new CtiSimulator();
    const session = new CtiSession(store, sim, {
      log: silentLogger,
      line: 'SIM/1',
      userId: haupt.id,
      blockedCallMs: 0,
    });
    const missed = sim.ring('+49 171 6783154');
    sim.hangUp(missed);
    sim.ring('201'); // internal
    const [, before] = listJournal(store, { userId: haupt.id });
    assert.deepEqual(before && [before.state, before.matchName, before.open], ['missed', 'Mustermann, Erika', true]);
    const result = await session.dial('0171 6783154');
    assert.equal(result.dialString, '001716783154');
    assert.deepEqual(sim.dialed, ['001716783154']);
    const after = listJournal(store, { userId: haupt.id }).find((j) => j.id === before?.id);
    assert.equal(after?.open, false);
    assert.equal((await session.dial('202')).dialString, '202');
    await assert.rejects(session.dial('Zentrale'), /Cannot dial/);
  });
});
