/**
 * The monitors' health rows and how `serve --status` judges them (issue 21, src/core/alerts/monitorStatus.ts): one row
 * per monitor name in `meta`, rows older than 7 days dropped, and the states and problems an operator's check
 * (Nagios/Icinga) acts on. The store is the backend under test (sql.js, or PostgreSQL with IXHAUS_TEST_BACKEND).
 */
import { strict as assert } from 'node:assert';
import type { AlertClaim } from '../../src/core/alerts/claims';
import {
  assessMonitoring,
  formatMonitoringHealth,
  monitorState,
  readMonitorStatus,
  readMonitorStatuses,
  writeMonitorStatus,
} from '../../src/core/alerts/monitorStatus';
import type { MonitorStatus } from '../../src/core/alerts/monitorStatus';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import { emptyDb } from '../helpers';

const NOW = new Date('2026-12-03T15:00:00.000Z');
const minutes = (n: number): string => new Date(NOW.getTime() + n * 60_000).toISOString();

function status(name: string, extra: Partial<MonitorStatus> = {}): MonitorStatus {
  return {
    name,
    mode: 'service',
    by: `${name}:4711`,
    store: '/srv/ixhaus/produktion.sqlite',
    channels: ['teams', 'mail'],
    everyMinutes: 5,
    lastCycleAt: minutes(-1),
    lastCycleMs: 120,
    nextCycleAt: minutes(4),
    incidents: 0,
    delivered: 0,
    failedChannels: [],
    lastError: null,
    lastErrorAt: null,
    stoppedAt: null,
    stopSignal: null,
    ...extra,
  };
}

function failedClaim(channel: string, lastFailed: string): AlertClaim {
  return {
    incidentKey: 'scheduler:not-started:1:2026-12-03T01:00:00.000Z',
    channel,
    claimedBy: 'serve@a:1',
    claimedAt: lastFailed,
    expiresAt: lastFailed,
    sentAt: null,
    attempts: 4,
    lastError: `The alert channel ${channel} failed: HTTP 500 after 4 attempts`,
  };
}

describe('monitor status: one row per monitor, judged for --status (issue 21)', () => {
  let store: AsyncStore;
  beforeEach(async () => {
    store = await emptyDb();
  });
  afterEach(async () => {
    await store.close();
  });

  it('each monitor keeps its own row; a --once run does not replace the service; rows older than 7 days go', async () => {
    await writeMonitorStatus(
      store,
      status('old', { lastCycleAt: minutes(-8 * 24 * 60) }),
      new Date(minutes(-8 * 1440)),
    );
    await store.run("INSERT INTO meta (key, value) VALUES ('monitor_status', '{}')");
    await writeMonitorStatus(store, status('serve@ix1'), NOW);
    await writeMonitorStatus(store, status('serve-once@ix1', { mode: 'once', nextCycleAt: null }), NOW);
    assert.equal(await store.get("SELECT value FROM meta WHERE key = 'monitor_status'"), undefined, 'old single row');
    assert.deepEqual(
      (await readMonitorStatuses(store, NOW)).map((s) => s.name),
      ['serve-once@ix1', 'serve@ix1'],
    );
    // the stale row was removed by the later writes, not only hidden
    assert.equal(await readMonitorStatus(store, 'old'), undefined);
    await writeMonitorStatus(store, status('serve@ix1', { stoppedAt: NOW.toISOString(), stopSignal: 'SIGTERM' }), NOW);
    assert.equal((await readMonitorStatus(store, 'serve@ix1'))?.stopSignal, 'SIGTERM');
    assert.equal((await readMonitorStatuses(store, NOW)).length, 2);
  });

  it('states: running, overdue after 2 minutes late, stopped, a --once run scheduled within two intervals, else idle', () => {
    assert.equal(monitorState(status('a'), NOW), 'running');
    assert.equal(monitorState(status('a', { nextCycleAt: minutes(-2) }), NOW), 'running');
    assert.equal(monitorState(status('a', { nextCycleAt: minutes(-3) }), NOW), 'overdue');
    assert.equal(monitorState(status('a', { stoppedAt: minutes(-30), nextCycleAt: null }), NOW), 'stopped');
    const once = status('b', { mode: 'once', nextCycleAt: null, everyMinutes: 15 });
    assert.equal(monitorState({ ...once, lastCycleAt: minutes(-32) }, NOW), 'scheduled');
    assert.equal(monitorState({ ...once, lastCycleAt: minutes(-33) }, NOW), 'idle');
  });

  it('exit-worthy problems: nobody watching after a clean stop, an overdue service, a failed channel, a pending alert', () => {
    const healthy = assessMonitoring([status('serve@ix1')], [], NOW);
    assert.equal(healthy.ok, true);
    assert.equal(formatMonitoringHealth(healthy).split('\n')[0], 'OK: watched by serve@ix1');

    const stopped = assessMonitoring(
      [status('serve@ix1', { stoppedAt: minutes(-10), stopSignal: 'SIGTERM', nextCycleAt: null })],
      [],
      NOW,
    );
    assert.deepEqual(stopped.problems, ['no monitor is watching this store']);
    assert.match(
      formatMonitoringHealth(stopped),
      /serve@ix1 \(service, channels teams, mail\): stopped at .+ \(SIGTERM\)/,
    );
    // one of two services stopped for maintenance: the store is still watched
    assert.equal(
      assessMonitoring(
        [status('serve@ix1', { stoppedAt: minutes(-10), nextCycleAt: null }), status('serve@ix2')],
        [],
        NOW,
      ).ok,
      true,
    );
    // a killed service is a problem even while another one watches
    assert.deepEqual(
      assessMonitoring([status('serve@ix1', { nextCycleAt: minutes(-10) }), status('serve@ix2')], [], NOW).problems,
      [`serve@ix1 is overdue (next cycle was due at ${minutes(-10)})`],
    );
    assert.deepEqual(assessMonitoring([status('serve@ix1', { failedChannels: ['teams'] })], [], NOW).problems, [
      'serve@ix1: channel teams failed in the last cycle',
    ]);

    const pending = assessMonitoring([status('serve@ix1')], [failedClaim('teams', minutes(-3))], NOW);
    assert.equal(pending.ok, false);
    assert.deepEqual(pending.problems, ['1 alert not yet delivered after a failed attempt']);
    assert.doesNotMatch(pending.pending[0] ?? '', /any more/);
    // its channel is on no watching monitor any more: said, with how long ago it was last tried
    const orphan = assessMonitoring([status('serve@ix1')], [failedClaim('json', minutes(-5 * 60))], NOW);
    assert.match(
      orphan.pending[0] ?? '',
      /on json \(4 attempts, last failed .+\): The alert channel json failed: HTTP 500 after 4 attempts — no monitor watching this store sends on channel json any more \(last attempt 5 hours ago\)/,
    );
    // an undelivered alert older than the kept days is no longer reported
    assert.equal(assessMonitoring([status('serve@ix1')], [failedClaim('json', minutes(-8 * 1440))], NOW).ok, true);
    assert.deepEqual(assessMonitoring([], [], NOW).problems, ['no monitor has run on this store in the last 7 days']);
  });
});
