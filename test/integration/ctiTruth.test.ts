/**
 * Issue 16 "every call recorded as the telephone system saw it, alerted once": the findings 1–4 and 6 and the
 * call-list import, each against a scripted peer on 127.0.0.1 (test/peers/ctiPeers.ts).
 */
import { strict as assert } from 'node:assert';
import { AmiError, AmiTimeoutError, AsteriskAmi } from '../../src/core/cti/asteriskAmi';
import { listJournal } from '../../src/core/cti/callJournal';
import type { FinishedCall } from '../../src/core/cti/callOutcome';
import { CtiSession, LISTENED_UNTIL_KEY } from '../../src/core/cti/ctiSession';
import type { CallAlert } from '../../src/core/cti/ctiSession';
import { FritzboxCallMonitor } from '../../src/core/cti/fritzboxCallMonitor';
import { writePhoneNumber } from '../../src/core/cti/phoneIndex';
import { setSetting } from '../../src/core/settings/settingsService';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import type { Actor } from '../../src/core/access/rights';
import {
  amiFrame,
  amiPeer,
  badAmiPeer,
  collectingLogger,
  fritzPeer,
  StatusLog,
  tr064CallListPeer,
  untilStatus,
} from '../peers/ctiPeers';
import type { ScriptedListCall, ScriptedPeer } from '../peers/ctiPeers';
import { smallDemoDb } from '../helpers';
import { insertId } from '../../src/core/store/asyncQueries';

const FAST = { initialMs: 10, maxMs: 80 };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Collects a session's alerts and finished calls; `finished(n)` waits for the n-th finished call and the session to settle. */
function watch(session: CtiSession): {
  alerts: CallAlert[];
  calls: FinishedCall[];
  finished: (n: number) => Promise<void>;
} {
  const alerts: CallAlert[] = [];
  const calls: FinishedCall[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  session.onAlert((a) => alerts.push(a));
  session.onFinished((c) => {
    calls.push(c);
    for (const w of waiters.filter((x) => calls.length >= x.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  return {
    alerts,
    calls,
    // the n-th finished call, and then everything the session received handled (journal rows written)
    finished: async (n) => {
      if (calls.length < n) await new Promise<void>((resolve) => waiters.push({ n, resolve }));
      await session.settled();
    },
  };
}

describe('cti issue 16: the Fritz!Box journal is true (times, durations, outcomes, lines)', function () {
  this.timeout(30_000);
  let store: AsyncStore;
  let admin: Actor;
  let haupt: Actor;
  let peer: ScriptedPeer;
  let box: FritzboxCallMonitor;

  beforeEach(async () => {
    ({ db: store, admin, haupt } = await smallDemoDb());
    const person = await insertId(
      store,
      "INSERT INTO persons (person_no, first_name, last_name) VALUES (990001, 'Erika', 'Mustermann') RETURNING id",
    );
    await store.transaction((tx) =>
      writePhoneNumber(tx, { origin: 'person', partyId: person, field: 'private', raw: '030 6667777' }),
    );
    peer = fritzPeer();
    await peer.listen();
    box = new FritzboxCallMonitor({ host: '127.0.0.1', port: peer.port, log: collectingLogger(), backoff: FAST });
  });
  afterEach(async () => {
    await box.disconnect();
    await peer.close();
    await store.close();
  });

  it("§1: journals the box's own start, answer and end times (Europe/Berlin, ISO with offset) and the DISCONNECT duration", async () => {
    const session = await CtiSession.create(store, box, { log: collectingLogger(), line: 'SIP0', userId: haupt.id });
    const w = watch(session);
    await box.connect();
    await peer.connection();
    peer.send('25.09.23 09:54:59;RING;0;6667777;453423;SIP0;\n25.09.23 09:55:03;CONNECT;0;10;6667777;\n');
    await sleep(600);
    peer.send('25.09.23 09:56:10;DISCONNECT;0;67;\n');
    // winter time: +01:00
    peer.send('05.01.24 10:00:00;RING;1;6667777;453423;SIP0;\n');
    await sleep(600);
    peer.send('05.01.24 10:00:30;DISCONNECT;1;0;\n');
    await w.finished(2);
    const rows = await listJournal(store, { userId: haupt.id });
    assert.deepEqual(
      rows.map((r) => [
        r.startedAt,
        r.answeredAt,
        r.endedAt,
        r.durationSeconds,
        r.outcome,
        r.ownNumber,
        r.line,
        r.extension,
        r.matchName,
      ]),
      [
        [
          '2024-01-05T10:00:00+01:00',
          null,
          '2024-01-05T10:00:30+01:00',
          0,
          'missed',
          '453423',
          'SIP0',
          null,
          'Mustermann, Erika',
        ],
        [
          '2023-09-25T09:54:59+02:00',
          '2023-09-25T09:55:03+02:00',
          '2023-09-25T09:56:10+02:00',
          67,
          'answered',
          '453423',
          'SIP0',
          '10',
          'Mustermann, Erika',
        ],
      ],
    );
    assert.equal(w.alerts.length, 2);
    await session.stop();
  });

  it('§2: a call the box blocks (RING, DISCONNECT 40–90 ms later) is not announced and not a missed call; it is journalled as blocked', async () => {
    const session = await CtiSession.create(store, box, { log: collectingLogger(), line: 'SIP0', userId: haupt.id });
    const w = watch(session);
    await box.connect();
    await peer.connection();
    peer.send('25.09.23 11:00:00;RING;5;01761234567;453423;SIP0;\n');
    await sleep(60);
    peer.send('25.09.23 11:00:00;DISCONNECT;5;0;\n');
    await w.finished(1);
    await sleep(600); // past the threshold: still no alert
    assert.equal(w.alerts.length, 0);
    const [row] = await listJournal(store, { userId: haupt.id });
    assert.deepEqual(row && [row.outcome, row.state, row.open, row.remoteNumber], [
      'blocked',
      'ended',
      false,
      '01761234567',
    ]);
    await session.stop();
  });

  it('§3: with alert-on-answer, CONNECT names the extension (10) and RING the line (SIP0): users on either get the alert and the journal row', async () => {
    await setSetting(store, admin, 'PlusGlobalCTIReactionAbhebebHoerer', '1');
    const onLine = await CtiSession.create(store, box, {
      log: collectingLogger(),
      line: 'SIP0',
      userId: haupt.id,
      journal: false,
    });
    const onExtension = await CtiSession.create(store, box, {
      log: collectingLogger(),
      line: '10',
      userId: admin.id,
      journal: true,
    });
    const a = watch(onLine);
    const b = watch(onExtension);
    await box.connect();
    await peer.connection();
    // one store keeps one journal row per call id: here the session of the user on extension 10 writes it
    peer.send(
      '25.09.23 09:54:59;RING;0;6667777;453423;SIP0;\n25.09.23 09:55:03;CONNECT;0;10;6667777;\n25.09.23 09:56:10;DISCONNECT;0;67;\n',
    );
    await a.finished(1);
    await b.finished(1);
    assert.deepEqual(
      a.alerts.map((x) => [x.event.kind, x.event.line, x.event.extension]),
      [['connected', 'SIP0', '10']],
    );
    assert.deepEqual(
      b.alerts.map((x) => [x.event.kind, x.event.line, x.event.extension]),
      [['connected', 'SIP0', '10']],
    );
    assert.deepEqual(
      b.calls.map((c) => [c.outcome, c.durationSeconds, c.extension]),
      [['answered', 67, '10']],
    );
    const row = (await listJournal(store)).find((r) => r.callId === '0@25.09.23 09:54:59');
    assert.deepEqual(row && [row.userId, row.outcome, row.extension, row.durationSeconds], [
      admin.id,
      'answered',
      '10',
      67,
    ]);
    await onLine.stop();
    await onExtension.stop();
  });

  it('a user on an extension gets the journal row of a call answered there even when alerts come on ringing', async () => {
    const session = await CtiSession.create(store, box, {
      log: collectingLogger(),
      line: '10',
      userId: haupt.id,
      blockedCallMs: 0,
    });
    const w = watch(session);
    await box.connect();
    await peer.connection();
    peer.send(
      '25.09.23 09:54:59;RING;0;6667777;453423;SIP0;\n25.09.23 09:55:03;CONNECT;0;10;6667777;\n25.09.23 09:56:10;DISCONNECT;0;67;\n',
    );
    await w.finished(1);
    assert.equal(w.alerts.length, 1);
    const [row] = await listJournal(store, { userId: haupt.id });
    assert.deepEqual(row && [row.startedAt, row.outcome, row.line, row.extension], [
      '2023-09-25T09:54:59+02:00',
      'answered',
      'SIP0',
      '10',
    ]);
    await session.stop();
  });

  it('outgoing calls (answered / unanswered) and a box restart mid-call', async () => {
    const session = await CtiSession.create(store, box, { log: collectingLogger(), line: 'SIP0', userId: haupt.id });
    const w = watch(session);
    await box.connect();
    await peer.connection();
    peer.send(
      '25.09.23 12:00:00;CALL;1;10;453423;0306667777;SIP0;\n25.09.23 12:00:05;CONNECT;1;10;0306667777;\n25.09.23 12:01:05;DISCONNECT;1;60;\n',
    );
    peer.send('25.09.23 12:02:00;CALL;2;10;453423;0306667777;SIP0;\n25.09.23 12:02:40;DISCONNECT;2;0;\n');
    await w.finished(2);
    // a call is answered, then the box restarts: no DISCONNECT ever comes; the next call reuses connId 0
    peer.send('25.09.23 12:10:00;RING;0;6667777;453423;SIP0;\n25.09.23 12:10:02;CONNECT;0;10;6667777;\n');
    await sleep(50);
    const port = peer.port;
    await peer.close();
    await untilStatus(box, 'reconnecting');
    await peer.listen(port);
    await peer.connection(false);
    peer.send('25.09.23 12:15:00;RING;0;6667777;453423;SIP0;\n');
    await w.finished(3);
    assert.deepEqual(
      w.calls.map((c) => [c.direction, c.outcome, c.startedAt, c.endedAt, c.durationSeconds, c.remote]),
      [
        ['out', 'answered', '2023-09-25T12:00:00+02:00', '2023-09-25T12:01:05+02:00', 60, '0306667777'],
        ['out', 'unanswered', '2023-09-25T12:02:00+02:00', '2023-09-25T12:02:40+02:00', 0, '0306667777'],
        ['in', 'answered', '2023-09-25T12:10:00+02:00', null, null, '6667777'],
      ],
    );
    await session.stop();
  });

  it('TR-064: calls the box listed while nobody listened are imported once per connect, without duplicates', async () => {
    const list: ScriptedListCall[] = [
      { id: 101, type: 2, caller: '0306667777', called: '453423', date: '25.09.23 08:10' },
      {
        id: 102,
        type: 1,
        caller: '01761234567',
        called: '453423',
        date: '25.09.23 08:20',
        duration: '0:02',
        port: '10',
        device: 'FRITZ!Fon C6',
      },
      { id: 103, type: 10, caller: '0900123456', called: '453423', date: '25.09.23 08:30' },
      {
        id: 104,
        type: 3,
        caller: '453423',
        called: '0301234567',
        date: '25.09.23 08:40',
        duration: '0:00',
        port: '10',
      },
      {
        id: 105,
        type: 1,
        caller: '01761234567',
        called: '453423',
        date: '25.09.23 08:50',
        duration: '0:01',
        port: '11',
      }, // another phone
      { id: 99, type: 2, caller: '0306667777', called: '453423', date: '25.09.23 07:00' }, // before the gap
    ];
    const tr = await tr064CallListPeer('ixhaus', 'geheim', () => list);
    const withList = new FritzboxCallMonitor({
      host: '127.0.0.1',
      port: peer.port,
      log: collectingLogger(),
      backoff: FAST,
      tr064: { port: tr.port, username: 'ixhaus', password: 'geheim' },
    });
    // the user's CTI last listened at 08:00 Berlin time
    await store.run('INSERT INTO meta (key, value) VALUES (?, ?)', [
      `${LISTENED_UNTIL_KEY}${haupt.id}`,
      '2023-09-25T06:00:00.000Z',
    ]);
    const now = (): Date => new Date('2023-09-25T07:00:00.000Z');

    const session = await CtiSession.create(store, withList, {
      log: collectingLogger(),
      line: '10',
      userId: haupt.id,
      now,
    });
    try {
      const statuses = new StatusLog(withList);
      await withList.connect();
      await statuses.until('connected');
      while (tr.fetches < 1 || session.imported < 4) await sleep(20);
      const rows = await listJournal(store, { userId: haupt.id });
      assert.deepEqual(
        rows.map((r) => [r.callId, r.direction, r.outcome, r.startedAt, r.durationSeconds, r.remoteNumber, r.open]),
        [
          ['tr064:104', 'out', 'unanswered', '2023-09-25T08:40:00+02:00', 0, '0301234567', false],
          ['tr064:103', 'in', 'blocked', '2023-09-25T08:30:00+02:00', 0, '0900123456', false],
          ['tr064:102', 'in', 'answered', '2023-09-25T08:20:00+02:00', 120, '01761234567', false],
          ['tr064:101', 'in', 'missed', '2023-09-25T08:10:00+02:00', 0, '0306667777', true],
        ],
      );
      // the same window imported again (e.g. the mark was not saved before a crash): nothing twice
      await store.run('UPDATE meta SET value = ? WHERE key = ?', [
        '2023-09-25T06:00:00.000Z',
        `${LISTENED_UNTIL_KEY}${haupt.id}`,
      ]);
      assert.equal(await session.importHistory(), 0);
      assert.equal((await listJournal(store, { userId: haupt.id })).length, 4);
      // the box drops the connection and comes back: one import per connect, starting where listening stopped
      peer.dropAll();
      await statuses.until('connected', 2);
      while (tr.fetches < 3) await sleep(20);
      await sleep(100);
      assert.equal(tr.fetches, 3, 'one list fetch per connect (plus the explicit one above)');
      assert.equal((await listJournal(store, { userId: haupt.id })).length, 4);
      assert.equal(session.imported, 4);
    } finally {
      await session.stop();
      await withList.disconnect();
      await tr.close();
    }
  });
});

describe('cti issue 16: Asterisk AMI outgoing calls and outcomes (§4)', function () {
  this.timeout(30_000);
  let store: AsyncStore;
  let haupt: Actor;
  let peer: ScriptedPeer;
  let ami: AsteriskAmi;

  beforeEach(async () => {
    ({ db: store, haupt } = await smallDemoDb());
    peer = amiPeer('ixhaus', 's3cret', { actions: [] });
    await peer.listen();
    ami = new AsteriskAmi({
      host: '127.0.0.1',
      port: peer.port,
      username: 'ixhaus',
      secret: 's3cret',
      log: collectingLogger(),
      backoff: FAST,
      pingMs: 0,
    });
  });
  afterEach(async () => {
    await ami.disconnect();
    await peer.close();
    await store.close();
  });

  it('Newchannel from PJSIP/201 and DialBegin to the trunk is an outgoing call of the user on PJSIP/201, not an incoming call from 201', async () => {
    const session = await CtiSession.create(store, ami, {
      log: collectingLogger(),
      line: 'PJSIP/201',
      userId: haupt.id,
    });
    const w = watch(session);
    await ami.connect();
    const phone = (id: string, extra: Record<string, string>): string =>
      amiFrame({ Channel: `PJSIP/201-0000000${id}`, Uniqueid: `1700.${id}`, Linkedid: `1700.${id}`, ...extra });
    // answered outgoing call, with the events' own times (timestampevents = yes)
    peer.send(
      phone('1', { Event: 'Newchannel', CallerIDNum: '201', Exten: '01761234567', Timestamp: '1695628499.000000' }),
    );
    peer.send(
      phone('1', {
        Event: 'DialBegin',
        CallerIDNum: '201',
        DestChannel: 'PJSIP/trunk-00000002',
        DestCallerIDNum: '01761234567',
        Timestamp: '1695628499.100000',
      }),
    );
    peer.send(
      phone('1', {
        Event: 'DialEnd',
        DialStatus: 'ANSWER',
        DestChannel: 'PJSIP/trunk-00000002',
        Timestamp: '1695628505.000000',
      }),
    );
    peer.send(phone('1', { Event: 'Hangup', Cause: '16', Timestamp: '1695628572.000000' }));
    // unanswered outgoing call
    peer.send(phone('2', { Event: 'Newchannel', CallerIDNum: '201', Exten: '0301234567' }));
    peer.send(
      phone('2', {
        Event: 'DialBegin',
        CallerIDNum: '201',
        DestChannel: 'PJSIP/trunk-00000003',
        DestCallerIDNum: '0301234567',
      }),
    );
    peer.send(phone('2', { Event: 'DialEnd', DialStatus: 'NOANSWER', DestChannel: 'PJSIP/trunk-00000003' }));
    peer.send(phone('2', { Event: 'Hangup', Cause: '19' }));
    await w.finished(2);
    assert.equal(w.alerts.length, 0, 'no "incoming call from 201"');
    assert.deepEqual(
      w.calls.map((c) => [c.direction, c.outcome, c.remote, c.line, c.extension]),
      [
        ['out', 'answered', '01761234567', 'PJSIP/201', '201'],
        ['out', 'unanswered', '0301234567', 'PJSIP/201', '201'],
      ],
    );
    assert.deepEqual(
      [w.calls[0]?.startedAt, w.calls[0]?.answeredAt, w.calls[0]?.endedAt, w.calls[0]?.durationSeconds],
      ['2023-09-25T09:54:59+02:00', '2023-09-25T09:55:05+02:00', '2023-09-25T09:56:12+02:00', 67],
    );
    assert.deepEqual(
      (await listJournal(store, { userId: haupt.id })).map((r) => [r.direction, r.outcome]),
      [
        ['out', 'unanswered'],
        ['out', 'answered'],
      ],
    );
    await session.stop();
  });

  it('an incoming call to a busy line (Hangup cause 17) is busy, a rejected one (21) blocked', async () => {
    const session = await CtiSession.create(store, ami, {
      log: collectingLogger(),
      line: 'PJSIP/201',
      userId: haupt.id,
      blockedCallMs: 0,
    });
    const w = watch(session);
    await ami.connect();
    const trunk = (id: string, extra: Record<string, string>): string =>
      amiFrame({ Channel: `SIP/trunk-0000000${id}`, Uniqueid: `1800.${id}`, Linkedid: `1800.${id}`, ...extra });
    peer.send(trunk('1', { Event: 'DialBegin', CallerIDNum: '0306667777', DestChannel: 'PJSIP/201-00000001' }));
    peer.send(trunk('1', { Event: 'DialEnd', DialStatus: 'BUSY', DestChannel: 'PJSIP/201-00000001' }));
    peer.send(trunk('1', { Event: 'Hangup', Cause: '17' }));
    peer.send(trunk('2', { Event: 'DialBegin', CallerIDNum: '0306667777', DestChannel: 'PJSIP/201-00000002' }));
    peer.send(trunk('2', { Event: 'Hangup', Cause: '21' }));
    await w.finished(2);
    assert.deepEqual(
      w.calls.map((c) => [c.direction, c.outcome]),
      [
        ['in', 'busy'],
        ['in', 'blocked'],
      ],
    );
    await session.stop();
  });
});

describe('cti issue 16: deadlines and backoff (§6)', function () {
  this.timeout(30_000);
  const opts = {
    username: 'ixhaus',
    secret: 's3cret',
    backoff: FAST,
    pingMs: 0,
    bannerTimeoutMs: 300,
    loginTimeoutMs: 300,
  };

  for (const [kind, message] of [
    ['silent', /sent no AMI banner within 300 ms/],
    ['halfBanner', /sent half an AMI banner \("Asterisk Call Ma"\) and then nothing within 300 ms/],
    ['reset', /closed before the AMI banner \(reset after accept\)/],
    [
      'noLoginAnswer',
      /sent its banner but did not answer the Login within 300 ms.*the user and secret were not checked/,
    ],
  ] as const) {
    it(`AMI connect ends with a precise message for a peer that ${kind === 'silent' ? 'accepts and sends nothing' : kind === 'halfBanner' ? 'sends half a banner' : kind === 'reset' ? 'resets after accept' : 'greets but never answers the Login'}`, async () => {
      const peer = badAmiPeer(kind);
      await peer.listen();
      const log = collectingLogger();
      const ami = new AsteriskAmi({ host: '127.0.0.1', port: peer.port, log, ...opts });
      try {
        await assert.rejects(
          ami.connect(),
          (e: unknown) => e instanceof AmiTimeoutError && !(e instanceof AmiError) && message.test(e.message),
        );
        assert.ok(!log.lines.some((l) => /refused/.test(l)), 'never "Asterisk refused Login"');
      } finally {
        await ami.disconnect();
        await peer.close();
      }
    });
  }

  it('the backoff grows across reconnects to a peer that accepts and resets, and resets only after a connection stayed up', async () => {
    const peer = badAmiPeer('reset');
    await peer.listen();
    const ami = new AsteriskAmi({
      host: '127.0.0.1',
      port: peer.port,
      log: collectingLogger(),
      ...opts,
      stableMs: 60_000,
    });
    try {
      await ami.connect().catch(() => undefined);
      while (ami.reconnectWaits.length < 5) await sleep(20);
      assert.deepEqual(ami.reconnectWaits.slice(0, 5), [10, 20, 40, 80, 80]);
    } finally {
      await ami.disconnect();
      await peer.close();
    }
    // a Fritz!Box connection that stays up longer than stableMs starts again at the first wait
    const box = fritzPeer();
    await box.listen();
    const monitor = new FritzboxCallMonitor({
      host: '127.0.0.1',
      port: box.port,
      log: collectingLogger(),
      backoff: FAST,
      stableMs: 150,
    });
    try {
      const statuses = new StatusLog(monitor);
      await monitor.connect();
      await box.connection();
      box.dropAll(); // dropped at once: the next wait doubles afterwards
      await statuses.until('connected', 2);
      box.dropAll();
      await statuses.until('connected', 3);
      await sleep(250); // stayed up longer than stableMs
      box.dropAll();
      await statuses.until('connected', 4);
      assert.deepEqual(monitor.reconnectWaits, [10, 20, 10]);
    } finally {
      await monitor.disconnect();
      await box.close();
    }
  });
});
