import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';
import { setJournalNote } from '../../src/core/cti/callJournal';
import { CtiSession } from '../../src/core/cti/ctiSession';
import { CtiSimulator } from '../../src/core/cti/simulator';
import { silentLogger } from '../../src/core/log';
import { Store } from '../../src/core/store/database';
import { SqlJsAsyncStore } from '../../src/core/store/sqlJsAsyncStore';
import { amiFrame, amiPeer, badAmiPeer, fritzPeer, tr064Peer } from '../peers/ctiPeers';
import type { AmiPeerLog } from '../peers/ctiPeers';
import { runBuiltCli, smallDemoStoreFile, tempDir } from '../helpers';

const root = path.join(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');

/** Runs the built CLI asynchronously (so a peer in this process can answer it); resolves with its output. */
function runAsync(
  args: string[],
  env: Record<string, string> = {},
): { done: Promise<{ code: number; stdout: string; stderr: string }>; stdout: () => string } {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return {
    done: new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))),
    stdout: () => stdout,
  };
}

describe('CLI: cti verbs (built dist/cli.js; real peers on 127.0.0.1)', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: string;

  before(async () => {
    execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root });
    ({ dir, cleanup } = await tempDir('ixhaus-cti-cli-'));
    store = path.join(dir, 'store.sqlite');
    await smallDemoStoreFile(store); // the run's demo store, generated once (test/helpers.ts)
  });
  after(async () => cleanup());

  it('normalize prints E.164 and the extension, or why not (exit 1)', () => {
    const ok = runBuiltCli(['cti', 'normalize', '+49 (0)30 12345-12']);
    assert.deepEqual([ok.code, ok.stdout], [0, '+493012345  extension 12\n']);
    const local = JSON.parse(runBuiltCli(['cti', 'normalize', '6667777', '--area-code', '030', '--json']).stdout) as {
      e164: string;
      reading: string;
    };
    assert.deepEqual([local.e164, local.reading], ['+49306667777', 'local']);
    const bad = runBuiltCli(['cti', 'normalize', '6667777']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /no own area code is configured/);
    assert.equal(
      runBuiltCli(['cti', 'normalize', 'anonymous']).stdout,
      'Rufnummer unterdrückt (empty or anonymous caller id)\n',
    );
    assert.equal(runBuiltCli(['cti', 'normalize', '030 1', '--area-code', 'x']).code, 1);
  });

  it('lookup prints matches with origin and field; internal numbers find users; area-code rebuilds the index', () => {
    const info = JSON.parse(runBuiltCli(['cti', 'lookup', '--store', store, '--json', '201']).stdout) as {
      result: { outcome: string; users: Array<{ login: string }> };
    };
    assert.deepEqual([info.result.outcome, info.result.users.length], ['internal', 1]);
    const local = runBuiltCli(['cti', 'lookup', '--store', store, '030 288 13 60']);
    assert.equal(local.code, 0);
    assert.match(local.stdout, /^\+49302881360: 1 match\n {2}person .*\[private: 2881360\]\n$/);
    assert.match(runBuiltCli(['cti', 'lookup', '--store', store, '']).stdout, /Rufnummer unterdrückt/);
    const letters = runBuiltCli(['cti', 'lookup', '--store', store, 'abc']);
    assert.equal(letters.code, 1);
    assert.match(letters.stderr, /Cannot normalise "abc": "abc" contains/);
    assert.match(
      runBuiltCli(['cti', 'lookup', '--store', store, '089 99999999']).stdout,
      /^unknown caller \+498999999999/,
    );
    assert.equal(
      runBuiltCli(['cti', 'area-code', '--store', store, '--user', 'haupt', '--password-env', 'IX_PW', '040'], {
        IX_PW: 'demo',
      }).code,
      1,
    );
    const set = runBuiltCli(
      ['cti', 'area-code', '--store', store, '--user', 'admin', '--password-env', 'IX_PW', '040'],
      { IX_PW: 'demo' },
    );
    assert.match(set.stdout, /own area code 040; \d+ numbers indexed/);
    assert.match(runBuiltCli(['cti', 'lookup', '--store', store, '040 2881360']).stdout, /1 match/);
    runBuiltCli(['cti', 'area-code', '--store', store, '--user', 'admin', '--password-env', 'IX_PW', '030'], {
      IX_PW: 'demo',
    });
  });

  it("listen --json prints one line per finished call with the box's own times (Europe/Berlin), durations and outcomes (issue 16 §1, §2)", async () => {
    const peer = fritzPeer();
    await peer.listen();
    try {
      const run = runAsync([
        'cti',
        'listen',
        '--store',
        store,
        '--fritzbox',
        `127.0.0.1:${peer.port}`,
        '--line',
        'SIP0',
        '--count',
        '4',
        '--json',
      ]);
      await peer.connection(false);
      peer.send(
        '25.09.23 09:54:59;RING;0;2881360;453423;SIP0;\r\n25.09.23 09:55:03;CONNECT;0;10;2881360;\r\n25.09.23 09:56:10;DISCONNECT;0;67;\r\n',
      );
      peer.send('25.09.23 10:00:00;RING;1;;453423;SIP0;\r\n');
      await new Promise((r) => setTimeout(r, 800)); // rang longer than the blocked-call threshold: missed
      peer.send('25.09.23 10:00:20;DISCONNECT;1;0;\r\n');
      peer.send('25.09.23 10:01:00;RING;2;01761234567;453423;SIP0;\r\n25.09.23 10:01:00;DISCONNECT;2;0;\r\n'); // blocked by the box
      peer.send('25.09.23 10:02:00;CALL;3;10;453423;0301234567;SIP0;\r\n25.09.23 10:02:30;DISCONNECT;3;0;\r\n');
      const result = await run.done;
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const keys = [
        'direction',
        'outcome',
        'startedAt',
        'answeredAt',
        'endedAt',
        'durationSeconds',
        'ownNumber',
        'line',
        'extension',
        'remote',
      ];
      assert.deepEqual(
        lines.map((l) => keys.map((k) => l[k])),
        [
          [
            'in',
            'answered',
            '2023-09-25T09:54:59+02:00',
            '2023-09-25T09:55:03+02:00',
            '2023-09-25T09:56:10+02:00',
            67,
            '453423',
            'SIP0',
            '10',
            '2881360',
          ],
          [
            'in',
            'missed',
            '2023-09-25T10:00:00+02:00',
            null,
            '2023-09-25T10:00:20+02:00',
            0,
            '453423',
            'SIP0',
            null,
            '',
          ],
          [
            'in',
            'blocked',
            '2023-09-25T10:01:00+02:00',
            null,
            '2023-09-25T10:01:00+02:00',
            0,
            '453423',
            'SIP0',
            null,
            '01761234567',
          ],
          [
            'out',
            'unanswered',
            '2023-09-25T10:02:00+02:00',
            null,
            '2023-09-25T10:02:30+02:00',
            0,
            '453423',
            'SIP0',
            '10',
            '0301234567',
          ],
        ],
      );
    } finally {
      await peer.close();
    }
  });

  it('listen without --json prints the alert with the matches and the finished call', async () => {
    const peer = fritzPeer();
    await peer.listen();
    try {
      const run = runAsync([
        'cti',
        'listen',
        '--store',
        store,
        '--fritzbox',
        `127.0.0.1:${peer.port}`,
        '--line',
        '10',
        '--count',
        '1',
        '--blocked-ms',
        '0',
      ]);
      await peer.connection(false);
      peer.send(
        '25.09.23 09:54:59;RING;0;2881360;453423;SIP0;\n25.09.23 09:55:03;CONNECT;0;10;2881360;\n25.09.23 09:56:10;DISCONNECT;0;67;\n',
      );
      const result = await run.done;
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /eingehender Anruf on SIP0 from 2881360\n\+49302881360: 1 match/);
      assert.match(
        result.stdout,
        /2023-09-25T09:54:59\+02:00 from 2881360: answered, 67 s, answered 2023-09-25T09:55:03\+02:00, ended 2023-09-25T09:56:10\+02:00 \[SIP0, ext 10, own 453423\]/,
      );
    } finally {
      await peer.close();
    }
  });

  it('listen and dial over Asterisk AMI, the secret from the environment', async () => {
    const received: AmiPeerLog = { actions: [] };
    const peer = amiPeer('ixhaus', 's3cret', received);
    await peer.listen();
    try {
      const run = runAsync(
        [
          'cti',
          'listen',
          '--store',
          store,
          '--ami',
          `127.0.0.1:${peer.port}`,
          '--ami-user',
          'ixhaus',
          '--ami-secret-env',
          'AMI_SECRET',
          '--count',
          '1',
        ],
        { AMI_SECRET: 's3cret' },
      );
      const socket = await peer.connection(false);
      while (!received.actions.some((a) => a.Action === 'Login')) await new Promise((r) => socket.once('data', r));
      await new Promise((r) => setImmediate(r));
      peer.send(
        amiFrame({
          Event: 'DialBegin',
          Channel: 'SIP/trunk-1',
          Uniqueid: '1.1',
          Linkedid: '1.1',
          CallerIDNum: '0302881360',
          DestChannel: 'PJSIP/201-1',
        }),
      );
      await new Promise((r) => setTimeout(r, 700)); // past the blocked-call threshold
      peer.send(amiFrame({ Event: 'Hangup', Channel: 'SIP/trunk-1', Uniqueid: '1.1', Linkedid: '1.1', Cause: '16' }));
      const result = await run.done;
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stdout,
        /eingehender Anruf on PJSIP\/201 from 0302881360\n\+49302881360: 1 match\n {2}person/,
      );
      assert.ok(!result.stdout.includes('s3cret') && !result.stderr.includes('s3cret'));
      const dial = runAsync(
        [
          'cti',
          'dial',
          '--store',
          store,
          '--ami',
          `127.0.0.1:${peer.port}`,
          '--ami-user',
          'ixhaus',
          '--ami-secret-env',
          'AMI_SECRET',
          '--line',
          'PJSIP/201',
          '--json',
          '+49 171 6783154',
        ],
        { AMI_SECRET: 's3cret' },
      );
      const dialed = await dial.done;
      assert.equal(dialed.code, 0, dialed.stderr);
      assert.deepEqual(
        (JSON.parse(dialed.stdout) as { dialString: string; outcome: { kind: string } }).outcome.kind,
        'placed',
      );
      const originate = received.actions.find((a) => a.Action === 'Originate');
      assert.deepEqual(originate && [originate.Channel, originate.Exten], ['PJSIP/201', '001716783154']);
      const missing = runBuiltCli([
        'cti',
        'listen',
        '--store',
        store,
        '--ami',
        `127.0.0.1:${peer.port}`,
        '--ami-user',
        'ixhaus',
        '--ami-secret-env',
        'NOT_SET_ANYWHERE',
      ]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /NOT_SET_ANYWHERE is not set/);
    } finally {
      await peer.close();
    }
  });

  it('dial and listen --ami end with a precise message against peers that stay silent or reset after accept (issue 16 §6)', async () => {
    for (const [kind, message] of [
      ['reset', /closed before the AMI banner \(reset after accept\)/],
      ['silent', /sent no AMI banner within 5000 ms/],
    ] as const) {
      const peer = badAmiPeer(kind);
      await peer.listen();
      try {
        const started = Date.now();
        const dial = await runAsync(
          [
            'cti',
            'dial',
            '--store',
            store,
            '--ami',
            `127.0.0.1:${peer.port}`,
            '--ami-user',
            'ixhaus',
            '--ami-secret-env',
            'AMI_SECRET',
            '--line',
            'PJSIP/201',
            '0301234567',
          ],
          { AMI_SECRET: 's3cret' },
        ).done;
        assert.equal(dial.code, 1, dial.stdout);
        assert.match(dial.stderr, message);
        assert.ok(!/refused/.test(dial.stderr), dial.stderr);
        assert.ok(Date.now() - started < 30_000);
        // listen says so at once on stderr and keeps retrying with the backoff (the test ends it)
        const listen = spawn(
          process.execPath,
          [
            cli,
            'cti',
            'listen',
            '--store',
            store,
            '--ami',
            `127.0.0.1:${peer.port}`,
            '--ami-user',
            'ixhaus',
            '--ami-secret-env',
            'AMI_SECRET',
          ],
          { env: { ...process.env, AMI_SECRET: 's3cret' } },
        );
        let stderr = '';
        listen.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        while (!message.test(stderr)) await new Promise((r) => setTimeout(r, 50));
        assert.match(stderr, /retrying in the background/);
        listen.kill();
        await new Promise((r) => listen.once('close', r));
      } finally {
        await peer.close();
      }
    }
  });

  it("journal prints the Anrufjournal with the telephone system's facts, for one user or all", async () => {
    const writable = new SqlJsAsyncStore(await Store.open(store));
    try {
      const haupt = Number((await writable.get("SELECT id FROM users WHERE login = 'haupt'"))?.id);
      const sim = new CtiSimulator(['SIM/1'], () => new Date('2023-09-25T07:54:59Z'));
      const session = await CtiSession.create(writable, sim, {
        log: silentLogger,
        line: 'SIM/1',
        userId: haupt,
        blockedCallMs: 0,
      });
      const a = sim.ring('030 2881360');
      sim.answer(a);
      sim.hangUp(a, 67);
      sim.hangUp(sim.ring('0171 6783154'));
      await session.settled();
      await session.stop();
      const row = Number((await writable.get('SELECT id FROM call_journal WHERE call_id = ?', [a]))?.id);
      await setJournalNote(writable, haupt, row, 'Rückruf wegen Heizung');
    } finally {
      await writable.close();
    }
    const json = runBuiltCli(['cti', 'journal', '--store', store, '--user', 'haupt', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const calls = (JSON.parse(json.stdout) as { calls: Array<Record<string, unknown>> }).calls;
    assert.deepEqual(
      calls.map((c) => [c.direction, c.outcome, c.startedAt, c.durationSeconds, c.remote, c.line, c.note, c.open]),
      [
        ['in', 'missed', '2023-09-25T09:54:59+02:00', 0, '0171 6783154', 'SIM/1', null, true],
        ['in', 'answered', '2023-09-25T09:54:59+02:00', 67, '030 2881360', 'SIM/1', 'Rückruf wegen Heizung', false],
      ],
    );
    const text = runBuiltCli(['cti', 'journal', '--store', store]);
    assert.match(
      text.stdout,
      /2023-09-25T09:54:59\+02:00 {2}← 030 2881360 .* {2}answered 67 s {2}\[SIM\/1\] {2}„Rückruf wegen Heizung“/,
    );
    assert.equal(runBuiltCli(['cti', 'journal', '--store', store, '--user', 'nobody']).code, 1);
  });

  it('dial without a PBX prints the dial string; a Fritz!Box gives a tel: URI', async () => {
    assert.equal(runBuiltCli(['cti', 'dial', '--store', store, '0171/6783154']).stdout, '001716783154\n');
    assert.equal(runBuiltCli(['cti', 'dial', '--store', store, '202']).stdout, '202\n');
    const peer = fritzPeer();
    await peer.listen();
    try {
      const result = await runAsync([
        'cti',
        'dial',
        '--store',
        store,
        '--fritzbox',
        `127.0.0.1:${peer.port}`,
        '0171/6783154',
      ]).done;
      // without TR-064 the box cannot dial: the tel: URI, without connecting to the call monitor at all
      assert.equal(
        result.stdout,
        '001716783154\nopen tel:001716783154 to dial (give --tr064-user to dial through the Fritz!Box)\n',
      );
      const noBox = runBuiltCli(['cti', 'dial', '--store', store, '--fritzbox', '127.0.0.1:1', '0171/6783154']);
      assert.equal(noBox.code, 0, noBox.stderr);
      assert.match(noBox.stdout, /open tel:001716783154 to dial/);
      const tr064 = await tr064Peer('ixhaus', 'geheim');
      try {
        const placed = await runAsync(
          [
            'cti',
            'dial',
            '--store',
            store,
            '--fritzbox',
            `127.0.0.1:${peer.port}`,
            '--tr064-user',
            'ixhaus',
            '--tr064-password-env',
            'FB_PW',
            '--tr064-port',
            String(tr064.port),
            '0171/6783154',
          ],
          { FB_PW: 'geheim' },
        ).done;
        assert.equal(placed.code, 0, placed.stderr);
        assert.deepEqual(tr064.dialled, ['001716783154']);
      } finally {
        await tr064.close();
      }
    } finally {
      await peer.close();
    }
    assert.equal(runBuiltCli(['cti', 'dial', '--store', store, 'Zentrale']).code, 1);
    assert.equal(runBuiltCli(['cti', 'listen', '--store', store]).code, 1);
  });
});
