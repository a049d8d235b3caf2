/**
 * Scheduler incidents as an administrator expects them (issue 21 trial): one incident — one alert on every channel —
 * while a job stays not started, a new one only after it ran again; states that say "due, within the grace time"
 * before the alert; alert times as German local time (Europe/Berlin). Real sql.js / PostgreSQL (backend under test),
 * real cron-parser, an injected clock.
 */
import { strict as assert } from 'node:assert';
import type { AlertChannel } from '../../src/core/alerts/channels';
import type { AlertIncident } from '../../src/core/alerts/incident';
import { runMonitorCycle } from '../../src/core/alerts/monitorCycle';
import { schedulerAlert, schedulerCheck } from '../../src/core/alerts/schedulerAlert';
import { germanTime } from '../../src/core/scheduler/germanTime';
import { findIncidents, jobStates } from '../../src/core/scheduler/incidents';
import {
  MAX_COUNTED_MISSES,
  createJob,
  recordRunEnd,
  recordRunStart,
  schedulerIncidentKey,
} from '../../src/core/scheduler/scheduler';
import { monitorScheduler } from '../../src/core/scheduler/schedulerMonitor';
import { stateDetail } from '../../src/cli/schedulerJobCommands';
import { closeAfterEach } from '../helpers';
import { schedulerSetup } from './schedulerFixture';

const t = (iso: string) => new Date(iso);
const minutes = (from: Date, n: number) => new Date(from.getTime() + n * 60_000);

/** A channel that keeps what it got (the edge of the test: the real channels are tested against peers elsewhere). */
function collectingChannel(name: string): AlertChannel & { got: AlertIncident[] } {
  const got: AlertIncident[] = [];
  return {
    name,
    got,
    deliver: async (incident) => {
      got.push(incident);
      return { attempts: [] };
    },
  };
}

const setup = schedulerSetup;

describe('scheduler incidents: one per job while it stays not started (issue 21 trial)', () => {
  const closing = closeAfterEach();

  it('a dead job due every minute: one incident over 3 hours of 5-minute cycles, one alert per channel and one mail', async () => {
    const { store, admin, settings, sent, send } = await setup(closing);
    // 03.12.2026 16:00 Europe/Berlin = 15:00 UTC
    const job = await createJob(
      store,
      admin,
      { name: 'Zahlungsverkehr', cron: '* * * * *', maxRunMinutes: 5 },
      t('2026-12-03T15:00:30Z'),
    );
    const teams = collectingChannel('teams');
    const json = collectingChannel('json');
    const keys = new Set<string>();
    const start = t('2026-12-03T15:01:00Z');
    for (let cycle = 0; cycle < 36; cycle++) {
      const now = minutes(start, 5 * cycle);
      for (const i of await findIncidents(store, { now })) keys.add(schedulerIncidentKey(i));
      await monitorScheduler(store, settings, { now, owner: 'vscode@test:1' }, send);
      await runMonitorCycle(store, [schedulerCheck()], [teams, json], { owner: 'serve@test:2', now });
    }
    assert.deepEqual([...keys], [`scheduler:not-started:${job.id}:2026-12-03T15:01:00.000Z`]);
    assert.equal(sent.length, 1, 'one alert mail');
    assert.equal(teams.got.length, 1, 'one Teams post');
    assert.equal(json.got.length, 1, 'one JSON post');
    // the first cycle past the grace time (16:11) alerted it: 16:01 to 16:05 Berlin time missed
    assert.match(
      sent[0]!.text,
      /wurde zum Termin 03\.12\.2026 16:01 Uhr nicht gestartet und ist seitdem nicht gelaufen \(5 Termine versäumt, zuletzt 03\.12\.2026 16:05 Uhr\)/,
    );
    assert.match(sent[0]!.text, /folgt keine weitere Meldung/);
    assert.equal(teams.got[0]!.at, '2026-12-03T15:01:00.000Z', 'machine-readable time stays ISO UTC');
    const rows = await store.query<{ ref: string; alerted_at: string | null }>(
      "SELECT ref, alerted_at FROM scheduler_incidents WHERE job_id = ? AND kind = 'not-started'",
      [job.id],
    );
    assert.deepEqual(
      rows.map((r) => r.ref),
      ['2026-12-03T15:01:00.000Z'],
    );
    const state = (await jobStates(store, { now: minutes(start, 600) }))[0]!;
    assert.equal(state.state, 'not-started');
    assert.equal(state.notStartedSince, '2026-12-03T15:01:00.000Z');
    assert.equal(state.missed, MAX_COUNTED_MISSES, 'counted up to the cap (600 missed)');
  });

  it('runs again and later misses again: a new incident (and alert); runs on time: none', async () => {
    const { store, admin, settings, sent, send } = await setup(closing);
    const job = await createJob(
      store,
      admin,
      { name: 'Bankimport', cron: '*/5 * * * *', maxRunMinutes: 2 },
      t('2026-12-03T07:58:00Z'),
    );
    const cycle = async (iso: string) => (await monitorScheduler(store, settings, { now: t(iso) }, send)).alerted;
    assert.equal((await cycle('2026-12-03T08:11:00Z')).length, 1, 'not started since 08:00 UTC');
    assert.equal((await cycle('2026-12-03T08:21:00Z')).length, 0, 'still the same incident');
    // it runs again (late) at 08:22 and at its due times up to 08:40, then dies
    for (const at of ['2026-12-03T08:22:00Z', '2026-12-03T08:25:05Z', '2026-12-03T08:30:02Z', '2026-12-03T08:40:01Z']) {
      const run = await recordRunStart(store, job.id, t(at));
      await recordRunEnd(store, run, minutes(t(at), 1), 'ok');
    }
    assert.deepEqual(
      await findIncidents(store, { now: t('2026-12-03T08:39:00Z') }),
      [],
      '08:35 not started yet, but within the grace time',
    );
    const again = await findIncidents(store, { now: t('2026-12-03T08:51:00Z') });
    assert.deepEqual(
      again.map((i) => [i.kind, i.ref, i.missed]),
      [['not-started', '2026-12-03T08:45:00.000Z', 1]],
      '08:35 was missed before the 08:40 run; the new incident starts after the last run',
    );
    const alerted = await cycle('2026-12-03T08:51:00Z');
    assert.equal(alerted.length, 1);
    assert.equal(sent.length, 2);
    assert.match(sent[1]!.text, /zum Termin 03\.12\.2026 09:45 Uhr nicht gestartet\./);
    assert.equal((await cycle('2026-12-03T10:00:00Z')).length, 0);
  });

  it('"blocked" stays one incident per run (ref run <id>), worded with the German start time and the maximum', async () => {
    const { store, admin, settings, sent, send } = await setup(closing);
    const job = await createJob(
      store,
      admin,
      { name: 'BK-Abrechnung', cron: '0 * * * *', maxRunMinutes: 20 },
      t('2026-07-01T00:30:00Z'),
    );
    const run = await recordRunStart(store, job.id, t('2026-07-01T01:00:00Z'));
    const incidents = await findIncidents(store, { now: t('2026-07-01T01:21:00Z') });
    assert.deepEqual(
      incidents.map((i) => [i.kind, i.ref, i.at]),
      [['blocked', `run ${run}`, '2026-07-01T01:00:00.000Z']],
    );
    await monitorScheduler(store, settings, { now: t('2026-07-01T01:21:00Z') }, send);
    await monitorScheduler(store, settings, { now: t('2026-07-01T01:50:00Z') }, send);
    assert.equal(sent.filter((m) => /blockiert/.test(m.subject)).length, 1);
    assert.match(
      sent[0]!.text,
      /läuft seit 01\.07\.2026 03:00 Uhr länger als die maximale Laufzeit von 20 Minuten \(blockiert\)/,
    );
    const alert = schedulerAlert(incidents[0]!);
    assert.equal(alert.key, `scheduler:blocked:${job.id}:run ${run}`);
    assert.deepEqual(alert.facts?.slice(2), [
      ['Gestartet', '01.07.2026 03:00 Uhr'],
      ['Maximale Laufzeit', '20 Minuten'],
    ]);
  });

  it('after an upgrade: an incident alerted per due time by an older version (mail and webhook claims) is not alerted again', async () => {
    const { store, admin, settings, sent, send } = await setup(closing);
    const job = await createJob(
      store,
      admin,
      { name: 'Sollstellung', cron: '*/5 * * * *', maxRunMinutes: 2 },
      t('2026-12-03T06:00:00Z'),
    );
    // the job last ran at 07:00; an older version alerted every due time it found from 07:15 on, each as its own
    // incident: the mail monitor (scheduler_incidents) at 07:10, 07:15 and 07:20, serve's webhooks (claims) too
    await recordRunEnd(
      store,
      await recordRunStart(store, job.id, t('2026-12-03T07:00:00Z')),
      t('2026-12-03T07:01:00Z'),
      'ok',
    );
    const legacy = ['2026-12-03T07:10:00.000Z', '2026-12-03T07:15:00.000Z', '2026-12-03T07:20:00.000Z'];
    await store.transaction(async (tx) => {
      for (const ref of legacy) {
        await tx.run(
          "INSERT INTO scheduler_incidents (job_id, kind, ref, detected_at, alerted_at) VALUES (?, 'not-started', ?, ?, ?)",
          [job.id, ref, ref, ref],
        );
        for (const channel of ['teams', 'json'])
          await tx.run(
            'INSERT INTO alert_claims (incident_key, channel, claimed_by, claimed_at, expires_at, sent_at, attempts) VALUES (?, ?, ?, ?, ?, ?, 1)',
            [`scheduler:not-started:${job.id}:${ref}`, channel, 'serve@old:1', ref, ref, ref],
          );
      }
    });
    const teams = collectingChannel('teams');
    const json = collectingChannel('json');
    for (let n = 0; n < 12; n++) {
      const now = minutes(t('2026-12-03T07:31:00Z'), 5 * n);
      const found = await findIncidents(store, { now });
      assert.deepEqual(
        found.map((i) => [i.ref, i.at]),
        [['2026-12-03T07:10:00.000Z', '2026-12-03T07:05:00.000Z']],
        'the earliest incident the old version recorded is taken over; the incident starts at the first missed due time',
      );
      await monitorScheduler(store, settings, { now }, send);
      await runMonitorCycle(store, [schedulerCheck()], [teams, json], { owner: 'serve@new:2', now });
    }
    assert.equal(sent.length, 0, 'no mail again');
    assert.equal(teams.got.length + json.got.length, 0, 'no webhook post again');
    // a claim of another job with a similar key, and the old incidents of before the last run, are not taken over
    const other = await createJob(
      store,
      admin,
      { name: 'Mahnlauf', cron: '*/5 * * * *', maxRunMinutes: 2 },
      t('2026-12-03T06:00:00Z'),
    );
    await recordRunStart(store, other.id, t('2026-12-03T09:00:00Z')).then((r) =>
      recordRunEnd(store, r, t('2026-12-03T09:01:00Z'), 'ok'),
    );
    await store.transaction(async (tx) => {
      // an incident of this job before its last run, and a claim of job "<id>0" (same leading digits)
      await tx.run(
        "INSERT INTO scheduler_incidents (job_id, kind, ref, detected_at, alerted_at) VALUES (?, 'not-started', '2026-12-03T08:50:00.000Z', '2026-12-03T08:56:00.000Z', '2026-12-03T08:56:00.000Z')",
        [other.id],
      );
      await tx.run(
        "INSERT INTO alert_claims (incident_key, channel, claimed_by, claimed_at, expires_at, sent_at, attempts) VALUES (?, 'teams', 'serve@old:1', '2026-12-03T09:16:00.000Z', '2026-12-03T09:16:00.000Z', '2026-12-03T09:16:00.000Z', 1)",
        [`scheduler:not-started:${other.id}0:2026-12-03T09:10:00.000Z`],
      );
    });
    const next = await findIncidents(store, { now: t('2026-12-03T09:20:00Z') });
    assert.deepEqual(
      next.filter((i) => i.jobId === other.id).map((i) => i.ref),
      ['2026-12-03T09:05:00.000Z'],
    );
    // the old job runs again and later misses: a new incident, alerted
    await recordRunEnd(
      store,
      await recordRunStart(store, job.id, t('2026-12-03T10:00:00Z')),
      t('2026-12-03T10:01:00Z'),
      'ok',
    );
    await monitorScheduler(store, settings, { now: t('2026-12-03T10:11:00Z') }, send);
    assert.equal(sent.filter((m) => m.subject.includes('Sollstellung')).length, 1);
  });
});

describe('scheduler states (issue 21 trial: "never-due" for a job that was due)', () => {
  const closing = closeAfterEach();

  it('not yet due → due within the grace time → not started when due → ran when due', async () => {
    const { store, admin } = await setup(closing);
    // added at 15:01:36 Berlin time (14:01:36 UTC) with "* * * * *", as in the trial
    const job = await createJob(
      store,
      admin,
      { name: 'Import Bank', cron: '* * * * *', maxRunMinutes: 5 },
      t('2026-12-03T14:01:36Z'),
    );
    const at = async (iso: string) => (await jobStates(store, { now: t(iso) }))[0]!;
    const early = await at('2026-12-03T14:01:50Z');
    assert.equal(early.state, 'not-yet-due');
    assert.equal(early.lastDue, undefined, 'no due time since it was created');
    assert.equal(stateDetail(early), 'not yet due, next 03.12.2026 15:02');

    const trial = await at('2026-12-03T14:06:19Z');
    assert.equal(trial.state, 'due');
    assert.equal(trial.notStartedSince, '2026-12-03T14:02:00.000Z');
    assert.equal(trial.lastDue, '2026-12-03T14:06:00.000Z');
    assert.equal(trial.graceEndsAt, '2026-12-03T14:07:00.000Z');
    assert.equal(
      stateDetail(trial),
      'due since 03.12.2026 15:02, waiting for the start (grace time until 03.12.2026 15:07), next 03.12.2026 15:07',
    );
    assert.deepEqual(await findIncidents(store, { now: t('2026-12-03T14:06:19Z') }), []);

    const late = await at('2026-12-03T14:09:30Z');
    assert.equal(late.state, 'not-started');
    assert.equal(late.missed, 3, '15:02, 15:03, 15:04 are past the grace time');
    assert.match(stateDetail(late), /^not started since 03\.12\.2026 15:02 \(3 due times missed\)/);

    const run = await recordRunStart(store, job.id, t('2026-12-03T14:10:00Z'));
    assert.equal((await at('2026-12-03T14:10:30Z')).state, 'running');
    await recordRunEnd(store, run, t('2026-12-03T14:10:40Z'), 'ok');
    const ok = await at('2026-12-03T14:10:50Z');
    assert.equal(ok.state, 'ok', 'the run at 15:10 covers the due time 15:10 (and 15:11, a minute early)');
    assert.equal(ok.lastStart, '2026-12-03T14:10:00.000Z');
    // due again at 15:12 and not started: within the grace time, then not started when due
    assert.equal((await at('2026-12-03T14:13:00Z')).state, 'due');
    assert.equal((await at('2026-12-03T14:18:00Z')).state, 'not-started');
  });

  it('a daily job that ran yesterday is "due" between its due time and the end of the grace time', async () => {
    const { store, admin } = await setup(closing);
    const job = await createJob(
      store,
      admin,
      { name: 'Sollstellung', cron: '0 2 * * *', maxRunMinutes: 30 },
      t('2026-11-01T00:00:00Z'),
    );
    await recordRunEnd(
      store,
      await recordRunStart(store, job.id, t('2026-11-02T01:00:05Z')),
      t('2026-11-02T01:10:00Z'),
      'ok',
    );
    const states = async (iso: string) => (await jobStates(store, { now: t(iso) }))[0]!.state;
    assert.equal(await states('2026-11-02T12:00:00Z'), 'ok');
    assert.equal(await states('2026-11-03T01:03:00Z'), 'due');
    assert.equal(await states('2026-11-03T01:06:00Z'), 'not-started');
    const disabled = await createJob(
      store,
      admin,
      { name: 'Alt', cron: '* * * * *', maxRunMinutes: 5, enabled: false },
      t('2026-11-01T00:00:00Z'),
    );
    assert.equal(
      (await jobStates(store, { now: t('2026-11-03T01:06:00Z') })).find((s) => s.job.id === disabled.id)?.state,
      'disabled',
    );
  });
});

describe('scheduler alert times: German local time, Europe/Berlin', () => {
  it('renders winter and summer time, and names the zone in the hour that occurs twice', () => {
    assert.equal(germanTime('2026-12-03T15:03:00.000Z'), '03.12.2026 16:03 Uhr');
    assert.equal(germanTime('2026-07-01T22:15:00.000Z'), '02.07.2026 00:15 Uhr');
    assert.equal(germanTime(t('2026-12-31T23:59:59.999Z'), { uhr: false }), '01.01.2027 00:59');
    // 25.10.2026: 03:00 MESZ → 02:00 MEZ, so 02:30 happens twice
    assert.equal(germanTime('2026-10-25T00:30:00.000Z'), '25.10.2026 02:30 Uhr (MESZ)');
    assert.equal(germanTime('2026-10-25T01:30:00.000Z'), '25.10.2026 02:30 Uhr (MEZ)');
    assert.equal(germanTime('2026-10-25T02:30:00.000Z'), '25.10.2026 03:30 Uhr');
    // 29.03.2026: 02:00 MEZ → 03:00 MESZ, no 02:xx at all
    assert.equal(germanTime('2026-03-29T00:59:00.000Z'), '29.03.2026 01:59 Uhr');
    assert.equal(germanTime('2026-03-29T01:00:00.000Z'), '29.03.2026 03:00 Uhr');
    assert.throws(() => germanTime('gestern'), /not a time/);
  });

  it('the alert of a job due at 02:30 in the night summer time ends says which 02:30', () => {
    const alert = schedulerAlert({
      jobId: 4,
      jobName: 'Nachtlauf',
      kind: 'not-started',
      ref: '2026-10-25T01:30:00.000Z',
      at: '2026-10-25T01:30:00.000Z',
      missed: 1,
      lastMissed: '2026-10-25T01:30:00.000Z',
    });
    assert.equal(alert.key, 'scheduler:not-started:4:2026-10-25T01:30:00.000Z');
    assert.equal(alert.at, '2026-10-25T01:30:00.000Z');
    assert.match(
      alert.text,
      /^Die Scheduler-Aufgabe "Nachtlauf" \(Nr\. 4\) wurde zum Termin 25\.10\.2026 02:30 Uhr \(MEZ\) nicht gestartet\.\n/,
    );
    assert.deepEqual(alert.facts?.[2], ['Nicht gestartet seit', '25.10.2026 02:30 Uhr (MEZ)']);
  });
});
