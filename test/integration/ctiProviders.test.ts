import { strict as assert } from 'node:assert';
import { AmiError, AsteriskAmi } from '../../src/core/cti/asteriskAmi';
import { CtiSession } from '../../src/core/cti/ctiSession';
import type { CallAlert } from '../../src/core/cti/ctiSession';
import { listJournal } from '../../src/core/cti/callJournal';
import { FRITZBOX_REFUSED_HINT, FritzboxCallMonitor, parseFritzLine } from '../../src/core/cti/fritzboxCallMonitor';
import { writePhoneNumber } from '../../src/core/cti/phoneIndex';
import { LineSplitter } from '../../src/core/net/lineSplitter';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import { amiFrame, amiPeer, collectingLogger, EventLog, fritzPeer, StatusLog, untilStatus } from '../peers/ctiPeers';
import type { AmiPeerLog, ScriptedPeer } from '../peers/ctiPeers';
import { smallDemoDb } from '../helpers';
import { insertId } from '../../src/core/store/asyncQueries';

const FAST = { initialMs: 10, maxMs: 80 };

describe('cti: Fritz!Box call-monitor line parser (C28)', () => {
  it('maps the fields per event type and ignores the trailing empty field', () => {
    assert.deepEqual(parseFritzLine('09.03.14 21:51:56;CALL;0;12;453423;04829401845;SIP0;'), {
      type: 'CALL',
      date: '09.03.14 21:51:56',
      connId: '0',
      extension: '12',
      own: '453423',
      remote: '04829401845',
      line: 'SIP0',
    });
    assert.deepEqual(parseFritzLine('09.03.14 18:20:59;RING;0;04829401845;453423;SIP0;'), {
      type: 'RING',
      date: '09.03.14 18:20:59',
      connId: '0',
      remote: '04829401845',
      own: '453423',
      line: 'SIP0',
    });
    assert.deepEqual(parseFritzLine('09.03.14 18:21:09;CONNECT;0;12;04829401845;'), {
      type: 'CONNECT',
      date: '09.03.14 18:21:09',
      connId: '0',
      extension: '12',
      remote: '04829401845',
    });
    assert.deepEqual(parseFritzLine('09.03.14 18:22:00;DISCONNECT;0;51;'), {
      type: 'DISCONNECT',
      date: '09.03.14 18:22:00',
      connId: '0',
      durationSeconds: 51,
    });
    assert.match(String(parseFritzLine('09.03.14 18:22:00;HOLD;0;')), /unknown event type/);
    assert.match(String(parseFritzLine('garbage')), /no date/);
    assert.match(String(parseFritzLine('09.03.14 18:22:00;DISCONNECT;0;x;')), /without a duration/);
  });
  it('splits lines across chunks, strips CR and drops overlong lines', () => {
    const lines: string[] = [];
    const long: string[] = [];
    const s = new LineSplitter(
      20,
      (l) => lines.push(l),
      (p) => long.push(p),
    );
    s.push('abc');
    s.push('def\r\nghi\n');
    s.push(`${'x'.repeat(30)}`);
    s.push('yy\nok\n');
    assert.deepEqual(lines, ['abcdef', 'ghi', 'ok']);
    assert.equal(long.length, 1);
  });
});

describe('cti: Fritz!Box call monitor against a TCP peer (C22, C26, C28)', function () {
  this.timeout(20_000);
  let peer: ScriptedPeer;
  let box: FritzboxCallMonitor;
  const log = collectingLogger();

  beforeEach(async () => {
    log.lines.length = 0;
    peer = fritzPeer();
    await peer.listen();
    box = new FritzboxCallMonitor({ host: '127.0.0.1', port: peer.port, log, backoff: FAST });
  });
  afterEach(async () => {
    await box.disconnect();
    await peer.close();
  });

  it('ringing → answered → ended, ringing → missed, outgoing CALL with CRLF, a RING split over two packets, an empty caller', async () => {
    const events = new EventLog(box);
    await box.connect();
    await peer.connection();
    peer.send('25.09.23 09:54:59;RING;0;030123456;453423;SIP0;\n');
    peer.send('25.09.23 09:55:03;CONNECT;0;12;030123456;\n25.09.23 09:56:00;DISCONNECT;0;57;\n');
    await events.until((e) => e.kind === 'ended');
    peer.send('25.09.23 10:00:00;RING;1;04829401845;453423;SIP0;\n25.09.23 10:00:20;DISCONNECT;1;0;\n');
    await events.until((e) => e.kind === 'missed');
    peer.send('09.03.14 21:51:56;CALL;2;12;453423;04829401845;SIP0;\r\n');
    await events.until((e) => e.kind === 'outgoing');
    peer.send('09.03.14 18:20:59;RING;3;0482940');
    await new Promise((r) => setTimeout(r, 50)); // two TCP segments (C28)
    peer.send('1845;453423;SIP0;\n');
    peer.send('25.09.23 09:54:59;RING;4;;453423;SIP0;\n');
    await events.until((e) => e.kind === 'ringing', 3);
    assert.deepEqual(
      events.events.map((e) => [e.kind, e.direction, e.remote, e.own]),
      [
        ['ringing', 'in', '030123456', '453423'],
        ['connected', 'in', '030123456', '453423'],
        ['ended', 'in', '030123456', '453423'],
        ['ringing', 'in', '04829401845', '453423'],
        ['missed', 'in', '04829401845', '453423'],
        ['outgoing', 'out', '04829401845', '453423'],
        ['ringing', 'in', '04829401845', '453423'],
        ['ringing', 'in', '', '453423'],
      ],
    );
    assert.equal(events.events.find((e) => e.kind === 'ended')?.durationSeconds, 57);
    assert.deepEqual(
      [
        events.events.find((e) => e.kind === 'connected')?.line,
        events.events.find((e) => e.kind === 'connected')?.extension,
      ],
      ['SIP0', '12'],
    );
  });

  it('logs and skips malformed and unknown lines, and keeps going', async () => {
    const events = new EventLog(box);
    await box.connect();
    await peer.connection();
    peer.send('this is not a call monitor line\n25.09.23 09:54:59;HOLD;0;\n');
    peer.send(`${'9'.repeat(600)}\n`);
    peer.send('25.09.23 09:54:59;RING;0;030123456;453423;SIP0;\n');
    await events.until((e) => e.kind === 'ringing');
    assert.equal(box.malformed, 3);
    assert.equal(log.lines.filter((l) => /malformed call-monitor line skipped|longer than 512/.test(l)).length, 3);
  });

  it('reconnects after the peer drops and restarts mid-call, without a second alert for the same call', async () => {
    const events = new EventLog(box);
    await box.connect();
    await peer.connection();
    const ring = '25.09.23 09:54:59;RING;0;030123456;453423;SIP0;\n';
    peer.send(ring);
    await events.until((e) => e.kind === 'ringing');
    const port = peer.port;
    await peer.close(); // the box restarts: connection reset, port closed for a while
    await untilStatus(box, 'reconnecting');
    await peer.listen(port);
    await peer.connection(false);
    peer.send(ring); // the same RING again after the restart
    peer.send('25.09.23 09:55:03;CONNECT;0;12;030123456;\n25.09.23 09:56:00;DISCONNECT;0;57;\n');
    await events.until((e) => e.kind === 'ended');
    assert.deepEqual(
      events.events.map((e) => e.kind),
      ['ringing', 'connected', 'ended'],
    );
    assert.ok(peer.accepted >= 1);
  });

  it('C26: a refused port is explained once, not per retry, and the monitor resumes when the port opens', async () => {
    const port = peer.port;
    await peer.close();
    const statuses = new StatusLog(box);
    await box.connect();
    await statuses.until('reconnecting', 8);
    assert.equal(log.lines.filter((l) => l.includes(FRITZBOX_REFUSED_HINT)).length, 1);
    await peer.listen(port);
    await untilStatus(box, 'connected');
    const events = new EventLog(box);
    await peer.connection();
    peer.send('25.09.23 09:54:59;RING;0;030123456;453423;SIP0;\n');
    await events.until((e) => e.kind === 'ringing');
  });
});

describe('cti: a connection that dies silently (C26 b)', function () {
  this.timeout(20_000);
  it('reconnects when nothing arrives within the idle timeout, and goes on delivering calls', async () => {
    const peer = fritzPeer();
    await peer.listen();
    const log = collectingLogger();
    const box = new FritzboxCallMonitor({ host: '127.0.0.1', port: peer.port, log, backoff: FAST, idleTimeoutMs: 200 });
    try {
      const statuses = new StatusLog(box);
      await box.connect();
      await peer.connection();
      // the peer keeps the socket open but never writes (a box that was power-cycled behind a NAT)
      await statuses.until('connected', 2);
      assert.ok(log.lines.some((l) => l.includes('no data for 200 ms')));
      assert.ok(peer.accepted >= 2);
      const events = new EventLog(box);
      peer.send('25.09.23 09:54:59;RING;0;030123456;453423;SIP0;\n');
      await events.until((e) => e.kind === 'ringing');
    } finally {
      await box.disconnect();
      await peer.close();
    }
  });
});

describe('cti: session alerts and journal over a real Fritz!Box peer (C22)', function () {
  this.timeout(30_000);
  let store: AsyncStore;
  let peer: ScriptedPeer;
  let box: FritzboxCallMonitor;

  beforeEach(async () => {
    ({ db: store } = await smallDemoDb());
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

  it('shows the person for a local caller and "suppressed" for an empty one; journals answered and missed calls', async () => {
    const session = await CtiSession.create(store, box, { log: collectingLogger(), line: 'SIP0' });
    const alerts: CallAlert[] = [];
    const got = new Promise<void>((resolve) =>
      session.onAlert((a) => (alerts.push(a), alerts.length === 2 && resolve())),
    );
    const events = new EventLog(box);
    await box.connect();
    await peer.connection();
    peer.send('25.09.23 09:54:59;RING;0;6667777;453423;SIP0;\n25.09.23 09:55:59;RING;1;;453423;SIP0;\n');
    peer.send('25.09.23 09:56:00;RING;2;0301111111;453423;SIP9;\n'); // another line: not ours
    await got;
    peer.send(
      '25.09.23 09:57:00;CONNECT;0;12;6667777;\n25.09.23 09:58:00;DISCONNECT;0;60;\n25.09.23 09:58:01;DISCONNECT;1;0;\n',
    );
    await events.until((e) => e.kind === 'ended' || e.kind === 'missed', 2);
    const [first, second] = alerts;
    assert.ok(first?.lookup.outcome === 'matched' && first.lookup.matches[0]?.name === 'Mustermann, Erika');
    assert.equal(second?.lookup.outcome, 'suppressed');
    await session.settled();
    const journal = await listJournal(store);
    assert.deepEqual(journal.map((j) => [j.state, j.remoteNumber, j.matchName, j.open]).sort(), [
      ['ended', '6667777', 'Mustermann, Erika', false],
      ['missed', null, null, true],
    ]);
  });
});

describe('cti: Asterisk AMI against a TCP peer (C25)', function () {
  this.timeout(20_000);
  let peer: ScriptedPeer;
  let ami: AsteriskAmi;
  let received: AmiPeerLog;
  const log = collectingLogger();

  beforeEach(async () => {
    received = { actions: [] };
    peer = amiPeer('ixhaus', 's3cret', received);
    await peer.listen();
    ami = new AsteriskAmi({
      host: '127.0.0.1',
      port: peer.port,
      username: 'ixhaus',
      secret: 's3cret',
      log,
      backoff: FAST,
      pingMs: 0,
    });
  });
  afterEach(async () => {
    await ami.disconnect();
    await peer.close();
  });

  const trunk = (extra: Record<string, string>): string =>
    amiFrame({ Channel: 'SIP/trunk-00000008', Uniqueid: '1433907233.8', Linkedid: '1433907233.8', ...extra });

  it('logs in, groups by Linkedid, updates a late caller id, ignores internal ones, and reports answered/missed', async () => {
    const events = new EventLog(ami);
    await ami.connect();
    assert.equal(ami.banner, 'Asterisk Call Manager/5.0.1');
    assert.deepEqual(received.actions[0] && [received.actions[0].Action, received.actions[0].Username], [
      'Login',
      'ixhaus',
    ]);
    peer.send(trunk({ Event: 'Newchannel', CallerIDNum: '', ChannelStateDesc: 'Ring' }));
    peer.send(
      trunk({ Event: 'DialBegin', CallerIDNum: '', DestChannel: 'PJSIP/201-0000001a', DestCallerIDNum: '201' }),
    );
    await events.until((e) => e.kind === 'ringing');
    peer.send(
      trunk({
        Event: 'NewCallerid',
        CallerIDNum: '030123456',
        'CID-CallingPres': '0 (Presentation Allowed, Not Screened)',
      }),
    );
    await events.until((e) => e.kind === 'callerUpdated');
    peer.send(trunk({ Event: 'NewCallerid', CallerIDNum: '301' })); // internal: must not replace the caller
    peer.send(
      amiFrame({
        Event: 'Newstate',
        Channel: 'PJSIP/201-0000001a',
        Uniqueid: '1433907233.9',
        Linkedid: '1433907233.8',
        ChannelStateDesc: 'Up',
      }),
    );
    peer.send(
      amiFrame({
        Event: 'Hangup',
        Channel: 'PJSIP/201-0000001a',
        Uniqueid: '1433907233.9',
        Linkedid: '1433907233.8',
        Cause: '16',
      }),
    );
    peer.send(trunk({ Event: 'Hangup', Cause: '16', 'Cause-txt': 'Normal Clearing' }));
    await events.until((e) => e.kind === 'ended');
    // a withheld number (C25: <unknown> + Presentation Prohibited), Asterisk 1.8 style Dial, not answered
    const call2 = (extra: Record<string, string>): string =>
      amiFrame({ Channel: 'DAHDI/1-1', Uniqueid: '1500.1', Linkedid: '1500.1', ...extra });
    peer.send(
      call2({
        Event: 'Dial',
        SubEvent: 'Begin',
        CallerIDNum: '<unknown>',
        'CID-CallingPres': '32 (Presentation Prohibited, Not Screened)',
        Destination: 'SIP/202-00000002',
      }),
    );
    peer.send(call2({ Event: 'Hangup', Cause: '19' }));
    await events.until((e) => e.kind === 'missed');
    assert.deepEqual(
      events.events.map((e) => [e.kind, e.callId, e.remote, e.line]),
      [
        ['ringing', '1433907233.8', '', 'PJSIP/201'],
        ['callerUpdated', '1433907233.8', '030123456', 'PJSIP/201'],
        ['connected', '1433907233.8', '030123456', 'PJSIP/201'],
        ['ended', '1433907233.8', '030123456', 'PJSIP/201'],
        ['ringing', '1500.1', '', 'SIP/202'],
        ['missed', '1500.1', '', 'SIP/202'],
      ],
    );
    assert.deepEqual([...ami.lines()].sort(), ['PJSIP/201', 'SIP/202']);
  });

  it("dials with Originate from the user's phone, and reports a refused Originate", async () => {
    await ami.connect();
    const outcome = await ami.dial('00301234567', 'PJSIP/201');
    assert.equal(outcome.kind, 'placed');
    const originate = received.actions.find((a) => a.Action === 'Originate');
    assert.deepEqual(originate && [originate.Channel, originate.Exten, originate.Priority, originate.Async], [
      'PJSIP/201',
      '00301234567',
      '1',
      'true',
    ]);
    await assert.rejects(ami.dial('fail', 'PJSIP/201'), AmiError);
    await assert.rejects(ami.dial('00301234567', undefined), /No CTI line is chosen/);
  });

  it('rejects a wrong secret with a clear error and never logs the secret', async () => {
    const wrong = new AsteriskAmi({
      host: '127.0.0.1',
      port: peer.port,
      username: 'ixhaus',
      secret: 'wrong-secret',
      log,
      backoff: FAST,
      pingMs: 0,
    });
    try {
      await assert.rejects(wrong.connect(), /Asterisk refused the login: Authentication failed/);
    } finally {
      await wrong.disconnect();
    }
    assert.ok(!log.lines.some((l) => l.includes('wrong-secret') || l.includes('s3cret')));
  });

  it('logs in again after the peer restarts mid-call and does not announce the call twice', async () => {
    const events = new EventLog(ami);
    await ami.connect();
    peer.send(trunk({ Event: 'DialBegin', CallerIDNum: '030123456', DestChannel: 'PJSIP/201-0000001a' }));
    await events.until((e) => e.kind === 'ringing');
    const port = peer.port;
    const statuses = new StatusLog(ami);
    await peer.close();
    await statuses.until('reconnecting');
    await peer.listen(port);
    await statuses.until('connected');
    assert.equal(received.actions.filter((a) => a.Action === 'Login').length, 2);
    peer.send(trunk({ Event: 'DialBegin', CallerIDNum: '030123456', DestChannel: 'PJSIP/201-0000001a' }));
    peer.send(trunk({ Event: 'Hangup', Cause: '16' }));
    await events.until((e) => e.kind === 'missed');
    assert.deepEqual(
      events.events.map((e) => e.kind),
      ['ringing', 'missed'],
    );
  });
});
