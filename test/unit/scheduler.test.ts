import { strict as assert } from 'node:assert';
import { findIncidents, jobStates } from '../../src/core/scheduler/incidents';
import { createJob, recordRunEnd, recordRunStart, validateCron } from '../../src/core/scheduler/scheduler';
import { monitorScheduler } from '../../src/core/scheduler/schedulerMonitor';
import { PermissionError } from '../../src/core/errors';
import { closeAfterEach } from '../helpers';
import { schedulerSetup } from './schedulerFixture';

const t = (iso: string) => new Date(iso);

const setup = schedulerSetup;

describe('scheduler: jobs and the failure monitor (injectable clock)', () => {
  const closing = closeAfterEach();
  it('validates cron (5 fields) and rights on create', async () => {
    const { store, admin, haupt } = await setup(closing);
    assert.throws(() => validateCron('0 2 * *'), /5 fields/);
    assert.throws(() => validateCron('0 25 * * *'), /not a valid schedule/);
    assert.doesNotThrow(() => validateCron('0 3 L * *'));
    await assert.rejects(
      () => createJob(store, haupt, { name: 'Sollstellung', cron: '0 2 * * *', maxRunMinutes: 60 }),
      PermissionError,
    );
    await createJob(
      store,
      admin,
      { name: 'Sollstellung', group: 'Buchhaltung', cron: '0 2 * * *', maxRunMinutes: 60 },
      t('2026-11-01T00:00:00Z'),
    );
    await assert.rejects(
      () => createJob(store, admin, { name: 'Sollstellung', cron: '0 2 * * *', maxRunMinutes: 60 }),
      /already exists/,
    );
    await assert.rejects(
      () => createJob(store, admin, { name: 'X', cron: '0 2 * * *', maxRunMinutes: 0 }),
      /1 to 10080/,
    );
  });

  it('"not started when due": one alert per incident to both recipients, not repeated, a new due time is a new incident', async () => {
    const { store, admin, settings, sent, send } = await setup(closing);
    // 02:00 Europe/Berlin = 01:00 UTC in November
    const job = await createJob(
      store,
      admin,
      { name: 'Bankimport', group: 'Importe und Exporte', cron: '0 2 * * *', maxRunMinutes: 30 },
      t('2026-11-01T12:00:00Z'),
    );
    assert.equal(
      (await monitorScheduler(store, settings, { now: t('2026-11-02T01:03:00Z') }, send)).incidents.length,
      0,
      'within the grace period',
    );
    const first = await monitorScheduler(store, settings, { now: t('2026-11-02T01:10:00Z') }, send);
    assert.equal(first.alerted.length, 1);
    assert.equal(first.alerted[0]?.kind, 'not-started');
    assert.equal(first.alerted[0]?.ref, '2026-11-02T01:00:00.000Z');
    assert.deepEqual(
      sent[0]?.to.map((r) => r.address),
      ['admin1@ixhaus.example', 'admin2@ixhaus.example'],
    );
    assert.match(sent[0]!.subject, /"Bankimport" nicht gestartet/);
    assert.equal(
      (await monitorScheduler(store, settings, { now: t('2026-11-02T06:00:00Z') }, send)).alerted.length,
      0,
      'same incident: no second alert',
    );
    assert.equal((await jobStates(store, { now: t('2026-11-02T06:00:00Z') }))[0]?.state, 'not-started');
    // next day it runs on time: no incident
    const run = await recordRunStart(store, job.id, t('2026-11-03T01:00:20Z'));
    await recordRunEnd(store, run, t('2026-11-03T01:05:00Z'), 'ok');
    assert.equal(
      (await monitorScheduler(store, settings, { now: t('2026-11-03T02:00:00Z') }, send)).incidents.length,
      0,
    );
    assert.equal((await jobStates(store, { now: t('2026-11-03T02:00:00Z') }))[0]?.state, 'ok');
    // the day after it is missed again: a new incident, a new alert
    assert.equal((await monitorScheduler(store, settings, { now: t('2026-11-04T01:30:00Z') }, send)).alerted.length, 1);
    assert.equal(sent.length, 2);
  });

  it('"blocked": a run past its maximum run time alerts once; disabled jobs never alert', async () => {
    const { store, admin, settings, sent, send } = await setup(closing);
    const job = await createJob(
      store,
      admin,
      { name: 'BK-Abrechnung', group: 'Buchhaltung', cron: '0 * * * *', maxRunMinutes: 20 },
      t('2026-11-02T00:30:00Z'),
    );
    await createJob(
      store,
      admin,
      { name: 'Alt-Daten markieren', cron: '* * * * *', maxRunMinutes: 5, enabled: false },
      t('2026-11-01T00:00:00Z'),
    );
    await recordRunStart(store, job.id, t('2026-11-02T01:00:00Z'));
    assert.deepEqual(await findIncidents(store, { now: t('2026-11-02T01:15:00Z') }), []);
    assert.equal(
      (await jobStates(store, { now: t('2026-11-02T01:15:00Z') })).find((s) => s.job.id === job.id)?.state,
      'running',
    );
    const blocked = await monitorScheduler(store, settings, { now: t('2026-11-02T01:21:00Z') }, send);
    assert.deepEqual(
      blocked.alerted.map((i) => i.kind),
      ['blocked'],
    );
    assert.match(sent[0]!.subject, /"BK-Abrechnung" blockiert/);
    assert.equal((await monitorScheduler(store, settings, { now: t('2026-11-02T01:40:00Z') }, send)).alerted.length, 0);
    assert.equal(
      (await jobStates(store, { now: t('2026-11-02T01:40:00Z') })).find((s) => s.job.name === 'Alt-Daten markieren')
        ?.state,
      'disabled',
    );
  });

  it('keeps an incident un-alerted when sending fails or no recipient is set, and alerts it later', async () => {
    const { store, admin, settings, sent, send } = await setup(closing);
    await createJob(
      store,
      admin,
      { name: 'Sollstellung', cron: '0 2 * * *', maxRunMinutes: 60 },
      t('2026-11-01T00:00:00Z'),
    );
    const now = { now: t('2026-11-02T01:30:00Z') };
    const down = await monitorScheduler(store, settings, now, async () => {
      throw new Error('smtp down');
    });
    assert.deepEqual(
      down.failed.map((f) => f.reason),
      ['smtp down'],
    );
    assert.equal(down.alertsMissed, true);
    const none = await monitorScheduler(
      store,
      { ...settings, schedulerRecipient: '', schedulerRecipient2: '' },
      now,
      send,
    );
    assert.equal(none.alerted.length, 0);
    assert.match(none.notAlertedReason ?? '', /no scheduler recipients/);
    assert.equal(none.alertsMissed, true);
    assert.equal((await monitorScheduler(store, settings, now, send)).alerted.length, 1);
    assert.equal(sent.length, 1);
  });
});
