import { strict as assert } from 'node:assert';
import { PermissionError } from '../../src/core/errors';
import {
  lastSecretExpiryLookup,
  secretExpiryChecks,
  secretExpiryIncident,
} from '../../src/core/alerts/secretExpiryAlert';
import { loadMailSettings, saveMailSettings } from '../../src/core/mail/mailStore';
import { HttpsClient } from '../../src/core/mail/oauth';
import { CLIENT_ID, GOOD_SECRET, OBJECT_ID, TENANT, startEntraPeer } from '../peers/entraPeer';
import {
  addJob,
  findJob,
  parseJobGroup,
  parseMaxRunMinutes,
  removeJob,
  updateJob,
} from '../../src/core/scheduler/jobAdmin';
import { findIncidents } from '../../src/core/scheduler/incidents';
import { listJobs, recordRunStart } from '../../src/core/scheduler/scheduler';
import { closeAfterEach, smallDemoDb } from '../helpers';

const NOW = new Date('2026-11-01T12:00:00Z');

describe('scheduler jobs: add, update, remove (admins, audited; backend under test; issue 21)', () => {
  const closing = closeAfterEach();

  it('adds, changes and removes a job with its runs; each change audited with old → new', async () => {
    const { db, admin } = closing(await smallDemoDb());
    const job = await addJob(
      db,
      admin,
      { name: 'Sollstellung', group: 'Buchhaltung', cron: '0 2 * * *', maxRunMinutes: 60 },
      NOW,
    );
    assert.deepEqual(await findJob(db, 'Sollstellung'), job);
    assert.deepEqual(await findJob(db, String(job.id)), job);
    const changed = await updateJob(db, admin, job.id, { cron: ' 30 1 * * 1-5 ', enabled: false }, NOW);
    assert.deepEqual(
      { cron: changed.cron, enabled: changed.enabled, max: changed.maxRunMinutes, group: changed.group },
      { cron: '30 1 * * 1-5', enabled: false, max: 60, group: 'Buchhaltung' },
    );
    assert.deepEqual(
      (await listJobs(db)).find((j) => j.id === job.id),
      changed,
    );
    await updateJob(db, admin, 'Sollstellung', { enabled: true, name: 'Sollstellung Miete' }, NOW);
    await recordRunStart(db, job.id, new Date('2026-11-02T00:30:00Z'));
    // a run without end past its maximum is an incident until the job is removed
    assert.equal((await findIncidents(db, { now: new Date('2026-11-02T03:00:00Z') })).length, 1);
    const removed = await removeJob(db, admin, 'Sollstellung Miete', NOW);
    assert.equal(removed.id, job.id);
    assert.equal(await findJob(db, job.id), undefined);
    assert.equal((await findIncidents(db, { now: new Date('2026-11-02T03:00:00Z') })).length, 0);
    assert.equal(
      (await db.query('SELECT id FROM scheduler_runs WHERE job_id = ?', [job.id])).length,
      0,
      'runs removed with the job',
    );
    const audit = await db.query<{ action: string; old_value: string | null; new_value: string | null }>(
      "SELECT action, old_value, new_value FROM audit_log WHERE entity = 'scheduler_jobs' AND entity_key = ? ORDER BY id",
      [String(job.id)],
    );
    assert.deepEqual(
      audit.map((a) => a.action),
      ['scheduler.job.add', 'scheduler.job.update', 'scheduler.job.update', 'scheduler.job.remove'],
    );
    assert.match(audit[1]?.old_value ?? '', /"cron":"0 2 \* \* \*"/);
    assert.match(audit[1]?.new_value ?? '', /"cron":"30 1 \* \* 1-5"/);
    assert.equal(audit[3]?.new_value, null);
  });

  it('refuses non-admins, bad cron (explained), bad run times, duplicate names and unknown jobs; nothing written', async () => {
    const { db, admin, haupt } = closing(await smallDemoDb());
    const job = await addJob(db, admin, { name: 'Export', cron: '0 3 * * *', maxRunMinutes: 30 }, NOW);
    await addJob(db, admin, { name: 'Import', cron: '0 4 * * *', maxRunMinutes: 30 }, NOW);
    await assert.rejects(addJob(db, haupt, { name: 'X', cron: '0 3 * * *', maxRunMinutes: 5 }), PermissionError);
    await assert.rejects(updateJob(db, haupt, job.id, { maxRunMinutes: 5 }), PermissionError);
    await assert.rejects(removeJob(db, haupt, job.id), PermissionError);
    await assert.rejects(
      updateJob(db, admin, job.id, { cron: '0 3 * *' }),
      /5 fields \(minute hour day month weekday\)/,
    );
    await assert.rejects(updateJob(db, admin, job.id, { cron: '0 25 * * *' }), /not a valid schedule/);
    await assert.rejects(updateJob(db, admin, job.id, { maxRunMinutes: 10081 }), /1 to 10080 minutes/);
    await assert.rejects(updateJob(db, admin, job.id, { name: 'Import' }), /already exists/);
    await assert.rejects(updateJob(db, admin, job.id, { name: 'a\nb' }), /one line/);
    await assert.rejects(
      removeJob(db, admin, 'Gibt es nicht'),
      /no scheduler job "Gibt es nicht": it may have been removed/,
    );
    assert.deepEqual(await findJob(db, job.id), job, 'unchanged');
    assert.equal(parseJobGroup('importe und exporte'), 'Importe und Exporte');
    assert.throws(() => parseJobGroup('Sonstiges'), /Buchhaltung, Importe und Exporte, Weitere Aufgaben/);
    assert.equal(parseMaxRunMinutes(' 90 '), 90);
    assert.throws(() => parseMaxRunMinutes('1.5'), /1 to 10080/);
  });
});

describe('client-secret expiry incidents (issue 21)', () => {
  it('one incident per window reached, one when expired, none outside the windows', () => {
    const at = (iso: string) => secretExpiryIncident('2027-03-31', 'app', new Date(iso), [30, 7, 1]);
    assert.equal(at('2027-02-01T00:00:00Z'), undefined);
    assert.equal(at('2027-03-02T00:00:00Z')?.key, 'secret-expiry:2027-03-31:30');
    assert.equal(at('2027-03-25T06:00:00Z')?.key, 'secret-expiry:2027-03-31:7');
    assert.equal(at('2027-03-30T12:00:00Z')?.key, 'secret-expiry:2027-03-31:1');
    assert.equal(at('2027-03-31T00:00:00Z')?.key, 'secret-expiry:2027-03-31:expired');
    assert.equal(secretExpiryIncident('31.03.2027', 'app', new Date(), [30]), undefined);
  });
});

describe('client-secret expiry checks on the backend under test (Graph peer on 127.0.0.1; issue 21)', () => {
  const closing = closeAfterEach();

  it('looks up once per UTC day and store, stores "Gültig bis", alerts from the stored date', async () => {
    const peer = await startEntraPeer({
      graph: {
        passwordCredentials: [{ keyId: 'k1', hint: GOOD_SECRET.slice(0, 3), endDateTime: '2027-03-31T00:00:00Z' }],
      },
    });
    try {
      const { db, admin } = closing(await smallDemoDb());
      await saveMailSettings(db, admin, {
        authType: 'oauth',
        user: 'verwaltung@ixhaus.example',
        from: 'verwaltung@ixhaus.example',
        clientId: CLIENT_ID,
        objectId: OBJECT_ID,
        tenant: TENANT,
        authorityHost: peer.host,
      });
      const [lookup, alert] = secretExpiryChecks({
        clientSecret: GOOD_SECRET,
        clientSecretSource: 'test',
        http: new HttpsClient({ ca: peer.ca, timeoutMs: 5000 }),
        graphHost: peer.host,
      });
      const graphCalls = () => peer.requests.filter((r) => r.includes('/v1.0/applications/')).length;
      const morning = new Date('2027-03-25T06:00:00Z');
      assert.deepEqual(await lookup!.run(db, morning), []);
      assert.equal(graphCalls(), 1);
      assert.equal((await loadMailSettings(db))?.secretValidUntil, '2027-03-31');
      assert.deepEqual(await lastSecretExpiryLookup(db), { at: morning.toISOString(), result: 'known' });
      assert.deepEqual(
        (await alert!.run(db, morning)).map((i) => i.key),
        ['secret-expiry:2027-03-31:7'],
      );
      await lookup!.run(db, new Date('2027-03-25T23:59:00Z'));
      assert.equal(graphCalls(), 1, 'the same UTC day: Graph not asked again');
      await lookup!.run(db, new Date('2027-03-26T00:01:00Z'));
      assert.equal(graphCalls(), 2, 'the next day: asked again');
    } finally {
      await peer.close();
    }
  });
});
